// primitives.cc: the one place where primitives are registered.  To add a
// primitive, write its folder and add one line here; OVS needs no change.
#include "amd/amd_primitive.h"
#include "bridge/registry.h"
#include "nat/nat_primitive.h"
#include "paxos/paxos_primitive.h"
#include "router/router_primitive.h"

namespace cxxa {

void register_all_primitives(Registry &registry)
{
    registry.add(std::make_unique<paxos::PaxosPrimitive>());
    registry.add(std::make_unique<amd::AmdPrimitive>());
    registry.add(std::make_unique<nat::NatPrimitive>());
    registry.add(std::make_unique<router::RouterPrimitive>());
}

}  // namespace cxxa
