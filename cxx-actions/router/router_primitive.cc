// router_primitive.cc: see router_primitive.h.
#include "router_primitive.h"

#include <algorithm>
#include <cstring>

#include "bridge/args.h"
#include "bridge/op_table.h"
#include "net/inet.h"

namespace cxxa::router {

using namespace cxxa::net;

namespace {

constexpr uint8_t kTtl = 64;
constexpr size_t kMaxErrorDatagram = 576;  // RFC 1812 4.3.2.3.

const OpTable<Op> kOps({{Op::kEchoReply, "echo_reply"},
                        {Op::kTimeExceeded, "time_exceeded"}});

size_t l2_len(const uint8_t *frame)
{
    return get16(frame + 12) == kEthTypeVlan ? 18 : 14;
}

bool unicast_source(uint32_t src)
{
    return src != 0 && src != 0xffffffff && (src >> 28) != 0xe;
}

}  // namespace

bool echo_reply(uint8_t *frame, size_t len)
{
    Ipv4 p;
    if (parse_frame(frame, len, p) != ParseError::kNone || p.fragment
        || p.proto != kProtoIcmp || p.l4_len < 8 || p.l4[0] != kIcmpEchoRequest
        || p.l4[1] != 0 || !unicast_source(p.src())) {
        return false;
    }
    uint8_t mac[6];
    memcpy(mac, frame, 6);
    memcpy(frame, frame + 6, 6);
    memcpy(frame + 6, mac, 6);

    // Swapping the addresses leaves the header checksum as it is.
    uint32_t src = p.src();
    put32(p.ip + kIpSrc, p.dst());
    put32(p.ip + kIpDst, src);
    uint16_t ttl_word = get16(p.ip + kIpTtl);
    uint16_t new_ttl_word = uint16_t(kTtl << 8 | p.ip[kIpProto]);
    put16(p.ip + kIpTtl, new_ttl_word);
    put16(p.ip + kIpCsum,
          csum_update16(get16(p.ip + kIpCsum), ttl_word, new_ttl_word));

    uint16_t type_word = get16(p.l4);
    p.l4[0] = kIcmpEchoReply;
    put16(p.l4 + 2, csum_update16(get16(p.l4 + 2), type_word, get16(p.l4)));
    return true;
}

std::vector<uint8_t> time_exceeded(const uint8_t *frame, size_t len,
                                   uint32_t src)
{
    Ipv4 p;
    std::vector<uint8_t> copy(frame, frame + len);
    if (parse_frame(copy.data(), len, p) != ParseError::kNone
        || !p.first_fragment || !unicast_source(p.src())) {
        return {};
    }
    if (p.proto == kProtoIcmp) {
        // Never an error about an ICMP error (RFC 1122 3.2.2).
        if (p.l4_len < 1) {
            return {};
        }
        uint8_t type = p.l4[0];
        if (type != kIcmpEchoRequest && type != kIcmpEchoReply && type != 13
            && type != 14) {
            return {};
        }
    }
    size_t l2 = l2_len(frame);
    size_t quoted = std::min(p.ip_len, kMaxErrorDatagram - 20 - 8);
    size_t ip_len = 20 + 8 + quoted;
    std::vector<uint8_t> out(l2 + ip_len);
    uint8_t *o = out.data();
    memcpy(o, frame + 6, 6);              // To the sender...
    memcpy(o + 6, frame, 6);              // ...from the router's MAC.
    memcpy(o + 12, frame + 12, l2 - 12);  // VLAN tag, EtherType.

    uint8_t *ip = o + l2;
    ip[0] = 0x45;
    ip[1] = 0xc0;  // Internetwork control.
    put16(ip + 2, uint16_t(ip_len));
    ip[kIpTtl] = kTtl;
    ip[kIpProto] = kProtoIcmp;
    put32(ip + kIpSrc, src);
    put32(ip + kIpDst, p.src());
    put16(ip + kIpCsum, ip_header_checksum(ip, 20));

    uint8_t *icmp = ip + 20;
    icmp[0] = kIcmpTimeExceeded;
    icmp[1] = 0;  // TTL exceeded in transit.
    memcpy(icmp + 8, p.ip, quoted);
    put16(icmp + 2, csum_finish(csum_add(icmp, 8 + quoted)));
    return out;
}

std::string RouterPrimitive::synopsis() const
{
    return "router:echo_reply|time_exceeded(src=IP)";
}

std::unique_ptr<const RouterConfig>
RouterPrimitive::parse(std::string_view args) const
{
    OpArgs a = parse_op_args(args);
    auto cfg = std::make_unique<RouterConfig>();
    cfg->op = kOps.parse(a.op);
    if (cfg->op == Op::kTimeExceeded) {
        auto src = a.take("src");
        if (!src) {
            throw ArgError("time_exceeded needs src=ROUTER_IPV4");
        }
        cfg->src = parse_ipv4("src", *src);
    }
    a.expect_all_taken();
    return cfg;
}

std::string RouterPrimitive::format(const RouterConfig &cfg) const
{
    if (cfg.op == Op::kEchoReply) {
        return kOps.name(cfg.op);
    }
    return format_op_args(kOps.name(cfg.op), {{"src", format_ipv4(cfg.src)}});
}

unsigned int RouterPrimitive::flags(const RouterConfig &cfg) const
{
    return cfg.op == Op::kTimeExceeded ? CXXA_F_RESHAPES : 0;
}

void RouterPrimitive::execute(const RouterConfig &cfg, std::string_view bridge,
                              Batch &batch)
{
    for (size_t i = 0; i < batch.size(); i++) {
        Packet p = batch.packet(i);
        if (cfg.op == Op::kEchoReply) {
            if (echo_reply(p.data, p.size)) {
                batch.pass(i);
            } else {
                batch.drop(i);
            }
            continue;
        }
        std::vector<uint8_t> err = time_exceeded(p.data, p.size, cfg.src);
        if (err.empty()) {
            batch.drop(i);
        } else {
            batch.emit(i, err);
            batch.consume(i);
        }
    }
}

}  // namespace cxxa::router

CXXA_REGISTER_PRIMITIVE(router, cxxa::router::RouterPrimitive)
