// paxos_primitive.cc: see paxos_primitive.h.
#include "paxos_primitive.h"

#include <sstream>

#include "bridge/args.h"
#include "bridge/bridge_command.h"
#include "bridge/op_table.h"
#include "paxos_wire.h"

namespace cxxa::paxos {

namespace {

const OpTable<Role> kRoles({{Role::kOnClient, "onclient"},
                            {Role::kOnAccept, "onaccept"},
                            {Role::kOnLearn, "onlearn"},
                            {Role::kForward, "forward"}},
                           "role");

// Decodes a Paxos frame of 'type' and 'group' whose payload is a whole
// Ethernet frame; counts and returns nullopt otherwise.
std::optional<Header> expect(GroupState &g, const Packet &p, MsgType type,
                             uint16_t group, const uint8_t **value,
                             size_t *value_len)
{
    auto h = decode(p.data, p.size, value, value_len);
    if (!h || *value_len < kEthHeaderLen) {
        g.malformed++;
        return std::nullopt;
    }
    if (h->type != type) {
        g.wrong_type++;
        return std::nullopt;
    }
    if (h->group != group) {
        g.wrong_group++;
        return std::nullopt;
    }
    return h;
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
    return "paxos:onclient|onaccept|onlearn|forward[(group=0..65535,"
           "node=1..65535,members=1..255,window=1..65536,start=SEQ,"
           "round=1..4294967295)]";
}

std::unique_ptr<const PaxosConfig>
PaxosPrimitive::parse(std::string_view args) const
{
    OpArgs a = parse_op_args(args);
    auto cfg = std::make_unique<PaxosConfig>();
    cfg->role = kRoles.parse(a.op);
    if (auto v = a.take("group")) {
        cfg->group = parse_uint("group", *v, 0, 65535);
    }
    if (auto v = a.take("node")) {
        cfg->node = parse_uint("node", *v, 1, 65535);
    }
    if (auto v = a.take("members")) {
        cfg->members = parse_uint("members", *v, 1, 255);
    }
    if (auto v = a.take("window")) {
        cfg->window = parse_uint("window", *v, 1, kMaxWindow);
    }
    if (auto v = a.take("start")) {
        cfg->start = parse_uint("start", *v, 0, UINT32_MAX);
    }
    if (auto v = a.take("round")) {
        cfg->round = parse_uint("round", *v, 1, UINT32_MAX);
    }
    a.expect_all_taken();
    return cfg;
}

std::string PaxosPrimitive::format(const PaxosConfig &cfg) const
{
    std::vector<std::pair<std::string, std::string>> kv;
    if (cfg.group != 0) {
        kv.emplace_back("group", std::to_string(cfg.group));
    }
    if (cfg.node != 1) {
        kv.emplace_back("node", std::to_string(cfg.node));
    }
    if (cfg.members != 3) {
        kv.emplace_back("members", std::to_string(cfg.members));
    }
    if (cfg.window != kDefaultWindow) {
        kv.emplace_back("window", std::to_string(cfg.window));
    }
    if (cfg.start != 1) {
        kv.emplace_back("start", std::to_string(cfg.start));
    }
    if (cfg.round != 1) {
        kv.emplace_back("round", std::to_string(cfg.round));
    }
    return format_op_args(kRoles.name(cfg.role), kv);
}

unsigned int PaxosPrimitive::flags(const PaxosConfig &) const
{
    // Every role changes the kind of packet: client -> ACCEPT, ACCEPT ->
    // LEARN, LEARN -> released client frames.
    return CXXA_F_RESHAPES;
}

void PaxosPrimitive::on_client(const PaxosConfig &cfg, GroupState &g,
                               Batch &batch, Outbox &out)
{
    if (!g.leader) {
        g.leader.emplace(cfg.round, cfg.start);
    }
    for (size_t i = 0; i < batch.size(); i++) {
        Packet p = batch.packet(i);
        const uint8_t *value = p.data;
        size_t value_len = p.size;

        if (ethertype(p.data, p.size) == uint16_t(MsgType::kClient)) {
            // A client frame forwarded by a slave switch: order the frame
            // it carries.
            if (!expect(g, p, MsgType::kClient, cfg.group, &value,
                        &value_len)) {
                batch.drop(i);
                continue;
            }
        } else if (p.size < kEthHeaderLen) {
            g.malformed++;
            batch.drop(i);
            continue;
        }

        std::optional<uint32_t> learner_next;
        if (g.learner) {
            learner_next = g.learner->next();
        }
        auto seq = g.leader->assign(learner_next, cfg.window);
        if (!seq) {
            batch.drop(i);  // Counted by the leader (window full).
            continue;
        }
        Header h{MsgType::kAccept, g.leader->round(), *seq, cfg.group,
                 cfg.node};
        out.emit(i, encode(h, value, value_len));
        batch.consume(i);
        g.accepts_sent++;
    }
}

void PaxosPrimitive::on_accept(const PaxosConfig &cfg, GroupState &g,
                               Batch &batch, Outbox &out)
{
    if (!g.acceptor) {
        g.acceptor.emplace(cfg.window);
    }
    for (size_t i = 0; i < batch.size(); i++) {
        const uint8_t *value;
        size_t value_len;
        auto h = expect(g, batch.packet(i), MsgType::kAccept, cfg.group,
                        &value, &value_len);
        if (!h || !g.acceptor->on_accept(h->round, h->seq, value, value_len)) {
            batch.drop(i);
            continue;
        }
        Header learn{MsgType::kLearn, h->round, h->seq, cfg.group, cfg.node};
        out.emit(i, encode(learn, value, value_len));
        batch.consume(i);
        g.learns_sent++;
    }
}

void PaxosPrimitive::on_learn(const PaxosConfig &cfg, GroupState &g,
                              Batch &batch, Outbox &out)
{
    if (!g.learner) {
        g.learner.emplace(cfg.members, cfg.window, cfg.start);
    }
    std::vector<Value> deliver;
    for (size_t i = 0; i < batch.size(); i++) {
        const uint8_t *value;
        size_t value_len;
        auto h = expect(g, batch.packet(i), MsgType::kLearn, cfg.group, &value,
                        &value_len);
        if (!h) {
            batch.drop(i);
            continue;
        }
        deliver.clear();
        switch (g.learner->on_learn(h->round, h->seq, h->sender, value,
                                    value_len, deliver)) {
        case Learner::Verdict::kBeyondWindow:
        case Learner::Verdict::kStaleRound:
        case Learner::Verdict::kConflict:
            batch.drop(i);  // Counted by the learner.
            continue;
        default:
            break;
        }
        for (Value &v : deliver) {
            out.emit(i, std::move(v));
        }
        batch.consume(i);
    }
}

void PaxosPrimitive::forward(const PaxosConfig &cfg, GroupState &g,
                             Batch &batch, Outbox &out)
{
    for (size_t i = 0; i < batch.size(); i++) {
        Packet p = batch.packet(i);
        if (p.size < kEthHeaderLen) {
            g.malformed++;
            batch.drop(i);
            continue;
        }
        Header h{MsgType::kClient, 0, 0, cfg.group, cfg.node};
        out.emit(i, encode(h, p.data, p.size));
        batch.consume(i);
        g.forwarded++;
    }
}

void PaxosPrimitive::execute(const PaxosConfig &cfg, std::string_view bridge,
                             Batch &batch)
{
    GroupState &g = bridges_.get(bridge).group(cfg.group);
    Outbox out(batch.size());
    {
        std::lock_guard<std::mutex> lock(g.mu);
        switch (cfg.role) {
        case Role::kOnClient:
            on_client(cfg, g, batch, out);
            break;
        case Role::kOnAccept:
            on_accept(cfg, g, batch, out);
            break;
        case Role::kOnLearn:
            on_learn(cfg, g, batch, out);
            break;
        case Role::kForward:
            forward(cfg, g, batch, out);
            break;
        }
    }
    // The actions after this one may run this group again, in this thread
    // (registry.h): never emit while holding its lock.
    out.send(batch);
}

std::string PaxosPrimitive::show(const std::string &bridge, BridgeState &b)
{
    std::ostringstream s;
    std::lock_guard<std::mutex> lock(b.mu);
    for (const auto &[id, gp] : b.groups) {
        GroupState &g = *gp;
        std::lock_guard<std::mutex> glock(g.mu);
        s << "bridge " << bridge << " group " << id << ":\n";
        if (g.leader) {
            s << "  leader: round " << g.leader->round() << ", next sequence "
              << g.leader->next() << ", accepts sent " << g.accepts_sent
              << ", window-full drops " << g.leader->window_full()
              << (g.learner ? ""
                            : " (no learner on this bridge: "
                              "window not enforced)")
              << "\n";
        }
        if (g.acceptor) {
            s << "  acceptor: round " << g.acceptor->round() << ", accepted "
              << g.acceptor->accepted() << ", stale-round drops "
              << g.acceptor->stale() << ", learns sent " << g.learns_sent
              << "\n";
        }
        if (g.learner) {
            using V = Learner::Verdict;
            const Learner &l = *g.learner;
            s << "  learner: members " << l.members() << ", majority "
              << l.majority() << ", delivered up to " << uint32_t(l.next() - 1)
              << ", undelivered slots " << l.undelivered() << ", delivered "
              << l.delivered() << "\n"
              << "    votes: counted " << l.count(V::kCounted) << ", chosen "
              << l.count(V::kChosen) << ", repeat " << l.count(V::kRepeatVote)
              << ", late " << l.count(V::kLateVote) << ", already delivered "
              << l.count(V::kDelivered) << "; drops: beyond window "
              << l.count(V::kBeyondWindow) << ", stale round "
              << l.count(V::kStaleRound) << ", conflict "
              << l.count(V::kConflict) << "\n";
        }
        if (g.forwarded) {
            s << "  forwarded to leader: " << g.forwarded << "\n";
        }
        s << "  frames dropped: malformed " << g.malformed << ", wrong type "
          << g.wrong_type << ", wrong group " << g.wrong_group << "\n";
    }
    return s.str();
}

std::vector<Command> PaxosPrimitive::commands()
{
    return {show_command<BridgeState>("paxos/show", bridges_, "Paxos", show)};
}

}  // namespace cxxa::paxos

CXXA_REGISTER_PRIMITIVE(paxos, cxxa::paxos::PaxosPrimitive)
