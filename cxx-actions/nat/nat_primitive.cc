// nat_primitive.cc: see nat_primitive.h.
#include "nat_primitive.h"

#include "bridge/args.h"
#include "bridge/bridge_command.h"
#include "bridge/host.h"
#include "bridge/op_table.h"
#include "nat_translate.h"
#include "net/inet.h"

namespace cxxa::nat {

namespace {

constexpr size_t kShowMappings = 1000;

const OpTable<Op>
    kOps({{Op::kOut, "out"}, {Op::kIn, "in"}, {Op::kForward, "forward"}},
         "operation", "; conntrack NAT is ct(nat(...))");

uint32_t need_ipv4(OpArgs &a, const char *key)
{
    auto v = a.take(key);
    if (!v) {
        throw ArgError(a.op + " needs " + key + "=IPV4");
    }
    return parse_ipv4(key, *v);
}

}  // namespace

std::string NatPrimitive::synopsis() const
{
    return "nat:out(ext=IP[,ports=LO-HI][,filter=eim|adf|apdf])|in(ext=IP)|"
           "forward(proto=tcp|udp,ext=IP,port=P,to=IP[:P])";
}

std::unique_ptr<const NatConfig>
NatPrimitive::parse(std::string_view args) const
{
    if (args.rfind("src=", 0) == 0 || args.rfind("dst=", 0) == 0) {
        throw ArgError("top-level nat is NAPT (nat:out/in/forward); for "
                       "conntrack NAT write ct(commit,nat(...))");
    }
    OpArgs a = parse_op_args(args);
    auto cfg = std::make_unique<NatConfig>();
    cfg->op = kOps.parse(a.op);
    if (cfg->op == Op::kOut) {
        cfg->ext = need_ipv4(a, "ext");
        if (auto v = a.take("ports")) {
            size_t dash = v->find('-');
            if (dash == std::string::npos) {
                throw ArgError("ports: expected LO-HI, got '" + *v + "'");
            }
            cfg->port_lo = parse_uint("ports", v->substr(0, dash), 1, 65535);
            cfg->port_hi = parse_uint("ports", v->substr(dash + 1), 1, 65535);
            if (cfg->port_lo > cfg->port_hi) {
                throw ArgError("ports: " + *v + " is an empty range");
            }
        }
        if (auto v = a.take("filter")) {
            if (*v == "eim") {
                cfg->filter = Filter::kEndpointIndependent;
            } else if (*v == "adf") {
                cfg->filter = Filter::kAddress;
            } else if (*v == "apdf") {
                cfg->filter = Filter::kAddressAndPort;
            } else {
                throw ArgError("filter: '" + *v + "' is not eim, adf or apdf");
            }
        }
    } else if (cfg->op == Op::kIn) {
        cfg->ext = need_ipv4(a, "ext");
    } else {
        auto proto = a.take("proto");
        if (!proto || (*proto != "tcp" && *proto != "udp")) {
            throw ArgError("forward needs proto=tcp or proto=udp");
        }
        cfg->proto = *proto == "tcp" ? 6 : 17;
        cfg->ext = need_ipv4(a, "ext");
        auto port = a.take("port");
        if (!port) {
            throw ArgError("forward needs port=EXTERNAL_PORT");
        }
        cfg->port = parse_uint("port", *port, 1, 65535);
        auto to = a.take("to");
        if (!to) {
            throw ArgError("forward needs to=INSIDE_IP[:PORT]");
        }
        size_t colon = to->find(':');
        cfg->to = parse_ipv4("to", to->substr(0, colon));
        cfg->to_port = colon == std::string::npos
                           ? cfg->port
                           : parse_uint("to", to->substr(colon + 1), 1, 65535);
    }
    a.expect_all_taken();
    return cfg;
}

std::string NatPrimitive::format(const NatConfig &cfg) const
{
    std::vector<std::pair<std::string, std::string>> kv;
    switch (cfg.op) {
    case Op::kOut:
        kv.emplace_back("ext", format_ipv4(cfg.ext));
        if (cfg.port_lo != 1024 || cfg.port_hi != 65535) {
            kv.emplace_back("ports", std::to_string(cfg.port_lo) + "-"
                                         + std::to_string(cfg.port_hi));
        }
        if (cfg.filter != Filter::kEndpointIndependent) {
            kv.emplace_back("filter", filter_name(cfg.filter));
        }
        return format_op_args(kOps.name(cfg.op), kv);
    case Op::kIn:
        return format_op_args(kOps.name(cfg.op),
                              {{"ext", format_ipv4(cfg.ext)}});
    case Op::kForward: {
        std::string to = format_ipv4(cfg.to);
        if (cfg.to_port != cfg.port) {
            to += ":" + std::to_string(cfg.to_port);
        }
        return format_op_args(kOps.name(cfg.op),
                              {{"proto", cfg.proto == 6 ? "tcp" : "udp"},
                               {"ext", format_ipv4(cfg.ext)},
                               {"port", std::to_string(cfg.port)},
                               {"to", to}});
    }
    }
    return "";
}

unsigned int NatPrimitive::flags(const NatConfig &cfg) const
{
    return cfg.op == Op::kOut ? 0 : CXXA_F_RESHAPES;
}

void NatPrimitive::execute(const NatConfig &cfg, std::string_view bridge,
                           Batch &batch)
{
    NatTable &t = tables_.get(bridge);
    int64_t now = now_ms();
    OutParams out{cfg.ext, cfg.port_lo, cfg.port_hi, cfg.filter};

    // Passing under the table's lock is within the datapath contract
    // (registry.h): at most one packet leaves per packet in.
    std::lock_guard<std::mutex> lock(t.mutex());
    t.maybe_sweep(now);
    for (size_t i = 0; i < batch.size(); i++) {
        Packet p = batch.packet(i);
        Event e;
        switch (cfg.op) {
        case Op::kOut:
            e = translate_out(t, out, p.data, p.size, now);
            break;
        case Op::kIn:
            e = translate_in(t, cfg.ext, p.data, p.size, now);
            break;
        case Op::kForward:
        default:
            e = translate_forward(t, cfg.ext, cfg.proto, cfg.port, cfg.to,
                                  cfg.to_port, p.data, p.size, now);
            break;
        }
        t.count(e);
        if (is_success(e)) {
            batch.pass(i);
        } else {
            batch.drop(i);
        }
    }
}

std::vector<Command> NatPrimitive::commands()
{
    std::vector<Command> cmds;
    cmds.push_back(show_command<NatTable>(
        "nat/show", tables_, "NAT",
        [](const std::string &bridge, NatTable &t) {
            std::lock_guard<std::mutex> lock(t.mutex());
            return "bridge " + bridge + ":\n"
                   + t.show(now_ms(), kShowMappings);
        },
        ShowText{nullptr, "no NAT state\n"}));
    cmds.push_back(Command{
        "nat/set-timeouts",
        "BRIDGE [tcp_established=S] [tcp_transitory=S] [udp=S] [icmp=S]", 2, 5,
        [this](const std::vector<std::string> &args) {
            NatTable &t = tables_.get(args[0]);
            std::lock_guard<std::mutex> lock(t.mutex());
            Timeouts to = t.timeouts();
            for (size_t i = 1; i < args.size(); i++) {
                size_t eq = args[i].find('=');
                std::string key = args[i].substr(0, eq);
                uint32_t *field = key == "tcp_established"
                                      ? &to.tcp_established_s
                                  : key == "tcp_transitory"
                                      ? &to.tcp_transitory_s
                                  : key == "udp"  ? &to.udp_s
                                  : key == "icmp" ? &to.icmp_s
                                                  : nullptr;
                if (!field || eq == std::string::npos) {
                    throw std::runtime_error(
                        "'" + args[i]
                        + "': expected tcp_established=S, "
                          "tcp_transitory=S, udp=S or icmp=S");
                }
                try {
                    *field = uint32_t(
                        parse_uint(key, args[i].substr(eq + 1), 1, 86400 * 7));
                } catch (const ArgError &e) {
                    throw std::runtime_error(e.what());
                }
            }
            t.set_timeouts(to);
            bool below = to.tcp_established_s < 7440
                         || to.tcp_transitory_s < 240 || to.udp_s < 120
                         || to.icmp_s < 60;
            return std::string(below ? "timeouts set, some below the RFC "
                                       "minimums (tcp_established 7440, "
                                       "tcp_transitory 240, udp 120, "
                                       "icmp 60)\n"
                                     : "timeouts set\n");
        }});
    cmds.push_back(Command{
        "nat/flush", "[BRIDGE]", 0, 1,
        [this](const std::vector<std::string> &args) {
            size_t n = 0;
            for (auto &[bridge, t] : select_bridges(tables_, args, "NAT")) {
                std::lock_guard<std::mutex> lock(t->mutex());
                n += t->size();
                t->clear();
            }
            return "flushed " + std::to_string(n) + " mappings\n";
        }});
    return cmds;
}

}  // namespace cxxa::nat

CXXA_REGISTER_PRIMITIVE(nat, cxxa::nat::NatPrimitive)
