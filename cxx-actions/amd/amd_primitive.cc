// amd_primitive.cc: see amd_primitive.h.
#include "amd_primitive.h"

#include "bridge/args.h"

namespace cxxa::amd {

std::string AmdPrimitive::synopsis() const
{
    return "amd:store(server=VIP)|release(server=VIP)";
}

std::unique_ptr<const ActionConfig>
AmdPrimitive::parse(std::string_view args) const
{
    OpArgs a = parse_op_args(args);
    auto cfg = std::make_unique<AmdConfig>();
    if (a.op == "store") {
        cfg->op = Op::kStore;
    } else if (a.op == "release") {
        cfg->op = Op::kRelease;
    } else {
        throw ArgError("unknown operation '" + a.op +
                       "' (expected store or release)");
    }
    auto server = a.take("server");
    if (!server) {
        throw ArgError(a.op + " needs server=VIRTUAL_IP");
    }
    cfg->server = parse_ipv4("server", *server);
    a.expect_all_taken();
    return cfg;
}

std::string AmdPrimitive::format(const ActionConfig &c) const
{
    const auto &cfg = static_cast<const AmdConfig &>(c);
    return format_op_args(cfg.op == Op::kStore ? "store" : "release",
                          {{"server", format_ipv4(cfg.server)}});
}

unsigned int AmdPrimitive::flags(const ActionConfig &c) const
{
    // A release replaces the trigger with the stored packets.
    return static_cast<const AmdConfig &>(c).op == Op::kRelease
               ? CXXA_F_RESHAPES
               : 0;
}

void AmdPrimitive::execute(const ActionConfig &, std::string_view bridge,
                           Batch &batch)
{
    counters(bridge).errors += batch.size();  // Not implemented: issue #5.
    for (size_t i = 0; i < batch.size(); i++) {
        batch.drop(i);
    }
}

}  // namespace cxxa::amd
