// inet.h: Ethernet/IPv4/TCP/UDP/ICMP header access and Internet checksums
// for primitives that look into or rewrite IP packets (nat, router).
//
// Frames are plain bytes; nothing here allocates.  Multi-byte fields are
// read and written big endian (bridge/bytes.h).  Checksums follow RFC 1071
// (computation) and RFC 1624 (incremental update, eqn. 3).
#ifndef CXXA_NET_INET_H
#define CXXA_NET_INET_H

#include <cstddef>
#include <cstdint>

#include "bridge/bytes.h"

namespace cxxa::net {

using cxxa::get16;
using cxxa::get32;
using cxxa::put16;
using cxxa::put32;

constexpr uint16_t kEthTypeIpv4 = 0x0800;
constexpr uint16_t kEthTypeVlan = 0x8100;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

constexpr uint8_t kIcmpEchoReply = 0;
constexpr uint8_t kIcmpUnreachable = 3;
constexpr uint8_t kIcmpEchoRequest = 8;
constexpr uint8_t kIcmpTimeExceeded = 11;
constexpr uint8_t kIcmpParamProblem = 12;

// Sum of 16-bit big-endian words of data[0..len) (odd tail padded with 0),
// added to 'sum', not folded.
uint32_t csum_add(const uint8_t *data, size_t len, uint32_t sum = 0);
// Folds a sum to 16 bits and complements it: the checksum field value.
inline uint16_t csum_finish(uint32_t sum)
{
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}
// The checksum field after one 16-bit or 32-bit word it covers changed from
// 'old' to 'now' (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
inline uint16_t csum_update16(uint16_t csum, uint16_t old, uint16_t now)
{
    return csum_finish(uint32_t(uint16_t(~csum)) + uint16_t(~old) + now);
}
inline uint16_t csum_update32(uint16_t csum, uint32_t old, uint32_t now)
{
    uint32_t sum = uint32_t(uint16_t(~csum)) + uint16_t(~(old >> 16))
                   + uint16_t(~old) + (now >> 16) + (now & 0xffff);
    return csum_finish(sum);
}

// Offsets inside an IPv4 header.
constexpr size_t kIpTtl = 8, kIpProto = 9, kIpCsum = 10, kIpSrc = 12,
                 kIpDst = 16;

// An IPv4 packet located in a frame (or in an ICMP error's payload).
struct Ipv4 {
    uint8_t *ip = nullptr;  // IPv4 header.
    size_t ip_len = 0;      // Bytes from 'ip' that belong to the datagram
                            // and are present (<= total length).
    size_t hdr_len = 0;     // IHL * 4.
    uint8_t proto = 0;
    bool fragment = false;       // MF set or offset != 0.
    bool first_fragment = true;  // Offset == 0.
    uint8_t *l4 = nullptr;       // Transport header (ip + hdr_len).
    size_t l4_len = 0;           // Bytes present from 'l4' in the datagram.

    uint32_t src() const { return get32(ip + kIpSrc); }
    uint32_t dst() const { return get32(ip + kIpDst); }
    uint8_t ttl() const { return ip[kIpTtl]; }
};

enum class ParseError {
    kNone,
    kNotIpv4,    // Not an IPv4 frame at all.
    kTruncated,  // Shorter than its headers say.
    kMalformed,  // Bad version, IHL or total length.
};

// Locates the IPv4 header of an Ethernet frame (at most one 802.1Q tag),
// checks version, IHL and total length against the bytes present.  Bytes
// after the datagram (Ethernet padding) are not part of it.
ParseError parse_frame(uint8_t *frame, size_t len, Ipv4 &out);

// Locates an IPv4 header at 'data' (e.g. the datagram embedded in an ICMP
// error): the header must be complete, the rest may be cut short (l4_len
// counts the bytes present).
ParseError parse_embedded(uint8_t *data, size_t len, Ipv4 &out);

// Rewrites the IPv4 source or destination address and updates the IPv4
// header checksum.
inline void set_ip_addr(Ipv4 &p, size_t off, uint32_t addr)
{
    uint32_t old = get32(p.ip + off);
    put32(p.ip + off, addr);
    put16(p.ip + kIpCsum, csum_update32(get16(p.ip + kIpCsum), old, addr));
}
inline void set_ip_src(Ipv4 &p, uint32_t addr)
{
    set_ip_addr(p, kIpSrc, addr);
}
inline void set_ip_dst(Ipv4 &p, uint32_t addr)
{
    set_ip_addr(p, kIpDst, addr);
}

// The offset of the transport checksum for 'proto' (TCP 16, UDP 6, ICMP 2),
// or 0 if there is none.
inline size_t l4_csum_offset(uint8_t proto)
{
    return proto == kProtoTcp    ? 16
           : proto == kProtoUdp  ? 6
           : proto == kProtoIcmp ? 2
                                 : 0;
}
// True if the transport checksum covers the IPv4 pseudo-header.
inline bool csum_has_pseudo_header(uint8_t proto)
{
    return proto == kProtoTcp || proto == kProtoUdp;
}

// The datagram's IPv4 header checksum, computed from scratch.
uint16_t ip_header_checksum(const uint8_t *ip, size_t hdr_len);

}  // namespace cxxa::net

#endif  // CXXA_NET_INET_H
