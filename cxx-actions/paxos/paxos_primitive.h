// paxos_primitive.h: the "paxos" primitive.
//
//   paxos:onclient[(ARGS)]   leader: client frame -> ACCEPT(round, seq)
//   paxos:onaccept[(ARGS)]   acceptor: ACCEPT -> LEARN
//   paxos:onlearn[(ARGS)]    learner: LEARNs -> chosen client frames, in order
//   paxos:forward[(ARGS)]    slave: client frame -> CLIENT, for the leader
//   paxos:control(ARGS)      fault-tolerant members: PREPARE, PROMISE,
//                            HEARTBEAT, ASK (needs heartbeat=)
//
// ARGS (all optional; defaults are omitted from the canonical form, so
// "paxos:onclient" prints back as is):
//   group=0..65535     Paxos group (default 0); state is per bridge+group
//   node=1..65535      this switch's node id, the sender in its frames (1)
//   members=1..255     acceptors in the group; majority = members/2+1 (3)
//   window=1..65536    undelivered slots kept (1024)
//   start=0..2^32-1    first sequence number (1)
//   round=1..2^32-1    the leader's round (1)
//   heartbeat=1..60000 ms: the fault-tolerant protocol (paxos_node.h): every
//                      role of the group is one member, leader by election
//   timeout=MS         no leader heard for this long: elect one (5 x hb)
//   log=1..1048576     acceptor log slots kept (4096)
//   log_bytes=N        acceptor log bytes kept (16 MiB)
//   table=0..254       where frames the member sends on its own (timers)
//                      enter the bridge's pipeline (required with heartbeat)
// A group's state is created by the first packet (or, for the
// fault-tolerant protocol, from its journal when the bridge comes up); the
// arguments of that first action fix it.
#ifndef CXXA_PAXOS_PRIMITIVE_H
#define CXXA_PAXOS_PRIMITIVE_H

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "bridge/registry.h"
#include "paxos_journal.h"
#include "paxos_node.h"
#include "paxos_state.h"

namespace cxxa::paxos {

enum class Role { kOnClient, kOnAccept, kOnLearn, kForward, kControl };

struct PaxosConfig : ActionConfig {
    Role role = Role::kOnClient;
    uint16_t group = 0;
    uint16_t node = 1;
    uint16_t members = 3;
    uint32_t window = kDefaultWindow;
    uint32_t start = 1;
    uint32_t round = 1;
    uint32_t heartbeat = 0;  // 0: the fixed-leader protocol.
    uint32_t timeout = 0;    // 0: 5 x heartbeat.
    uint32_t log_slots = kDefaultLogSlots;
    uint64_t log_bytes = kDefaultLogBytes;
    int table = -1;
};

// State of one Paxos group on one bridge: each role this bridge plays, made
// on first use.
struct GroupState {
    std::mutex mu;  // Guards everything below.
    std::optional<Leader> leader;
    std::optional<Acceptor> acceptor;
    std::optional<Learner> learner;
    uint32_t window = kDefaultWindow;
    uint64_t accepts_sent = 0;
    uint64_t learns_sent = 0;
    uint64_t forwarded = 0;
    uint64_t malformed = 0;    // Truncated or not a Paxos frame.
    uint64_t wrong_type = 0;   // A Paxos frame of the wrong kind.
    uint64_t wrong_group = 0;  // A frame of another group.
    uint64_t not_member = 0;   // A LEARN from a sender outside 1..members.

    // The fault-tolerant protocol (heartbeat=): one member, its journal.
    std::unique_ptr<Node> node;
    std::unique_ptr<Journal> journal;
    uint8_t table = 0;
    std::string journal_error;
};

struct BridgeState {
    std::mutex mu;  // Guards 'groups' (the map, not the groups).
    std::map<uint16_t, std::unique_ptr<GroupState>> groups;

    GroupState &group(uint16_t id);
};

class PaxosPrimitive : public PrimitiveOf<PaxosConfig> {
  public:
    PaxosPrimitive() : PrimitiveOf("paxos") {}

    std::string synopsis() const override;
    std::unique_ptr<const PaxosConfig>
    parse(std::string_view args) const override;
    std::string format(const PaxosConfig &) const override;
    unsigned int flags(const PaxosConfig &) const override;
    void execute(const PaxosConfig &, std::string_view bridge,
                 Batch &batch) override;
    std::vector<Command> commands() override;

  private:
    // Each runs under the group's lock and records what leaves in 'out',
    // which execute() sends once the lock is released.
    void on_client(const PaxosConfig &, GroupState &, Batch &, Outbox &out);
    void on_accept(const PaxosConfig &, GroupState &, Batch &, Outbox &out);
    void on_learn(const PaxosConfig &, GroupState &, Batch &, Outbox &out);
    void forward(const PaxosConfig &, GroupState &, Batch &, Outbox &out);
    void member(const PaxosConfig &, std::string_view bridge, GroupState &,
                Batch &, Outbox &out);
    static void start_member(GroupState &, const NodeConfig &, uint8_t table,
                             std::string_view bridge);
    static void write_journal(GroupState &);
    static std::string show(const std::string &bridge, BridgeState &);

  public:
    void run(std::string_view bridge, int64_t now, Sender &out) override;
    int64_t next_wakeup(std::string_view bridge) override;
    void bridge_added(std::string_view bridge) override;
    void bridge_removed(std::string_view bridge, bool deleted) override;

  private:
    PerBridge<BridgeState> bridges_;
};

}  // namespace cxxa::paxos

#endif  // CXXA_PAXOS_PRIMITIVE_H
