// The AMD application: the deployment's "amd" section (amd_section.h),
// the service that keeps the servers and their modes (amd_service.h), and
// its REST routes under /amd (controller/README.md).
#pragma once

#include "app.h"

#include "apps/amd/amd_section.h"

namespace cxxa::controller {

struct AmdConfig : AppConfig {
    AmdSettings settings;
};

const AppType &amd_app_type();

// The parsed "amd" section of 'd' (disabled if it has none).
const AmdSettings &amd_settings(const Deployment &d);

}  // namespace cxxa::controller
