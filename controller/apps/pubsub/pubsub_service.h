// The publish/subscribe service: publishers and subscribers learnt from
// control messages (packet-ins) or REST, the routing trees per dz, and
// the flows that carry events from publishers to subscribers.  No
// OpenFlow here: calls return the switches whose flows changed, and
// flows_for() gives a switch's flows as text.
//
// Trees (as the thesis describes): an advertisement of dz d joins the
// tree whose dz covers d; if there is none, a new tree of dz d is built by
// BFS from the publisher's switch and takes over the publishers of the
// trees d covers (which are removed).  Each publisher p (host, dz dp)
// reaches each subscriber s (host, dz ds) whose dz overlaps dp along its
// tree's LCA route; every hop adds "events of narrower(dp, ds), entering
// on this port, leave by that one".  At the subscriber's switch the
// event is delivered: destination rewritten to its MAC and IP, through
// pubsub:filter with its subscriptions (setting "filter").
//
// Make-before-break: the core's reconciliation deletes the flows a switch
// no longer needs before it adds the new ones, so a flow that goes (its
// match is no longer wanted) stays, "retiring", beside the new flows until
// the switch has them all; then a second reconciliation removes it.
// Flows whose match stays are replaced in place.
//
// Flows, per (switch, in port), one per dz (cut to the address bits):
//   covering off: a flow per dz that does not send to the same ports as
//     the flow of its nearest covering dz, with the outputs of every dz
//     that covers it (its flow takes precedence); exact up to the cut.
//   covering on: only dz that no other dz covers keep a flow, with the
//     outputs of all they cover: fewer flows, false positives (which the
//     filter removes).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/pubsub/pubsub_section.h"
#include "apps/pubsub/pubsub_tree.h"
#include "pubsub/pubsub_wire.h"
#include "rest_json.h"

namespace cxxa::controller {

using pubsub::Dz;
using pubsub::MsgType;

struct PubsubHost {
    std::string sw;
    uint32_t port = 0;
    uint64_t mac = 0;
    uint32_t ip = 0;
    std::set<Dz> subscriptions, advertisements;
};

struct PubsubTreeState {
    PubsubTree tree;
    std::set<std::pair<uint32_t, Dz>> publishers;  // (host IP, dz).
};

// What a request did: 200 and "" if accepted, else the HTTP status and
// why.
struct PubsubResult {
    int http = 200;
    std::string reason;
    bool ok() const { return http == 200; }
};

class PubsubService {
  public:
    // A new deployment: the hosts that still fit stay, without the dz
    // longer than its max_dz_bits (the trees are built again if the
    // topology or the advertisements changed).
    void configure(const PubsubSettings &);
    const PubsubSettings &settings() const { return s_; }

    // A request from host (sw, port, mac, ip): a control message or REST.
    // Adds to 'changed' the switches whose flows changed.
    PubsubResult request(MsgType type, const std::string &sw, uint32_t port,
                         uint64_t mac, uint32_t ip, const Dz &dz,
                         std::set<std::string> &changed);

    // A packet-in: a control message (taken, counted), an event (taken:
    // counted as an event that reached the controller), or not ours.
    bool packet_in(const std::string &sw, const uint8_t *frame, size_t len,
                   uint32_t in_port, std::set<std::string> &changed);

    // The flows 'sw' must have: the current ones, and those of the
    // previous computation that no longer exist (retiring), until 'sw'
    // has the current ones (switch_synced).
    std::vector<std::string> flows_for(const std::string &sw) const;
    // 'sw' has every flow of flows_for(): the retiring ones may go.
    void switch_synced(const std::string &sw, std::set<std::string> &changed);
    // Every kind of flow this service installs, for the deployment check.
    std::vector<std::string> sample_flows(const std::string &sw) const;

    // REST: POST/DELETE /pubsub/subscription, /pubsub/advertisement.
    JsonReply rest(MsgType type, const std::string &body,
                   std::set<std::string> &changed);
    // REST: POST /pubsub/subscriptions, {"subscriptions": [BODY, ...]}
    // with the bodies of POST /pubsub/subscription: all of them, or (the
    // first error, named by its index) none.
    JsonReply rest_bulk(const std::string &body,
                        std::set<std::string> &changed);
    nlohmann::json state() const;
    nlohmann::json counters() const;

  private:
    void rebuild_trees();
    void advertise(uint32_t ip, const Dz &dz);
    void unadvertise(uint32_t ip, const Dz &dz);
    // Computes every switch's flows; adds those that differ to 'changed'.
    void recompute(std::set<std::string> &changed);
    std::string delivery(const PubsubHost &h, uint32_t in_port) const;
    // The host and dz of a POST body, or an error reply.
    bool read_add(const nlohmann::json &req, std::string &sw, uint32_t &port,
                  uint64_t &mac, uint32_t &ip, Dz &dz, JsonReply &reply);

    bool batching_ = false;  // request() leaves recompute() to the caller.

    PubsubSettings s_;
    std::map<uint32_t, PubsubHost> hosts_;  // By IP.
    std::map<Dz, PubsubTreeState> trees_;   // By the tree's dz.
    size_t entries_ = 0;                    // Subscriptions + ads.
    std::map<std::string, std::vector<std::string>> flows_;
    std::map<std::string, std::vector<std::string>> retiring_;
    // Switches given new flows that have not synced since.
    std::set<std::string> pending_;

    struct Counters {
        std::map<std::string, uint64_t> messages;   // By type.
        std::map<std::string, uint64_t> malformed;  // By wire error.
        uint64_t event_packet_ins = 0;
        uint64_t refused = 0;      // Requests refused (bounds, bad port...).
        uint64_t moved = 0;        // Hosts seen at another attachment.
        uint64_t unreachable = 0;  // Routes to a switch not in a tree.
        uint64_t recomputes = 0;
    } n_;
};

}  // namespace cxxa::controller
