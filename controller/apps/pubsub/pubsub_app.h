// The publish/subscribe application: the deployment's "pubsub" section,
// publishers and subscribers learnt from their control messages
// (packet-ins of UDP to 225.0.0.37) or REST, and the flows that carry
// their events through the switches (pubsub_service.h).
#pragma once

#include "app.h"

namespace cxxa::controller {

const AppType &pubsub_app_type();

}  // namespace cxxa::controller
