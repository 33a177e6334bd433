// AMD in the controller: the servers that subscribed through the REST API
// (compatible with the Floodlight AMD module), their virtual
// addresses, the flows that follow from them on the access switches, and
// the packet-outs that move a server between offline and online.
//
// With "store": "switch" (the default) the switches keep the requests of
// an offline server (amd:deliver/hold/release, cxx-actions/amd) and the
// controller sends one trigger per switch at each transition; its flows do
// not change.  With "store": "controller", a baseline, requests for an
// offline server come up as packet-ins, are kept here (bounded) and sent
// back as packet-outs when it comes online.
//
// No OpenFlow here: calls return what to do (AmdEffects); AmdApp hands
// them to the core, which applies them, so this class is unit-tested
// alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.h"
#include "json_check.h"
#include "rest_json.h"

#include "apps/amd/amd_section.h"

namespace cxxa::controller {

using AmdPacketOut = PacketOut;

struct AmdEffects {
    bool flows_changed = false;  // Re-send the AMD switches' flows ...
    std::vector<AmdPacketOut> packet_outs;  // ... then these, in order.
};

using AmdReply = JsonReply;

class AmdService {
  public:
    using Clock = std::chrono::steady_clock;

    // Applies new settings.  Subscriptions stay (their addresses too, even
    // if the pool changed: documented); flows are regenerated.
    AmdEffects configure(const AmdSettings &);
    const AmdSettings &settings() const { return settings_; }
    bool is_amd_switch(const std::string &sw) const;

    // The flows AMD puts on switch 'sw' (none if it is not an AMD switch).
    std::vector<std::string> flows_for(const std::string &sw) const;

    // REST handlers: 'body' is the request body as received.
    AmdReply subscribe(const std::string &body, AmdEffects &);
    AmdReply unsubscribe(const std::string &body, AmdEffects &);
    AmdReply set_status(const std::string &body, AmdEffects &);
    nlohmann::json info() const;

    // Packet-outs that restate every server's mode on 'sw': sent when the
    // switch (re)connects and is in sync, so a transition missed while it
    // was away is not lost.  Idempotent.
    std::vector<AmdPacketOut> reassert(const std::string &sw) const;
    // amd:report requests for every server on every AMD switch.
    std::vector<AmdPacketOut> report_requests() const;
    // Reports received since 'since' for every (switch, server)?
    bool reports_complete(Clock::time_point since) const;

    // A packet-in from 'sw'.  Returns true if it was AMD's (a report, or a
    // request stored by the controller); may add packet-outs.
    bool packet_in(const std::string &sw, const uint8_t *frame, size_t len,
                   AmdEffects &);

    nlohmann::json counters() const;

    // Durable state: every subscription (virtual and physical addresses,
    // status, services) and the pool's order (next never-used address,
    // freed ones oldest first), so that a restarted controller hands out
    // the same addresses.  Requests kept by the controller store and the
    // counters are not part of it.
    nlohmann::json save_state() const;
    // Replaces the subscriptions and the pool's order with 'state' (what
    // save_state() wrote) if it is valid against the settings: errors as
    // "PATH.field: why" under 'path', and nothing changed, otherwise.
    bool restore(const nlohmann::json &state, const std::string &path,
                 Errors &, AmdEffects &);

  private:
    struct Stored {
        std::string sw;
        std::vector<uint8_t> frame;
        Clock::time_point arrived;
    };
    struct Server {
        size_t index;  // In the pool.
        uint32_t vip;
        uint64_t vmac;
        uint32_t ip;
        uint64_t mac;
        nlohmann::json services;
        bool online = true;
        // Controller store only.
        std::deque<Stored> stored;
        uint64_t stored_bytes = 0;
        uint64_t n_stored = 0, n_released = 0, n_dropped = 0, n_expired = 0;
    };
    struct Report {
        nlohmann::json body;
        Clock::time_point at;
    };

    std::string rewrite_actions(const Server &) const;
    bool paced() const;
    std::string pace_args() const;
    std::string deliver_args(const Server &) const;
    AmdPacketOut trigger(const std::string &sw, const Server &,
                         const std::string &actions) const;
    std::optional<size_t> allocate();
    AmdPacketOut mode_trigger(const std::string &sw, const Server &) const;
    void transition(Server &, AmdEffects &);
    void release_controller_store(Server &, AmdEffects &);
    Server *find(const nlohmann::json &body, AmdReply &);
    Server *parse_request(const std::string &body, nlohmann::json &req,
                          AmdReply &,
                          std::initializer_list<const char *> keys);
    nlohmann::json server_json(const Server &) const;

    AmdSettings settings_;
    std::map<uint32_t, Server> servers_;  // By virtual IP.
    size_t next_unused_ = 0;              // Pool indexes never used ...
    std::deque<size_t> freed_;            // ... before freed ones.
    std::map<std::string, std::map<uint32_t, Report>> reports_;
    size_t controller_stored_ = 0;  // All servers, controller store.
    uint64_t n_subscribed_ = 0, n_unsubscribed_ = 0, n_transitions_ = 0;
    uint64_t n_rejected_ = 0, n_reports_ = 0, n_bad_reports_ = 0;
    uint64_t n_controller_drops_ = 0;
};

}  // namespace cxxa::controller
