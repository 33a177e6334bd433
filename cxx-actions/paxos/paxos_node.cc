// paxos_node.cc: see paxos_node.h.
#include "paxos_node.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "bridge/bytes.h"

namespace cxxa::paxos {

namespace {

// ACCEPTs a leader sends again per tick (the oldest first): enough for a
// lost frame now and then, never a storm when the whole window is slow.
constexpr size_t kMaxRetransmitsPerTick = 32;

void put64(uint8_t *p, uint64_t v)
{
    put32(p, uint32_t(v >> 32));
    put32(p + 4, uint32_t(v));
}

uint64_t get64(const uint8_t *p)
{
    return uint64_t(get32(p)) << 32 | get32(p + 4);
}

// A tagged value: origin node, origin id, client frame.
Value tag(uint16_t origin, uint64_t id, const uint8_t *frame, size_t len)
{
    Value v(kOriginLen + len);
    put16(v.data(), origin);
    put64(v.data() + 2, id);
    std::memcpy(v.data() + kOriginLen, frame, len);
    return v;
}

const char *const kCounterNames[Node::kCounters] = {
    "malformed",     "wrong group",     "not a member",
    "absurd round",  "round not owned", "stale accept",
    "stale prepare", "log full",        "accept of trimmed slot",
    "window full",   "not leader",      "pending full",
    "stale learn",   "conflict",        "late vote",
    "beyond window", "no-ops skipped",  "duplicates skipped",
    "asks sent",     "asks answered",   "decided taken",
    "retransmits",   "prepares sent",   "promises sent",
    "elections",     "elected",         "step-downs",
    "re-proposed",   "fell behind",     "trimmed",
    "forwarded",     "accepted",        "delivered",
};

}  // namespace

const char *Node::counter_name(Counter c) { return kCounterNames[c]; }

Node::Node(const NodeConfig &cfg, int64_t now)
    : cfg_(cfg), trim_(cfg.start), learn_next_(cfg.start),
      known_high_(cfg.start), next_(cfg.start),
      next_origin_id_(origin_id(cfg.node, cfg.origin_base)),
      leader_heard_(now), heard_(size_t(cfg.members) + 1, -1),
      member_next_(size_t(cfg.members) + 1, cfg.start),
      member_trim_(size_t(cfg.members) + 1, cfg.start), next_heartbeat_(now),
      next_tick_(now)
{
    heard_[cfg_.node] = now;
    if (cfg_.node == 1) {
        leading_ = true;  // Round 1 needs no phase 1.
        round_ = 1;
    }
}

Value Node::frame(MsgType type, uint32_t round, uint32_t seq,
                  const std::vector<uint8_t> &payload) const
{
    return encode({type, round, seq, cfg_.group, cfg_.node}, payload.data(),
                  payload.size());
}

void Node::journal(JournalOp op)
{
    if (journaling_) {
        journal_.push_back(std::move(op));
    }
}

std::vector<Node::JournalOp> Node::take_journal()
{
    std::vector<JournalOp> ops;
    ops.swap(journal_);
    return ops;
}

void Node::see_round(uint32_t round)
{
    if (round > known_round_) {
        known_round_ = round;
    }
}

void Node::step_down(NodeOutput &out)
{
    if (!leading_ && !candidate_) {
        return;
    }
    counts_[kStepDowns]++;
    leading_ = false;
    candidate_ = false;
    proposals_.clear();
    promises_.clear();
    promised_values_.clear();
    flush_held(out);  // To whoever leads now.
}

void Node::cancel_initial_lead(uint32_t round)
{
    // A restored member (its journal holds rounds or values) must win
    // phase 1 before it leads again: round 1's skip is for a fresh group.
    if (round > known_round_) {
        known_round_ = round;
    }
    if (leading_ && !candidate_ && round_ == 1) {
        leading_ = false;
        round_ = 0;
        leader_id_ = 0;
        leader_round_ = 0;
    }
}

void Node::hold(Value value)
{
    if (pending_.size() >= kMaxPending) {
        counts_[kPendingFull]++;
    } else {
        pending_.push_back(std::move(value));
    }
}

void Node::flush_held(NodeOutput &out)
{
    for (const Value &v : pending_) {
        forward(v.data() + kOriginLen, v.size() - kOriginLen,
                get64(v.data() + 2), out);
    }
    pending_.clear();
}

void Node::forward(const uint8_t *frame, size_t len, uint64_t id,
                   NodeOutput &out)
{
    out.frames.push_back(encode({MsgType::kClient, uint32_t(id >> 32),
                                 uint32_t(id), cfg_.group, cfg_.node},
                                frame, len));
    counts_[kForwarded]++;
}

void Node::send_accept(uint32_t seq, const Value &value, int64_t now,
                       NodeOutput &out)
{
    out.frames.push_back(frame(MsgType::kAccept, round_, seq, value));
    proposals_[seq] = Proposal{value, now};
}

void Node::order(Value value, int64_t now, NodeOutput &out)
{
    if ((next_ - learn_next_ >= cfg_.window && !seq_before(next_, learn_next_))
        || proposals_.size() >= cfg_.window) {
        counts_[kWindowFull]++;  // Nothing is overwritten: clients retry.
        return;
    }
    uint32_t seq = next_++;
    send_accept(seq, value, now, out);
}

void Node::on_client_frame(const uint8_t *f, size_t len, int64_t now,
                           NodeOutput &out)
{
    if (len < kEthHeaderLen) {
        counts_[kMalformed]++;
        return;
    }
    uint64_t id = next_origin_id_++;
    if ((next_origin_id_ & kOriginCounterMask) == 0) {
        next_origin_id_ = origin_id(cfg_.node, 0);  // 2^48 ids: wrap.
    }
    if (leading_) {
        order(tag(cfg_.node, id, f, len), now, out);
    } else if (candidate_ || now - leader_heard_ >= int64_t(cfg_.timeout_ms)) {
        // Phase 1 here, or no leader heard: hold it for the next leader.
        hold(tag(cfg_.node, id, f, len));
    } else {
        forward(f, len, id, out);
    }
}

bool Node::on_frame(const uint8_t *f, size_t len, int64_t now, NodeOutput &out)
{
    const uint8_t *p;
    size_t plen;
    auto h = decode(f, len, &p, &plen);
    if (!h) {
        counts_[kMalformed]++;
        return false;
    }
    if (h->group != cfg_.group) {
        counts_[kWrongGroup]++;
        return false;
    }
    if (!member(h->sender)) {
        counts_[kNotMember]++;
        return false;
    }
    if (h->type != MsgType::kClient && h->type != MsgType::kAsk
        && (h->round == 0 || h->round > kMaxRound)) {
        counts_[kAbsurdRound]++;
        return false;
    }
    uint64_t before = counts_[kMalformed] + counts_[kNotOwner];
    switch (h->type) {
    case MsgType::kJoin:
        on_prepare(*h, now, out);
        break;
    case MsgType::kAccept:
        on_accept(*h, p, plen, now, out);
        break;
    case MsgType::kLearn:
        on_learn(*h, p, plen, now, out);
        break;
    case MsgType::kPromise:
        on_promise(*h, p, plen, now, out);
        break;
    case MsgType::kHeartbeat:
        on_heartbeat(*h, p, plen, now, out);
        break;
    case MsgType::kAsk:
        on_ask(*h, p, plen, out);
        break;
    case MsgType::kDecided:
        on_decided(*h, p, plen, now, out);
        break;
    case MsgType::kClient:
        on_client(*h, p, plen, now, out);
        break;
    }
    schedule(now);
    return counts_[kMalformed] + counts_[kNotOwner] == before;
}

void Node::on_prepare(const Header &h, int64_t now, NodeOutput &out)
{
    if (owner(h.round) != h.sender) {
        counts_[kNotOwner]++;
        return;
    }
    see_round(h.round);
    if (h.round < promised_) {
        counts_[kStalePrepare]++;
        return;
    }
    if (h.round > promised_) {
        promised_ = h.round;
        journal({JournalOp::kPromise, 0, promised_});
        if (h.sender != cfg_.node) {
            leader_heard_ = now;  // Give the candidate a timeout to win.
        }
    }
    if ((leading_ || candidate_) && h.round > round_) {
        step_down(out);
    }
    uint32_t count = 0;
    uint32_t next = trim_;
    bool more = false;
    for (auto it = log_.lower_bound(h.seq); it != log_.end(); ++it) {
        if (count == cfg_.promise_chunk) {
            more = true;  // The candidate asks again from 'next'.
            break;
        }
        std::vector<uint8_t> pl(kPromiseEntryLen + it->second.value.size());
        put16(pl.data(), h.sender);
        pl[2] = it->second.decided ? kPromiseDecided : 0;
        put32(pl.data() + 3, it->second.vround);
        std::copy(it->second.value.begin(), it->second.value.end(),
                  pl.begin() + kPromiseEntryLen);
        out.frames.push_back(frame(MsgType::kPromise, h.round, it->first, pl));
        count++;
        next = it->first + 1;
    }
    if (!more && !log_.empty()
        && !seq_before(log_.rbegin()->first + 1, next)) {
        next = log_.rbegin()->first + 1;
    }
    std::vector<uint8_t> end(kPromiseEndLen);
    put16(end.data(), h.sender);
    end[2] = kPromiseEnd | (more ? kPromiseMore : 0);
    put32(end.data() + 3, count);
    put32(end.data() + 7, next);
    put32(end.data() + 11, h.seq);
    out.frames.push_back(frame(MsgType::kPromise, h.round, trim_, end));
    counts_[kPromisesSent]++;
}

bool Node::log_has_room(size_t value_len)
{
    // The bound, not a dead member, decides how long slots wait for it:
    // when full, slots this member's learner delivered make room.
    while (!log_.empty()
           && (log_.size() >= cfg_.log_slots
               || log_bytes_ + value_len > cfg_.log_bytes)
           && seq_before(log_.begin()->first, learn_next_)) {
        trim_to(log_.begin()->first + 1);
    }
    return log_.size() < cfg_.log_slots
           && log_bytes_ + value_len <= cfg_.log_bytes;
}

void Node::trim_to(uint32_t seq)
{
    if (!seq_before(trim_, seq)) {
        return;
    }
    while (!log_.empty() && seq_before(log_.begin()->first, seq)) {
        log_bytes_ -= log_.begin()->second.value.size();
        log_.erase(log_.begin());
        counts_[kTrimmed]++;
    }
    trim_ = seq;
    journal({JournalOp::kTrim, trim_});
}

void Node::on_accept(const Header &h, const uint8_t *v, size_t len,
                     int64_t now, NodeOutput &out)
{
    if (owner(h.round) != h.sender) {
        counts_[kNotOwner]++;
        return;
    }
    if (len != 0 && len < kOriginLen + kEthHeaderLen) {
        counts_[kMalformed]++;
        return;
    }
    see_round(h.round);
    if (h.round < promised_) {
        counts_[kStaleAccept]++;  // A deposed leader's ACCEPT.
        return;
    }
    if (seq_before(h.seq, trim_)) {
        counts_[kTrimmedAccept]++;
        return;
    }
    if (h.round > promised_) {
        promised_ = h.round;
        journal({JournalOp::kPromise, 0, promised_});
    }
    if ((leading_ || candidate_) && h.round > round_) {
        step_down(out);
    }
    if (h.sender != cfg_.node && h.round >= leader_round_) {
        leader_id_ = h.sender;
        leader_round_ = h.round;
        leader_heard_ = now;
    }
    auto it = log_.find(h.seq);
    if (it != log_.end()
        && (it->second.vround == h.round || it->second.decided)) {
        if (it->second.value.size() != len
            || !std::equal(v, v + len, it->second.value.begin())) {
            counts_[kConflict]++;  // One value per slot and round.
            return;
        }
    } else {
        size_t old = it == log_.end() ? 0 : it->second.value.size();
        if (it == log_.end() && !log_has_room(len)) {
            counts_[kLogFull]++;
            return;
        }
        LogEntry &e = log_[h.seq];
        log_bytes_ = log_bytes_ - old + len;
        e.vround = h.round;
        e.value.assign(v, v + len);
        journal({JournalOp::kAccepted, h.seq, h.round, 0, 0, e.value});
        counts_[kAccepted]++;
    }
    out.frames.push_back(
        frame(MsgType::kLearn, h.round, h.seq, Value(v, v + len)));
}

bool Node::chosen_locally(uint32_t seq) const
{
    if (seq_before(seq, learn_next_)) {
        return true;
    }
    auto it = votes_.find(seq);
    return it != votes_.end() && it->second.chosen;
}

bool Node::first_delivery(uint16_t origin, uint64_t id)
{
    OriginWindow &w = origins_[origin];
    if (w.max == 0 || id > w.max) {
        if (w.max == 0 || id - w.max >= kDedupWindow) {
            w.seen.reset();
        } else {
            for (uint64_t i = w.max + 1; i <= id; i++) {
                w.seen.reset(i % kDedupWindow);
            }
        }
        w.max = id;
        w.seen.set(id % kDedupWindow);
        return true;
    }
    if (w.max - id >= kDedupWindow || w.seen.test(id % kDedupWindow)) {
        return false;  // Too old to tell, or delivered: never twice.
    }
    w.seen.set(id % kDedupWindow);
    return true;
}

void Node::deliver_ready(NodeOutput &out)
{
    for (auto it = votes_.find(learn_next_);
         it != votes_.end() && it->second.chosen;
         it = votes_.find(learn_next_)) {
        const Value &v = it->second.value;
        JournalOp op{JournalOp::kDelivered, learn_next_ + 1};
        if (v.empty()) {
            counts_[kNoopsSkipped]++;
        } else {
            uint16_t origin = get16(v.data());
            uint64_t id = get64(v.data() + 2);
            if (first_delivery(origin, id)) {
                out.deliver.emplace_back(v.begin() + kOriginLen, v.end());
                counts_[kDelivered]++;
                op.origin = origin;
                op.id = id;
            } else {
                counts_[kDuplicates]++;
            }
        }
        votes_.erase(it);
        learn_next_++;
        journal(std::move(op));
        gap_since_ = -1;
    }
}

void Node::on_learn(const Header &h, const uint8_t *v, size_t len, int64_t now,
                    NodeOutput &out)
{
    if (len != 0 && len < kOriginLen + kEthHeaderLen) {
        counts_[kMalformed]++;
        return;
    }
    if (seq_before(h.seq, learn_next_)) {
        counts_[kLateVote]++;
        return;
    }
    if (h.seq - learn_next_ >= cfg_.log_slots) {
        counts_[kBeyondWindow]++;
        return;
    }
    if (!seq_before(h.seq, known_high_)) {
        known_high_ = h.seq + 1;
    }
    Votes &s = votes_[h.seq];
    if (s.chosen) {
        counts_[kLateVote]++;
        return;
    }
    auto r = std::find_if(
        s.rounds.begin(), s.rounds.end(),
        [&](const RoundVotes &rv) { return rv.round == h.round; });
    if (r == s.rounds.end()) {
        if (s.rounds.size() >= kMaxRoundsPerSlot) {
            // Forget the oldest round's votes (a retransmit brings them
            // back if that round is the one that chose).
            auto oldest = std::min_element(
                s.rounds.begin(), s.rounds.end(),
                [](const RoundVotes &a, const RoundVotes &b) {
                    return a.round < b.round;
                });
            if (oldest->round > h.round) {
                counts_[kStaleLearn]++;
                return;
            }
            s.rounds.erase(oldest);
        }
        s.rounds.push_back(RoundVotes{h.round, Value(v, v + len), {}});
        r = s.rounds.end() - 1;
    } else if (r->value.size() != len
               || !std::equal(v, v + len, r->value.begin())) {
        counts_[kConflict]++;
        return;
    }
    if (std::find(r->voters.begin(), r->voters.end(), h.sender)
        != r->voters.end()) {
        return;  // A repeated vote (a duplicate or an answer to an ASK).
    }
    r->voters.push_back(h.sender);
    if (r->voters.size() >= size_t(cfg_.members / 2 + 1)) {
        s.chosen = true;
        s.round = r->round;
        s.value = std::move(r->value);
        s.rounds.clear();
        decide(h.seq, s.round, s.value);
        deliver_ready(out);
    }
}

void Node::decide(uint32_t seq, uint32_t round, const Value &value)
{
    // The acceptor keeps the chosen value for learners that missed it
    // (they take a DECIDED from one member, not a majority of LEARNs).
    if (seq_before(seq, trim_)) {
        return;
    }
    auto it = log_.find(seq);
    if (it == log_.end()) {
        if (!log_has_room(value.size())) {
            return;
        }
        it = log_.emplace(seq, LogEntry()).first;
    }
    LogEntry &e = it->second;
    log_bytes_ = log_bytes_ - e.value.size() + value.size();
    e.vround = round;
    e.value = value;
    e.decided = true;
    journal({JournalOp::kAccepted, seq, round, 0, 0, value, true});
}

void Node::on_decided(const Header &h, const uint8_t *v, size_t len,
                      int64_t now, NodeOutput &out)
{
    if (len != 0 && len < kOriginLen + kEthHeaderLen) {
        counts_[kMalformed]++;
        return;
    }
    if (seq_before(h.seq, learn_next_)
        || h.seq - learn_next_ >= cfg_.log_slots) {
        counts_[kLateVote]++;
        return;
    }
    Votes &s = votes_[h.seq];
    if (s.chosen) {
        counts_[kLateVote]++;
        return;
    }
    s.chosen = true;
    s.round = h.round;
    s.value.assign(v, v + len);
    s.rounds.clear();
    counts_[kDecidedTaken]++;
    decide(h.seq, s.round, s.value);
    deliver_ready(out);
}

void Node::on_promise(const Header &h, const uint8_t *p, size_t len,
                      int64_t now, NodeOutput &out)
{
    if (len < 3) {
        counts_[kMalformed]++;
        return;
    }
    uint16_t to = get16(p);
    bool end = p[2] & kPromiseEnd;
    if ((end && len < kPromiseEndLen) || (!end && len < kPromiseEntryLen)
        || (!end && len != kPromiseEntryLen
            && len < kPromiseEntryLen + kOriginLen + kEthHeaderLen)) {
        counts_[kMalformed]++;
        return;
    }
    see_round(h.round);
    if (h.round > round_ && (leading_ || candidate_)) {
        step_down(out);  // Another candidate got a newer promise.
        return;
    }
    if (to != cfg_.node || !candidate_ || h.round != round_) {
        return;  // Not for this node's campaign.
    }
    PromiseSet &ps = promises_[h.sender];
    if (end) {
        if (get32(p + 11) != prepare_from_) {
            return;  // The answer to an earlier chunk, late.
        }
        ps.end = true;
        ps.more = p[2] & kPromiseMore;
        ps.count = get32(p + 3);
        ps.next = get32(p + 7);
        ps.trim = h.seq;
    } else {
        if (!seq_before(h.seq, prepare_from_)) {
            ps.entries.insert(h.seq);
        }
        // A chosen value outranks every accepted one.
        uint32_t vround = p[2] & kPromiseDecided ? UINT32_MAX : get32(p + 3);
        auto [it, fresh] = promised_values_.try_emplace(h.seq);
        if (fresh || vround > it->second.first) {
            it->second.first = vround;
            it->second.second.assign(p + kPromiseEntryLen, p + len);
        }
    }
    size_t complete = 0;
    for (const auto &[id, set] : promises_) {
        complete += set.end && set.entries.size() >= set.count;
    }
    if (complete < size_t(cfg_.members / 2 + 1)) {
        return;
    }
    // A majority answered this chunk whole: go on from where the first of
    // them stopped, or, if none has more, take the lead.
    bool more = false;
    uint32_t chunk_end = 0;
    for (const auto &[id, set] : promises_) {
        if (!(set.end && set.entries.size() >= set.count)) {
            continue;
        }
        if (seq_before(phase1_trim_, set.trim)) {
            phase1_trim_ = set.trim;
        }
        if (set.more) {
            if (!more || seq_before(set.next, chunk_end)) {
                chunk_end = set.next;
            }
            more = true;
        } else if (seq_before(phase1_end_, set.next)) {
            phase1_end_ = set.next;
        }
    }
    if (more) {
        prepare_from_ = chunk_end;
        promises_.clear();
        prepare_sent_ = now;
        election_progress_ = now;  // A chunk done: not stuck.
        counts_[kPreparesSent]++;
        out.frames.push_back(frame(MsgType::kJoin, round_, prepare_from_));
        return;
    }
    finish_election(now, out);
}

void Node::start_election(int64_t now, NodeOutput &out)
{
    uint32_t n = cfg_.members;
    uint32_t k = known_round_ >= cfg_.node ? (known_round_ - cfg_.node) / n + 1
                                           : 0;
    uint64_t round = cfg_.node + uint64_t(k) * n;
    if (round > kMaxRound) {
        return;  // Out of rounds: documented, never reached in practice.
    }
    candidate_ = true;
    leading_ = false;
    round_ = uint32_t(round);
    known_round_ = round_;
    prepare_from_ = learn_next_;
    phase1_from_ = learn_next_;
    phase1_trim_ = learn_next_;
    phase1_end_ = learn_next_;
    promises_.clear();
    promised_values_.clear();
    prepare_sent_ = now;
    election_progress_ = now;
    counts_[kElections]++;
    counts_[kPreparesSent]++;
    out.frames.push_back(frame(MsgType::kJoin, round_, prepare_from_));
}

void Node::finish_election(int64_t now, NodeOutput &out)
{
    // Slots below every kept log were chosen and delivered everywhere.
    uint32_t from = phase1_from_;
    if (seq_before(from, phase1_trim_)) {
        from = phase1_trim_;
    }
    uint32_t end = phase1_end_;
    for (const auto &[seq, vv] : promised_values_) {
        if (!seq_before(seq, end)) {
            end = seq + 1;
        }
    }
    if (seq_before(end, from)) {
        end = from;
    }
    candidate_ = false;
    leading_ = true;
    leader_id_ = cfg_.node;
    leader_round_ = round_;
    counts_[kElected]++;
    proposals_.clear();
    for (uint32_t s = from; s != end; s++) {
        auto it = promised_values_.find(s);
        Value v = it == promised_values_.end()
                          || cfg_.test_ignore_promised_values
                      ? Value()
                      : it->second.second;
        send_accept(s, v, now, out);
        counts_[kReproposed]++;
    }
    next_ = end;
    if (seq_before(learn_next_, from)) {
        // Slots below every kept log: this member's learner cannot get
        // them from anyone.
        behind_ = true;
        counts_[kFellBehind]++;
    }
    promises_.clear();
    promised_values_.clear();
    next_heartbeat_ = now;  // Tell the others at once.
    std::deque<Value> held;
    held.swap(pending_);
    for (Value &v : held) {
        order(std::move(v), now, out);
    }
}

void Node::on_heartbeat(const Header &h, const uint8_t *p, size_t len,
                        int64_t now, NodeOutput &out)
{
    if (len < kHeartbeatLen) {
        counts_[kMalformed]++;
        return;
    }
    bool leads = p[0] & kHeartbeatLeader;
    uint32_t next = get32(p + 1);
    uint32_t trim = get32(p + 5);
    heard_[h.sender] = now;
    member_next_[h.sender] = h.seq;
    member_trim_[h.sender] = trim;
    see_round(h.round);
    if (leads && owner(h.round) == h.sender && h.round >= leader_round_) {
        if (h.sender != cfg_.node) {
            if ((leading_ || candidate_) && h.round > round_) {
                step_down(out);
            }
            leader_id_ = h.sender;
            leader_round_ = h.round;
            leader_heard_ = now;
            if (!leading_ && !candidate_) {
                flush_held(out);
            }
        }
        if (seq_before(known_high_, next)
            && next - learn_next_ <= cfg_.log_slots) {
            known_high_ = next;
        }
    }
    // Slots every member has delivered are dropped from the log.
    uint32_t all = member_next_[1];
    for (uint16_t id = 2; id <= cfg_.members; id++) {
        if (seq_before(member_next_[id], all)) {
            all = member_next_[id];
        }
    }
    if (seq_before(learn_next_, all)) {
        all = learn_next_;
    }
    trim_to(all);
}

void Node::on_ask(const Header &h, const uint8_t *p, size_t len,
                  NodeOutput &out)
{
    if (len < kAskLen) {
        counts_[kMalformed]++;
        return;
    }
    uint16_t count = std::min<uint16_t>(get16(p), kMaxAsk);
    for (uint16_t i = 0; i < count; i++) {
        auto it = log_.find(h.seq + i);
        if (it != log_.end()) {
            out.frames.push_back(
                frame(it->second.decided ? MsgType::kDecided : MsgType::kLearn,
                      it->second.vround, it->first, it->second.value));
            counts_[kAsksAnswered]++;
        }
    }
}

void Node::on_client(const Header &h, const uint8_t *p, size_t len,
                     int64_t now, NodeOutput &out)
{
    if (len < kEthHeaderLen) {
        counts_[kMalformed]++;
        return;
    }
    uint64_t id = uint64_t(h.round) << 32 | h.seq;
    uint16_t origin = uint16_t(id >> 48);
    if (!member(origin)) {
        counts_[kMalformed]++;
        return;
    }
    if (leading_) {
        order(tag(origin, id, p, len), now, out);
    } else if (candidate_) {
        hold(tag(origin, id, p, len));
    } else if (h.sender != cfg_.node) {
        counts_[kNotLeader]++;  // Flooded: the leader orders it.
    }
}

void Node::tick(int64_t now, NodeOutput &out)
{
    if (cfg_.heartbeat_ms == 0) {
        next_tick_ = kNever;
        return;
    }
    if (now >= next_heartbeat_) {
        std::vector<uint8_t> pl(kHeartbeatLen);
        pl[0] = leading_ ? kHeartbeatLeader : 0;
        put32(pl.data() + 1, leading_ ? next_ : 0);
        put32(pl.data() + 5, trim_);
        uint32_t round = leading_ ? round_ : std::max(promised_, known_round_);
        out.frames.push_back(
            frame(MsgType::kHeartbeat, round, learn_next_, pl));
        next_heartbeat_ = now + cfg_.heartbeat_ms;
        heard_[cfg_.node] = now;
        member_next_[cfg_.node] = learn_next_;
        member_trim_[cfg_.node] = trim_;
    }

    // A member that has just restarted, or that promised a candidate,
    // waits a timeout for a leader before it campaigns (no preemption).
    bool leader_alive = leading_
                        || (leader_id_ != cfg_.node
                            && now - leader_heard_ < int64_t(cfg_.timeout_ms));
    if (candidate_) {
        // Refused or lost: a newer round, later for higher node ids, so
        // that two candidates do not keep cutting each other off.
        if (now - election_progress_
            >= 2 * int64_t(cfg_.timeout_ms)
                   + int64_t(cfg_.node) * cfg_.heartbeat_ms) {
            start_election(now, out);
        } else if (now - prepare_sent_ >= int64_t(cfg_.heartbeat_ms)) {
            prepare_sent_ = now;
            counts_[kPreparesSent]++;
            out.frames.push_back(frame(MsgType::kJoin, round_, prepare_from_));
        }
    } else if (!leader_alive) {
        // The lowest live node id whose learner is not far behind the
        // most advanced one (a member that is catching up would have to
        // collect its whole backlog in phase 1) runs for leader.
        uint32_t best = learn_next_;
        for (uint16_t id = 1; id <= cfg_.members; id++) {
            if (id != cfg_.node && heard_[id] >= 0
                && now - heard_[id] < int64_t(cfg_.timeout_ms)
                && seq_before(best, member_next_[id])) {
                best = member_next_[id];
            }
        }
        auto eligible = [&](uint16_t id, uint32_t next) {
            return best - next <= cfg_.promise_chunk || seq_before(best, next);
        };
        uint16_t chosen = eligible(cfg_.node, learn_next_) ? cfg_.node : 0;
        for (uint16_t id = 1; id < cfg_.node; id++) {
            if (heard_[id] >= 0 && now - heard_[id] < int64_t(cfg_.timeout_ms)
                && eligible(id, member_next_[id])) {
                chosen = id;
                break;
            }
        }
        if (chosen == cfg_.node) {
            start_election(now, out);
        }
    }

    // Learner: ask the acceptors for a slot that stays missing.
    if (seq_before(learn_next_, known_high_)) {
        if (gap_since_ < 0) {
            gap_since_ = now;
        }
        if (now - gap_since_ >= int64_t(cfg_.heartbeat_ms)
            && now >= next_ask_) {
            uint32_t n = std::min<uint32_t>(kMaxAsk,
                                            known_high_ - learn_next_);
            std::vector<uint8_t> pl(kAskLen);
            put16(pl.data(), uint16_t(n));
            out.frames.push_back(frame(MsgType::kAsk, 0, learn_next_, pl));
            counts_[kAsksSent]++;
            next_ask_ = now + cfg_.heartbeat_ms;
            bool kept = false;
            for (uint16_t id = 1; id <= cfg_.members; id++) {
                if (!seq_before(learn_next_, member_trim_[id])) {
                    kept = true;
                }
            }
            if (!kept && !behind_) {
                behind_ = true;
                counts_[kFellBehind]++;
            }
        }
    } else {
        gap_since_ = -1;
    }

    // Leader: proposals a majority has not accepted yet go out again.
    if (leading_) {
        size_t sent = 0;
        const int64_t retransmit_after = std::max<int64_t>(
            2 * int64_t(cfg_.heartbeat_ms), cfg_.timeout_ms / 2);
        for (auto it = proposals_.begin(); it != proposals_.end();) {
            if (chosen_locally(it->first)) {
                it = proposals_.erase(it);
                continue;
            }
            if (sent < kMaxRetransmitsPerTick
                && now - it->second.sent_at >= retransmit_after) {
                out.frames.push_back(frame(MsgType::kAccept, round_, it->first,
                                           it->second.value));
                it->second.sent_at = now;
                counts_[kRetransmits]++;
                sent++;
            }
            ++it;
        }
    }
    next_tick_ = now + std::max<int64_t>(1, cfg_.heartbeat_ms / 2);
}

void Node::schedule(int64_t now)
{
    if (cfg_.heartbeat_ms == 0) {
        next_tick_ = kNever;
        return;
    }
    // Only ever earlier: a frame must not postpone a tick that is due.
    int64_t step = std::max<int64_t>(1, cfg_.heartbeat_ms / 2);
    if (next_tick_ > now + step) {
        next_tick_ = now + step;
    }
}

void Node::restart(int64_t now, uint64_t origin_base)
{
    votes_.clear();
    known_high_ = learn_next_;
    leading_ = false;
    candidate_ = false;
    round_ = 0;
    next_ = learn_next_;
    proposals_.clear();
    pending_.clear();
    promises_.clear();
    promised_values_.clear();
    leader_id_ = 0;
    leader_round_ = 0;
    known_round_ = std::max<uint32_t>(promised_, 1);
    leader_heard_ = now;  // Listen for a leader before campaigning.
    std::fill(heard_.begin(), heard_.end(), -1);
    heard_[cfg_.node] = now;
    std::fill(member_next_.begin(), member_next_.end(), trim_);
    std::fill(member_trim_.begin(), member_trim_.end(), trim_);
    gap_since_ = -1;
    next_ask_ = 0;
    behind_ = false;
    next_origin_id_ = origin_id(cfg_.node, origin_base);
    next_heartbeat_ = now;
    next_tick_ = now;
}

void Node::restore_promise(uint32_t round)
{
    if (round > promised_) {
        promised_ = round;
    }
    cancel_initial_lead(round);
}

void Node::restore_accepted(uint32_t seq, uint32_t vround, Value value,
                            bool decided)
{
    if (seq_before(seq, trim_)) {
        return;
    }
    LogEntry &e = log_[seq];
    log_bytes_ = log_bytes_ - e.value.size() + value.size();
    e.vround = vround;
    e.value = std::move(value);
    e.decided = decided;
    cancel_initial_lead(vround);
}

void Node::restore_trim(uint32_t trim) { trim_to(trim); }

void Node::restore_delivered(uint32_t next, uint16_t origin, uint64_t id)
{
    if (seq_before(learn_next_, next)) {
        learn_next_ = next;
        known_high_ = next;
        next_ = next;
    }
    if (origin != 0) {
        first_delivery(origin, id);
    }
    cancel_initial_lead(1);
}

std::string Node::describe(int64_t now) const
{
    std::ostringstream s;
    s << "  member: node " << cfg_.node << " of " << cfg_.members
      << ", heartbeat " << cfg_.heartbeat_ms << " ms, timeout "
      << cfg_.timeout_ms << " ms\n";
    s << "  role: "
      << (leading_     ? "leader"
          : candidate_ ? "candidate"
                       : "follower")
      << ", round " << round_ << ", promised " << promised_
      << ", highest round seen " << known_round_ << "\n";
    s << "  leader: node " << leader_id_ << " round " << leader_round_
      << (leading_ ? " active (this node)" : "");
    if (!leading_ && leader_id_ != 0) {
        s << ", heard " << (now - leader_heard_) << " ms ago";
    }
    s << "\n  heartbeats heard:";
    for (uint16_t id = 1; id <= cfg_.members; id++) {
        s << " " << id << "=";
        if (heard_[id] < 0) {
            s << "never";
        } else {
            s << (now - heard_[id]) << "ms";
        }
    }
    s << "\n  leader next " << next_ << ", proposals in flight "
      << proposals_.size() << ", held during phase 1 " << pending_.size()
      << "\n";
    s << "  acceptor log: slots " << log_.size() << "/" << cfg_.log_slots
      << ", bytes " << log_bytes_ << "/" << cfg_.log_bytes << ", first kept "
      << trim_ << "\n";
    s << "  learner: delivered up to " << uint32_t(learn_next_ - 1)
      << ", highest known " << uint32_t(known_high_ - 1) << ", undelivered "
      << votes_.size() << (behind_ ? ", FELL BEHIND the kept log" : "");
    auto first = votes_.find(learn_next_);
    if (first != votes_.end()) {
        s << "\n  slot " << learn_next_ << " votes:";
        for (const RoundVotes &rv : first->second.rounds) {
            s << " round " << rv.round << " from " << rv.voters.size();
        }
    }
    s << "\n  counters:";
    for (int c = 0; c < kCounters; c++) {
        s << (c % 6 == 0 ? "\n   " : ",") << " " << kCounterNames[c] << " "
          << counts_[c];
    }
    s << "\n";
    return s.str();
}

}  // namespace cxxa::paxos
