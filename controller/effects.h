// effects.h: what an application asks the controller core to do (app.h).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cxxa::controller {

// A packet the controller sends from switch 'sw' (in_port CONTROLLER),
// ordered after every flow mod requested before it.
struct PacketOut {
    std::string sw;       // Switch name.
    std::string actions;  // ovs-ofctl syntax.
    std::vector<uint8_t> frame;
};

// A packet-in sent straight back out by its switch, as received (in_port
// kept) out of 'out_port' (an OpenFlow port; kFloodPort floods).  With
// 'flow_idle_timeout', first a flow (cookie kCookieApp) that sends what
// comes in on 'in_port' with the frame's Ethernet source and destination
// the same way.  Not ordered with flow mods, and dropped (counted) when
// the switch has too many such messages in flight.
struct Forward {
    std::string sw;
    uint32_t in_port = 0;
    uint32_t out_port = 0;
    std::vector<uint8_t> frame;
    std::optional<int> flow_idle_timeout;
};
constexpr uint32_t kFloodPort = 0xfffb;  // OFPP_FLOOD.

struct Effects {
    bool all_flows_changed = false;       // Re-send every switch's flows,
    std::set<std::string> flows_changed;  // or these switches' ...
    std::vector<PacketOut> packet_outs;   // ... then these, in order.
    std::vector<Forward> forwards;
    // The application's durable state (App::save_state) changed: the core
    // writes the state file (--state) before the REST reply goes out.
    bool state_changed = false;

    bool empty() const
    {
        return !all_flows_changed && flows_changed.empty()
               && packet_outs.empty() && forwards.empty() && !state_changed;
    }
};

}  // namespace cxxa::controller
