// nat_primitive.h: the "nat" primitive (NAPT in the switch).
//
//   nat:out(ext=A.B.C.D[,ports=LO-HI][,filter=eim|adf|apdf])
//        outbound source NAPT to external address A.B.C.D, source ports
//        from LO-HI (default 1024-65535), inbound filtering
//        endpoint-independent (eim, default), address-dependent (adf) or
//        address-and-port-dependent (apdf)
//   nat:in(ext=A.B.C.D)
//        inbound reverse translation of packets to A.B.C.D
//   nat:forward(proto=tcp|udp,ext=A.B.C.D,port=P,to=W.X.Y.Z[:Q])
//        inbound port forwarding of ext:P to an inside host (port Q,
//        default P)
//
// "in" and "forward" recirculate: the actions after them see the
// translated packet (route on the inside address with resubmit).  "out"
// does not (its destination does not change).  Hairpinning is
// "nat:out(...),nat:in(...)" on a packet from inside to the external
// address.  What is translated and how: nat_translate.h; mappings,
// filtering, timers, bounds: nat_table.h; the RFC conformance table:
// CONFORMANCE.md.
//
// Top-level "nat:" (with the colon) is this primitive; "nat(...)" stays
// upstream's conntrack NAT, valid only inside ct(...).  "nat:src=..." is
// rejected with a pointer to ct(nat(...)).
//
// ovs-appctl: nat/show [BRIDGE], nat/set-timeouts BRIDGE KEY=SECONDS...,
// nat/flush [BRIDGE].
#ifndef CXXA_NAT_PRIMITIVE_H
#define CXXA_NAT_PRIMITIVE_H

#include "bridge/per_bridge.h"
#include "bridge/registry.h"
#include "nat_table.h"

namespace cxxa::nat {

enum class Op { kOut, kIn, kForward };

struct NatConfig : ActionConfig {
    Op op = Op::kOut;
    uint32_t ext = 0;
    uint16_t port_lo = 1024, port_hi = 65535;
    Filter filter = Filter::kEndpointIndependent;
    uint8_t proto = 0;     // forward: 6 or 17.
    uint16_t port = 0;     // forward: external port.
    uint32_t to = 0;       // forward: inside address.
    uint16_t to_port = 0;  // forward: inside port.
};

class NatPrimitive : public PrimitiveOf<NatConfig> {
  public:
    NatPrimitive() : PrimitiveOf("nat") {}

    std::string synopsis() const override;
    std::unique_ptr<const NatConfig>
    parse(std::string_view args) const override;
    std::string format(const NatConfig &) const override;
    unsigned int flags(const NatConfig &) const override;
    void execute(const NatConfig &, std::string_view bridge,
                 Batch &batch) override;
    std::vector<Command> commands() override;

    // The state of one bridge (tests).
    NatTable &table(std::string_view bridge) { return tables_.get(bridge); }

  private:
    PerBridge<NatTable> tables_;
};

}  // namespace cxxa::nat

#endif  // CXXA_NAT_PRIMITIVE_H
