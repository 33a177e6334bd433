// paxos_primitive.h: the "paxos" primitive.
//
//   paxos:onclient[(group=G,node=N)]   leader: client frame -> ACCEPT
//   paxos:onaccept[(group=G,node=N)]   acceptor (datapath: issue #4)
//   paxos:onlearn[(group=G,node=N)]    learner  (datapath: issue #4)
//
// group: 0..65535, default 0.  node: 1..65535, default 1 (this switch's
// Paxos node id, the sender id in the frames it builds).  Defaults are
// omitted from the canonical form, so "paxos:onclient" prints back as is.
#ifndef CXXA_PAXOS_PRIMITIVE_H
#define CXXA_PAXOS_PRIMITIVE_H

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "bridge/registry.h"

namespace cxxa::paxos {

enum class Role { kOnClient, kOnAccept, kOnLearn };

struct PaxosConfig : ActionConfig {
    Role role = Role::kOnClient;
    uint16_t group = 0;
    uint16_t node = 1;
};

// State of one Paxos group on one bridge.
struct GroupState {
    std::atomic<uint32_t> round{1};     // Leader's round.
    std::atomic<uint32_t> last_seq{0};  // Last sequence number issued.
    std::atomic<uint64_t> accepts_sent{0};
    std::atomic<uint64_t> malformed{0};
    std::atomic<uint64_t> unimplemented{0};
};

struct BridgeState {
    std::mutex mu;  // Guards 'groups' (the map, not the groups).
    std::map<uint16_t, std::unique_ptr<GroupState>> groups;

    GroupState &group(uint16_t id);
};

class PaxosPrimitive : public Primitive {
  public:
    PaxosPrimitive() : Primitive("paxos") {}

    std::string synopsis() const override;
    std::unique_ptr<const ActionConfig>
    parse(std::string_view args) const override;
    std::string format(const ActionConfig &) const override;
    unsigned int flags(const ActionConfig &) const override;
    void execute(const ActionConfig &, std::string_view bridge,
                 Batch &batch) override;
    std::vector<Command> commands() override;

    std::string show(const std::string &bridge_filter) const;

  private:
    void on_client(const PaxosConfig &, GroupState &, Batch &);

    PerBridge<BridgeState> bridges_;
};

}  // namespace cxxa::paxos

#endif  // CXXA_PAXOS_PRIMITIVE_H
