// pubsub_primitive.cc: see pubsub_primitive.h.
#include "pubsub/pubsub_primitive.h"

#include <algorithm>

#include "bridge/args.h"
#include "bridge/bridge_command.h"
#include "bridge/op_table.h"
#include "net/inet.h"

namespace cxxa::pubsub {

namespace {

enum class Op { kFilter };
const OpTable<Op> kOps({{Op::kFilter, "filter"}});

constexpr size_t kUdpHeader = 8;

}  // namespace

Verdict filter(const FilterConfig &cfg, uint8_t *frame, size_t len)
{
    net::Ipv4 p;
    if (net::parse_frame(frame, len, p) != net::ParseError::kNone || p.fragment
        || p.proto != net::kProtoUdp || p.l4_len < kUdpHeader) {
        return Verdict::kMalformed;
    }
    Dz event;
    if (parse_event_header(p.l4 + kUdpHeader, p.l4_len - kUdpHeader, event)
        != WireError::kNone) {
        return Verdict::kMalformed;
    }
    for (const Dz &d : cfg.dz) {
        if (d.covers(event)) {
            return Verdict::kPass;
        }
    }
    return Verdict::kFiltered;
}

std::string PubsubPrimitive::synopsis() const
{
    return "pubsub:filter(dz=DZ[+DZ...])";
}

std::vector<Command> PubsubPrimitive::commands()
{
    return {show_command<FilterStats>(
        "pubsub/show", stats_, "pubsub",
        [](const std::string &bridge, FilterStats &s) {
            return "bridge " + bridge + ": passed "
                   + std::to_string(s.passed.load()) + ", filtered "
                   + std::to_string(s.filtered.load()) + ", malformed "
                   + std::to_string(s.malformed.load()) + "\n";
        },
        ShowText{nullptr, "no pubsub filter has run\n"})};
}

std::unique_ptr<const FilterConfig>
PubsubPrimitive::parse(std::string_view args) const
{
    OpArgs a = parse_op_args(args);
    kOps.parse(a.op);
    auto cfg = std::make_unique<FilterConfig>();
    auto list = a.take("dz");
    if (!list) {
        throw ArgError("filter needs dz=DZ[+DZ...]");
    }
    std::string_view rest = *list;
    while (true) {
        size_t plus = rest.find('+');
        std::string_view one = rest.substr(0, plus);
        auto dz = Dz::parse(one);
        if (!dz) {
            throw ArgError("dz: '" + std::string(one)
                           + "' is not a dz-expression (1 to 64 of 0 and 1, "
                             "or *)");
        }
        cfg->dz.push_back(*dz);
        if (plus == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(plus + 1);
    }
    std::sort(cfg->dz.begin(), cfg->dz.end(),
              [](const Dz &x, const Dz &y) { return x.text() < y.text(); });
    cfg->dz.erase(std::unique(cfg->dz.begin(), cfg->dz.end()), cfg->dz.end());
    if (cfg->dz.size() > kMaxFilterDz) {
        throw ArgError("dz: " + std::to_string(cfg->dz.size())
                       + " expressions, at most "
                       + std::to_string(kMaxFilterDz));
    }
    a.expect_all_taken();
    return cfg;
}

std::string PubsubPrimitive::format(const FilterConfig &cfg) const
{
    std::string list;
    for (const Dz &d : cfg.dz) {
        list += (list.empty() ? "" : "+") + d.text();
    }
    return format_op_args(kOps.name(Op::kFilter), {{"dz", list}});
}

void PubsubPrimitive::execute(const FilterConfig &cfg, std::string_view bridge,
                              Batch &batch)
{
    FilterStats &s = stats_.get(bridge);
    for (size_t i = 0; i < batch.size(); i++) {
        Packet p = batch.packet(i);
        switch (filter(cfg, p.data, p.size)) {
        case Verdict::kPass:
            s.passed++;
            batch.pass(i);
            break;
        case Verdict::kFiltered:
            s.filtered++;
            batch.drop(i);
            break;
        case Verdict::kMalformed:
            s.malformed++;
            batch.drop(i);
            break;
        }
    }
}

}  // namespace cxxa::pubsub

CXXA_REGISTER_PRIMITIVE(pubsub, cxxa::pubsub::PubsubPrimitive)
