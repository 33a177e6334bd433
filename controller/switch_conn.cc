#include <config.h>

#include "switch_conn.h"

#include <cstring>

#include "ofp_flows.h"

#include "openvswitch/ofp-errors.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "openflow/openflow.h"
#include "byte-order.h"
#include "util.h"  // Before the block: it has C++ parts.
extern "C" {
#include "socket-util.h"
#include "timeval.h"
}

VLOG_DEFINE_THIS_MODULE(switch_conn);

namespace cxxa::controller {

// flow.h, which has these, is not C++-clean.
static inline ofp_port_t u16_to_ofp(uint32_t port)
{
    return (ofp_port_t) port;
}
static inline uint16_t ofp_to_u16(ofp_port_t port) { return (uint16_t) port; }

using nlohmann::json;

namespace {

constexpr size_t kMaxErrors = 16;           // Kept for /switches.
constexpr size_t kMaxCachedActions = 1024;  // Parsed packet-out actions.
constexpr unsigned kFlowModWindow = 512;    // Flow mods in flight per switch.
constexpr unsigned kForwardFlowWindow = 1024;  // Forward flow mods in flight.
constexpr unsigned kPacketOutWindow = 256;
constexpr int kMessagesPerRun = 64;
constexpr int kForwardFlowPriority = 1;

void set_xid(ofpbuf *msg, uint32_t xid)
{
    ((ofp_header *) msg->data)->xid = htonl(xid);
}

}  // namespace

struct SwitchConn::Installed {
    FlowKey key;
    ofputil_flow_stats fs;  // match, table, priority, cookie.
};

const char *SwitchConn::state_name(State s)
{
    switch (s) {
    case State::kDisconnected:
        return "disconnected";
    case State::kFeatures:
        return "handshake";
    case State::kDumping:
        return "reading flows";
    case State::kSyncing:
        return "installing flows";
    case State::kInSync:
        return "in sync";
    case State::kUnmanaged:
        return "unmanaged";
    case State::kMismatch:
        return "datapath id mismatch";
    }
    return "?";
}

SwitchConn::SwitchConn(const SwitchSpec &spec)
    : rconn_(rconn_create(spec.probe_interval, spec.max_backoff, DSCP_DEFAULT,
                          spec.versions)),
      flow_counter_(rconn_packet_counter_create()),
      pout_counter_(rconn_packet_counter_create()), passive_(false),
      spec_(spec), spec_given_(true)
{
    rconn_connect(rconn_, spec.connect.c_str(), spec.name.c_str());
}

SwitchConn::SwitchConn(vconn *vconn, uint32_t versions)
    : rconn_(rconn_create(5, 0, DSCP_DEFAULT, versions)),
      flow_counter_(rconn_packet_counter_create()),
      pout_counter_(rconn_packet_counter_create()), passive_(true)
{
    rconn_connect_unreliably(rconn_, vconn, NULL);
}

SwitchConn::~SwitchConn()
{
    for (ofpbuf *msg : txq_) {
        ofpbuf_delete(msg);
    }
    rconn_destroy(rconn_);
    rconn_packet_counter_destroy(flow_counter_);
    rconn_packet_counter_destroy(pout_counter_);
}

bool SwitchConn::alive() const { return rconn_is_alive(rconn_); }

bool SwitchConn::connected() const { return rconn_is_connected(rconn_); }

std::string SwitchConn::name() const
{
    if (spec_) {
        return spec_->name;
    }
    if (dpid_) {
        return "dpid:" + format_dpid(*dpid_);
    }
    return rconn_get_name(rconn_);
}

/* Gives 'msg' a new xid of ours and returns it. */
uint32_t SwitchConn::stamp(ofpbuf *msg)
{
    uint32_t xid = new_xid();
    set_xid(msg, xid);
    return xid;
}

uint32_t SwitchConn::new_xid()
{
    /* Our own xids have the top bit set; OVS's alloc_xid() counts up from
     * a small number, so the two never meet in practice. */
    return 0x80000000u | next_xid_++;
}

void SwitchConn::record_error(const std::string &e)
{
    n_errors_++;
    errors_.push_front(e);
    if (errors_.size() > kMaxErrors) {
        errors_.pop_back();
    }
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(10, 10);
    VLOG_WARN_RL(&rl, "%s: %s", name().c_str(), e.c_str());
}

void SwitchConn::send_now(ofpbuf *msg) { rconn_send(rconn_, msg, NULL); }

void SwitchConn::queue(ofpbuf *msg) { txq_.push_back(msg); }

void SwitchConn::flush_queue()
{
    while (!txq_.empty() && rconn_is_connected(rconn_)
           && rconn_packet_counter_n_packets(flow_counter_) < kFlowModWindow) {
        ofpbuf *msg = txq_.front();
        txq_.pop_front();
        if (!rconn_send(rconn_, msg, flow_counter_)) {
            n_flow_mods_++;
        }
    }
}

void SwitchConn::run()
{
    rconn_run(rconn_);
    if (!rconn_is_connected(rconn_)) {
        if (state_ != State::kDisconnected) {
            state_ = State::kDisconnected;
            for (ofpbuf *msg : txq_) {
                ofpbuf_delete(msg);
            }
            txq_.clear();
            drop_after_sync();
        }
        if (retiring_) {
            retire_done_ = true;
        }
        return;
    }
    unsigned int seqno = rconn_get_connection_seqno(rconn_);
    if (seqno != seqno_) {
        seqno_ = seqno;
        on_connect();
    }
    if (state_ == State::kInSync && spec_ && spec_->audit_interval
        && !retiring_ && time_msec() >= next_audit_) {
        n_audits_++;
        start_sync();
    }
    for (int i = 0; i < kMessagesPerRun; i++) {
        ofpbuf *msg = rconn_recv(rconn_);
        if (!msg) {
            break;
        }
        handle(msg);
        ofpbuf_delete(msg);
    }
    flush_queue();
}

void SwitchConn::wait()
{
    rconn_run_wait(rconn_);
    rconn_recv_wait(rconn_);
    if (state_ == State::kInSync && spec_ && spec_->audit_interval) {
        poll_timer_wait_until(next_audit_);
    }
}

void SwitchConn::on_connect()
{
    n_connects_++;
    for (ofpbuf *msg : txq_) {
        ofpbuf_delete(msg);
    }
    txq_.clear();
    drop_after_sync();
    pout_actions_.clear();
    resync_ = false;
    version_ = rconn_get_version(rconn_);
    if (version_ == OFP10_VERSION) {
        /* OpenFlow 1.0 cannot express most matches or a table in a
         * flow_mod: switch to NXM with table ids, as ovs-ofctl does. */
        enum ofputil_protocol next;
        ofpbuf *msg = ofputil_encode_set_protocol(OFPUTIL_P_OF10_STD,
                                                  OFPUTIL_P_OF10_NXM, &next);
        if (msg) {
            send_now(msg);
        }
        send_now(ofputil_encode_nx_flow_mod_table_id(true));
        protocol_ = OFPUTIL_P_OF10_NXM_TID;
    } else {
        protocol_ = ofputil_protocol_from_ofp_version(
            (enum ofp_version) version_);
    }
    VLOG_INFO("%s: connected (%s)", name().c_str(),
              ofputil_version_to_string((enum ofp_version) version_));
    /* Whole packets in packet-ins.  It also makes a service connection
     * (we connected to the switch's ptcp:) get packet-ins at all, which
     * OVS sends there only after a nonzero miss_send_len is set. */
    ofputil_switch_config config;
    config.frag = OFPUTIL_FRAG_NORMAL;
    config.invalid_ttl_to_controller = -1;
    config.miss_send_len = UINT16_MAX;
    send_now(ofputil_encode_set_config(&config, (enum ofp_version) version_));
    ofpbuf *rq = ofpraw_alloc(OFPRAW_OFPT_FEATURES_REQUEST, version_, 0);
    features_xid_ = stamp(rq);
    send_now(rq);
    state_ = State::kFeatures;
    sync_start_ = std::chrono::steady_clock::now();
}

void SwitchConn::handle(ofpbuf *msg)
{
    const ofp_header *oh = (const ofp_header *) msg->data;
    enum ofptype type;
    if (ofptype_decode(&type, oh)) {
        return;
    }
    uint32_t xid = ntohl(oh->xid);
    switch (type) {
    case OFPTYPE_ECHO_REQUEST:
        send_now(ofputil_encode_echo_reply(oh));
        break;
    case OFPTYPE_FEATURES_REPLY:
        if (xid == features_xid_) {
            handle_features(oh);
        }
        break;
    case OFPTYPE_FLOW_STATS_REPLY:
        if (xid == dump_xid_ && state_ == State::kDumping) {
            handle_flow_stats(msg);
        }
        break;
    case OFPTYPE_BARRIER_REPLY:
        if (xid == barrier_xid_ && state_ == State::kSyncing) {
            last_sync_.seconds = std::chrono::duration<double>(
                                     std::chrono::steady_clock::now()
                                     - sync_start_)
                                     .count();
            state_ = State::kInSync;
            n_syncs_++;
            if (spec_) {
                next_audit_ = time_msec() + spec_->audit_interval * 1000LL;
            }
            if (last_sync_.added || last_sync_.removed) {
                n_repairs_++;
            }
            VLOG_INFO("%s: in sync in %.3f s: %zu added, %zu removed, %zu "
                      "kept, %zu errors",
                      name().c_str(), last_sync_.seconds, last_sync_.added,
                      last_sync_.removed, last_sync_.kept, last_sync_.errors);
            if (retiring_) {
                retire_done_ = true;
                spec_.reset();
                state_ = State::kUnmanaged;
            } else if (resync_) {
                resync_ = false;
                start_sync();
            }
        }
        break;
    case OFPTYPE_ERROR:
        handle_error(oh);
        break;
    case OFPTYPE_PACKET_IN:
        handle_packet_in(oh);
        break;
    default:
        break;
    }
}

void SwitchConn::handle_features(const ofp_header *oh)
{
    ofputil_switch_features features;
    ofpbuf b = ofpbuf_const_initializer(oh, ntohs(oh->length));
    enum ofperr error = ofputil_pull_switch_features(&b, &features);
    if (error) {
        record_error(std::string("bad features reply: ")
                     + ofperr_to_string(error));
        return;
    }
    dpid_ = features.datapath_id;
    if (passive_ && !spec_given_) {
        state_ = State::kUnmanaged; /* The controller picks the spec. */
        return;
    }
    start_sync();
}

void SwitchConn::set_spec(const std::optional<SwitchSpec> &spec, bool force)
{
    bool changed = !spec_given_ || spec != spec_ || retiring_;
    retiring_ = retire_done_ = false;
    if (changed) {
        desired_protocol_ = 0;
    }
    spec_ = spec;
    spec_given_ = true;
    if (spec) {
        rconn_set_probe_interval(rconn_, spec->probe_interval);
        if (!passive_) {
            rconn_set_max_backoff(rconn_, spec->max_backoff);
        }
    }
    if (!rconn_is_connected(rconn_) || !dpid_ || (!changed && !force)) {
        return;
    }
    if (state_ == State::kDumping || state_ == State::kSyncing) {
        resync_ = true;
    } else {
        start_sync();
    }
}

void SwitchConn::start_sync()
{
    if (!spec_) {
        state_ = State::kUnmanaged;
        VLOG_INFO("%s: not in the deployment; its flows are left alone",
                  name().c_str());
        release_after_sync();
        return;
    }
    if (spec_->dpid && dpid_ && *spec_->dpid != *dpid_) {
        state_ = State::kMismatch;
        record_error("datapath id is " + format_dpid(*dpid_)
                     + " but the deployment says " + format_dpid(*spec_->dpid)
                     + "; not touching its flows");
        release_after_sync();
        return;
    }
    ofputil_flow_stats_request rq;
    memset(&rq, 0, sizeof rq);
    rq.aggregate = false;
    match_init_catchall(&rq.match);
    rq.cookie = htonll(kOwnerCookie);
    rq.cookie_mask = htonll(kOwnerCookieMask);
    rq.out_port = OFPP_ANY;
    rq.out_group = OFPG_ANY;
    rq.table_id = 0xff;
    ofpbuf *msg = ofputil_encode_flow_stats_request(
        &rq, (enum ofputil_protocol) protocol_);
    dump_xid_ = stamp(msg);
    installed_.clear();
    send_now(msg);
    state_ = State::kDumping;
    sync_start_ = std::chrono::steady_clock::now();
}

void SwitchConn::handle_flow_stats(ofpbuf *msg)
{
    const ofp_header *oh = (const ofp_header *) msg->data;
    ofpbuf b = ofpbuf_const_initializer(msg->data, msg->size);
    ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    for (;;) {
        ofputil_flow_stats fs;
        int retval = ofputil_decode_flow_stats_reply(&fs, &b, false, &ofpacts);
        if (retval) {
            if (retval != EOF) {
                record_error(
                    "undecodable flow stats reply: "
                    + std::string(ofperr_to_string((enum ofperr) retval)));
            }
            break;
        }
        Installed f{flow_stats_key(fs), fs};
        f.fs.ofpacts = NULL;
        f.fs.ofpacts_len = 0;
        installed_.push_back(std::move(f));
    }
    ofpbuf_uninit(&ofpacts);
    if (!ofpmp_more(oh)) {
        finish_dump();
    }
}

void SwitchConn::build_desired()
{
    if (desired_protocol_ == protocol_) {
        return;
    }
    const std::vector<std::string> &texts = spec_->flows;
    desired_.clear();
    desired_keys_.clear();
    desired_errors_ = 0;
    for (const std::string &text : texts) {
        auto fm = std::make_unique<FlowMod>();
        std::string why = fm->parse(*spec_, text);
        if (why.empty() && !(fm->usable_protocols() & protocol_)) {
            why = "cannot be expressed in "
                  + std::string(
                      ofputil_version_to_string((enum ofp_version) version_));
        }
        if (!why.empty()) {
            desired_errors_++;
            record_error("flow \"" + text + "\": " + why);
            continue;
        }
        desired_keys_.push_back(fm->key(protocol_, kCookieDeployment));
        desired_.push_back(std::move(fm));
    }
    desired_protocol_ = protocol_;
}

void SwitchConn::finish_dump()
{
    build_desired();
    last_sync_ = SyncStats();
    last_sync_.errors = desired_errors_;
    std::vector<FlowKey> installed_keys;
    for (const Installed &f : installed_) {
        installed_keys.push_back(f.key);
    }
    SyncPlan plan = plan_sync(desired_keys_, installed_keys,
                              spec_->keep_app_flows);
    for (size_t i : plan.remove) {
        queue(encode_delete_strict(installed_[i].fs, protocol_));
    }
    for (size_t i : plan.add) {
        queue(desired_[i]->encode_add(protocol_, kCookieDeployment));
    }
    last_sync_.added = plan.add.size();
    last_sync_.removed = plan.remove.size();
    last_sync_.kept = plan.kept;
    flows_owned_ = installed_.size() - plan.remove.size() + plan.add.size();
    installed_.clear();

    queue_barrier();
    if (!resync_) {
        release_after_sync();
    }
}

/* Messages that had to wait for a reconciliation's flow mods follow them. */
void SwitchConn::release_after_sync()
{
    while (!after_sync_.empty()) {
        queue(after_sync_.front());
        after_sync_.pop_front();
    }
    flush_queue();
}

void SwitchConn::drop_after_sync()
{
    n_ordered_pout_failed_ += after_sync_.size();
    for (ofpbuf *msg : after_sync_) {
        ofpbuf_delete(msg);
    }
    after_sync_.clear();
}

void SwitchConn::queue_ordered(ofpbuf *msg)
{
    if (state_ == State::kFeatures || state_ == State::kDumping || resync_) {
        after_sync_.push_back(msg);
    } else {
        queue(msg);
        flush_queue();
    }
}

std::string SwitchConn::send_packet_out(const std::string &actions,
                                        const std::vector<uint8_t> &frame)
{
    if (!rconn_is_connected(rconn_) || state_ == State::kDisconnected) {
        n_ordered_pout_failed_++;
        return "not connected";
    }
    auto it = pout_actions_.find(actions);
    if (it == pout_actions_.end()) {
        ofputil_packet_out po;
        enum ofputil_protocol usable;
        /* Any Ethernet frame will do: only the actions are kept. */
        std::string text = "in_port=controller packet=" + std::string(28, '0')
                           + " actions=" + actions;
        char *error = parse_ofp_packet_out_str(&po, text.c_str(), NULL, NULL,
                                               &usable);
        if (error) {
            std::string why = error;
            free(error);
            n_ordered_pout_failed_++;
            record_error("packet-out actions \"" + actions + "\": " + why);
            return why;
        }
        if (pout_actions_.size() >= kMaxCachedActions) {
            pout_actions_.clear();
        }
        const uint8_t *a = (const uint8_t *) po.ofpacts;
        it = pout_actions_
                 .emplace(actions, std::vector<uint8_t>(a, a + po.ofpacts_len))
                 .first;
        free(CONST_CAST(void *, po.packet));
        free(po.ofpacts);
    }
    ofputil_packet_out po;
    memset(&po, 0, sizeof po);
    po.packet = frame.data();
    po.packet_len = frame.size();
    po.buffer_id = UINT32_MAX;
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, OFPP_CONTROLLER);
    po.ofpacts = (struct ofpact *) it->second.data();
    po.ofpacts_len = it->second.size();
    queue_ordered(
        ofputil_encode_packet_out(&po, (enum ofputil_protocol) protocol_));
    n_ordered_pout_++;
    return "";
}

/* A barrier after the queued flow mods; its reply ends the sync. */
void SwitchConn::queue_barrier()
{
    ofpbuf *barrier = ofputil_encode_barrier_request(
        (enum ofp_version) version_);
    barrier_xid_ = stamp(barrier);
    queue(barrier);
    state_ = State::kSyncing;
    flush_queue();
}

void SwitchConn::retire()
{
    retiring_ = true;
    if (!rconn_is_connected(rconn_) || !dpid_ || state_ == State::kUnmanaged
        || state_ == State::kMismatch) {
        retire_done_ = true;
        return;
    }
    queue(encode_delete_owned(protocol_));
    queue_barrier();
}

void SwitchConn::handle_error(const ofp_header *oh)
{
    ofpbuf payload;
    enum ofperr error = ofperr_decode_msg(oh, &payload);
    if (!error) {
        record_error("undecodable error message");
        return;
    }
    std::string what = ofperr_to_string(error);
    if (payload.size) {
        char *s = ofp_to_string(payload.data, payload.size, NULL, NULL, 1);
        std::string req = s;
        free(s);
        while (!req.empty() && isspace((unsigned char) req.back())) {
            req.pop_back();
        }
        if (req.size() > 400) {
            req = req.substr(0, 400) + "...";
        }
        what += " in reply to: " + req;
    }
    ofpbuf_uninit(&payload);
    if (state_ == State::kSyncing) {
        last_sync_.errors++;
    }
    record_error(what);
}

void SwitchConn::handle_packet_in(const ofp_header *oh)
{
    n_packet_in_++;
    if (!spec_ || !hook_) {
        return; /* Nothing of ours sends packets to us. */
    }
    ofputil_packet_in pin;
    size_t total_len;
    uint32_t buffer_id;
    enum ofperr error = ofputil_decode_packet_in(oh, true, NULL, NULL, &pin,
                                                 &total_len, &buffer_id, NULL);
    if (error || pin.packet_len < 14 || pin.packet_len < total_len) {
        /* Truncated packets cannot be forwarded whole: drop and count. */
        n_bad_packet_in_++;
        return;
    }
    const uint8_t *eth = (const uint8_t *) pin.packet;
    uint32_t in_port = ofp_to_u16(pin.flow_metadata.flow.in_port.ofp_port);
    (*hook_)(*this, eth, pin.packet_len, in_port);
}

void SwitchConn::forward(const Forward &f)
{
    if (!rconn_is_connected(rconn_) || f.frame.size() < 14) {
        n_packet_out_dropped_++;
        return;
    }
    const uint8_t *eth = f.frame.data();
    ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    ofpact_put_OUTPUT(&ofpacts)->port = u16_to_ofp(f.out_port);
    if (f.flow_idle_timeout) {
        ofputil_flow_mod fm;
        memset(&fm, 0, sizeof fm);
        struct match match;
        match_init_catchall(&match);
        /* What comes in on the same port with the same Ethernet source
         * and destination. */
        struct eth_addr src, dst;
        memcpy(dst.ea, eth, 6);
        memcpy(src.ea, eth + 6, 6);
        match_set_in_port(&match, u16_to_ofp(f.in_port));
        match_set_dl_src(&match, src);
        match_set_dl_dst(&match, dst);
        minimatch_init(&fm.match, &match);
        fm.priority = kForwardFlowPriority;
        fm.new_cookie = htonll(kCookieApp);
        fm.table_id = 0;
        fm.command = OFPFC_ADD;
        fm.idle_timeout = *f.flow_idle_timeout;
        fm.buffer_id = UINT32_MAX;
        fm.out_port = OFPP_ANY;
        fm.out_group = OFPG_ANY;
        fm.ofpacts = (struct ofpact *) ofpacts.data;
        fm.ofpacts_len = ofpacts.size;
        ofpbuf *msg = ofputil_encode_flow_mod(
            &fm, (enum ofputil_protocol) protocol_);
        minimatch_destroy(&fm.match);
        if (rconn_send_with_limit(rconn_, msg, flow_counter_,
                                  kForwardFlowWindow)) {
            n_packet_out_dropped_++;
        } else {
            n_learned_flows_++;
        }
    }
    ofputil_packet_out po;
    memset(&po, 0, sizeof po);
    po.packet = eth;
    po.packet_len = f.frame.size();
    po.buffer_id = UINT32_MAX;
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, u16_to_ofp(f.in_port));
    po.ofpacts = (struct ofpact *) ofpacts.data;
    po.ofpacts_len = ofpacts.size;
    ofpbuf *msg = ofputil_encode_packet_out(&po,
                                            (enum ofputil_protocol) protocol_);
    ofpbuf_uninit(&ofpacts);
    if (rconn_send_with_limit(rconn_, msg, pout_counter_, kPacketOutWindow)) {
        n_packet_out_dropped_++;
    } else {
        n_packet_out_++;
    }
}

json SwitchConn::to_json() const
{
    json j;
    j["name"] = name();
    j["dpid"] = dpid_ ? json(format_dpid(*dpid_)) : json(nullptr);
    j["connection"] = passive_ ? "passive" : "active";
    j["target"] = rconn_get_target(rconn_);
    j["connected"] = connected();
    j["state"] = state_name(state_);
    j["openflow_version"] = connected() ? json(ofputil_version_to_string(
                                (enum ofp_version) version_))
                                        : json(nullptr);
    j["mode"] = spec_ ? spec_->mode : "unmanaged";
    j["in_sync"] = state_ == State::kInSync;
    j["flows_desired"] = spec_ ? spec_->flows.size() : 0;
    j["flows_owned"] = flows_owned_;
    j["last_sync"] = {
        {"added", last_sync_.added},     {"removed", last_sync_.removed},
        {"kept", last_sync_.kept},       {"errors", last_sync_.errors},
        {"seconds", last_sync_.seconds},
    };
    j["counters"] = {
        {"connects", n_connects_},
        {"syncs", n_syncs_},
        {"audits", n_audits_},
        {"syncs_with_changes", n_repairs_},
        {"flow_mods", n_flow_mods_},
        {"packet_in", n_packet_in_},
        {"packet_in_bad", n_bad_packet_in_},
        {"packet_out", n_packet_out_},
        {"ordered_packet_out", n_ordered_pout_},
        {"ordered_packet_out_failed", n_ordered_pout_failed_},
        {"dropped", n_packet_out_dropped_},
        {"learned_flows", n_learned_flows_},
        {"errors", n_errors_},
    };
    j["flow_mod_queue"] = txq_.size();
    j["recent_errors"] = json(
        std::vector<std::string>(errors_.begin(), errors_.end()));
    return j;
}

}  // namespace cxxa::controller
