// paxos_wire.cc: see paxos_wire.h.
#include "paxos_wire.h"

#include <cstring>

#include "bridge/bytes.h"

namespace cxxa::paxos {

namespace {

bool is_paxos_type(uint16_t type)
{
    return (type >= uint16_t(MsgType::kJoin)
            && type <= uint16_t(MsgType::kDecided))
           || type == uint16_t(MsgType::kClient);
}

}  // namespace

std::vector<uint8_t> encode(const Header &h, const uint8_t *payload,
                            size_t payload_len)
{
    std::vector<uint8_t> f(kPayloadOffset + payload_len);
    uint8_t *p = f.data();
    std::memset(p, 0xff, 6);  // Broadcast destination.
    const uint8_t src[6] = {0x02,
                            0x7a,
                            uint8_t(h.group >> 8),
                            uint8_t(h.group),
                            uint8_t(h.sender >> 8),
                            uint8_t(h.sender)};
    std::memcpy(p + 6, src, 6);
    put16(p + 12, uint16_t(h.type));
    put32(p + 14, h.round);
    put32(p + 18, h.seq);
    put16(p + 22, h.group);
    put16(p + 24, h.sender);
    if (payload_len) {
        std::memcpy(p + kPayloadOffset, payload, payload_len);
    }
    return f;
}

uint16_t ethertype(const uint8_t *frame, size_t len)
{
    return len < kEthHeaderLen ? 0 : get16(frame + 12);
}

std::optional<Header> decode(const uint8_t *frame, size_t len,
                             const uint8_t **payload, size_t *payload_len)
{
    uint16_t type = ethertype(frame, len);
    if (!is_paxos_type(type) || len < kPayloadOffset) {
        return std::nullopt;
    }
    Header h{MsgType(type), get32(frame + 14), get32(frame + 18),
             get16(frame + 22), get16(frame + 24)};
    *payload = frame + kPayloadOffset;
    *payload_len = len - kPayloadOffset;
    return h;
}

}  // namespace cxxa::paxos
