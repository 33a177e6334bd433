// nat_translate.cc: see nat_translate.h.
#include "nat_translate.h"

#include "net/inet.h"

namespace cxxa::nat {

using namespace cxxa::net;

namespace {

constexpr size_t kSrcPort = 0, kDstPort = 2, kIcmpId = 4;

Event parse_event(ParseError e)
{
    switch (e) {
    case ParseError::kNone:
        break;
    case ParseError::kNotIpv4:
        return Event::kDropNotIpv4;
    case ParseError::kTruncated:
        return Event::kDropTruncated;
    case ParseError::kMalformed:
        return Event::kDropMalformed;
    }
    return Event::kDropMalformed;
}

bool is_icmp_error(uint8_t type)
{
    return type == kIcmpUnreachable || type == kIcmpTimeExceeded
           || type == kIcmpParamProblem;
}

// Parses the frame and checks the transport header of a whole datagram.
Event parse(uint8_t *frame, size_t len, Ipv4 &p)
{
    ParseError e = parse_frame(frame, len, p);
    if (e != ParseError::kNone) {
        return parse_event(e);
    }
    if (p.fragment) {
        return Event::kDropFragment;
    }
    switch (p.proto) {
    case kProtoTcp: {
        if (p.l4_len < 20) {
            return Event::kDropTruncated;
        }
        size_t doff = size_t(p.l4[12] >> 4) * 4;
        if (doff < 20 || doff > p.l4_len) {
            return Event::kDropMalformed;
        }
        break;
    }
    case kProtoUdp: {
        if (p.l4_len < 8) {
            return Event::kDropTruncated;
        }
        size_t ulen = get16(p.l4 + 4);
        if (ulen < 8 || ulen > p.l4_len) {
            return Event::kDropMalformed;
        }
        break;
    }
    case kProtoIcmp:
        if (p.l4_len < 8) {
            return Event::kDropTruncated;
        }
        if (csum_finish(csum_add(p.l4, p.l4_len)) != 0) {
            return Event::kDropBadChecksum;
        }
        break;
    default:
        return Event::kDropUnsupported;
    }
    return Event::kTranslatedOut;  // "Parsed": the caller decides.
}

// The transport checksum field of 'p' if it is among the bytes present and
// in use (a UDP checksum of 0 means none), else nullptr.
uint8_t *l4_csum(const Ipv4 &p)
{
    size_t off = l4_csum_offset(p.proto);
    if (!off || p.l4_len < off + 2) {
        return nullptr;
    }
    uint8_t *c = p.l4 + off;
    if (p.proto == kProtoUdp && get16(c) == 0) {
        return nullptr;
    }
    return c;
}

void store_l4_csum(const Ipv4 &p, uint8_t *c, uint16_t v)
{
    if (p.proto == kProtoUdp && v == 0) {
        v = 0xffff;  // RFC 768: a computed 0 is sent as all ones.
    }
    put16(c, v);
}

// Rewrites one endpoint of 'p': the source or destination address and the
// 16-bit port or query id at 'off' of its transport header, with every
// checksum that covers them (the IPv4 header's; the transport one, which
// covers the address too when it has a pseudo-header), each updated once.
void set_endpoint(Ipv4 &p, bool src, uint32_t addr, size_t off, uint16_t port)
{
    uint32_t old_addr = src ? p.src() : p.dst();
    uint16_t old_port = get16(p.l4 + off);
    put16(p.l4 + off, port);
    if (uint8_t *c = l4_csum(p)) {
        uint16_t v = csum_update16(get16(c), old_port, port);
        if (csum_has_pseudo_header(p.proto)) {
            v = csum_update32(v, old_addr, addr);
        }
        store_l4_csum(p, c, v);
    }
    set_ip_addr(p, src ? kIpSrc : kIpDst, addr);
}

void recompute_icmp_csum(Ipv4 &p)
{
    put16(p.l4 + 2, 0);
    put16(p.l4 + 2, csum_finish(csum_add(p.l4, p.l4_len)));
}

// The datagram quoted by ICMP error 'outer', which must carry at least the
// first 8 bytes of its transport header.
Event parse_quoted(const Ipv4 &outer, Ipv4 &inner)
{
    ParseError e = parse_embedded(outer.l4 + 8, outer.l4_len - 8, inner);
    if (e != ParseError::kNone) {
        return parse_event(e);
    }
    if (!inner.first_fragment) {
        return Event::kDropFragment;
    }
    if (inner.l4_len < 8) {
        return Event::kDropTruncated;
    }
    if (inner.proto != kProtoTcp && inner.proto != kProtoUdp
        && inner.proto != kProtoIcmp) {
        return Event::kDropUnsupported;
    }
    return Event::kTranslatedOut;
}

// An ICMP error from inside about a datagram that came in through a
// mapping (quoted: remote -> inside host).
Event error_out(NatTable &t, const OutParams &o, Ipv4 &outer, int64_t now)
{
    Ipv4 inner;
    Event e = parse_quoted(outer, inner);
    if (!is_success(e)) {
        return e;
    }
    if (inner.src() != outer.dst()) {
        return Event::kDropMalformed;
    }
    size_t off = kDstPort;
    if (inner.proto == kProtoIcmp) {
        if (inner.l4[0] != kIcmpEchoReply) {
            return Event::kDropUnsupported;
        }
        off = kIcmpId;
    }
    const Mapping *m = t.find_inside(o.ext, inner.proto, inner.dst(),
                                     get16(inner.l4 + off), now);
    if (!m) {
        return Event::kDropNoMapping;
    }
    set_endpoint(inner, false, o.ext, off, m->ext_port);
    set_ip_src(outer, o.ext);
    recompute_icmp_csum(outer);
    return Event::kIcmpErrorOut;
}

// An ICMP error from outside about a datagram that went out through a
// mapping (quoted: external address -> remote).
Event error_in(NatTable &t, uint32_t ext, Ipv4 &outer, int64_t now)
{
    Ipv4 inner;
    Event e = parse_quoted(outer, inner);
    if (!is_success(e)) {
        return e;
    }
    if (inner.src() != ext) {
        return Event::kDropNoMapping;
    }
    size_t off = kSrcPort;
    uint16_t remote_port = 0;
    if (inner.proto == kProtoIcmp) {
        if (inner.l4[0] != kIcmpEchoRequest) {
            return Event::kDropUnsupported;
        }
        off = kIcmpId;
    } else {
        remote_port = get16(inner.l4 + kDstPort);
    }
    const Mapping *m = t.find_external(ext, inner.proto, get16(inner.l4 + off),
                                       now);
    if (!m) {
        return Event::kDropNoMapping;
    }
    if (!t.permits(*m, inner.dst(), remote_port, now)) {
        return Event::kDropFiltered;
    }
    set_endpoint(inner, true, m->in_ip, off, m->in_port);
    set_ip_dst(outer, m->in_ip);
    recompute_icmp_csum(outer);
    return Event::kIcmpErrorIn;
}

uint8_t tcp_flags(const Ipv4 &p)
{
    return p.proto == kProtoTcp ? p.l4[13] : 0;
}

}  // namespace

Event translate_out(NatTable &t, const OutParams &o, uint8_t *frame,
                    size_t len, int64_t now)
{
    Ipv4 p;
    Event e = parse(frame, len, p);
    if (!is_success(e)) {
        return e;
    }
    size_t off = kSrcPort;
    uint16_t remote_port = 0;
    if (p.proto == kProtoIcmp) {
        if (is_icmp_error(p.l4[0])) {
            return error_out(t, o, p, now);
        }
        if (p.l4[0] != kIcmpEchoRequest) {
            return Event::kDropUnsupported;
        }
        off = kIcmpId;
    } else {
        remote_port = get16(p.l4 + kDstPort);
    }
    NatTable::Result r = t.outbound(o.ext, o.lo, o.hi, o.filter, p.proto,
                                    p.src(), get16(p.l4 + off), p.dst(),
                                    remote_port, tcp_flags(p), now);
    if (!r.mapping) {
        return r.event;
    }
    set_endpoint(p, true, o.ext, off, r.mapping->ext_port);
    return Event::kTranslatedOut;
}

Event translate_in(NatTable &t, uint32_t ext, uint8_t *frame, size_t len,
                   int64_t now)
{
    Ipv4 p;
    Event e = parse(frame, len, p);
    if (!is_success(e)) {
        return e;
    }
    if (p.dst() != ext) {
        return Event::kDropNotExternal;
    }
    size_t off = kDstPort;
    uint16_t remote_port = 0;
    if (p.proto == kProtoIcmp) {
        if (is_icmp_error(p.l4[0])) {
            return error_in(t, ext, p, now);
        }
        if (p.l4[0] != kIcmpEchoReply) {
            return Event::kDropUnsupported;
        }
        off = kIcmpId;
    } else {
        remote_port = get16(p.l4 + kSrcPort);
    }
    NatTable::Result r = t.inbound(ext, p.proto, get16(p.l4 + off), p.src(),
                                   remote_port, tcp_flags(p), now);
    if (!r.mapping) {
        return r.event;
    }
    set_endpoint(p, false, r.mapping->in_ip, off, r.mapping->in_port);
    return Event::kTranslatedIn;
}

Event translate_forward(NatTable &t, uint32_t ext, uint8_t proto,
                        uint16_t port, uint32_t to_ip, uint16_t to_port,
                        uint8_t *frame, size_t len, int64_t now)
{
    Ipv4 p;
    Event e = parse(frame, len, p);
    if (!is_success(e)) {
        return e;
    }
    if (p.dst() != ext || p.proto != proto || get16(p.l4 + kDstPort) != port) {
        return Event::kDropNotExternal;
    }
    NatTable::Result r = t.forward(ext, proto, port, to_ip, to_port, p.src(),
                                   get16(p.l4 + kSrcPort), tcp_flags(p), now);
    if (!r.mapping) {
        return r.event;
    }
    set_endpoint(p, false, to_ip, kDstPort, to_port);
    return Event::kTranslatedIn;
}

}  // namespace cxxa::nat
