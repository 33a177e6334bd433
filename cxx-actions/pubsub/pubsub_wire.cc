// pubsub_wire.cc: see pubsub_wire.h.
#include "pubsub/pubsub_wire.h"

#include "bridge/bytes.h"

namespace cxxa::pubsub {

namespace {

uint64_t low_mask(unsigned n)
{
    return n >= 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1;
}

// The parts common to control messages and event headers.
WireError parse_any(const uint8_t *p, size_t len, MsgType &type, Dz &dz)
{
    if (len < 3) {
        return WireError::kTruncated;
    }
    uint8_t version = p[2];
    if (version > 1) {
        return WireError::kBadVersion;
    }
    size_t size = version == 0 ? kV0Size : kV1Size;
    if (len < size) {
        return WireError::kTruncated;
    }
    if (p[0] > uint8_t(MsgType::kEvent)) {
        return WireError::kBadType;
    }
    unsigned max_len = version == 0 ? kMaxV0DzBits : kMaxDzBits;
    if (p[1] > max_len) {
        return WireError::kDzTooLong;
    }
    uint64_t value = 0;
    size_t value_at = version == 0 ? 5 : 8;
    for (size_t i = 3; i < value_at; i++) {
        if (p[i] != 0) {
            return WireError::kReserved;
        }
    }
    for (size_t i = value_at; i < size; i++) {
        value = value << 8 | p[i];
    }
    if (value & ~low_mask(p[1])) {
        return WireError::kValueBits;
    }
    type = MsgType(p[0]);
    dz = Dz{value, p[1]};
    return size == len ? WireError::kNone : WireError::kBadLength;
}

std::vector<uint8_t> encode_any(MsgType type, const Dz &dz, bool v0)
{
    std::vector<uint8_t> out(v0 ? kV0Size : kV1Size, 0);
    out[0] = uint8_t(type);
    out[1] = dz.len;
    out[2] = v0 ? 0 : 1;
    if (v0) {
        out[5] = uint8_t(dz.bits >> 16);
        out[6] = uint8_t(dz.bits >> 8);
        out[7] = uint8_t(dz.bits);
    } else {
        put32(out.data() + 8, uint32_t(dz.bits >> 32));
        put32(out.data() + 12, uint32_t(dz.bits));
    }
    return out;
}

}  // namespace

bool Dz::covers(const Dz &o) const
{
    return len <= o.len && (len == 0 || o.bits >> (o.len - len) == bits);
}

Dz Dz::prefix(unsigned n) const
{
    return n >= len ? *this : Dz{n == 0 ? 0 : bits >> (len - n), uint8_t(n)};
}

std::string Dz::text() const
{
    if (len == 0) {
        return "*";
    }
    std::string s;
    for (unsigned i = 0; i < len; i++) {
        s += char('0' + bit(i));
    }
    return s;
}

std::optional<Dz> Dz::parse(std::string_view s)
{
    if (s == "*") {
        return Dz{};
    }
    if (s.empty() || s.size() > kMaxDzBits) {
        return std::nullopt;
    }
    Dz dz;
    for (char c : s) {
        if (c != '0' && c != '1') {
            return std::nullopt;
        }
        dz.bits = dz.bits << 1 | uint64_t(c - '0');
    }
    dz.len = uint8_t(s.size());
    return dz;
}

const char *msg_type_name(MsgType t)
{
    switch (t) {
    case MsgType::kAdvertise:
        return "advertise";
    case MsgType::kSubscribe:
        return "subscribe";
    case MsgType::kUnadvertise:
        return "unadvertise";
    case MsgType::kUnsubscribe:
        return "unsubscribe";
    case MsgType::kEvent:
        return "event";
    }
    return "?";
}

const char *wire_error_name(WireError e)
{
    switch (e) {
    case WireError::kNone:
        return "none";
    case WireError::kTruncated:
        return "truncated";
    case WireError::kBadLength:
        return "bad_length";
    case WireError::kBadVersion:
        return "bad_version";
    case WireError::kBadType:
        return "bad_type";
    case WireError::kDzTooLong:
        return "dz_too_long";
    case WireError::kReserved:
        return "reserved";
    case WireError::kValueBits:
        return "value_bits";
    }
    return "?";
}

WireError parse_control(const uint8_t *p, size_t len, Message &out)
{
    Message m;
    WireError e = parse_any(p, len, m.type, m.dz);
    if (e == WireError::kNone && m.type == MsgType::kEvent) {
        return WireError::kBadType;
    }
    if (e == WireError::kNone) {
        out = m;
    }
    return e;
}

std::vector<uint8_t> encode_control(const Message &m)
{
    return encode_any(m.type, m.dz, m.dz.len <= kMaxV0DzBits);
}

WireError parse_event_header(const uint8_t *p, size_t len, Dz &out)
{
    if (len >= 3 && p[2] != 1) {
        return WireError::kBadVersion;
    }
    MsgType type;
    Dz dz;
    // The header is followed by the application's bytes.
    WireError e = parse_any(p, len < kV1Size ? len : kV1Size, type, dz);
    if (e == WireError::kNone && type != MsgType::kEvent) {
        return WireError::kBadType;
    }
    if (e == WireError::kNone) {
        out = dz;
    }
    return e;
}

std::vector<uint8_t> encode_event_header(const Dz &dz)
{
    return encode_any(MsgType::kEvent, dz, false);
}

uint32_t ipv4_address(uint32_t prefix, unsigned plen, const Dz &dz)
{
    unsigned room = 32 - plen;
    Dz cut = dz.prefix(room);
    uint32_t net = plen == 0 ? 0 : prefix & ~uint32_t(low_mask(32 - plen));
    return net | uint32_t(cut.bits << (room - cut.len));
}

unsigned ipv4_match_bits(unsigned plen, const Dz &dz)
{
    unsigned room = 32 - plen;
    return plen + (dz.len < room ? dz.len : room);
}

}  // namespace cxxa::pubsub
