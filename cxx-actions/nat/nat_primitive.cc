// nat_primitive.cc: see nat_primitive.h.
#include "nat_primitive.h"

#include "bridge/args.h"

namespace cxxa::nat {

namespace {

const char *filter_name(Filter f)
{
    switch (f) {
    case Filter::kEndpointIndependent:
        return "eim";
    case Filter::kAddress:
        return "adf";
    case Filter::kAddressAndPort:
        return "apdf";
    }
    return "?";
}

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

std::unique_ptr<const ActionConfig>
NatPrimitive::parse(std::string_view args) const
{
    if (args.rfind("src=", 0) == 0 || args.rfind("dst=", 0) == 0) {
        throw ArgError("top-level nat is NAPT (nat:out/in/forward); for "
                       "conntrack NAT write ct(commit,nat(...))");
    }
    OpArgs a = parse_op_args(args);
    auto cfg = std::make_unique<NatConfig>();
    if (a.op == "out") {
        cfg->op = Op::kOut;
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
                throw ArgError("filter: '" + *v +
                               "' is not eim, adf or apdf");
            }
        }
    } else if (a.op == "in") {
        cfg->op = Op::kIn;
        cfg->ext = need_ipv4(a, "ext");
    } else if (a.op == "forward") {
        cfg->op = Op::kForward;
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
    } else {
        throw ArgError("unknown operation '" + a.op +
                       "' (expected out, in or forward; conntrack NAT is "
                       "ct(nat(...)))");
    }
    a.expect_all_taken();
    return cfg;
}

std::string NatPrimitive::format(const ActionConfig &c) const
{
    const auto &cfg = static_cast<const NatConfig &>(c);
    std::vector<std::pair<std::string, std::string>> kv;
    switch (cfg.op) {
    case Op::kOut:
        kv.emplace_back("ext", format_ipv4(cfg.ext));
        if (cfg.port_lo != 1024 || cfg.port_hi != 65535) {
            kv.emplace_back("ports", std::to_string(cfg.port_lo) + "-" +
                                         std::to_string(cfg.port_hi));
        }
        if (cfg.filter != Filter::kEndpointIndependent) {
            kv.emplace_back("filter", filter_name(cfg.filter));
        }
        return format_op_args("out", kv);
    case Op::kIn:
        return format_op_args("in", {{"ext", format_ipv4(cfg.ext)}});
    case Op::kForward: {
        std::string to = format_ipv4(cfg.to);
        if (cfg.to_port != cfg.port) {
            to += ":" + std::to_string(cfg.to_port);
        }
        return format_op_args(
            "forward", {{"proto", cfg.proto == 6 ? "tcp" : "udp"},
                        {"ext", format_ipv4(cfg.ext)},
                        {"port", std::to_string(cfg.port)},
                        {"to", to}});
    }
    }
    return "";
}

void NatPrimitive::execute(const ActionConfig &, std::string_view bridge,
                           Batch &batch)
{
    counters(bridge).errors += batch.size();  // Not implemented: issue #6.
    for (size_t i = 0; i < batch.size(); i++) {
        batch.drop(i);
    }
}

}  // namespace cxxa::nat
