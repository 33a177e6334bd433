// paxos_primitive.cc: see paxos_primitive.h.
#include "paxos_primitive.h"

#include <sstream>

#include "bridge/args.h"
#include "paxos_wire.h"

namespace cxxa::paxos {

namespace {

const char *role_name(Role r)
{
    switch (r) {
    case Role::kOnClient:
        return "onclient";
    case Role::kOnAccept:
        return "onaccept";
    case Role::kOnLearn:
        return "onlearn";
    }
    return "?";
}

}  // namespace

GroupState &BridgeState::group(uint16_t id)
{
    std::lock_guard<std::mutex> lock(mu);
    auto &slot = groups[id];
    if (!slot) {
        slot = std::make_unique<GroupState>();
    }
    return *slot;
}

std::string PaxosPrimitive::synopsis() const
{
    return "paxos:onclient|onaccept|onlearn[(group=0..65535,node=1..65535)]";
}

std::unique_ptr<const ActionConfig>
PaxosPrimitive::parse(std::string_view args) const
{
    OpArgs a = parse_op_args(args);
    auto cfg = std::make_unique<PaxosConfig>();
    if (a.op == "onclient") {
        cfg->role = Role::kOnClient;
    } else if (a.op == "onaccept") {
        cfg->role = Role::kOnAccept;
    } else if (a.op == "onlearn") {
        cfg->role = Role::kOnLearn;
    } else {
        throw ArgError("unknown role '" + a.op +
                       "' (expected onclient, onaccept or onlearn)");
    }
    if (auto v = a.take("group")) {
        cfg->group = parse_uint("group", *v, 0, 65535);
    }
    if (auto v = a.take("node")) {
        cfg->node = parse_uint("node", *v, 1, 65535);
    }
    a.expect_all_taken();
    return cfg;
}

std::string PaxosPrimitive::format(const ActionConfig &c) const
{
    const auto &cfg = static_cast<const PaxosConfig &>(c);
    std::vector<std::pair<std::string, std::string>> kv;
    if (cfg.group != 0) {
        kv.emplace_back("group", std::to_string(cfg.group));
    }
    if (cfg.node != 1) {
        kv.emplace_back("node", std::to_string(cfg.node));
    }
    return format_op_args(role_name(cfg.role), kv);
}

unsigned int PaxosPrimitive::flags(const ActionConfig &) const
{
    // Every role changes the kind of packet: client -> ACCEPT, ACCEPT ->
    // LEARN, LEARN -> released client frames.
    return CXXA_F_RESHAPES;
}

void PaxosPrimitive::on_client(const PaxosConfig &cfg, GroupState &g,
                               Batch &batch)
{
    for (size_t i = 0; i < batch.size(); i++) {
        Packet p = batch.packet(i);
        const uint8_t *value = p.data;
        size_t value_len = p.size;

        if (ethertype(p.data, p.size) == uint16_t(MsgType::kClient)) {
            // A client frame forwarded by a slave switch: order the frame
            // it carries.
            auto h = decode(p.data, p.size, &value, &value_len);
            if (!h || value_len < kEthHeaderLen) {
                g.malformed++;
                batch.drop(i);
                continue;
            }
        } else if (p.size < kEthHeaderLen) {
            g.malformed++;
            batch.drop(i);
            continue;
        }

        Header h{MsgType::kAccept, g.round.load(), g.last_seq.fetch_add(1) + 1,
                 cfg.group, cfg.node};
        batch.emit(i, encode(h, value, value_len));
        batch.consume(i);
        g.accepts_sent++;
    }
}

void PaxosPrimitive::execute(const ActionConfig &c, std::string_view bridge,
                             Batch &batch)
{
    const auto &cfg = static_cast<const PaxosConfig &>(c);
    GroupState &g = bridges_.get(bridge).group(cfg.group);

    switch (cfg.role) {
    case Role::kOnClient:
        on_client(cfg, g, batch);
        break;
    case Role::kOnAccept:
    case Role::kOnLearn:
        // The acceptor and learner datapath is issue #4; until then these
        // roles drop what they get, counted, rather than pretend.
        for (size_t i = 0; i < batch.size(); i++) {
            g.unimplemented++;
            batch.drop(i);
        }
        break;
    }
}

std::string PaxosPrimitive::show(const std::string &bridge_filter) const
{
    std::ostringstream s;
    bridges_.for_each([&](const std::string &bridge, BridgeState &b) {
        if (!bridge_filter.empty() && bridge != bridge_filter) {
            return;
        }
        std::lock_guard<std::mutex> lock(b.mu);
        for (const auto &[id, g] : b.groups) {
            s << "bridge " << bridge << " group " << id << ": round "
              << g->round << ", last sequence " << g->last_seq
              << ", accepts sent " << g->accepts_sent << ", malformed "
              << g->malformed << ", unimplemented-role drops "
              << g->unimplemented << "\n";
        }
    });
    return s.str();
}

std::vector<Command> PaxosPrimitive::commands()
{
    return {Command{"paxos/show", "[bridge]", 0, 1,
                    [this](const std::vector<std::string> &args) {
                        return show(args.empty() ? "" : args[0]);
                    }}};
}

}  // namespace cxxa::paxos
