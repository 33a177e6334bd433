// The Paxos application: the deployment's "paxos" section, turned into
// the member switches' flows when the file is parsed (paxos_section.h).
// Nothing of it runs in the controller afterwards.
#pragma once

#include "app.h"

namespace cxxa::controller {

const AppType &paxos_app_type();

}  // namespace cxxa::controller
