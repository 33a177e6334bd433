// The controller's applications, in the order they see packet-ins and
// their sections are parsed.  Adding one: controller/README.md, "Adding an
// application".
#include "app.h"

#include "apps/amd/amd_app.h"
#include "apps/learning/learning_app.h"
#include "apps/nat/nat_app.h"
#include "apps/paxos/paxos_app.h"
#include "apps/pubsub/pubsub_app.h"

namespace cxxa::controller {

const std::vector<const AppType *> &app_types()
{
    static const std::vector<const AppType *> types = {
        &paxos_app_type(),    &amd_app_type(),
        &nat_app_type(),      &pubsub_app_type(),
        &learning_app_type(),  // Last: it takes every packet-in it sees.
    };
    return types;
}

}  // namespace cxxa::controller
