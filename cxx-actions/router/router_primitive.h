// router_primitive.h: the "router" primitive, the answers an IPv4 router
// gives itself, in the switch (no controller on the path).
//
//   router:echo_reply
//        an ICMP echo request addressed to the router becomes its echo
//        reply, in place: Ethernet and IPv4 addresses swapped, TTL 64,
//        type 0, checksums updated.  Follow it with "in_port".
//   router:time_exceeded(src=A.B.C.D)
//        the packet (whose TTL ran out) is replaced by an ICMP time
//        exceeded (type 11, code 0) from A.B.C.D to its sender, quoting
//        its IPv4 header and the start of its payload (RFC 792, RFC 1812
//        4.3.2.3: up to 576 bytes in all), Ethernet addresses swapped.
//        Recirculates (another packet follows).  Follow it with "in_port".
//
// Packets that get no answer are dropped and counted: anything but an
// intact echo request (echo_reply), and (time_exceeded, RFC 1812 4.3.2.7)
// ICMP errors, non-first fragments and packets from a broadcast, multicast
// or zero source.  IP TTL decrement itself is OpenFlow's dec_ttl.
#ifndef CXXA_ROUTER_PRIMITIVE_H
#define CXXA_ROUTER_PRIMITIVE_H

#include <vector>

#include "bridge/registry.h"

namespace cxxa::router {

enum class Op { kEchoReply, kTimeExceeded };

struct RouterConfig : ActionConfig {
    Op op = Op::kEchoReply;
    uint32_t src = 0;  // time_exceeded: the router's address.
};

// The answers, as pure functions for the tests.  echo_reply() rewrites
// 'frame' in place and returns false (leaving it unchanged) if it is not
// an intact ICMP echo request.  time_exceeded() returns the error frame,
// or an empty vector if none may be sent.
bool echo_reply(uint8_t *frame, size_t len);
std::vector<uint8_t> time_exceeded(const uint8_t *frame, size_t len,
                                   uint32_t src);

class RouterPrimitive : public PrimitiveOf<RouterConfig> {
  public:
    RouterPrimitive() : PrimitiveOf("router") {}

    std::string synopsis() const override;
    std::unique_ptr<const RouterConfig>
    parse(std::string_view args) const override;
    std::string format(const RouterConfig &) const override;
    unsigned int flags(const RouterConfig &) const override;
    void execute(const RouterConfig &, std::string_view bridge,
                 Batch &batch) override;
};

}  // namespace cxxa::router

#endif  // CXXA_ROUTER_PRIMITIVE_H
