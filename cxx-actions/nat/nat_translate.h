// nat_translate.h: what the nat primitive does to one frame: parses it,
// asks the table (nat_table.h) for the mapping, and rewrites addresses,
// ports, ICMP query ids and every checksum in place.
//
//   - TCP and UDP: the inside address and port (out: source; in: destination)
//     and the transport checksum (RFC 1624 incremental update; a UDP
//     checksum of 0, "none", stays 0).
//   - ICMP echo: the query id is the port (RFC 5508 REQ-1): requests go
//     out, replies come in.  ICMP checksums are verified first.
//   - ICMP errors (destination unreachable, time exceeded, parameter
//     problem; RFC 5508 REQ-3/4/5): the outer address as for any packet,
//     and inside the quoted datagram the address and port (or query id)
//     that refer to the mapping, with the quoted IPv4 header checksum, the
//     quoted transport checksum when it is among the quoted bytes, and the
//     ICMP checksum over the whole message recomputed.  The quoted
//     datagram must belong to a live mapping (and, inbound, pass the
//     mapping's filter for the remote it was sent to).
//
// Fragments are not reassembled: they are dropped and counted.  The frame
// never changes size.
#ifndef CXXA_NAT_TRANSLATE_H
#define CXXA_NAT_TRANSLATE_H

#include <cstddef>
#include <cstdint>

#include "nat_table.h"

namespace cxxa::nat {

struct OutParams {
    uint32_t ext = 0;
    uint16_t lo = 1024, hi = 65535;
    Filter filter = Filter::kEndpointIndependent;
};

// Inside -> outside.  The table's lock must be held.
Event translate_out(NatTable &, const OutParams &, uint8_t *frame, size_t len,
                    int64_t now_ms);
// Outside -> inside, to external address 'ext'.
Event translate_in(NatTable &, uint32_t ext, uint8_t *frame, size_t len,
                   int64_t now_ms);
// Outside -> inside through the forwarded port ext:port of 'proto'.
Event translate_forward(NatTable &, uint32_t ext, uint8_t proto, uint16_t port,
                        uint32_t to_ip, uint16_t to_port, uint8_t *frame,
                        size_t len, int64_t now_ms);

}  // namespace cxxa::nat

#endif  // CXXA_NAT_TRANSLATE_H
