// amd_primitive.h: the "amd" primitive (asynchronous message delivery).
//
//   amd:deliver(server=VIP[,LIMITS])  the online/offline path of a server:
//                     while it is offline, store the packet; once online,
//                     its stored packets leave first, then this one
//   amd:store(server=VIP[,LIMITS])    store the packet, whatever the mode
//   amd:hold(server=VIP)     the server goes offline (trigger: consumed)
//   amd:release(server=VIP)  the server goes online; its stored packets
//                     leave, oldest first, through the actions that follow
//                     (trigger: consumed)
//   amd:report(server=VIP)   the trigger is replaced by a report frame
//                     (amd_report.h), e.g. for "controller" to send up
//   amd:discard(server=VIP)  drop the server's stored packets and forget it
//                     (trigger: consumed)
//
// LIMITS: max_packets=1..16777216 (65536), max_bytes=1..2^40 (64 MiB),
// max_age_ms=1..2^32-1 (600000); defaults are omitted from the canonical
// form.  They apply to the packets stored by that action.
//
// PACE (deliver, store, release): table=0..254[,rate=1..10^7 packets/s
// (20000)][,burst=1..4096 (64)]: the main loop sends the stored packets
// into OpenFlow table 'table' at that rate, and the notification that a
// server's first packet was stored in an offline period (a report frame)
// too.  Without table=, release and deliver send the queue at once,
// through the actions that follow them.
//
// With a state directory (ovs-vswitchd: its database directory), every
// bridge's stored packets are kept in a journal (amd_journal.h) and
// restored when the bridge is created again after a restart.
//
// State is per bridge and per virtual IPv4 address (amd_store.h, which also
// states the ordering rules); ovs-appctl amd/show shows it,
// amd/set-memory-cap sets the process-wide cap on stored bytes.
#ifndef CXXA_AMD_PRIMITIVE_H
#define CXXA_AMD_PRIMITIVE_H

#include "amd_journal.h"
#include "amd_store.h"
#include "bridge/per_bridge.h"
#include "bridge/registry.h"

namespace cxxa::amd {

enum class Op { kDeliver, kStore, kHold, kRelease, kReport, kDiscard };

struct AmdConfig : ActionConfig {
    Op op = Op::kStore;
    uint32_t server = 0;  // Virtual IPv4 address, host byte order.
    Limits limits;
    Pace pace;
};

// A bridge's journal bookkeeping (main loop only).
struct Durability {
    std::string status = "not kept (no state directory)";
    int64_t last_sync_ms = 0;
    bool unsynced = false;
    uint64_t write_errors = 0;
    uint64_t compactions = 0;
};

class AmdPrimitive : public PrimitiveOf<AmdConfig> {
  public:
    AmdPrimitive();

    std::string synopsis() const override;
    std::unique_ptr<const AmdConfig>
    parse(std::string_view args) const override;
    std::string format(const AmdConfig &) const override;
    unsigned int flags(const AmdConfig &) const override;
    void execute(const AmdConfig &, std::string_view bridge,
                 Batch &batch) override;
    std::vector<Command> commands() override;
    void run(std::string_view bridge, int64_t now, Sender &out) override;
    int64_t next_wakeup(std::string_view bridge) override;
    void bridge_added(std::string_view bridge) override;
    void bridge_removed(std::string_view bridge, bool deleted) override;

    // Where a bridge's journal is kept under 'dir'.
    static std::string journal_path(const std::string &dir,
                                    std::string_view bridge);

    // The process-wide cap on stored bytes, shared by every bridge.
    static MemoryCap &memory();

  private:
    std::string show(const std::string &bridge, Store &);
    std::string report_json(std::string_view bridge, Store &, uint32_t vip);
    void write_journal(std::string_view bridge, Store &, bool now,
                       int64_t now_ms);

    PerBridge<Store> stores_;
    PerBridge<Durability> durability_;
};

}  // namespace cxxa::amd

#endif  // CXXA_AMD_PRIMITIVE_H
