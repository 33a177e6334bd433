// paxos_node.h: one member of a fault-tolerant Paxos group (README.md,
// "Fault tolerance"): acceptor, learner and would-be leader in one state
// machine, driven by frames and by the clock, free of datapaths
// (paxos_primitive.cc feeds it packets and timer ticks; the simulation test
// feeds it a seeded faulty network).
//
// Members are node ids 1..members.  Round r belongs to node
// ((r - 1) % members) + 1; round 1 is node 1's, which leads from the start
// without phase 1.  Every member sends a HEARTBEAT each 'heartbeat_ms'; when
// no leader has been heard for 'timeout_ms', the lowest live node id runs
// phase 1 in its next round, re-proposes what a majority of acceptors
// promised (NO-OPs for holes), and only then orders new client frames.
#ifndef CXXA_PAXOS_NODE_H
#define CXXA_PAXOS_NODE_H

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bridge/host.h"
#include "paxos_state.h"
#include "paxos_wire.h"

namespace cxxa::paxos {

constexpr uint32_t kMaxRound = 0x80000000u;  // Rounds above: "absurd".
constexpr uint32_t kDefaultLogSlots = 4096;
constexpr uint64_t kDefaultLogBytes = 16u << 20;
constexpr uint32_t kMaxLogSlots = 1u << 20;  // log= accepts up to this.
constexpr size_t kMaxPending = 1024;     // Client frames held by a candidate.
constexpr size_t kDedupWindow = 4096;    // Origin ids remembered per origin.
constexpr size_t kMaxRoundsPerSlot = 4;  // Learner: rounds voted per slot.

// Origin ids: the node that gave the id in the top 16 bits, a counter
// below (from NodeConfig::origin_base), so an id names its origin wherever
// it is forwarded.
constexpr uint64_t kOriginCounterMask = (uint64_t(1) << 48) - 1;
inline uint64_t origin_id(uint16_t node, uint64_t counter)
{
    return uint64_t(node) << 48 | ((counter + 1) & kOriginCounterMask);
}

struct NodeConfig {
    uint16_t group = 0;
    uint16_t node = 1;
    uint16_t members = 3;
    uint32_t window = kDefaultWindow;  // Leader: slots ahead of delivery.
    uint32_t start = 1;                // First sequence number.
    uint32_t heartbeat_ms = 20;
    uint32_t timeout_ms = 100;
    uint32_t log_slots = kDefaultLogSlots;
    uint64_t log_bytes = kDefaultLogBytes;
    uint64_t origin_base = 0;  // Origin id counter start (ids grow across
                               // restarts: the host's boot time in us).
    // The simulation test's negative control only: a new leader ignores
    // the values acceptors promised (proposes NO-OPs), which is unsafe.
    bool test_ignore_promised_values = false;
    // PROMISE entries an acceptor sends for one PREPARE; a candidate asks
    // again from where a chunk ended (phase 1 of a long log in pieces, so
    // that one lost frame costs one chunk, not the whole log).
    uint32_t promise_chunk = 256;
};

// Orders a 32-bit sequence number map by serial number arithmetic (valid
// while every key lies within 2^31 of the others: the log is bounded).
struct SeqLess {
    bool operator()(uint32_t a, uint32_t b) const { return seq_before(a, b); }
};

// What a step produces: frames for the other members (each enters the
// local pipeline and is flooded to the members) and client frames to hand
// to the replicas, in order.
struct NodeOutput {
    std::vector<Value> frames;
    std::vector<Value> deliver;
};

class Node {
  public:
    // Drop and event counters (paxos/show).
    enum Counter {
        kMalformed,      // Truncated or not this protocol's frame.
        kWrongGroup,     // Another group's frame.
        kNotMember,      // Sender outside 1..members.
        kAbsurdRound,    // Round 0 or above kMaxRound.
        kNotOwner,       // PREPARE/ACCEPT whose sender does not own round.
        kStaleAccept,    // ACCEPT of a round below the promise: refused.
        kStalePrepare,   // PREPARE below the promise.
        kLogFull,        // ACCEPT with no room in the log.
        kTrimmedAccept,  // ACCEPT of a slot trimmed already.
        kWindowFull,     // Leader: client frame beyond the window.
        kNotLeader,      // CLIENT at a member that does not lead.
        kPendingFull,    // Candidate's held client frames overflowed.
        kStaleLearn,     // LEARN of an older round than the slot's votes.
        kConflict,       // LEARN, same round, other value.
        kLateVote,       // LEARN of a slot chosen or delivered already.
        kBeyondWindow,   // LEARN too far ahead of delivery.
        kNoopsSkipped,   // Chosen NO-OPs (never delivered).
        kDuplicates,     // Chosen values whose origin id was delivered.
        kAsksSent,
        kAsksAnswered,  // LEARNs and DECIDEDs sent in answer to ASKs.
        kDecidedTaken,  // Slots a DECIDED frame chose.
        kRetransmits,   // ACCEPTs sent again.
        kPreparesSent,
        kPromisesSent,
        kElections,   // Phase 1 started.
        kElected,     // Phase 1 won.
        kStepDowns,   // Leading or candidate, saw a higher round.
        kReproposed,  // Slots proposed again after phase 1.
        kFellBehind,  // Learner behind every acceptor's kept log.
        kTrimmed,     // Slots dropped from the acceptor's log.
        kForwarded,   // Client frames sent to the leader.
        kAccepted,
        kDelivered,
        kCounters
    };

    explicit Node(const NodeConfig &cfg, int64_t now);

    // A client frame entering at this member: ordered if it leads, held if
    // it runs phase 1 or has heard no leader for a timeout (until one is
    // elected), else forwarded to the leader as CLIENT.
    void on_client_frame(const uint8_t *frame, size_t len, int64_t now,
                         NodeOutput &out);
    // Any frame of the protocol (PREPARE, ACCEPT, LEARN, PROMISE,
    // HEARTBEAT, ASK, CLIENT).  Returns false if it was dropped (counted).
    bool on_frame(const uint8_t *frame, size_t len, int64_t now,
                  NodeOutput &out);
    // Timers: heartbeats, elections, retransmits, gap requests.
    void tick(int64_t now, NodeOutput &out);
    int64_t next_wakeup() const { return next_tick_; }

    // The host died and came back with what the journal kept (acceptor
    // log and promise, learner position and delivered origin ids): drops
    // everything else.
    void restart(int64_t now, uint64_t origin_base);

    const NodeConfig &config() const { return cfg_; }
    uint64_t count(Counter c) const { return counts_[c]; }
    static const char *counter_name(Counter c);
    bool leading() const { return leading_; }
    bool candidate() const { return candidate_; }
    uint32_t round() const { return round_; }
    uint16_t leader() const { return leader_id_; }
    uint32_t leader_round() const { return leader_round_; }
    uint32_t promised() const { return promised_; }
    uint32_t next_to_assign() const { return next_; }
    uint32_t delivered_next() const { return learn_next_; }
    uint32_t trim_point() const { return trim_; }
    size_t log_size() const { return log_.size(); }
    uint64_t log_bytes() const { return log_bytes_; }
    size_t undelivered() const { return votes_.size(); }
    uint32_t known_high() const { return known_high_; }
    std::string describe(int64_t now) const;

    // Durable state (the journal): what restart() keeps.
    struct LogEntry {
        uint32_t vround = 0;
        Value value;
        bool decided = false;  // This member's learner chose 'value'.
    };
    const std::map<uint32_t, LogEntry, SeqLess> &log() const { return log_; }
    struct OriginWindow {
        uint64_t max = 0;                // Highest id delivered; 0: none yet.
        std::bitset<kDedupWindow> seen;  // Bit id % kDedupWindow.
    };
    const std::map<uint16_t, OriginWindow> &origins() const
    {
        return origins_;
    }
    // What changed durable state since the last take_journal(), in order
    // (recorded only after set_journaling(true)).
    struct JournalOp {
        enum Kind : uint8_t { kPromise, kAccepted, kTrim, kDelivered };
        JournalOp(Kind k, uint32_t s = 0, uint32_t r = 0, uint16_t o = 0,
                  uint64_t i = 0, Value v = {}, bool d = false)
            : kind(k), seq(s), round(r), origin(o), id(i), value(std::move(v)),
              decided(d)
        {
        }
        Kind kind;
        uint32_t seq = 0;      // Accepted: slot; trim: first kept; delivered:
                               // the learner's new first undelivered slot.
        uint32_t round = 0;    // Promise: round; accepted: vround.
        uint16_t origin = 0;   // Delivered: origin node and id (0: NO-OP or
        uint64_t id = 0;       // duplicate, nothing to remember).
        Value value;           // Accepted.
        bool decided = false;  // Accepted: the value was chosen.
    };
    void set_journaling(bool on) { journaling_ = on; }
    std::vector<JournalOp> take_journal();

    // Restores durable state (journal replay), before any frame.
    void restore_promise(uint32_t round);
    void restore_accepted(uint32_t seq, uint32_t vround, Value value,
                          bool decided);
    void restore_trim(uint32_t trim);
    void restore_delivered(uint32_t next, uint16_t origin, uint64_t id);

  private:
    // LEARNs of one slot, by round: a majority in any one round chooses
    // (Paxos makes every such value the same), so a vote of a newer round
    // that never got a majority does not hide an older chosen one.
    struct RoundVotes {
        uint32_t round = 0;
        Value value;
        std::vector<uint16_t> voters;
    };
    struct Votes {
        std::vector<RoundVotes> rounds;  // At most kMaxRoundsPerSlot.
        Value value;                     // The chosen value.
        uint32_t round = 0;              // The round that chose it.
        bool chosen = false;
    };
    struct Proposal {
        Value value;
        int64_t sent_at = 0;
    };
    struct PromiseSet {
        bool end = false;
        bool more = false;
        uint32_t count = 0;
        uint32_t next = 0;
        uint32_t trim = 0;
        std::set<uint32_t> entries;
    };

    bool member(uint16_t id) const { return id >= 1 && id <= cfg_.members; }
    uint16_t owner(uint32_t round) const
    {
        return uint16_t((round - 1) % cfg_.members + 1);
    }
    Value frame(MsgType type, uint32_t round, uint32_t seq,
                const std::vector<uint8_t> &payload = {}) const;
    void see_round(uint32_t round);
    void step_down(NodeOutput &out);
    void order(Value value, int64_t now, NodeOutput &out);
    void forward(const uint8_t *frame, size_t len, uint64_t id,
                 NodeOutput &out);
    void hold(Value value);
    void flush_held(NodeOutput &out);
    void send_accept(uint32_t seq, const Value &value, int64_t now,
                     NodeOutput &out);
    void start_election(int64_t now, NodeOutput &out);
    void finish_election(int64_t now, NodeOutput &out);

    void on_prepare(const Header &, int64_t now, NodeOutput &out);
    void on_accept(const Header &, const uint8_t *v, size_t len, int64_t now,
                   NodeOutput &out);
    void on_learn(const Header &, const uint8_t *v, size_t len, int64_t now,
                  NodeOutput &out);
    void on_promise(const Header &, const uint8_t *p, size_t len, int64_t now,
                    NodeOutput &out);
    void on_heartbeat(const Header &, const uint8_t *p, size_t len,
                      int64_t now, NodeOutput &out);
    void on_ask(const Header &, const uint8_t *p, size_t len, NodeOutput &out);
    void on_decided(const Header &, const uint8_t *v, size_t len, int64_t now,
                    NodeOutput &out);
    void decide(uint32_t seq, uint32_t round, const Value &value);
    void on_client(const Header &, const uint8_t *p, size_t len, int64_t now,
                   NodeOutput &out);

    bool log_has_room(size_t value_len);
    void trim_to(uint32_t seq);
    void deliver_ready(NodeOutput &out);
    bool first_delivery(uint16_t origin, uint64_t id);
    bool chosen_locally(uint32_t seq) const;
    void schedule(int64_t now);
    void journal(JournalOp op);
    void cancel_initial_lead(uint32_t round);

    NodeConfig cfg_;
    uint64_t counts_[kCounters] = {};

    // Acceptor.
    uint32_t promised_ = 0;
    std::map<uint32_t, LogEntry, SeqLess> log_;
    uint64_t log_bytes_ = 0;
    uint32_t trim_;  // First slot kept.

    // Learner.
    uint32_t learn_next_;  // First undelivered slot.
    uint32_t known_high_;  // One past the highest slot known to exist.
    std::map<uint32_t, Votes, SeqLess> votes_;
    std::map<uint16_t, OriginWindow> origins_;
    int64_t gap_since_ = -1;  // When 'learn_next_' became a known gap.
    int64_t next_ask_ = 0;

    // Leader and candidate.
    bool leading_ = false;
    bool candidate_ = false;
    uint32_t round_ = 0;         // The round led or campaigned for.
    uint32_t next_;              // Next slot to assign.
    uint32_t prepare_from_ = 0;  // The chunk of phase 1 asked for now.
    uint32_t phase1_from_ = 0;   // Where phase 1 started.
    uint32_t phase1_trim_ = 0;   // Highest first-kept slot promised.
    uint32_t phase1_end_ = 0;    // Highest next slot promised.
    int64_t prepare_sent_ = 0;
    std::map<uint16_t, PromiseSet> promises_;
    std::map<uint32_t, std::pair<uint32_t, Value>, SeqLess> promised_values_;
    std::map<uint32_t, Proposal, SeqLess> proposals_;
    std::deque<Value> pending_;  // Client values held during phase 1.
    uint64_t next_origin_id_;

    // Membership and election.
    uint16_t leader_id_ = 1;
    uint32_t leader_round_ = 1;
    uint32_t known_round_ = 1;  // Highest round seen anywhere.
    int64_t leader_heard_;
    std::vector<int64_t> heard_;         // By node id; -1: never.
    std::vector<uint32_t> member_next_;  // Members' delivered points.
    std::vector<uint32_t> member_trim_;  // Members' first kept slots.
    int64_t next_heartbeat_ = 0;
    int64_t next_tick_ = 0;
    int64_t election_progress_ = 0;  // Started, or last chunk completed.
    bool behind_ = false;

    bool journaling_ = false;
    std::vector<JournalOp> journal_;
};

}  // namespace cxxa::paxos

#endif  // CXXA_PAXOS_NODE_H
