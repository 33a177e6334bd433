// The NAT application: the deployment's "nat" section (nat_section.h), the
// routers' service (nat_service.h), and its REST routes under /nat
// (controller/README.md).
#pragma once

#include "app.h"

#include "apps/nat/nat_section.h"

namespace cxxa::controller {

struct NatConfig : AppConfig {
    NatSettings settings;
};

const AppType &nat_app_type();

// The parsed "nat" section of 'd' (disabled if it has none).
const NatSettings &nat_settings(const Deployment &d);

}  // namespace cxxa::controller
