// inet.cc: see inet.h.
#include "inet.h"

namespace cxxa::net {

uint32_t csum_add(const uint8_t *data, size_t len, uint32_t sum)
{
    size_t i = 0;
    for (; i + 1 < len; i += 2) {
        sum += get16(data + i);
    }
    if (i < len) {
        sum += uint32_t(data[i]) << 8;
    }
    return sum;
}

namespace {

// Common part of parse_frame() and parse_embedded(): 'ip' has 'avail'
// bytes; 'whole' says whether the datagram must be complete.
ParseError parse_ip(uint8_t *ip, size_t avail, bool whole, Ipv4 &out)
{
    if (avail < 20) {
        return ParseError::kTruncated;
    }
    if (ip[0] >> 4 != 4) {
        return ParseError::kMalformed;
    }
    size_t hdr_len = size_t(ip[0] & 0x0f) * 4;
    size_t tot_len = get16(ip + 2);
    if (hdr_len < 20 || tot_len < hdr_len) {
        return ParseError::kMalformed;
    }
    if (avail < hdr_len) {
        return ParseError::kTruncated;
    }
    if (tot_len > avail) {
        if (whole) {
            return ParseError::kTruncated;
        }
        tot_len = avail;
    }
    uint16_t frag = get16(ip + 6);
    out.ip = ip;
    out.ip_len = tot_len;
    out.hdr_len = hdr_len;
    out.proto = ip[kIpProto];
    out.fragment = (frag & 0x3fff) != 0;
    out.first_fragment = (frag & 0x1fff) == 0;
    out.l4 = ip + hdr_len;
    out.l4_len = tot_len - hdr_len;
    return ParseError::kNone;
}

}  // namespace

ParseError parse_frame(uint8_t *frame, size_t len, Ipv4 &out)
{
    if (len < 14) {
        return ParseError::kNotIpv4;
    }
    size_t off = 12;
    uint16_t type = get16(frame + off);
    if (type == kEthTypeVlan) {
        if (len < 18) {
            return ParseError::kTruncated;
        }
        off += 4;
        type = get16(frame + off);
    }
    if (type != kEthTypeIpv4) {
        return ParseError::kNotIpv4;
    }
    off += 2;
    return parse_ip(frame + off, len - off, true, out);
}

ParseError parse_embedded(uint8_t *data, size_t len, Ipv4 &out)
{
    return parse_ip(data, len, false, out);
}

uint16_t ip_header_checksum(const uint8_t *ip, size_t hdr_len)
{
    uint32_t sum = csum_add(ip, kIpCsum);
    sum = csum_add(ip + kIpCsum + 2, hdr_len - kIpCsum - 2, sum);
    return csum_finish(sum);
}

}  // namespace cxxa::net
