// registry.h: what a C++ primitive is, and the registry OVS dispatches to.
//
// A primitive is one folder, cxx-actions/NAME/ (see cxx-actions/README.md,
// "Adding a primitive"), with one class derived from PrimitiveOf<Config>,
// registered by CXXA_REGISTER_PRIMITIVE in one of its sources.  It provides
//   - parse():   argument text -> its Config, or ArgError naming what is
//                wrong (ovs-ofctl add-flow shows the message);
//   - format():  Config -> canonical argument text (what dump-flows prints);
//   - flags():   CXXA_F_RESHAPES if the packets it emits are of another
//                kind, so OVS recirculates before the following actions;
//   - execute(): the packet handler, run on a batch in the datapath;
//   - commands(): its own ovs-appctl commands (optional);
//   - run(), next_wakeup(): its timers, run from the host's main loop,
//                which may send frames of its own into a bridge's OpenFlow
//                tables (optional, see "The main-loop contract");
//   - bridge_added(), bridge_removed(): a bridge's lifetime, for state
//                kept across restarts or dropped with the bridge (optional).
// Nothing in OVS changes when a primitive is added.
//
// The datapath contract of execute():
//   - It runs concurrently in PMD, handler and main threads, for any
//     bridge: state is per bridge (PerBridge, per_bridge.h) and guarded.
//   - It never blocks (no sleeping, no waiting on other threads' work).
//   - It never emits (Batch::pass() or Batch::emit()) while holding a lock
//     that the actions following it can reach.  Once 32 packets have come
//     out, each further emit runs the rest of the actions on the full batch
//     inline, in the same thread, recirculation included: those actions
//     may run this primitive again, on the same bridge and state, and
//     deadlock on its lock.  Decide under the lock, collect what leaves
//     (Outbox), unlock, then emit.  (A datapath batch has at most 32
//     packets: a handler that sends at most one packet per packet in never
//     gets there; one that releases stored packets does.)
//   - State changes only when packets execute; parse(), format() and
//     flags() have no side effects (OVS translates flows many times).
//
// The main-loop contract of run() and next_wakeup():
//   - They run in the host's main thread only (ovs-vswitchd's run/wait
//     loop), one bridge at a time, while execute() may run concurrently in
//     datapath threads.  They may hold the primitive's locks: the frames
//     run() adds to its Sender are sent after it returns.
//   - next_wakeup() says when run() is next due (host clock, now_ms() in
//     host.h): kNever for no timer, a time <= now for work waiting.  A
//     datapath thread that gives a timer work calls wake_host(), after the
//     state next_wakeup() reads says so.
//   - Time is now_ms(): tests drive it with ovs-appctl time/stop and
//     time/warp.
#ifndef CXXA_BRIDGE_REGISTRY_H
#define CXXA_BRIDGE_REGISTRY_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "cxx-actions.h"
#include "host.h"
#include "per_bridge.h"

namespace cxxa {

// Thrown by Primitive::parse() with a message that says what is wrong.
class ArgError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Parsed arguments of one action.  Immutable once parsed; shared by every
// thread that executes the action.
class ActionConfig {
  public:
    virtual ~ActionConfig() = default;
};

// Per (primitive, bridge) packet counters, shown by cxx-action/list.
struct Counters {
    std::atomic<uint64_t> in{0};        // Packets handed to the primitive.
    std::atomic<uint64_t> out{0};       // Packets that came out.
    std::atomic<uint64_t> consumed{0};  // Kept by the primitive (not drops).
    std::atomic<uint64_t> dropped{0};   // Discarded (malformed, limits...).
    std::atomic<uint64_t> errors{0};    // Bad arguments, internal errors.
    std::atomic<uint64_t> sent{0};      // Frames it sent on its own (run()).
};

// A packet as the handler sees it: bytes it may rewrite in place.
struct Packet {
    uint8_t *data;
    size_t size;
    uint32_t in_port;
};

// The batch a handler works on.  For each input packet the handler decides,
// in the order it wants packets to leave:
//   pass(i)        the packet continues (possibly rewritten in place);
//   emit(i, f)     a new frame f, derived from packet i, continues;
//   consume(i)     the primitive keeps it (stored, absorbed): not a drop;
//   drop(i)        it is discarded and counted as a drop.
// A packet neither passed, consumed nor dropped is counted as dropped, so
// nothing disappears uncounted.
class Batch {
  public:
    Batch(cxxa_packet *pkts, size_t n, cxxa_emit_cb *emit, void *aux);

    size_t size() const { return n_; }
    Packet packet(size_t i) const
    {
        return Packet{pkts_[i].data, pkts_[i].size, pkts_[i].in_port};
    }

    void pass(size_t i);
    void emit(size_t i, const uint8_t *data, size_t len);
    void emit(size_t i, const std::vector<uint8_t> &frame)
    {
        emit(i, frame.data(), frame.size());
    }
    void consume(size_t i);
    void drop(size_t i);

    // Totals after the handler ran, for the counters.
    uint64_t n_out() const { return n_out_; }
    uint64_t n_consumed() const { return n_consumed_; }
    uint64_t n_dropped() const;

  private:
    enum class Fate : uint8_t { kNone, kPassed, kConsumed, kDropped };

    cxxa_packet *pkts_;
    size_t n_;
    cxxa_emit_cb *emit_;
    void *aux_;
    // Fate of each packet: inline for a datapath batch (at most 32
    // packets), so the per-batch path does not allocate.
    Fate inline_fate_[32];
    std::vector<Fate> heap_fate_;
    Fate *fate_;
    uint64_t n_out_ = 0;
    uint64_t n_consumed_ = 0;
    uint64_t n_dropped_ = 0;
};

// What leaves a batch, recorded while a primitive holds its lock and sent
// after it has released it (the datapath contract above):
//
//   Outbox out(batch.size());
//   {
//       std::lock_guard<std::mutex> lock(state.mu);
//       ... out.emit(i, frame); out.pass(j); batch.consume(i); ...
//   }
//   out.send(batch);
//
// Fates that emit nothing (consume, drop) go to the batch directly.
class Outbox {
  public:
    Outbox() = default;
    // Room for 'expected' fates (typically one a packet of the batch), so
    // that recording them allocates once.
    explicit Outbox(size_t expected) { items_.reserve(expected); }

    void pass(size_t i) { items_.push_back(Item{i, {}, true}); }
    void emit(size_t i, std::vector<uint8_t> frame)
    {
        items_.push_back(Item{i, std::move(frame), false});
    }
    void emit(size_t i, const uint8_t *data, size_t len)
    {
        emit(i, std::vector<uint8_t>(data, data + len));
    }
    bool empty() const { return items_.empty(); }

    // Emits everything recorded, in order, and forgets it.
    void send(Batch &batch)
    {
        for (Item &it : items_) {
            if (it.pass) {
                batch.pass(it.index);
            } else {
                batch.emit(it.index, it.frame);
            }
        }
        items_.clear();
    }

  private:
    struct Item {
        size_t index;
        std::vector<uint8_t> frame;
        bool pass;
    };
    std::vector<Item> items_;
};

// Frames a primitive's run() sends on its own for a bridge: each enters the
// bridge's OpenFlow pipeline at 'table', received on OpenFlow port
// 'in_port' (kFromController unless an argument says otherwise).  They are
// sent in order once run() has returned.
class Sender {
  public:
    static constexpr uint16_t kFromController = 0xfffd;  // OFPP_CONTROLLER.

    void send(uint8_t table, uint16_t in_port, std::vector<uint8_t> frame)
    {
        frames_.push_back(Frame{table, in_port, std::move(frame)});
    }

    struct Frame {
        uint8_t table;
        uint16_t in_port;
        std::vector<uint8_t> data;
    };
    std::vector<Frame> &frames() { return frames_; }

  private:
    std::vector<Frame> frames_;
};

// An ovs-appctl command.  The handler returns the reply text or throws
// std::runtime_error with an error reply.
struct Command {
    std::string name;
    std::string usage;
    int min_args;
    int max_args;
    std::function<std::string(const std::vector<std::string> &args)> run;
};

// The interface the registry calls, with configs of any primitive.  A
// primitive derives from PrimitiveOf<Config> below, which implements it.
class Primitive {
  public:
    explicit Primitive(std::string name) : name_(std::move(name)) {}
    virtual ~Primitive() = default;

    const std::string &name() const { return name_; }

    // One line for cxx-action/list: the argument grammar.
    virtual std::string synopsis() const = 0;
    virtual std::vector<Command> commands() { return {}; }

    virtual std::unique_ptr<const ActionConfig>
    parse_config(std::string_view args) const = 0;
    virtual std::string format_config(const ActionConfig &) const = 0;
    virtual unsigned int config_flags(const ActionConfig &) const = 0;
    virtual void execute_config(const ActionConfig &, std::string_view bridge,
                                Batch &batch) = 0;

    // The main loop (see "The main-loop contract" above).  Runs what is
    // due at 'now' for 'bridge'; frames go to 'out'.
    virtual void run(std::string_view bridge, int64_t now, Sender &out)
    {
        (void) bridge, (void) now, (void) out;
    }
    // When run() is next due for 'bridge'.
    virtual int64_t next_wakeup(std::string_view bridge)
    {
        (void) bridge;
        return kNever;
    }
    // 'bridge' was created (load what was kept for it), or is destroyed:
    // 'deleted' (drop its state and what was kept; no timer of it may fire
    // again) or the host exits (write out what must be kept).
    virtual void bridge_added(std::string_view bridge) { (void) bridge; }
    virtual void bridge_removed(std::string_view bridge, bool deleted)
    {
        (void) bridge, (void) deleted;
    }

    Counters &counters(std::string_view bridge)
    {
        return counters_.get(bridge);
    }
    const PerBridge<Counters> &all_counters() const { return counters_; }

  private:
    std::string name_;
    PerBridge<Counters> counters_;
};

// The base of a primitive whose parsed arguments are a Config: format(),
// flags() and execute() get the Config that its parse() made.
template <class Config>
class PrimitiveOf : public Primitive {
    static_assert(std::is_base_of_v<ActionConfig, Config>,
                  "a primitive's Config derives from ActionConfig");

  public:
    using Primitive::Primitive;

    virtual std::unique_ptr<const Config>
    parse(std::string_view args) const = 0;
    virtual std::string format(const Config &) const = 0;
    virtual unsigned int flags(const Config &) const { return 0; }
    virtual void execute(const Config &, std::string_view bridge,
                         Batch &batch) = 0;

  private:
    // The registry hands a primitive only configs that its own parse()
    // made, so the downcast is safe.
    static const Config &typed(const ActionConfig &c)
    {
        return static_cast<const Config &>(c);
    }
    std::unique_ptr<const ActionConfig>
    parse_config(std::string_view args) const final
    {
        return parse(args);
    }
    std::string format_config(const ActionConfig &c) const final
    {
        return format(typed(c));
    }
    unsigned int config_flags(const ActionConfig &c) const final
    {
        return flags(typed(c));
    }
    void execute_config(const ActionConfig &c, std::string_view bridge,
                        Batch &batch) final
    {
        execute(typed(c), bridge, batch);
    }
};

class Registry {
  public:
    Registry();

    // The registry of this process, holding every primitive of the
    // library (register_all_primitives()).
    static Registry &instance();

    // Adds a primitive.  Throws std::logic_error if its name is taken, is
    // not a word ([A-Za-z_][A-Za-z0-9_-]*), or is the keyword of an
    // upstream OVS action or port ("output", "ct", "normal", ...): OVS
    // would parse "NAME(...)" or "NAME" as the primitive then, changing
    // the meaning of existing flows.  The exception is nat: top-level
    // "nat:ARGS" (with the colon) is the nat primitive, while "nat(...)"
    // and ct(nat(...)) keep upstream's meaning (patch 0003).
    void add(std::unique_ptr<Primitive> p);

    // Why 'name' may not name a primitive, or "" if it may.
    static std::string check_name(std::string_view name);
    Primitive *find(std::string_view name) const;
    const std::vector<std::unique_ptr<Primitive>> &primitives() const
    {
        return primitives_;
    }

    // Parses and canonicalises; throws ArgError with "NAME: what is wrong".
    std::string canonicalize(std::string_view name,
                             std::string_view args) const;

    // The parsed config of (name, canonical args), cached: parsed once, then
    // shared by all threads.  Returns nullptr (and counts nothing) if it
    // does not parse.
    std::shared_ptr<const ActionConfig> config(Primitive &p,
                                               std::string_view args);

    void execute(std::string_view bridge, std::string_view name,
                 std::string_view args, cxxa_packet *pkts, size_t n,
                 cxxa_emit_cb *emit, void *aux);

    // The host's main loop and bridges (cxxa_run() and friends): every
    // primitive's run(), next_wakeup(), bridge_added(), bridge_removed().
    void run(std::string_view bridge, cxxa_send_cb *send, void *aux);
    int64_t next_wakeup(std::string_view bridge);
    void bridge_added(std::string_view bridge);
    void bridge_removed(std::string_view bridge, bool deleted);

    // Every ovs-appctl command: cxx-action/list and the primitives' own.
    const std::vector<Command> &commands();

    std::string list() const;

    static constexpr size_t kMaxCachedConfigs = 4096;

  private:
    struct Resolved;
    Resolved &resolve(std::string_view bridge, std::string_view name,
                      std::string_view args);

    const uint64_t id_;  // Tells registries apart in per-thread caches.
    std::vector<std::unique_ptr<Primitive>> primitives_;
    std::unordered_map<std::string, Primitive *> by_name_;

    std::shared_mutex cache_mu_;
    std::unordered_map<std::string, std::shared_ptr<const ActionConfig>>
        cache_;
    std::atomic<uint64_t> cache_overflows_{0};
    std::atomic<uint64_t> unknown_drops_{0};  // Packets for no primitive.

    std::once_flag commands_once_;
    std::vector<Command> commands_;
};

// Adds every primitive of the library: generated by the build
// (cxx-actions/CMakeLists.txt) from the primitive folders it found, as one
// call per CXXA_REGISTER_PRIMITIVE.
void register_all_primitives(Registry &registry);

}  // namespace cxxa

// CXXA_REGISTER_PRIMITIVE(ID, CLASS) registers the primitive class CLASS
// (default-constructible) under ID, the identifier its folder's
// CMakeLists.txt gives cxxa_primitive().  Write it once, at file scope, in
// one source of the primitive.  The generated
// registration list calls the function this defines, which is what keeps
// the primitive's objects in the link from libcxx-actions.a.
#define CXXA_REGISTER_PRIMITIVE(ID, ...)                                      \
    namespace cxxa {                                                          \
    void register_primitive_##ID(Registry &registry)                          \
    {                                                                         \
        registry.add(std::make_unique<__VA_ARGS__>());                        \
    }                                                                         \
    }

#endif  // CXXA_BRIDGE_REGISTRY_H
