// The fault model of one direction of a linkdelay link: loss (independent,
// correlated, or Gilbert-Elliott), duplication, reordering over a second
// delayed path, jitter that never reorders, and the cut (partition) state,
// with the counters of what it did.  No sockets here: linkdelay.cc asks
// arrive() what becomes of each frame, queues it, and reports each send
// with sent(); the unit tests (tests/unit/linkdelay_faults_test.cc) drive
// it alone with a fixed seed.
//
// The rules, in the order arrive() applies them to a frame:
//
//   cut       while the direction is cut, every frame is dropped
//             (dropped_cut); so are the frames queued when it is cut
//             (linkdelay.cc counts them with count_cut()).
//   room      a frame that finds its queue full is dropped (dropped_full).
//   loss      a two-state Markov chain (good, bad), stepped once per
//             frame, then the frame is lost with the state's loss
//             probability (dropped_loss).  Gilbert-Elliott "p,r,h,k": p =
//             P(good -> bad), r = P(bad -> good), h = P(delivered | bad),
//             k = P(delivered | good).  "P with correlation C" is the
//             chain with h = 0, k = 1, p = P(1-C), r = (1-P)(1-C): loss
//             rate P, P(lost | previous lost) = P + C(1-P), mean burst
//             1/((1-P)(1-C)) frames (C = 0: independent loss).
//   dup       a frame that is not lost is sent twice with probability
//             dup, the copy right after it (duplicated counts copies).
//   reorder   with probability P the frame takes the second path, whose
//             delay is the link's plus EXTRA; frames on the first path
//             overtake it.
//   jitter    each frame's delay gets a uniform extra in [0, jitter];
//             a frame never leaves before the one ahead of it on its
//             path (due = max(own, previous due on the path)), so jitter
//             alone never reorders: it delays, as a FIFO link would.
//
// reordered counts the frames sent after a frame that arrived later than
// them (sent with a lower arrival number than one already sent): what a
// receiver numbering the frames sees as late.
#ifndef LINKDELAY_FAULTS_H
#define LINKDELAY_FAULTS_H 1

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace linkdelay {

using Nanos = int64_t;

// A direction's faults and delay.  Every probability is in [0, 1].
struct Faults {
    Nanos delay = 0;
    // Loss: the Gilbert-Elliott chain (see above).  all zero: no loss.
    double ge_p = 0, ge_r = 1, ge_h = 0, ge_k = 1;
    // How the loss was given, for the stats: "P/C" or Gilbert-Elliott.
    bool loss_ge = false;
    double loss = 0, loss_corr = 0;
    double dup = 0;
    double reorder = 0;
    Nanos reorder_extra = 1000000;  // 1 ms.
    Nanos jitter = 0;

    // "Loss P with correlation C" as the chain above.
    void set_loss(double p, double corr);
    void set_loss_ge(double p, double r, double h, double k);
    // The long-run loss rate of the chain.
    double loss_rate() const;
    // The spec as parse_faults() reads it ("loss=0.2/0.75,dup=0.01,...").
    std::string to_string() const;
};

// Parses "KEY=VALUE[,KEY=VALUE...]" into f (fields not named stay):
//   loss=P[/CORR]  loss-ge=p/r[/h[/k]]  dup=P  reorder=P[/EXTRA_US]
//   jitter=US  delay=US  none (no faults: loss, dup, reorder, jitter 0)
// Returns an error message naming the field, or nothing.
std::optional<std::string> parse_faults(const std::string &spec, Faults &f);

struct Counters {
    uint64_t received = 0;      // Frames that arrived.
    uint64_t forwarded = 0;     // Frames sent, copies included.
    uint64_t dropped_loss = 0;  // Lost by the loss model.
    uint64_t dropped_cut = 0;   // Arrived or queued while cut.
    uint64_t dropped_full = 0;  // Found the queue full (or too big).
    uint64_t dropped_send = 0;  // send() failed.
    uint64_t duplicated = 0;    // Copies sent (or tried).
    uint64_t reordered = 0;     // Sent after a later-arriving frame.
    uint64_t delayed_path = 0;  // Frames put on the second path.
    uint64_t max_queue = 0;
    Nanos max_late = 0;
    uint64_t dropped() const
    {
        return dropped_loss + dropped_cut + dropped_full + dropped_send;
    }
};

// What arrive() decided for a frame.
struct Fate {
    enum Verdict { kSend, kCut, kFull, kLost } verdict = kSend;
    uint64_t seq = 0;  // Arrival number among the frames sent.
    int copies = 1;    // 2: send it twice.
    int path = 0;      // 0: the link's delay; 1: the reordering path.
    Nanos due = 0;
};

class FaultModel {
  public:
    // seed and stream: the generator is seeded with both, so that each
    // direction of one run draws its own numbers, reproducibly.
    FaultModel(uint64_t seed, uint64_t stream, const Faults &f = Faults());

    // Replaces the faults (the loss chain starts again from its long-run
    // state; frames already queued keep their due times).
    void set(const Faults &f);
    const Faults &faults() const { return faults_; }

    // A frame that arrived at 'arrived'; room: whether its queue has room.
    Fate arrive(Nanos arrived, bool room = true);
    // A frame (or its copy) with arrival number seq was sent at 'at', due
    // at 'due'; ok: send() succeeded.
    void sent(uint64_t seq, bool copy, bool ok, Nanos due, Nanos at);

    void cut() { cut_ = true; }
    void heal() { cut_ = false; }
    bool is_cut() const { return cut_; }
    // n queued frames dropped by a cut.
    void count_cut(uint64_t n) { counters_.dropped_cut += n; }
    void note_queue(uint64_t n);

    const Counters &counters() const { return counters_; }

  private:
    bool draw(double p);
    bool lose();

    Faults faults_;
    std::mt19937_64 rng_;
    std::uniform_real_distribution<double> unit_{0.0, 1.0};
    bool bad_ = false;  // The loss chain's state.
    bool cut_ = false;
    Nanos last_due_[2] = {0, 0};
    uint64_t next_seq_ = 0;
    bool any_sent_ = false;
    uint64_t max_sent_ = 0;
    Counters counters_;
};

}  // namespace linkdelay

#endif  // LINKDELAY_FAULTS_H
