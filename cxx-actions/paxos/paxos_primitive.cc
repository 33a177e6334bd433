// paxos_primitive.cc: see paxos_primitive.h.
#include "paxos_primitive.h"

#include <dirent.h>
#include <time.h>

#include <deque>
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
                            {Role::kForward, "forward"},
                            {Role::kControl, "control"}},
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

// Wall-clock microseconds: where a member's origin ids start, so that ids
// keep growing across restarts.
uint64_t wall_us()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

// The journal of 'group' on 'bridge', in 'dir'.
std::string journal_path(const std::string &dir, std::string_view bridge,
                         uint16_t group)
{
    return dir + "/"
           + state_file("cxxa-paxos", bridge,
                        std::to_string(group) + ".journal");
}

// Frames a member's timer run may send at once, its own answers to them
// included (a new leader re-proposing a whole log).
constexpr size_t kMaxOwnFrames = 4 * size_t(kMaxLogSlots);

// Which frames each role of the fault-tolerant protocol takes.
bool role_takes(Role role, uint16_t type)
{
    switch (role) {
    case Role::kOnClient:
    case Role::kForward:
        return type == uint16_t(MsgType::kClient)
               || !(type >= uint16_t(MsgType::kJoin)
                    && type <= uint16_t(MsgType::kDecided));
    case Role::kOnAccept:
        return type == uint16_t(MsgType::kAccept);
    case Role::kOnLearn:
        return type == uint16_t(MsgType::kLearn)
               || type == uint16_t(MsgType::kDecided);
    case Role::kControl:
        return type == uint16_t(MsgType::kJoin)
               || type == uint16_t(MsgType::kPromise)
               || type == uint16_t(MsgType::kHeartbeat)
               || type == uint16_t(MsgType::kAsk);
    }
    return false;
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
    return "paxos:onclient|onaccept|onlearn|forward|control[(group=0..65535,"
           "node=1..members,members=1..255,window=1..65536,start=SEQ,"
           "round=1..4294967295,heartbeat=1..60000,timeout=MS,log=SLOTS,"
           "log_bytes=N,table=0..254)]";
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
    if (auto v = a.take("heartbeat")) {
        cfg->heartbeat = parse_uint("heartbeat", *v, 1, 60000);
    }
    if (auto v = a.take("timeout")) {
        cfg->timeout = parse_uint("timeout", *v, 1, 600000);
    }
    if (auto v = a.take("log")) {
        cfg->log_slots = parse_uint("log", *v, 1, kMaxLogSlots);
    }
    if (auto v = a.take("log_bytes")) {
        cfg->log_bytes = parse_uint("log_bytes", *v, 1024, 1u << 30);
    }
    if (auto v = a.take("table")) {
        cfg->table = int(parse_uint("table", *v, 0, 254));
    }
    a.expect_all_taken();
    // Membership is explicit: members=N means node ids 1..N.
    if (cfg->node > cfg->members) {
        throw ArgError("node=" + std::to_string(cfg->node)
                       + " is not a member: members="
                       + std::to_string(cfg->members) + " means node ids 1.."
                       + std::to_string(cfg->members));
    }
    if (cfg->heartbeat == 0) {
        if (cfg->role == Role::kControl || cfg->timeout || cfg->table >= 0
            || cfg->log_slots != kDefaultLogSlots
            || cfg->log_bytes != kDefaultLogBytes) {
            throw ArgError("control, timeout, log, log_bytes and table "
                           "belong to the fault-tolerant protocol: give "
                           "heartbeat=MS");
        }
    } else {
        if (cfg->table < 0) {
            throw ArgError("heartbeat needs table=T: where the "
                           "member's own frames enter the pipeline");
        }
        if (cfg->timeout && cfg->timeout <= cfg->heartbeat) {
            throw ArgError("timeout must be longer than heartbeat");
        }
    }
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
    if (cfg.heartbeat) {
        kv.emplace_back("heartbeat", std::to_string(cfg.heartbeat));
    }
    if (cfg.timeout) {
        kv.emplace_back("timeout", std::to_string(cfg.timeout));
    }
    if (cfg.log_slots != kDefaultLogSlots) {
        kv.emplace_back("log", std::to_string(cfg.log_slots));
    }
    if (cfg.log_bytes != kDefaultLogBytes) {
        kv.emplace_back("log_bytes", std::to_string(cfg.log_bytes));
    }
    if (cfg.table >= 0) {
        kv.emplace_back("table", std::to_string(cfg.table));
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
        if (h->sender == 0 || h->sender > cfg.members) {
            g.not_member++;  // Only members' votes count.
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
    if (cfg.heartbeat) {
        {
            std::lock_guard<std::mutex> lock(g.mu);
            member(cfg, bridge, g, batch, out);
        }
        out.send(batch);
        return;
    }
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
        case Role::kControl:
            break;  // parse() refuses it without heartbeat.
        }
    }
    // The actions after this one may run this group again, in this thread
    // (registry.h): never emit while holding its lock.
    out.send(batch);
}

void PaxosPrimitive::start_member(GroupState &g, const NodeConfig &nc,
                                  uint8_t table, std::string_view bridge)
{
    int64_t now = now_ms();
    g.node = std::make_unique<Node>(nc, now);
    g.table = table;
    const std::string &dir = state_dir();
    if (!dir.empty()) {
        g.journal = std::make_unique<Journal>(
            journal_path(dir, bridge, nc.group));
        std::string error;
        if (g.journal->replay(*g.node, error) > 0) {
            // A member that kept state was down: it listens for a leader
            // before it campaigns, and never leads round 1 again.
            g.node->restart(now, wall_us());
        }
        if (!error.empty()) {
            g.journal_error = error;
        }
        if (!g.journal->rewrite(*g.node, table)) {
            g.journal_error = g.journal->last_error();
        }
        g.node->set_journaling(true);
    }
    wake_host();  // Its timers start now.
}

void PaxosPrimitive::write_journal(GroupState &g)
{
    if (!g.journal) {
        return;
    }
    std::vector<Node::JournalOp> ops = g.node->take_journal();
    if (!g.journal->append(ops)) {
        g.journal_error = g.journal->last_error();
    }
}

void PaxosPrimitive::member(const PaxosConfig &cfg, std::string_view bridge,
                            GroupState &g, Batch &batch, Outbox &out)
{
    if (!g.node) {
        NodeConfig nc;
        nc.group = cfg.group;
        nc.node = cfg.node;
        nc.members = cfg.members;
        nc.window = cfg.window;
        nc.start = cfg.start;
        nc.heartbeat_ms = cfg.heartbeat;
        nc.timeout_ms = cfg.timeout ? cfg.timeout : 5 * cfg.heartbeat;
        nc.log_slots = cfg.log_slots;
        nc.log_bytes = cfg.log_bytes;
        nc.origin_base = wall_us();
        start_member(g, nc, uint8_t(cfg.table), bridge);
    }
    Node &node = *g.node;
    int64_t now = now_ms();
    NodeOutput o;
    for (size_t i = 0; i < batch.size(); i++) {
        Packet p = batch.packet(i);
        uint16_t type = ethertype(p.data, p.size);
        if (!role_takes(cfg.role, type)) {
            g.wrong_type++;
            batch.drop(i);
            continue;
        }
        bool ok = true;
        o.frames.clear();
        o.deliver.clear();
        if (type == uint16_t(MsgType::kClient)
            || (type >= uint16_t(MsgType::kJoin)
                && type <= uint16_t(MsgType::kDecided))) {
            ok = node.on_frame(p.data, p.size, now, o);
        } else {
            node.on_client_frame(p.data, p.size, now, o);
        }
        if (o.frames.empty() && o.deliver.empty()) {
            if (ok) {
                batch.consume(i);
            } else {
                batch.drop(i);
            }
            continue;
        }
        for (Value &f : o.frames) {
            out.emit(i, std::move(f));
        }
        for (Value &f : o.deliver) {
            out.emit(i, std::move(f));
        }
        batch.consume(i);
    }
    // Durable before anything that depends on it leaves.
    write_journal(g);
}

void PaxosPrimitive::run(std::string_view bridge, int64_t now, Sender &out)
{
    BridgeState *b = bridges_.find(bridge);
    if (!b) {
        return;
    }
    std::lock_guard<std::mutex> lock(b->mu);
    for (auto &[id, gp] : b->groups) {
        GroupState &g = *gp;
        std::lock_guard<std::mutex> glock(g.mu);

        if (!g.node || g.node->next_wakeup() > now) {
            continue;
        }
        // The member takes its own frames itself (a PREPARE's own PROMISE,
        // its own acceptor's answer to its ASK), so that the frames sent
        // into the pipeline only need to reach the other members and the
        // replicas: table T floods Paxos frames and delivers client frames.
        NodeOutput o;
        g.node->tick(now, o);
        std::deque<Value> todo(o.frames.begin(), o.frames.end());
        std::vector<Value> deliver = std::move(o.deliver);
        for (size_t n = 0; !todo.empty() && n < kMaxOwnFrames; n++) {
            Value f = std::move(todo.front());
            todo.pop_front();
            NodeOutput mine;
            g.node->on_frame(f.data(), f.size(), now, mine);
            todo.insert(todo.end(), mine.frames.begin(), mine.frames.end());
            deliver.insert(deliver.end(), mine.deliver.begin(),
                           mine.deliver.end());
            out.send(g.table, Sender::kFromController, std::move(f));
        }
        write_journal(g);
        for (Value &f : deliver) {
            out.send(g.table, Sender::kFromController, std::move(f));
        }
        if (g.journal && g.journal->wants_compaction(*g.node)
            && !g.journal->rewrite(*g.node, g.table)) {
            g.journal_error = g.journal->last_error();
        }
        if (!g.journal_error.empty()) {
            host_log(1, "paxos: bridge " + std::string(bridge) + " group "
                            + std::to_string(id)
                            + " journal: " + g.journal_error);
            g.journal_error.clear();
        }
    }
}

int64_t PaxosPrimitive::next_wakeup(std::string_view bridge)
{
    BridgeState *b = bridges_.find(bridge);
    if (!b) {
        return kNever;
    }
    int64_t next = kNever;
    std::lock_guard<std::mutex> lock(b->mu);
    for (auto &[id, gp] : b->groups) {
        std::lock_guard<std::mutex> glock(gp->mu);
        if (gp->node) {
            next = std::min(next, gp->node->next_wakeup());
        }
    }
    return next;
}

void PaxosPrimitive::bridge_added(std::string_view bridge)
{
    // Members of this bridge that kept a journal come back at once (their
    // heartbeats and timers start before any packet arrives).
    const std::string &dir = state_dir();
    if (dir.empty()) {
        return;
    }
    std::string prefix = state_file("cxxa-paxos", bridge, "");
    DIR *d = opendir(dir.c_str());
    if (!d) {
        return;
    }
    std::vector<std::string> files;
    while (struct dirent *e = readdir(d)) {
        std::string name = e->d_name;
        const std::string suffix = ".journal";
        if (name.rfind(prefix, 0) == 0 && name.size() > suffix.size()
            && name.compare(name.size() - suffix.size(), suffix.size(), suffix)
                   == 0) {
            files.push_back(dir + "/" + name);
        }
    }
    closedir(d);
    for (const std::string &path : files) {
        NodeConfig nc;
        uint8_t table = 0;
        std::string error;
        if (!Journal::read_config(path, nc, table, error)) {
            host_log(1, "paxos: " + path + ": " + error + "; renamed to "
                            + path + ".corrupt");
            std::rename(path.c_str(), (path + ".corrupt").c_str());
            continue;
        }
        nc.origin_base = wall_us();
        GroupState &g = bridges_.get(bridge).group(nc.group);
        std::lock_guard<std::mutex> lock(g.mu);
        if (!g.node) {
            start_member(g, nc, table, bridge);
            host_log(0, "paxos: bridge " + std::string(bridge) + " group "
                            + std::to_string(nc.group) + " node "
                            + std::to_string(nc.node)
                            + " restored from its journal: delivered up to "
                            + std::to_string(g.node->delivered_next() - 1)
                            + ", promised round "
                            + std::to_string(g.node->promised()) + ", "
                            + std::to_string(g.node->log_size())
                            + " slots in the log");
        }
    }
}

void PaxosPrimitive::bridge_removed(std::string_view bridge, bool deleted)
{
    BridgeState *b = bridges_.find(bridge);
    if (!b) {
        return;
    }
    std::lock_guard<std::mutex> lock(b->mu);
    for (auto &[id, gp] : b->groups) {
        std::lock_guard<std::mutex> glock(gp->mu);
        if (gp->journal) {
            if (deleted) {
                gp->journal->remove();  // A deleted bridge keeps nothing.
            } else {
                gp->journal->close();
            }
        }
        if (deleted) {
            gp->node.reset();
            gp->journal.reset();
            gp->leader.reset();
            gp->acceptor.reset();
            gp->learner.reset();
        }
    }
}

std::string PaxosPrimitive::show(const std::string &bridge, BridgeState &b)
{
    std::ostringstream s;
    std::lock_guard<std::mutex> lock(b.mu);
    for (const auto &[id, gp] : b.groups) {
        GroupState &g = *gp;
        std::lock_guard<std::mutex> glock(g.mu);
        s << "bridge " << bridge << " group " << id << ":\n";
        if (g.node) {
            s << g.node->describe(now_ms());
            if (g.journal) {
                s << "  journal: " << g.journal->path() << ", "
                  << g.journal->bytes() << " bytes, write errors "
                  << g.journal->write_errors() << "\n";
            }
        }
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
          << g.wrong_type << ", wrong group " << g.wrong_group
          << ", not a member " << g.not_member << "\n";
    }
    return s.str();
}

std::vector<Command> PaxosPrimitive::commands()
{
    return {show_command<BridgeState>("paxos/show", bridges_, "Paxos", show)};
}

}  // namespace cxxa::paxos

CXXA_REGISTER_PRIMITIVE(paxos, cxxa::paxos::PaxosPrimitive)
