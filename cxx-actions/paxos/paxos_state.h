// paxos_state.h: the Paxos roles as state machines, free of packets and
// datapaths (paxos_primitive.cc feeds them frames; tests feed them
// directly).
//
// Sequence numbers are 32-bit and wrap: comparisons use serial number
// arithmetic (RFC 1982), so 0 follows 4294967295.  Every role keeps at most
// 'window' slots: memory per group is bounded by window x frame size.
#ifndef CXXA_PAXOS_STATE_H
#define CXXA_PAXOS_STATE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace cxxa::paxos {

using Value = std::vector<uint8_t>;

constexpr uint32_t kDefaultWindow = 1024;
constexpr uint32_t kMaxWindow = 65536;

// True if 'a' comes before 'b' in serial number order.
inline bool seq_before(uint32_t a, uint32_t b)
{
    return static_cast<int32_t>(a - b) < 0;
}

// Leader (paxos:onclient): numbers client frames.
class Leader {
  public:
    Leader(uint32_t round, uint32_t start) : round_(round), next_(start) {}

    // The sequence number for the next client frame, or nullopt if that
    // would put more than 'window' slots between it and the first slot the
    // local learner has not delivered ('learner_next'; nullopt when this
    // bridge has no learner for the group, so there is no feedback).
    std::optional<uint32_t> assign(std::optional<uint32_t> learner_next,
                                   uint32_t window);

    uint32_t round() const { return round_; }
    uint32_t next() const { return next_; }
    uint64_t window_full() const { return window_full_; }

  private:
    uint32_t round_;
    uint32_t next_;
    uint64_t window_full_ = 0;
};

// Acceptor (paxos:onaccept): accepts values of the current or a newer round.
class Acceptor {
  public:
    explicit Acceptor(uint32_t window) : window_(window) {}

    // An ACCEPT(round, seq, value).  True: accepted (stored in slot 'seq',
    // the caller emits a LEARN); a re-sent ACCEPT of the same round is
    // accepted again.  False: its round is older than one already seen.
    bool on_accept(uint32_t round, uint32_t seq, const uint8_t *value,
                   size_t len);

    uint32_t round() const { return round_; }
    uint64_t accepted() const { return accepted_; }
    uint64_t stale() const { return stale_; }
    size_t stored() const { return slots_.size(); }
    // The value stored for 'seq', if it is still in the window.
    const Value *stored_value(uint32_t seq) const;

  private:
    struct Slot {
        uint32_t seq = 0;
        uint32_t round = 0;
        Value value;
    };
    uint32_t window_;
    uint32_t round_ = 0;
    uint64_t accepted_ = 0;
    uint64_t stale_ = 0;
    std::vector<Slot> slots_;  // Ring indexed by seq % window.
};

// Learner (paxos:onlearn): a slot is chosen when a majority of 'members'
// distinct acceptors sent a LEARN for it in the same round; chosen slots
// are delivered in sequence order, each exactly once.
class Learner {
  public:
    enum class Verdict {
        kCounted,       // A new vote; slot not chosen yet.
        kChosen,        // This vote chose the slot (maybe delivered).
        kRepeatVote,    // Same acceptor again: ignored.
        kLateVote,      // Slot already chosen; vote ignored.
        kDelivered,     // Slot already delivered: duplicate.
        kBeyondWindow,  // Too far ahead of the next undelivered slot.
        kStaleRound,    // Older round than the slot's: ignored.
        kConflict,      // Same round, different value: ignored.
    };

    Learner(uint16_t members, uint32_t window, uint32_t start)
        : members_(members), window_(window), next_(start)
    {
    }

    // A LEARN(round, seq, sender, value).  Appends to 'deliver' the values
    // of every slot now deliverable, in order.
    Verdict on_learn(uint32_t round, uint32_t seq, uint16_t sender,
                     const uint8_t *value, size_t len,
                     std::vector<Value> &deliver);

    uint16_t members() const { return members_; }
    size_t majority() const { return members_ / 2 + 1; }
    uint32_t next() const { return next_; }  // First undelivered slot.
    size_t undelivered() const { return slots_.size(); }
    uint64_t delivered() const { return delivered_; }
    uint64_t count(Verdict v) const { return counts_[size_t(v)]; }

  private:
    struct Slot {
        uint32_t round = 0;
        Value value;
        std::vector<uint16_t> voters;
        bool chosen = false;
    };
    uint16_t members_;
    uint32_t window_;
    uint32_t next_;
    uint64_t delivered_ = 0;
    uint64_t counts_[8] = {};
    std::unordered_map<uint32_t, Slot> slots_;
};

}  // namespace cxxa::paxos

#endif  // CXXA_PAXOS_STATE_H
