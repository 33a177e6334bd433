// test-frames.h: builds Ethernet/IPv4 test frames and checks their checksums,
// independently of cxx-actions/net/inet.{h,cc} (its own byte-wise sum,
// written from RFC 791/793/768/792), so that a checksum bug in the code
// under test cannot hide in the test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace frames {

using Bytes = std::vector<uint8_t>;

inline uint32_t ip(int a, int b, int c, int d)
{
    return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8
           | uint32_t(d);
}

inline uint16_t rd16(const Bytes &f, size_t off)
{
    return uint16_t(f.at(off) << 8 | f.at(off + 1));
}
inline uint32_t rd32(const Bytes &f, size_t off)
{
    return uint32_t(rd16(f, off)) << 16 | rd16(f, off + 2);
}
inline void wr16(Bytes &f, size_t off, uint16_t v)
{
    f.at(off) = uint8_t(v >> 8);
    f.at(off + 1) = uint8_t(v & 0xff);
}
inline void wr32(Bytes &f, size_t off, uint32_t v)
{
    wr16(f, off, uint16_t(v >> 16));
    wr16(f, off + 2, uint16_t(v & 0xffff));
}

// One's complement sum, byte by byte with end-around carry at each step.
inline uint16_t ones_sum(const uint8_t *p, size_t n, uint16_t start = 0)
{
    uint32_t acc = start;
    for (size_t i = 0; i < n; i++) {
        uint32_t word = (i % 2 == 0) ? uint32_t(p[i]) << 8 : p[i];
        acc += word;
        if (acc > 0xffff) {
            acc = (acc & 0xffff) + 1;
        }
    }
    return uint16_t(acc);
}

// Offsets in frames built here: untagged Ethernet, 20-byte IPv4 header.
constexpr size_t kIp = 14, kL4 = 34;

// Checksum of the IPv4 header at 'ip_off' (IHL from the header); 0xffff
// ... i.e. returns true if it verifies.
inline bool ip_csum_ok(const Bytes &f, size_t ip_off = kIp)
{
    size_t hl = size_t(f.at(ip_off) & 0x0f) * 4;
    return ones_sum(&f.at(ip_off), hl) == 0xffff;
}

// Verifies the transport checksum of the datagram at 'ip_off' whose bytes
// run to 'end' (the whole datagram must be there).
inline bool l4_csum_ok(const Bytes &f, size_t ip_off = kIp, size_t end = 0)
{
    size_t hl = size_t(f.at(ip_off) & 0x0f) * 4;
    size_t tot = rd16(f, ip_off + 2);
    if (!end) {
        end = ip_off + tot;
    }
    uint8_t proto = f.at(ip_off + 9);
    size_t l4 = ip_off + hl;
    size_t len = end - l4;
    uint16_t s = 0;
    if (proto == 6 || proto == 17) {
        if (proto == 17 && rd16(f, l4 + 6) == 0) {
            return true;  // No checksum.
        }
        uint8_t pseudo[12];
        for (int i = 0; i < 8; i++) {
            pseudo[i] = f.at(ip_off + 12 + i);
        }
        pseudo[8] = 0;
        pseudo[9] = proto;
        pseudo[10] = uint8_t(len >> 8);
        pseudo[11] = uint8_t(len & 0xff);
        s = ones_sum(pseudo, 12);
    }
    s = ones_sum(&f.at(l4), len, s);
    return s == 0xffff;
}

// Fills the IPv4 header checksum and the transport checksum from scratch.
inline void fix_checksums(Bytes &f, size_t ip_off = kIp)
{
    size_t hl = size_t(f.at(ip_off) & 0x0f) * 4;
    wr16(f, ip_off + 10, 0);
    wr16(f, ip_off + 10, uint16_t(~ones_sum(&f.at(ip_off), hl)));
    uint8_t proto = f.at(ip_off + 9);
    size_t l4 = ip_off + hl;
    size_t len = ip_off + rd16(f, ip_off + 2) - l4;
    size_t csum = proto == 6 ? 16 : proto == 17 ? 6 : 2;
    wr16(f, l4 + csum, 0);
    uint16_t s = 0;
    if (proto == 6 || proto == 17) {
        uint8_t pseudo[12];
        for (int i = 0; i < 8; i++) {
            pseudo[i] = f.at(ip_off + 12 + i);
        }
        pseudo[8] = 0;
        pseudo[9] = proto;
        pseudo[10] = uint8_t(len >> 8);
        pseudo[11] = uint8_t(len & 0xff);
        s = ones_sum(pseudo, 12);
    }
    uint16_t c = uint16_t(~ones_sum(&f.at(l4), len, s));
    if (proto == 17 && c == 0) {
        c = 0xffff;
    }
    wr16(f, l4 + csum, c);
}

// An IPv4 datagram (no Ethernet) with 'l4' as its payload.
inline Bytes ipv4(uint8_t proto, uint32_t src, uint32_t dst, const Bytes &l4,
                  uint8_t ttl = 64)
{
    Bytes d(20);
    d[0] = 0x45;
    wr16(d, 2, uint16_t(20 + l4.size()));
    wr16(d, 4, 0x1234);
    d[8] = ttl;
    d[9] = proto;
    wr32(d, 12, src);
    wr32(d, 16, dst);
    d.insert(d.end(), l4.begin(), l4.end());
    return d;
}

inline Bytes l4_tcp(uint16_t sport, uint16_t dport, uint8_t flags,
                    const std::string &payload = "data")
{
    Bytes t(20);
    wr16(t, 0, sport);
    wr16(t, 2, dport);
    wr32(t, 4, 1000);
    t[12] = 0x50;
    t[13] = flags;
    wr16(t, 14, 65535);
    t.insert(t.end(), payload.begin(), payload.end());
    return t;
}

inline Bytes l4_udp(uint16_t sport, uint16_t dport,
                    const std::string &payload = "hello")
{
    Bytes u(8);
    wr16(u, 0, sport);
    wr16(u, 2, dport);
    wr16(u, 4, uint16_t(8 + payload.size()));
    u.insert(u.end(), payload.begin(), payload.end());
    return u;
}

inline Bytes l4_icmp(uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
                     const Bytes &payload = {'p', 'i', 'n', 'g'})
{
    Bytes m(8);
    m[0] = type;
    m[1] = code;
    wr16(m, 4, id);
    wr16(m, 6, seq);
    m.insert(m.end(), payload.begin(), payload.end());
    return m;
}

// Ethernet frame around an IPv4 datagram, checksums filled in.
inline Bytes frame(const Bytes &datagram, bool fill = true)
{
    Bytes f = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00};
    f.insert(f.end(), datagram.begin(), datagram.end());
    if (fill) {
        fix_checksums(f);
    }
    return f;
}

inline Bytes tcp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                 uint8_t flags = 0x10)
{
    return frame(ipv4(6, src, dst, l4_tcp(sport, dport, flags)));
}
inline Bytes udp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
    return frame(ipv4(17, src, dst, l4_udp(sport, dport)));
}
inline Bytes icmp_echo(uint32_t src, uint32_t dst, uint16_t id,
                       bool reply = false, uint16_t seq = 1)
{
    return frame(ipv4(1, src, dst, l4_icmp(reply ? 0 : 8, 0, id, seq)));
}

// An ICMP error (type/code) from 'src' to 'dst' quoting the first
// 'quote' bytes of the IPv4 datagram of 'about' (a frame from here).
inline Bytes icmp_error(uint8_t type, uint8_t code, uint32_t src, uint32_t dst,
                        const Bytes &about, size_t quote)
{
    Bytes quoted(about.begin() + kIp, about.begin() + kIp + quote);
    Bytes m = l4_icmp(type, code, 0, 0, quoted);
    return frame(ipv4(1, src, dst, m));
}

}  // namespace frames
