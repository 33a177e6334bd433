#include <config.h>

#include "ofp_flows.h"

#include "openvswitch/ofp-errors.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/ofp-msgs.h"
#include "openflow/openflow.h"
#include "byte-order.h"

namespace cxxa::controller {

// flow.h, which has these, is not C++-clean.
static inline ofp_port_t u16_to_ofp(uint32_t port)
{
    return (ofp_port_t) port;
}
static inline uint16_t ofp_to_u16(ofp_port_t port) { return (uint16_t) port; }

namespace {

// RAII for the port map the flow parser uses to resolve port names.
class PortMap {
  public:
    explicit PortMap(const SwitchSpec &s)
    {
        ofputil_port_map_init(&map_);
        for (const auto &[name, number] : s.ports) {
            ofputil_port_map_put(&map_, u16_to_ofp(number), name.c_str());
        }
    }
    ~PortMap() { ofputil_port_map_destroy(&map_); }
    const ofputil_port_map *get() const { return &map_; }

  private:
    ofputil_port_map map_;
};

std::string canonical_key(FlowKey &key, uint8_t table_id, int priority,
                          const struct match *match, int idle, int hard,
                          uint64_t cookie, const struct ofpact *ofpacts,
                          size_t ofpacts_len)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "table=%d,priority=%d,", table_id, priority);
    match_format(match, NULL, &s, OFP_DEFAULT_PRIORITY);
    key.match = ds_cstr(&s);
    ds_put_format(&s, " cookie=%#" PRIx64 ",idle=%d,hard=%d actions=", cookie,
                  idle, hard);
    struct ofpact_format_params fp = {
        .port_map = NULL, .table_map = NULL, .s = &s};
    ofpacts_format(ofpacts, ofpacts_len, &fp);
    key.full = ds_cstr(&s);
    key.cookie = cookie;
    ds_destroy(&s);
    return key.full;
}

}  // namespace

FlowMod::FlowMod() : fm_(new ofputil_flow_mod{}) {}

FlowMod::~FlowMod()
{
    if (parsed_) {
        minimatch_destroy(&fm_->match);
        free(fm_->ofpacts);
    }
}

std::string FlowMod::parse(const SwitchSpec &spec, const std::string &text)
{
    PortMap ports(spec);
    enum ofputil_protocol usable;
    char *error = parse_ofp_flow_mod_str(fm_.get(), text.c_str(), ports.get(),
                                         NULL, OFPFC_ADD, &usable);
    if (error) {
        std::string why = error;
        free(error);
        return why;
    }
    parsed_ = true;
    usable_ = usable;
    if (fm_->table_id == 0xff) {
        fm_->table_id = 0; /* No table given: table 0. */
    }
    return "";
}

ofpbuf *FlowMod::encode_add(uint32_t protocol, uint64_t cookie) const
{
    ofputil_flow_mod fm = *fm_;
    fm.command = OFPFC_ADD;
    fm.new_cookie = htonll(cookie);
    fm.cookie = htonll(0);
    fm.cookie_mask = htonll(0);
    fm.buffer_id = UINT32_MAX;
    return ofputil_encode_flow_mod(&fm, (enum ofputil_protocol) protocol);
}

FlowKey FlowMod::key(uint32_t protocol, uint64_t cookie) const
{
    FlowKey key;
    ofpbuf *msg = encode_add(protocol, cookie);
    ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    enum ofperr err = ofputil_decode_flow_mod(
        &fm, (const ofp_header *) msg->data, (enum ofputil_protocol) protocol,
        NULL, NULL, &ofpacts, OFPP_MAX, 255);
    struct match match;
    if (!err) {
        minimatch_expand(&fm.match, &match);
        canonical_key(key, fm.table_id, fm.priority, &match, fm.idle_timeout,
                      fm.hard_timeout, cookie, fm.ofpacts, fm.ofpacts_len);
        minimatch_destroy(&fm.match);
    } else {
        /* Cannot happen for a flow we encoded ourselves; the key then just
         * never matches, and the flow is re-added each time. */
        minimatch_expand(&fm_->match, &match);
        canonical_key(key, fm_->table_id, fm_->priority, &match,
                      fm_->idle_timeout, fm_->hard_timeout, cookie,
                      fm_->ofpacts, fm_->ofpacts_len);
        key.full += " (undecodable)";
    }
    ofpbuf_uninit(&ofpacts);
    ofpbuf_delete(msg);
    return key;
}

std::string check_flow_text(const SwitchSpec &spec, const std::string &text)
{
    FlowMod fm;
    std::string why = fm.parse(spec, text);
    if (!why.empty()) {
        return why;
    }
    const ofputil_flow_mod *f = fm.get();
    if (f->new_cookie != htonll(0) && f->new_cookie != OVS_BE64_MAX) {
        return "\"cookie\" is set by the controller (it marks the flows it "
               "owns); leave it out";
    }
    if (f->idle_timeout || f->hard_timeout) {
        return "deployment flows are permanent: leave out idle_timeout and "
               "hard_timeout";
    }
    return "";
}

FlowKey flow_stats_key(const ofputil_flow_stats &fs)
{
    FlowKey key;
    canonical_key(key, fs.table_id, fs.priority, &fs.match, fs.idle_timeout,
                  fs.hard_timeout, ntohll(fs.cookie), fs.ofpacts,
                  fs.ofpacts_len);
    return key;
}

namespace {

ofpbuf *encode_delete(uint16_t command, uint8_t table_id, int priority,
                      const struct match *match, uint64_t cookie,
                      uint64_t mask, uint32_t protocol)
{
    ofputil_flow_mod fm{};
    minimatch_init(&fm.match, match);
    fm.priority = priority;
    fm.cookie = htonll(cookie);
    fm.cookie_mask = htonll(mask);
    fm.new_cookie = OVS_BE64_MAX;
    fm.table_id = table_id;
    fm.command = command;
    fm.buffer_id = UINT32_MAX;
    fm.out_port = OFPP_ANY;
    fm.out_group = OFPG_ANY;
    ofpbuf *msg = ofputil_encode_flow_mod(&fm,
                                          (enum ofputil_protocol) protocol);
    minimatch_destroy(&fm.match);
    return msg;
}

}  // namespace

ofpbuf *encode_delete_strict(const ofputil_flow_stats &fs, uint32_t protocol)
{
    return encode_delete(OFPFC_DELETE_STRICT, fs.table_id, fs.priority,
                         &fs.match, ntohll(fs.cookie), UINT64_MAX, protocol);
}

ofpbuf *encode_delete_owned(uint32_t protocol)
{
    struct match match;
    match_init_catchall(&match);
    return encode_delete(OFPFC_DELETE, 0xff, 0, &match, kOwnerCookie,
                         kOwnerCookieMask, protocol);
}

}  // namespace cxxa::controller
