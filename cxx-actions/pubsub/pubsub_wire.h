// pubsub_wire.h: dz-expressions and the wire format of publish/subscribe
// (cxx-actions/pubsub/README.md), shared by the pubsub:filter primitive
// and the controller's pubsub application.
//
// A dz-expression ("dz") is a bit string of 0..64 bits: the region of the
// event space that a spatial index reaches by halving one dimension per
// bit, in turn.  A dz covers another if it is a prefix of it (a shorter dz
// is a larger region); the empty dz ("*") covers everything.
//
// Control messages are UDP datagrams to 225.0.0.37, port kControlPort:
//
//   version 0 (the thesis' fixed 8 bytes, dz of at most 23 bits):
//     type (1)  dz length in bits (1, 0..23)  0 0 0  dz value (3)
//   version 1 (the extension, dz of at most 64 bits), 16 bytes:
//     type (1)  dz length (1, 0..64)  1  0 0 0 0 0  dz value (8)
//
// The third byte (the first of the thesis' three reserved ones) is the
// version.  The value is big endian, right-aligned: the dz's first bit is
// the highest of its 'length' low bits, higher bits are zero.  E.g. an
// advertisement of dz 001 is {0, 3, 0, 0, 0, 0, 0, 1}.
//
// Events are UDP datagrams to the address derived from their dz
// (ipv4_address()), port kEventPort, whose payload starts with a 16-byte
// event header in the version 1 layout with type kEvent and the event's
// full dz; the application's bytes follow it.
#ifndef CXXA_PUBSUB_PUBSUB_WIRE_H
#define CXXA_PUBSUB_PUBSUB_WIRE_H

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxxa::pubsub {

constexpr uint32_t kControlAddress = 0xe1000025;  // 225.0.0.37
constexpr uint16_t kControlPort = 5037;
constexpr uint16_t kEventPort = 5038;
constexpr unsigned kMaxDzBits = 64;
constexpr unsigned kMaxV0DzBits = 23;
constexpr size_t kV0Size = 8;
constexpr size_t kV1Size = 16;
constexpr size_t kEventHeaderSize = kV1Size;

struct Dz {
    uint64_t bits = 0;  // The dz's bits, right-aligned.
    uint8_t len = 0;    // 0..64.

    // True if this dz is a prefix of 'o' (it covers o; every dz covers
    // itself).
    bool covers(const Dz &o) const;
    // One covers the other: their regions intersect.
    bool overlaps(const Dz &o) const { return covers(o) || o.covers(*this); }
    // The first n bits (n <= len).
    Dz prefix(unsigned n) const;
    // Bit i from the left (i < len).
    int bit(unsigned i) const { return int(bits >> (len - 1 - i) & 1); }
    // "0101", or "*" for the empty dz.
    std::string text() const;
    // Parses text(): '0'/'1' only, 1..64 of them, or "*".
    static std::optional<Dz> parse(std::string_view);

    auto operator<=>(const Dz &) const = default;
    bool operator==(const Dz &) const = default;
};

// Of two overlapping dz, the one covered by the other (the intersection
// of their regions).
inline const Dz &narrower(const Dz &a, const Dz &b)
{
    return a.len >= b.len ? a : b;
}

enum class MsgType : uint8_t {
    kAdvertise = 0,
    kSubscribe = 1,
    kUnadvertise = 2,
    kUnsubscribe = 3,
    kEvent = 4,  // Only in event headers.
};
const char *msg_type_name(MsgType);

struct Message {
    MsgType type = MsgType::kAdvertise;
    Dz dz;
};

enum class WireError {
    kNone,
    kTruncated,   // Fewer bytes than its version's size.
    kBadLength,   // More bytes than its version's size.
    kBadVersion,  // Third byte neither 0 nor 1.
    kBadType,     // Not a control message type (or not kEvent).
    kDzTooLong,   // Length over 23 (version 0) or 64 (version 1).
    kReserved,    // A reserved byte is not zero.
    kValueBits,   // Value bits set above the dz's length.
};
const char *wire_error_name(WireError);

// A control message: exactly one datagram payload.
WireError parse_control(const uint8_t *p, size_t len, Message &out);
// Version 0 if the dz fits (<= 23 bits), else version 1.
std::vector<uint8_t> encode_control(const Message &m);

// The event header at the start of an event's payload (bytes after it
// are the application's).
WireError parse_event_header(const uint8_t *p, size_t len, Dz &out);
std::vector<uint8_t> encode_event_header(const Dz &dz);

// The IPv4 destination of dz under the multicast prefix 'prefix'/'plen':
// the dz's first 32 - plen bits right after the prefix, the rest zero.  A
// longer dz is cut (its address is its prefix's).  match_bits() is the
// prefix length a flow matching dz's address uses.
uint32_t ipv4_address(uint32_t prefix, unsigned plen, const Dz &dz);
unsigned ipv4_match_bits(unsigned plen, const Dz &dz);

}  // namespace cxxa::pubsub

#endif  // CXXA_PUBSUB_PUBSUB_WIRE_H
