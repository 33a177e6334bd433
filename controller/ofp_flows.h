// Flow text <-> OpenFlow, through the patched OVS library, so that the
// controller accepts exactly the ovs-ofctl syntax (the C++ primitives'
// actions included) and produces the same canonical form the switch reports.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "deployment.h"
#include "flow_sync.h"

struct ofpbuf;
struct ofp_header;
struct ofputil_flow_mod;
struct ofputil_flow_stats;

namespace cxxa::controller {

// One parsed flow_mod (OFPFC_ADD) owning its match and actions.
class FlowMod {
  public:
    FlowMod();
    ~FlowMod();
    FlowMod(const FlowMod &) = delete;
    FlowMod &operator=(const FlowMod &) = delete;

    // Parses 'text' (ovs-ofctl add-flow syntax) with the switch's port
    // names.  Returns "" or an error.
    std::string parse(const SwitchSpec &, const std::string &text);

    ofputil_flow_mod *get() { return fm_.get(); }
    uint32_t usable_protocols() const { return usable_; }

    // Encodes as an OFPFC_ADD for 'protocol' (enum ofputil_protocol) with
    // 'cookie'.
    ofpbuf *encode_add(uint32_t protocol, uint64_t cookie) const;

    // The flow's canonical key as the switch will report it: the flow_mod
    // is encoded for 'protocol' and decoded back first.
    FlowKey key(uint32_t protocol, uint64_t cookie) const;

  private:
    std::unique_ptr<ofputil_flow_mod> fm_;
    bool parsed_ = false;
    uint32_t usable_ = 0;
};

// The deployment's flow checker: parse errors, and fields the controller
// sets itself (cookie, timeouts) rejected.
std::string check_flow_text(const SwitchSpec &, const std::string &text);

// A flow of a flow-stats reply, as a key.
FlowKey flow_stats_key(const ofputil_flow_stats &);

// DELETE_STRICT of exactly this installed flow (same table, priority,
// match, and an owned cookie).
ofpbuf *encode_delete_strict(const ofputil_flow_stats &, uint32_t protocol);

// DELETE of every flow the controller owns, in all tables.
ofpbuf *encode_delete_owned(uint32_t protocol);

}  // namespace cxxa::controller
