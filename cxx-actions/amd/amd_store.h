// amd_store.h: the packets a bridge keeps for servers that are offline.
//
// One ServerQueue per (bridge, virtual IP): a FIFO of whole frames, the
// server's mode (held = offline, or online) and its counters.  The rules,
// each unit-tested in tests/amd_store_test.cc:
//
//   - While a server is held, every packet for it is appended to its queue
//     (if the limits allow) and nothing is sent.
//   - Releasing a server makes it online and hands back its queue, oldest
//     first.  A packet that arrives for an online server whose queue is not
//     empty joins the end of the queue and the whole queue leaves before
//     it continues; a packet that arrives while another thread is still
//     sending a released queue joins that queue and is sent by that thread.
//     So no packet overtakes one that arrived before it, across any number
//     of offline <-> online transitions.
//   - Limits are checked before a packet is stored: the server's packet
//     and byte limits and the process-wide memory cap.  A packet over a
//     limit is dropped (the stored ones are kept: tail drop) and counted
//     under its reason.  Packets older than their age limit are dropped and
//     counted as expired when the queue is next touched (a store, a
//     release, amd/show); they are never sent.
//   - A bridge keeps at most kMaxServers servers; packets for one more are
//     dropped and counted (Store::n_table_full).
//   - Discarding a server drops its stored packets (counted as discarded)
//     and forgets it.
//   - Paced drains (a Pace with a table): a release, or a deliver that
//     finds stored packets for an online server, hands nothing back; the
//     main loop (run()) sends the queue, oldest first, at most 'rate'
//     packets a second in bursts of at most 'burst' (a token bucket), into
//     the Pace's table.  Packets that arrive meanwhile join the queue and
//     leave after it.  The drain ends at the first run() that finds the
//     queue empty, after the last frames were sent, so nothing passes
//     ahead of them; if the server is held meanwhile, the rest stays.
//   - The first packet stored in an offline period asks run() for one
//     notification (with a Pace's table): a report frame to that table.
//   - Expired packets are also dropped by run(), with no traffic.
//   - With a Journal, every change of what is stored is recorded in it
//     (amd_journal.h), and a Store can be rebuilt from it (restore()).
//
// Thread safety: a mutex per server; the per-packet path takes only that
// mutex (and the bridge's shared lock to find the server).  Frames are
// never sent under a lock: the caller gets them back and emits them.
#ifndef CXXA_AMD_STORE_H
#define CXXA_AMD_STORE_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace cxxa::amd {

struct Limits {
    uint64_t max_packets = 65536;      // Per server.
    uint64_t max_bytes = 64ull << 20;  // Per server, frame bytes.
    uint64_t max_age_ms = 600000;      // 10 minutes.

    bool operator==(const Limits &) const = default;
};

// Accounting of every stored frame in the process, against a cap.
class MemoryCap {
  public:
    static constexpr uint64_t kDefaultCap = 256ull << 20;
    // Bytes a stored frame costs: its data plus bookkeeping.
    static uint64_t cost(size_t frame_size) { return frame_size + 64; }

    bool reserve(uint64_t bytes);
    void release(uint64_t bytes);
    uint64_t used() const { return used_.load(std::memory_order_relaxed); }
    uint64_t cap() const { return cap_.load(std::memory_order_relaxed); }
    void set_cap(uint64_t cap) { cap_.store(cap); }

  private:
    std::atomic<uint64_t> used_{0};
    std::atomic<uint64_t> cap_{kDefaultCap};
};

struct StoredPacket {
    std::vector<uint8_t> frame;
    int64_t arrived_ms;
    int64_t deadline_ms;  // arrived + max_age: expired from then on.
    uint64_t seq = 0;     // Per bridge, increasing (the journal's).
    int64_t wall_ms = 0;  // Arrival on the wall clock (for the journal).
};

// How the main loop drains a queue: into OpenFlow table 'table', at most
// 'rate' packets a second, 'burst' at once.  rate == 0: not paced (the
// action that releases sends the queue itself, at once).
struct Pace {
    static constexpr uint32_t kDefaultRate = 20000;
    static constexpr uint32_t kDefaultBurst = 64;
    static constexpr uint32_t kMaxRate = 10000000;
    static constexpr uint32_t kMaxBurst = 4096;

    uint8_t table = 0;
    uint32_t rate = 0;
    uint32_t burst = 0;

    bool paced() const { return rate != 0; }
    bool operator==(const Pace &) const = default;
};

class Journal;

// What run() asks the caller to send for one server.
struct RunOutput {
    std::vector<StoredPacket> frames;  // Into 'table', in order.
    uint8_t table = 0;
    bool notify = false;               // A report frame into 'table' too.
    std::vector<uint8_t> notify_head;  // First 12 bytes of the first stored.
};

struct ServerCounters {
    uint64_t stored = 0;               // Packets appended to the queue.
    uint64_t released = 0;             // Stored packets sent out.
    uint64_t passed = 0;               // Packets that went straight through.
    uint64_t drop_packets = 0;         // Over max_packets.
    uint64_t drop_bytes = 0;           // Over max_bytes.
    uint64_t drop_memory = 0;          // Over the process-wide memory cap.
    uint64_t expired = 0;              // Older than max_age when touched.
    uint64_t discarded = 0;            // Dropped by a discard.
    uint64_t holds = 0, releases = 0;  // Transitions.
    uint64_t paced_sent = 0;           // Released by the main loop.
    uint64_t notifications = 0;        // First stored in an offline period.
    uint64_t restored = 0;             // Loaded from the journal.
};

enum class Mode { kOnline, kHeld };

struct ServerSnapshot {
    uint32_t vip;
    Mode mode;
    bool draining;
    Pace pace;
    uint64_t packets, bytes;
    int64_t oldest_age_ms;  // -1: empty.
    ServerCounters counters;
};

// What happened to a packet handed to store() or deliver().
enum class Verdict {
    kStored,   // Kept: do not send it now.
    kPass,     // Send 'released' (if any), then this packet.
    kDropped,  // Over a limit (counted).
};

class Store;

class ServerQueue {
  public:
    ServerQueue(uint32_t vip, MemoryCap &cap, Store *store = nullptr)
        : vip_(vip), cap_(cap), store_(store)
    {
    }
    ~ServerQueue();

    // Appends the frame whatever the mode (the amd:store action).
    Verdict store(const uint8_t *data, size_t size, const Limits &,
                  int64_t now_ms, const Pace &pace = Pace());
    // The amd:deliver action: stores while held (or while another thread
    // sends this server's queue); otherwise moves the queue (oldest first)
    // into 'released' and answers kPass: the caller sends 'released' and
    // then the packet, and must call finish_drain() afterwards if
    // 'released' was not empty.
    // With a paced 'pace', a drain is left to run() (and the packet is
    // stored behind the queue: kStored).
    Verdict deliver(const uint8_t *data, size_t size, const Limits &,
                    int64_t now_ms, std::vector<StoredPacket> &released,
                    const Pace &pace = Pace());
    // The amd:hold action: the server goes offline.
    void hold();
    // The amd:release action: the server goes online; its queue moves into
    // 'released' (or, paced, is left to run()).  Returns true if the
    // caller must send them and call finish_drain().
    bool release(int64_t now_ms, std::vector<StoredPacket> &released,
                 const Pace &pace = Pace());
    // The main loop: when run() is next due (kNever: nothing to do), and
    // what is due at 'now' (expiry, a paced drain's next burst, the
    // notification).
    int64_t next_due(int64_t now_ms);
    void run(int64_t now_ms, RunOutput &out);
    // After sending what deliver()/release() handed out: takes whatever
    // other threads appended meanwhile into 'released' and returns true
    // (send those, call again), or ends the drain and returns false.
    bool finish_drain(int64_t now_ms, std::vector<StoredPacket> &released);
    // Drops every stored packet (counted as discarded); returns how many.
    uint64_t discard();

    ServerSnapshot snapshot(int64_t now_ms);
    // Copies of what is stored, for compaction.
    void copy_state(Mode &mode, Pace &pace, uint64_t &mode_seq,
                    std::vector<StoredPacket> &packets);
    // Rebuilds from a journal; returns packets dropped over the limits.
    uint64_t restore(Mode mode, const Pace &pace, uint64_t mode_seq,
                     std::vector<StoredPacket> packets);

  private:
    Verdict append(const uint8_t *data, size_t size, const Limits &,
                   int64_t now_ms);
    void expire(int64_t now_ms);
    size_t take(int64_t now_ms, std::vector<StoredPacket> &out,
                size_t max = SIZE_MAX);
    void pop_front();
    void start_paced_drain(const Pace &pace, int64_t now_ms);
    void set_mode(Mode mode, const Pace &pace);
    void journal_removed();
    Journal *journal() const;

    const uint32_t vip_;
    MemoryCap &cap_;
    Store *const store_;
    std::mutex mu_;
    Mode mode_ = Mode::kOnline;
    bool draining_ = false;
    bool paced_ = false;      // run() sends the queue.
    bool drain_end_ = false;  // run() emptied it: ends at the next run().
    Pace pace_;
    uint64_t mode_seq_ = 0;
    double tokens_ = 0;
    int64_t refill_ms_ = 0;
    bool notify_ = false;    // Due: the first stored in this period.
    bool notified_ = false;  // This offline period had its one.
    std::vector<uint8_t> notify_head_;
    uint64_t removed_through_ = 0, journaled_through_ = 0;
    std::deque<StoredPacket> queue_;
    uint64_t bytes_ = 0;
    ServerCounters counters_;
};

// The servers of one bridge.
class Store {
  public:
    static constexpr size_t kMaxServers = 4096;

    explicit Store(MemoryCap &cap);
    ~Store();

    // Records every change in 'journal' from now on (owned).
    void set_journal(std::unique_ptr<Journal> journal);
    Journal *journal() const { return journal_.get(); }
    uint64_t next_seq() { return seq_.fetch_add(1) + 1; }
    void set_seq(uint64_t seq) { seq_ = seq; }
    // Every server's queue, sorted by vip.
    std::vector<std::shared_ptr<ServerQueue>> all();
    // Forgets every server (the bridge was deleted); counted as discarded.
    void clear();

    // The server's queue, created on first use; nullptr if the bridge
    // already has kMaxServers (counted in n_table_full).  Shared, so a
    // discard while another thread uses it is safe.
    std::shared_ptr<ServerQueue> get(uint32_t vip);
    // The server's queue if it exists (never creates one).
    std::shared_ptr<ServerQueue> find(uint32_t vip);
    // Forgets a server after discarding its packets; returns how many were
    // discarded (0 if unknown).
    uint64_t discard(uint32_t vip);

    std::vector<ServerSnapshot> snapshot(int64_t now_ms);
    std::atomic<uint64_t> n_table_full{0};

  private:
    MemoryCap &cap_;
    std::shared_mutex mu_;
    std::unordered_map<uint32_t, std::shared_ptr<ServerQueue>> servers_;
    std::unique_ptr<Journal> journal_;
    std::atomic<uint64_t> seq_{0};
};

const char *mode_name(Mode);

}  // namespace cxxa::amd

#endif  // CXXA_AMD_STORE_H
