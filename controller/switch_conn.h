// One OpenFlow connection to one switch: handshake, reconciliation of the
// controller's flows with the switch's deployment entry, packet-ins handed
// to a hook (the applications), packet-outs and forwards for them, and
// counters for /switches and `status`.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deployment.h"
#include "effects.h"
#include "flow_sync.h"
#include "ofp_flows.h"

struct ofpbuf;
struct ofp_header;
struct rconn;
struct rconn_packet_counter;
struct vconn;

namespace cxxa::controller {

struct SyncStats {
    size_t added = 0, removed = 0, kept = 0, errors = 0;
    double seconds = 0;  // Connect (or reload) to barrier reply.
};

class SwitchConn;

// Sees every packet-in of a managed switch; returns true if it took the
// packet.
using PacketInHook = std::function<bool(SwitchConn &, const uint8_t *frame,
                                        size_t len, uint32_t in_port)>;

class SwitchConn {
  public:
    // Active: connects to spec.connect and reconnects with backoff.
    explicit SwitchConn(const SwitchSpec &spec);
    // Passive: an accepted connection; unidentified until its features
    // reply gives the datapath id.
    SwitchConn(vconn *, uint32_t versions);
    ~SwitchConn();
    SwitchConn(const SwitchConn &) = delete;
    SwitchConn &operator=(const SwitchConn &) = delete;

    void run();
    void wait();

    // Passive connections die for good when the switch goes away.
    bool alive() const;
    bool passive() const { return passive_; }

    // Datapath id from the features reply, once known on this connection.
    std::optional<uint64_t> dpid() const { return dpid_; }
    // The deployment entry this connection serves (none: unmanaged).
    const std::optional<SwitchSpec> &spec() const { return spec_; }
    // Sets or replaces the entry; reconciles when it changed (or 'force').
    void set_spec(const std::optional<SwitchSpec> &, bool force = false);
    // For passive connections: identified but not yet given a spec.
    bool awaiting_spec() const { return passive_ && dpid_ && !spec_given_; }

    // Retiring: delete every flow the controller owns on the switch, then
    // report done() so the owner can destroy the connection.
    void retire();
    bool retired() const { return retire_done_; }

    bool connected() const;
    bool in_sync() const { return state_ == State::kInSync; }
    // Completed reconciliations on this connection: a change means the
    // switch has just been (re)synchronised.
    uint64_t n_syncs() const { return n_syncs_; }

    void set_packet_in_hook(const PacketInHook *hook) { hook_ = hook; }
    // Sends 'frame' as a packet-out from the controller port with
    // 'actions' (ovs-ofctl syntax).  It is ordered after every flow mod
    // already requested, including those of a reconciliation still
    // dumping.  Returns "" or why it was not sent (not connected, bad
    // actions); counted either way.
    std::string send_packet_out(const std::string &actions,
                                const std::vector<uint8_t> &frame);
    // Sends a Forward (effects.h): not ordered, windowed; what does not
    // fit is dropped and counted.
    void forward(const Forward &);
    std::string name() const;
    nlohmann::json to_json() const;

  private:
    enum class State {
        kDisconnected,
        kFeatures,
        kDumping,
        kSyncing,
        kInSync,
        kUnmanaged,
        kMismatch,
    };
    static const char *state_name(State);

    struct Installed;

    void on_connect();
    void handle(ofpbuf *msg);
    void handle_features(const ofp_header *);
    void handle_flow_stats(ofpbuf *msg);
    void handle_error(const ofp_header *);
    void handle_packet_in(const ofp_header *);
    void start_sync();
    void build_desired();
    uint32_t stamp(ofpbuf *);
    void finish_dump();
    void send_now(ofpbuf *);
    void queue(ofpbuf *);
    void flush_queue();
    void queue_barrier();
    uint32_t new_xid();
    void record_error(const std::string &);
    void queue_ordered(ofpbuf *);
    void release_after_sync();
    void drop_after_sync();

    rconn *rconn_;
    rconn_packet_counter *flow_counter_;  // Flow mods in flight.
    rconn_packet_counter *pout_counter_;  // Packet-outs in flight.
    bool passive_;
    unsigned int seqno_ = 0;
    State state_ = State::kDisconnected;
    std::optional<SwitchSpec> spec_;
    bool spec_given_ = false;
    std::optional<uint64_t> dpid_;
    uint32_t protocol_ = 0;  // enum ofputil_protocol.
    int version_ = 0;

    uint32_t next_xid_ = 1;
    uint32_t features_xid_ = 0, dump_xid_ = 0, barrier_xid_ = 0;
    bool resync_ = false;  // Re-reconcile after this one ends.
    bool retiring_ = false, retire_done_ = false;
    std::chrono::steady_clock::time_point sync_start_;
    long long int next_audit_ = 0;  // time_msec() of the next audit.
    std::vector<Installed> installed_;
    std::deque<ofpbuf *> txq_;  // Flow mods not yet given to rconn.
    // Ordered messages waiting for a reconciliation's flow mods.
    std::deque<ofpbuf *> after_sync_;
    const PacketInHook *hook_ = nullptr;
    // Parsed packet-out actions, by text (bounded, cleared when full).
    std::map<std::string, std::vector<uint8_t>> pout_actions_;
    uint64_t n_ordered_pout_ = 0, n_ordered_pout_failed_ = 0;
    // The deployment's flows for this switch, parsed and keyed for
    // 'desired_protocol_' (0: not yet); rebuilt when the spec or the
    // negotiated protocol changes, not at every reconcile or audit.
    std::vector<std::unique_ptr<FlowMod>> desired_;
    std::vector<FlowKey> desired_keys_;
    size_t desired_errors_ = 0;
    uint32_t desired_protocol_ = 0;

    // Counters.
    uint64_t n_connects_ = 0, n_syncs_ = 0, n_flow_mods_ = 0;
    uint64_t n_audits_ = 0, n_repairs_ = 0;
    uint64_t n_packet_in_ = 0, n_packet_out_ = 0, n_packet_out_dropped_ = 0;
    uint64_t n_learned_flows_ = 0, n_errors_ = 0;  // Forward flows sent.
    uint64_t n_bad_packet_in_ = 0;
    size_t flows_owned_ = 0;
    SyncStats last_sync_;
    std::deque<std::string> errors_;  // Most recent first, bounded.
};

}  // namespace cxxa::controller
