// NAT routers in the controller: the routers of the deployment's "nat"
// section, what they learn (the MACs of inside hosts and of the outside
// gateway, from ARP), what the REST API changes (interfaces, static hosts,
// port forwards), and the flows that follow from all of it on each
// router's switch.
//
// The switch does the routing, the NAPT (nat:out, nat:in, nat:forward), the
// TTL decrement, the ARP answers and the ICMP answers (router:echo_reply,
// router:time_exceeded).  Only two things come to the controller: ARP
// (copied, to learn MACs) and IPv4 packets to an inside address whose MAC is
// unknown (the controller ARPs for it, keeps a bounded few packets, and
// sends them on once it is answered).
//
// No OpenFlow here: calls return what to do (NatEffects); NatApp hands
// them to the core, which applies them, so this class is unit-tested
// alone.  Flow layout: controller/README.md, "The nat section".
//
// The model (configuration, host table, counters) is nat_service.cc, the
// flows nat_flows.cc, ARP and pending packets nat_arp.cc, REST
// nat_rest.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.h"
#include "json_check.h"
#include "rest_json.h"

#include "apps/nat/nat_section.h"

namespace cxxa::controller {

// Bounds of the unknown-MAC resolution, per router.
constexpr size_t kNatMaxPending = 64;     // Destinations being ARPed.
constexpr size_t kNatPendingPackets = 4;  // Packets kept per one.
constexpr auto kNatPendingTimeout = std::chrono::seconds(3);
constexpr auto kNatArpRetry = std::chrono::seconds(1);
constexpr auto kNatGatewayArpMax = std::chrono::seconds(8);

using NatPacketOut = PacketOut;

struct NatEffects {
    std::set<std::string> flows_changed;    // Re-send these switches' flows
    std::vector<NatPacketOut> packet_outs;  // ... then these, in order.
};

using NatReply = JsonReply;

class NatService {
  public:
    using Clock = std::chrono::steady_clock;

    // Applies new settings.  A router whose settings did not change keeps
    // its state (REST changes included); a changed one starts again from
    // the deployment, keeping the MACs it learned that still fit.
    NatEffects configure(const NatSettings &);
    const NatSettings &settings() const { return settings_; }
    bool is_router(const std::string &sw) const;

    // The flows of the router on switch 'sw' (none if it is not one).
    std::vector<std::string> flows_for(const std::string &sw) const;
    // The flows 'r' has before it learns anything (but with a gateway MAC,
    // so that every kind of flow is there): for validating a deployment.
    static std::vector<std::string> sample_flows(const NatRouterSettings &r);

    // REST handlers: 'body' is the request body as received.
    NatReply add_interface(const std::string &body, NatEffects &);
    NatReply remove_interface(const std::string &body, NatEffects &);
    NatReply add_host(const std::string &body, NatEffects &);
    NatReply remove_host(const std::string &body, NatEffects &);
    NatReply add_forward(const std::string &body, NatEffects &);
    NatReply remove_forward(const std::string &body, NatEffects &);
    nlohmann::json routers(Clock::time_point now = Clock::now()) const;

    // A packet-in from 'sw' on OpenFlow port 'in_port'.  Returns true if it
    // was the router's (ARP, or a packet to an inside host whose MAC is
    // unknown); may add packet-outs and flow changes.
    bool packet_in(const std::string &sw, const uint8_t *frame, size_t len,
                   uint32_t in_port, NatEffects &,
                   Clock::time_point now = Clock::now());
    // 'sw' has just been (re)synchronised: ARP for its gateway now if it is
    // not known yet.
    void switch_synced(const std::string &sw, NatEffects &,
                       Clock::time_point now = Clock::now());
    // Timers: gateway ARP retries, unknown-MAC ARP retries and expiry.
    void run(NatEffects &, Clock::time_point now = Clock::now());
    std::optional<Clock::time_point> next_wakeup() const;

    nlohmann::json counters() const;

    // Durable state (nat_state.cc): per router, what REST may change: its
    // interfaces, static hosts and port forwards, with the router's
    // deployment entry as written, so that the state applies only while
    // that entry is unchanged.  Learned MACs and counters are not part of
    // it.
    nlohmann::json save_state() const;
    // Replaces those parts of the routers in 'state' (what save_state()
    // wrote) if all of it is valid against the deployment: errors as
    // "PATH.field: why" under 'path', and nothing changed, otherwise.
    // Routers not in 'state' keep what they have.
    bool restore(const nlohmann::json &state, const std::string &path,
                 Errors &, NatEffects &);

  private:
    struct Host {
        uint64_t mac = 0;
        bool is_static = false;
        Clock::time_point seen;
    };
    struct Pending {
        std::deque<std::vector<uint8_t>> packets;
        Clock::time_point since, last_arp;
    };
    struct Router {
        NatRouterSettings cfg;                 // As deployed.
        std::vector<NatInterface> interfaces;  // Now (REST changes).
        std::map<uint32_t, Host> hosts;
        std::map<std::pair<NatProto, uint16_t>, NatForwardSpec> forwards;
        std::optional<uint64_t> gateway_mac;
        Clock::time_point next_gateway_arp{};
        Clock::duration gateway_arp_interval = kNatArpRetry;
        std::map<uint32_t, Pending> pending;
        uint64_t n_learned = 0, n_evicted = 0, n_refused = 0;
        uint64_t n_ignored_arp = 0, n_gateway_arps = 0, n_host_arps = 0;
        uint64_t n_unknown = 0, n_buffered = 0, n_released = 0;
        uint64_t n_buffer_drops = 0, n_expired = 0;
        uint64_t n_rest_changes = 0;

        const NatInterface &outside() const;
        const NatInterface *by_ofport(uint32_t) const;
        const NatInterface *by_port(const std::string &) const;
        const NatInterface *inside_for(uint32_t ip) const;
        bool is_router_address(uint32_t ip) const;
    };

    static Router make_router(const NatRouterSettings &);
    static std::vector<std::string> router_flows(const Router &);
    Router *find(const nlohmann::json &req, NatReply &);
    NatReply rejected(const NatReply &);
    NatReply accepted(Router &, NatEffects &, nlohmann::json body);
    Router *parse_request(const std::string &body, nlohmann::json &req,
                          NatReply &);
    using RouterChange = NatReply (NatService::*)(Router *,
                                                  const nlohmann::json &req,
                                                  NatEffects &);
    NatReply change_router(const std::string &body, NatEffects &,
                           std::initializer_list<const char *> keys,
                           RouterChange);
    NatReply add_interface_change(Router *, const nlohmann::json &,
                                  NatEffects &);
    NatReply remove_interface_change(Router *, const nlohmann::json &,
                                     NatEffects &);
    NatReply add_host_change(Router *, const nlohmann::json &, NatEffects &);
    NatReply remove_host_change(Router *, const nlohmann::json &,
                                NatEffects &);
    NatReply add_forward_change(Router *, const nlohmann::json &,
                                NatEffects &);
    NatReply remove_forward_change(Router *, const nlohmann::json &,
                                   NatEffects &);
    bool learn(Router &, uint32_t ip, uint64_t mac, bool is_static,
               Clock::time_point now, NatEffects &);
    void release(Router &, uint32_t ip, NatEffects &);
    NatPacketOut arp_request(const Router &, const NatInterface &,
                             uint32_t target) const;

    NatSettings settings_;
    std::map<std::string, Router> routers_;  // By switch name.
    uint64_t n_rejected_ = 0;
};

}  // namespace cxxa::controller
