// paxos_wire.h: the Paxos frame format.
//
// The thesis' Ethernet types and its round/sequence fields at its offsets,
// followed by what correctness needs (group id, sender node id):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-------------------------------+-------------------------------+
//   |        destination MAC (6 bytes): ff:ff:ff:ff:ff:ff           |
//   +                               +-------------------------------+
//   |                               |    source MAC (6 bytes):      |
//   +-------------------------------+  02:7a:GG:GG:NN:NN            +
//   |                                                               |
//   +-------------------------------+-------------------------------+
//   |  Ethernet type 0x7A00..0x7A40 |         round (32 bits)  ...  |
//   +-------------------------------+-------------------------------+
//   |   ... round                   |      sequence (32 bits) ...   |
//   +-------------------------------+-------------------------------+
//   |   ... sequence                |       group id (16 bits)      |
//   +-------------------------------+-------------------------------+
//   |    sender node id (16 bits)   |  payload: the whole client    |
//   +-------------------------------+  frame (ACCEPT, CLIENT)  ...  |
//
// All fields big endian.  Offsets from the start of the frame: type 12,
// round 14, sequence 18 (as in the thesis), group 22, sender 24, payload 26.
// In the source MAC, GG:GG is the group id and NN:NN the sender node id.
#ifndef CXXA_PAXOS_WIRE_H
#define CXXA_PAXOS_WIRE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace cxxa::paxos {

enum class MsgType : uint16_t {
    kJoin = 0x7A00,  // PREPARE of phase 1 (the thesis' JOIN).
    kAccept = 0x7A01,
    kLearn = 0x7A02,
    kPromise = 0x7A03,
    kHeartbeat = 0x7A04,
    kAsk = 0x7A05,
    kDecided = 0x7A06,
    kClient = 0x7A40,
};
constexpr MsgType kPrepare = MsgType::kJoin;

// Payloads of the fault-tolerant protocol (README.md, "Fault tolerance"),
// after the 26-byte header:
//   PROMISE   to:16 flags:8 (kPromiseEnd), then
//             entry: vround:32, value        END: count:32, next:32,
//             from:32 (the PREPARE's first slot this answers)
//   HEARTBEAT flags:8 (kHeartbeatLeader), next:32, trim:32
//   ASK       count:16
//   DECIDED   value (seq: the slot; round: the round that chose it)
// A CLIENT frame's round and sequence fields hold the 64-bit id its
// forwarder (the header's sender) gave it.  A value (ACCEPT, LEARN, PROMISE
// entry) of the fault-tolerant protocol is empty for a NO-OP, else origin
// node:16, origin id:64, client frame: the learners deliver each origin id
// once (a CLIENT frame a link duplicated is ordered twice, delivered once).
constexpr uint8_t kPromiseEnd = 1;
constexpr uint8_t kPromiseDecided = 2;  // Entry: the value was chosen.
constexpr uint8_t kPromiseMore = 4;     // END: more entries from 'next' on.
constexpr uint8_t kHeartbeatLeader = 1;
constexpr size_t kPromiseEntryLen = 7;  // to, flags, vround.
constexpr size_t kPromiseEndLen = 15;   // to, flags, count, next, from.
constexpr size_t kHeartbeatLen = 9;
constexpr size_t kAskLen = 2;
constexpr size_t kOriginLen = 10;  // Node and id of a tagged value.
constexpr uint16_t kMaxAsk = 64;

constexpr size_t kEthHeaderLen = 14;
constexpr size_t kPaxosHeaderLen = 12;  // round, seq, group, sender.
constexpr size_t kPayloadOffset = kEthHeaderLen + kPaxosHeaderLen;  // 26.

struct Header {
    MsgType type;
    uint32_t round;
    uint32_t seq;
    uint16_t group;
    uint16_t sender;
};

// Builds a Paxos frame of 'h' around 'payload' (may be empty).
std::vector<uint8_t> encode(const Header &h, const uint8_t *payload,
                            size_t payload_len);

// Parses a Paxos frame; nullopt if it is not one or is truncated.
// '*payload'/'*payload_len' receive the bytes after the header.
std::optional<Header> decode(const uint8_t *frame, size_t len,
                             const uint8_t **payload, size_t *payload_len);

// The Ethernet type of a frame, or 0 if shorter than an Ethernet header.
uint16_t ethertype(const uint8_t *frame, size_t len);

}  // namespace cxxa::paxos

#endif  // CXXA_PAXOS_WIRE_H
