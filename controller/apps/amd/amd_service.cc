#include "apps/amd/amd_service.h"

#include <algorithm>
#include <initializer_list>
#include <set>

#include "amd/amd_report.h"
#include "inet_text.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

AmdReply error(int http, const std::string &reason)
{
    return json_error(http, reason);
}

// The frame a trigger packet-out carries: it is consumed (or replaced by a
// report) by the amd: action, never forwarded as is.  An IPv4/UDP frame to
// the virtual address (discard port), so that the actions after a release
// (mod_nw_dst...) pass OpenFlow's prerequisite checks on the packet-out.
std::vector<uint8_t> trigger_frame(uint32_t vip, uint64_t vmac)
{
    std::vector<uint8_t> f(60, 0);
    for (int i = 0; i < 6; i++) {
        f[i] = (vmac >> (40 - 8 * i)) & 0xff; /* To the virtual MAC. */
    }
    f[6] = 0x02; /* Local, all zero. */
    f[12] = 0x08;
    uint8_t *ip = &f[14];
    ip[0] = 0x45;
    ip[3] = 28; /* Total length. */
    ip[8] = 64; /* TTL. */
    ip[9] = 17; /* UDP. */
    for (int i = 0; i < 4; i++) {
        ip[16 + i] = (vip >> (24 - 8 * i)) & 0xff;
    }
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) {
        sum += ip[i] << 8 | ip[i + 1];
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = ~(sum + (sum >> 16)) & 0xffff;
    ip[10] = sum >> 8;
    ip[11] = sum & 0xff;
    uint8_t *udp = ip + 20;
    udp[3] = 9; /* Discard. */
    udp[5] = 8; /* Length. */
    return f;
}

// A value the Floodlight module reads with Jackson's asText(): a string,
// or a number or boolean as its text.  False for anything else.
bool as_text(const json &v, std::string &out)
{
    if (v.is_string()) {
        out = v.get<std::string>();
    } else if (v.is_number() || v.is_boolean()) {
        out = v.dump();
    } else {
        return false;
    }
    return true;
}

// A subscription's "services": an array of {"port", "description"}, as
// the Floodlight module takes them (both read with asText(): "port" may be
// 5000 or "5000", "description" a string, number or boolean), normalised
// to {"port": 5000, "description": "text"} in 'out'.  Else false with
// 'where' (the element and field: "", "[1]", "[1].port") and 'why'.
bool parse_services(const json &in, json &out, std::string &where,
                    std::string &why)
{
    if (!in.is_array()) {
        why = "must be an array of {\"port\", \"description\"}";
        return false;
    }
    json list = json::array();
    for (size_t i = 0; i < in.size(); i++) {
        const json &s = in[i];
        where = "[" + std::to_string(i) + "]";
        if (!s.is_object()) {
            why = "must be an object {\"port\", \"description\"}";
            return false;
        }
        for (const auto &[key, v] : s.items()) {
            if (key != "port" && key != "description") {
                where += "." + key;
                why = "unknown field";
                return false;
            }
        }
        std::string port, description;
        unsigned long n = 0;
        bool ok = s.contains("port") && as_text(s["port"], port)
                  && !port.empty() && port.size() <= 5
                  && port.find_first_not_of("0123456789") == std::string::npos;
        if (ok) {
            n = std::stoul(port);
            ok = n >= 1 && n <= 65535;
        }
        if (!ok) {
            where += ".port";
            why = "required, 1 to 65535 (a number or a string of digits)";
            return false;
        }
        if (s.contains("description")
            && !as_text(s["description"], description)) {
            where += ".description";
            why = "must be a string";
            return false;
        }
        list.push_back({{"port", n}, {"description", description}});
    }
    out = std::move(list);
    return true;
}

// The services as the Floodlight module's info lists them: "PORT: TEXT".
json service_texts(const json &services)
{
    json out = json::array();
    for (const json &s : services) {
        out.push_back(std::to_string(s["port"].get<unsigned>()) + ": "
                      + s["description"].get<std::string>());
    }
    return out;
}

// The request's first key not in 'keys', as a 400 in 'reply'.
bool only_keys(const json &req, std::initializer_list<const char *> keys,
               AmdReply &reply)
{
    for (const auto &[key, v] : req.items()) {
        bool known = false;
        for (const char *k : keys) {
            known = known || key == k;
        }
        if (!known) {
            reply = error(400, "\"" + key + "\": unknown field");
            return false;
        }
    }
    return true;
}

// Field 'key' read as the Floodlight module reads it (asText()), then
// parsed as an IPv4 address; else a 400 in 'reply' naming it.
bool get_text_ip(const json &req, const char *key, uint32_t &ip,
                 AmdReply &reply)
{
    std::string text;
    if (!req.contains(key) || !as_text(req[key], text)
        || !parse_ip(text, ip)) {
        reply = error(400, std::string("\"") + key
                               + "\": required, an IPv4 address");
        return false;
    }
    return true;
}

}  // namespace

AmdEffects AmdService::configure(const AmdSettings &s)
{
    AmdEffects fx;
    if (s == settings_) {
        return fx;
    }
    settings_ = s;
    fx.flows_changed = true;
    if (!s.enabled) {
        return fx;
    }
    /* Existing subscriptions keep their addresses; allocate() never hands
     * out an address in use, whichever pool it came from. */
    reports_.clear();
    return fx;
}

bool AmdService::is_amd_switch(const std::string &sw) const
{
    return settings_.enabled
           && std::find(settings_.switches.begin(), settings_.switches.end(),
                        sw)
                  != settings_.switches.end();
}

std::string AmdService::rewrite_actions(const Server &srv) const
{
    return "mod_dl_dst:" + format_mac(srv.mac)
           + ",mod_nw_dst:" + format_ip(srv.ip) + "," + settings_.forward;
}

std::string AmdService::deliver_args(const Server &srv) const
{
    std::string a = "server=" + format_ip(srv.vip);
    if (settings_.max_packets) {
        a += ",max_packets=" + std::to_string(*settings_.max_packets);
    }
    if (settings_.max_bytes) {
        a += ",max_bytes=" + std::to_string(*settings_.max_bytes);
    }
    if (settings_.max_age_ms) {
        a += ",max_age_ms=" + std::to_string(*settings_.max_age_ms);
    }
    return a;
}

bool AmdService::paced() const
{
    return settings_.store == AmdStore::kSwitch && settings_.paced;
}

// The amd: action's pacing arguments (its defaults left out).
std::string AmdService::pace_args() const
{
    std::string a = ",table=" + std::to_string(settings_.paced_table());
    if (settings_.rate != 20000) {
        a += ",rate=" + std::to_string(settings_.rate);
    }
    if (settings_.burst != 64) {
        a += ",burst=" + std::to_string(settings_.burst);
    }
    return a;
}

std::vector<std::string> AmdService::flows_for(const std::string &sw) const
{
    std::vector<std::string> flows;
    if (!is_amd_switch(sw)) {
        return flows;
    }
    const std::string head = "table=" + std::to_string(settings_.table)
                             + ",priority="
                             + std::to_string(settings_.priority) + ",";
    const std::string release_head = "table="
                                     + std::to_string(settings_.paced_table())
                                     + ",priority="
                                     + std::to_string(settings_.priority)
                                     + ",";
    if (paced() && !servers_.empty()) {
        /* The switch's reports of its own (the first request stored in an
         * offline period) come to us. */
        flows.push_back(release_head + "dl_type=0x88b5,actions=controller");
    }
    for (const auto &[vip, srv] : servers_) {
        const std::string v = format_ip(srv.vip), vm = format_mac(srv.vmac);
        /* ARP for the virtual address, answered by the switch. */
        flows.push_back(head + "arp,arp_op=1,arp_tpa=" + v
                        + ",actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
                          "set_field:"
                        + vm
                        + "->eth_src,set_field:2->arp_op,"
                          "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                          "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
                          "set_field:"
                        + vm + "->arp_sha,set_field:" + v
                        + "->arp_spa,IN_PORT");
        /* Requests: virtual -> physical. */
        std::string actions;
        if (paced()) {
            /* Requests that pass and requests the switch releases on its
             * own both go through the release table's rewrite. */
            actions = "amd:deliver(" + deliver_args(srv) + pace_args()
                      + "),resubmit(,"
                      + std::to_string(settings_.paced_table()) + ")";
            flows.push_back(release_head + "ip,nw_dst=" + v
                            + ",actions=" + rewrite_actions(srv));
        } else if (settings_.store == AmdStore::kSwitch) {
            actions = "amd:deliver(" + deliver_args(srv) + "),"
                      + rewrite_actions(srv);
        } else {
            actions = srv.online ? rewrite_actions(srv) : "controller";
        }
        flows.push_back(head + "ip,nw_dst=" + v + ",actions=" + actions);
        /* Replies: physical -> virtual. */
        flows.push_back(head + "ip,dl_src=" + format_mac(srv.mac) + ",nw_src="
                        + format_ip(srv.ip) + ",actions=mod_dl_src:" + vm
                        + ",mod_nw_src:" + v + "," + settings_.forward);
    }
    return flows;
}

AmdPacketOut AmdService::trigger(const std::string &sw, const Server &srv,
                                 const std::string &actions) const
{
    return {sw, actions, trigger_frame(srv.vip, srv.vmac)};
}

/* The packet-outs that put 'srv' in its current mode on every switch. */
void AmdService::transition(Server &srv, AmdEffects &fx)
{
    n_transitions_++;
    if (settings_.store == AmdStore::kController) {
        fx.flows_changed = true;
        if (srv.online) {
            release_controller_store(srv, fx);
        }
        return;
    }
    for (const std::string &sw : settings_.switches) {
        fx.packet_outs.push_back(mode_trigger(sw, srv));
    }
}

AmdPacketOut AmdService::mode_trigger(const std::string &sw,
                                      const Server &srv) const
{
    const std::string v = format_ip(srv.vip);
    if (!srv.online) {
        return trigger(sw, srv, "amd:hold(server=" + v + ")");
    }
    return trigger(sw, srv,
                   paced() ? "amd:release(server=" + v + pace_args() + ")"
                           : "amd:release(server=" + v + "),"
                                 + rewrite_actions(srv));
}

std::vector<AmdPacketOut> AmdService::reassert(const std::string &sw) const
{
    std::vector<AmdPacketOut> out;
    if (!is_amd_switch(sw) || settings_.store != AmdStore::kSwitch) {
        return out;
    }
    for (const auto &[vip, srv] : servers_) {
        out.push_back(mode_trigger(sw, srv));
    }
    return out;
}

void AmdService::release_controller_store(Server &srv, AmdEffects &fx)
{
    const auto now = Clock::now();
    for (Stored &s : srv.stored) {
        if (settings_.max_age_ms
            && now - s.arrived
                   > std::chrono::milliseconds(*settings_.max_age_ms)) {
            srv.n_expired++;
            continue;
        }
        fx.packet_outs.push_back(
            {s.sw, rewrite_actions(srv), std::move(s.frame)});
        srv.n_released++;
    }
    controller_stored_ -= srv.stored.size();
    srv.stored.clear();
    srv.stored_bytes = 0;
}

/* A pool index whose addresses nobody uses: never-used indexes first, then
 * freed ones, oldest first. */
std::optional<size_t> AmdService::allocate()
{
    auto in_use = [this](size_t i) {
        for (const auto &[vip, srv] : servers_) {
            if (vip == settings_.vip(i) || srv.vmac == settings_.vmac(i)) {
                return true;
            }
        }
        return false;
    };
    while (next_unused_ < settings_.pool_size) {
        size_t i = next_unused_++;
        if (!in_use(i)) {
            return i;
        }
    }
    while (!freed_.empty()) {
        size_t i = freed_.front();
        freed_.pop_front();
        if (i < settings_.pool_size && !in_use(i)) {
            return i;
        }
    }
    return std::nullopt;
}

AmdReply AmdService::subscribe(const std::string &body, AmdEffects &fx)
{
    AmdReply reply;
    json req;
    uint32_t ip;
    uint64_t mac;
    if (!settings_.enabled) {
        n_rejected_++;
        return error(404, "AMD is not configured: the deployment has no "
                          "\"amd\" section");
    }
    if (!parse_json_body(body, req, reply)
        || !only_keys(req, {"ip", "mac", "services"}, reply)
        || !get_json_ip(req, "ip", ip, reply)
        || !get_json_mac(req, "mac", mac, reply, true)) {
        n_rejected_++;
        return reply;
    }
    json services;
    std::string where, why;
    if (!parse_services(req.value("services", json::array()), services, where,
                        why)) {
        n_rejected_++;
        return error(400, "\"services\"" + where + ": " + why);
    }
    for (const auto &[vip, srv] : servers_) {
        if (srv.ip == ip || srv.mac == mac) {
            n_rejected_++;
            return error(409,
                         "server " + format_ip(ip) + " (" + format_mac(mac)
                             + ") is already subscribed as " + format_ip(vip));
        }
    }
    std::optional<size_t> index = allocate();
    if (!index) {
        n_rejected_++;
        return error(409, "Failed to subscribe server, no available "
                          "addresses (the pool has "
                              + std::to_string(settings_.pool_size)
                              + ", all in use)");
    }
    Server srv;
    srv.index = *index;
    srv.vip = settings_.vip(*index);
    srv.vmac = settings_.vmac(*index);
    srv.ip = ip;
    srv.mac = mac;
    srv.services = services;
    auto &added = servers_.emplace(srv.vip, std::move(srv)).first->second;
    n_subscribed_++;
    fx.flows_changed = true;
    /* A new server is online; make sure no old state of that address (a
     * previous owner) lingers on the switches. */
    if (settings_.store == AmdStore::kSwitch) {
        for (const std::string &sw : settings_.switches) {
            fx.packet_outs.push_back(
                trigger(sw, added,
                        "amd:discard(server=" + format_ip(added.vip) + ")"));
        }
    }
    return {200,
            {{"status", "Success"},
             {"virtualIp", format_ip(added.vip)},
             {"virtualMac", format_mac(added.vmac)}}};
}

AmdService::Server *AmdService::find(const json &req, AmdReply &reply)
{
    uint32_t vip;
    if (!get_text_ip(req, "virtualIp", vip, reply)) {
        return nullptr;
    }
    auto it = servers_.find(vip);
    if (it == servers_.end()) {
        reply = error(404, "No such subscribed server associated to "
                               + format_ip(vip));
        return nullptr;
    }
    return &it->second;
}

/* A request about one subscribed server: its body parsed into 'req', the
 * server it names returned; or nullptr with the error in 'reply'. */
AmdService::Server *
AmdService::parse_request(const std::string &body, json &req, AmdReply &reply,
                          std::initializer_list<const char *> keys)
{
    Server *srv = nullptr;
    if (!parse_json_body(body, req, reply) || !only_keys(req, keys, reply)
        || !(srv = find(req, reply))) {
        n_rejected_++;
    }
    return srv;
}

AmdReply AmdService::unsubscribe(const std::string &body, AmdEffects &fx)
{
    AmdReply reply;
    json req;
    Server *srv = parse_request(body, req, reply, {"virtualIp", "discard"});
    if (!srv) {
        std::string vip;
        if (reply.http == 404 && as_text(req["virtualIp"], vip)) {
            reply.body["reason"] = "Failed to unsubscribe server, no such "
                                   "subscribed server associated to "
                                   + vip;
        }
        return reply;
    }
    if (req.contains("discard") && !req["discard"].is_boolean()) {
        n_rejected_++;
        return error(400, "\"discard\": must be true or false");
    }
    const bool discard = req.value("discard", false);
    if (!srv->online && !discard) {
        n_rejected_++;
        return error(
            409, "server " + format_ip(srv->vip)
                     + " is offline and "
                       "may have stored requests: set it online first (they "
                       "are delivered), or pass \"discard\": true to drop "
                       "them");
    }
    uint64_t discarded = 0;
    if (settings_.store == AmdStore::kSwitch) {
        for (const std::string &sw : settings_.switches) {
            fx.packet_outs.push_back(trigger(
                sw, *srv, "amd:discard(server=" + format_ip(srv->vip) + ")"));
        }
    } else {
        discarded = srv->stored.size();
        controller_stored_ -= srv->stored.size();
    }
    for (auto &[sw, reports] : reports_) {
        reports.erase(srv->vip);
    }
    json ok = {{"status", "Success"}, {"virtualIp", format_ip(srv->vip)}};
    if (settings_.store == AmdStore::kController) {
        ok["discarded"] = discarded;
    }
    freed_.push_back(srv->index);
    servers_.erase(srv->vip);
    n_unsubscribed_++;
    fx.flows_changed = true;
    return {200, ok};
}

AmdReply AmdService::set_status(const std::string &body, AmdEffects &fx)
{
    AmdReply reply;
    json req;
    uint32_t vip;
    std::string status;
    /* As the Floodlight module: the address must parse, then the status
     * must be one, then the server must exist and not be in that status
     * already. */
    if (!parse_json_body(body, req, reply)
        || !only_keys(req, {"newStatus", "virtualIp", "ip", "mac"}, reply)
        || !get_text_ip(req, "virtualIp", vip, reply)) {
        n_rejected_++;
        return reply;
    }
    if (!req.contains("newStatus") || !as_text(req["newStatus"], status)
        || (status != "online" && status != "offline")) {
        n_rejected_++;
        return error(400, "Invalid new status: \"newStatus\" must be "
                          "\"online\" or \"offline\"");
    }
    Server *srv = find(req, reply);
    if (!srv) {
        n_rejected_++;
        return reply;
    }
    if (srv->online == (status == "online")) {
        n_rejected_++;
        return error(409, "Server associated to " + format_ip(vip)
                              + " is already " + status);
    }
    if (status == "online") {
        /* The physical address may have changed while offline. */
        uint32_t ip = srv->ip;
        uint64_t mac = srv->mac;
        if ((req.contains("ip") && !get_json_ip(req, "ip", ip, reply))
            || (req.contains("mac")
                && !get_json_mac(req, "mac", mac, reply, true))) {
            n_rejected_++;
            return reply;
        }
        for (const auto &[v, other] : servers_) {
            if (v != srv->vip && (other.ip == ip || other.mac == mac)) {
                n_rejected_++;
                return error(409, "address " + format_ip(ip) + " ("
                                      + format_mac(mac)
                                      + ") belongs to the server "
                                        "subscribed as "
                                      + format_ip(v));
            }
        }
        if (ip != srv->ip || mac != srv->mac) {
            srv->ip = ip;
            srv->mac = mac;
            fx.flows_changed = true;
        }
    }
    srv->online = status == "online";
    transition(*srv, fx);
    return {200,
            {{"status", "Success"},
             {"virtualIp", format_ip(srv->vip)},
             {"newStatus", status}}};
}

std::vector<AmdPacketOut> AmdService::report_requests() const
{
    std::vector<AmdPacketOut> out;
    if (settings_.store != AmdStore::kSwitch) {
        return out;
    }
    for (const std::string &sw : settings_.switches) {
        for (const auto &[vip, srv] : servers_) {
            out.push_back(trigger(sw, srv,
                                  "amd:report(server=" + format_ip(vip)
                                      + "),controller"));
        }
    }
    return out;
}

bool AmdService::reports_complete(Clock::time_point since) const
{
    if (settings_.store != AmdStore::kSwitch) {
        return true;
    }
    for (const std::string &sw : settings_.switches) {
        auto it = reports_.find(sw);
        for (const auto &[vip, srv] : servers_) {
            if (it == reports_.end()) {
                return false;
            }
            auto r = it->second.find(vip);
            if (r == it->second.end() || r->second.at < since) {
                return false;
            }
        }
    }
    return true;
}

bool AmdService::packet_in(const std::string &sw, const uint8_t *frame,
                           size_t len, AmdEffects &fx)
{
    if (!settings_.enabled) {
        return false;
    }
    if (auto text = amd::parse_report(frame, len)) {
        json r = json::parse(*text, nullptr, false);
        uint32_t vip;
        if (r.is_discarded() || !r.is_object() || !r.contains("server")
            || !r["server"].is_string()
            || !parse_ip(r["server"].get<std::string>(), vip)) {
            n_bad_reports_++;
        } else {
            n_reports_++;
            reports_[sw][vip] = Report{std::move(r), Clock::now()};
        }
        return true;
    }
    if (settings_.store != AmdStore::kController || len < 34
        || frame[12] != 0x08 || frame[13] != 0x00) {
        return false;
    }
    uint32_t dst = uint32_t(frame[30]) << 24 | uint32_t(frame[31]) << 16
                   | uint32_t(frame[32]) << 8 | frame[33];
    auto it = servers_.find(dst);
    if (it == servers_.end()) {
        return false;
    }
    Server &srv = it->second;
    if (srv.online) {
        /* Sent up before the flow changed back: forward it now. */
        fx.packet_outs.push_back({sw, rewrite_actions(srv),
                                  std::vector<uint8_t>(frame, frame + len)});
        return true;
    }
    const uint64_t max_packets = settings_.max_packets.value_or(65536);
    const uint64_t max_bytes = settings_.max_bytes.value_or(64ull << 20);
    if (srv.stored.size() >= max_packets || srv.stored_bytes + len > max_bytes
        || controller_stored_ >= settings_.controller_max_packets) {
        srv.n_dropped++;
        n_controller_drops_++;
        return true;
    }
    srv.stored.push_back(
        {sw, std::vector<uint8_t>(frame, frame + len), Clock::now()});
    srv.stored_bytes += len;
    srv.n_stored++;
    controller_stored_++;
    return true;
}

json AmdService::server_json(const Server &srv) const
{
    json j = {{"virtualIp", format_ip(srv.vip)},
              {"virtualMac", format_mac(srv.vmac)},
              {"ip", format_ip(srv.ip)},
              {"mac", format_mac(srv.mac)},
              {"services", service_texts(srv.services)},
              {"serviceList", srv.services},
              {"status", srv.online ? "online" : "offline"}};
    uint64_t packets = 0, bytes = 0, drops = 0;
    if (settings_.store == AmdStore::kController) {
        packets = srv.stored.size();
        bytes = srv.stored_bytes;
        drops = srv.n_dropped + srv.n_expired;
        j["storedIn"] = "controller";
        j["counters"] = {{"stored", srv.n_stored},
                         {"released", srv.n_released},
                         {"dropped", srv.n_dropped},
                         {"expired", srv.n_expired}};
    } else {
        j["storedIn"] = "switch";
        json per_switch = json::object();
        for (const std::string &sw : settings_.switches) {
            auto it = reports_.find(sw);
            const Report *r = nullptr;
            if (it != reports_.end()) {
                auto rr = it->second.find(srv.vip);
                if (rr != it->second.end()) {
                    r = &rr->second;
                }
            }
            if (!r) {
                per_switch[sw] = {{"state", "no report"}};
                continue;
            }
            json rep = r->body;
            rep["report_age_ms"] =
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    Clock::now() - r->at)
                    .count();
            packets += rep.value("packets", uint64_t(0));
            bytes += rep.value("bytes", uint64_t(0));
            for (const char *k : {"drop_packets", "drop_bytes", "drop_memory",
                                  "expired", "discarded"}) {
                drops += rep.value(k, uint64_t(0));
            }
            per_switch[sw] = rep;
        }
        j["switches"] = per_switch;
    }
    j["storedPackets"] = packets;
    j["storedBytes"] = bytes;
    j["drops"] = drops;
    return j;
}

json AmdService::info() const
{
    json list = json::array();
    for (const auto &[vip, srv] : servers_) {
        list.push_back(server_json(srv));
    }
    return {{"availableServices", list}};
}

json AmdService::counters() const
{
    return {{"servers", servers_.size()},
            {"pool_size", settings_.pool_size},
            {"subscribed", n_subscribed_},
            {"unsubscribed", n_unsubscribed_},
            {"transitions", n_transitions_},
            {"rejected_requests", n_rejected_},
            {"reports", n_reports_},
            {"bad_reports", n_bad_reports_},
            {"controller_stored", controller_stored_},
            {"controller_drops", n_controller_drops_}};
}

/* Durable state. */

json AmdService::save_state() const
{
    json servers = json::array();
    for (const auto &[vip, srv] : servers_) {
        servers.push_back({{"index", srv.index},
                           {"virtualIp", format_ip(srv.vip)},
                           {"virtualMac", format_mac(srv.vmac)},
                           {"ip", format_ip(srv.ip)},
                           {"mac", format_mac(srv.mac)},
                           {"services", srv.services},
                           {"status", srv.online ? "online" : "offline"}});
    }
    return {{"servers", servers},
            {"next_unused", next_unused_},
            {"freed", json(freed_)}};
}

bool AmdService::restore(const json &state, const std::string &path, Errors &e,
                         AmdEffects &fx)
{
    const size_t before = e.count();
    const long long pool = settings_.pool_size;
    if (!state.is_object()) {
        e.add(path, "must be an object");
        return false;
    }
    Checked c = check(
        state, path,
        {required("servers", JsonType::kArray, "an array of subscriptions"),
         integer("next_unused", 0, pool, true),
         required("freed", JsonType::kArray, "an array of pool indexes")},
        e);
    if (!c.ok()) {
        return false;
    }
    const json &list = state["servers"];
    if (!list.empty() && !settings_.enabled) {
        e.add(path + ".servers",
              std::to_string(list.size())
                  + " subscriptions, but the deployment has no \"amd\" "
                    "section");
        return false;
    }
    const size_t next_unused = state["next_unused"].get<size_t>();
    std::map<uint32_t, Server> servers;
    std::set<size_t> used;
    for (size_t i = 0; i < list.size(); i++) {
        const std::string p = index_path(path + ".servers", i);
        const json &j = list[i];
        if (!j.is_object()) {
            e.add(p, "must be an object");
            continue;
        }
        Checked sc = check(
            j, p,
            {integer("index", 0, pool - 1, true),
             required("virtualIp", JsonType::kString, "an IPv4 address"),
             required("virtualMac", JsonType::kString, "a MAC address"),
             required("ip", JsonType::kString, "an IPv4 address"),
             required("mac", JsonType::kString, "a unicast MAC address"),
             required("services", JsonType::kArray, "an array of services"),
             required("status", JsonType::kString,
                      "\"online\" or \"offline\"")},
            e);
        if (!sc.ok()) {
            continue;
        }
        Server srv;
        srv.index = j["index"].get<size_t>();
        srv.vip = settings_.vip(srv.index);
        srv.vmac = settings_.vmac(srv.index);
        uint32_t vip;
        uint64_t vmac;
        const std::string status = j["status"].get<std::string>();
        std::string where, why;
        if (!parse_ip(j["virtualIp"].get<std::string>(), vip)
            || vip != srv.vip) {
            e.add(p + ".virtualIp",
                  "\"" + j["virtualIp"].get<std::string>()
                      + "\" is not address " + std::to_string(srv.index)
                      + " of the deployment's pool (" + format_ip(srv.vip)
                      + "): the pool changed since the state was saved");
        } else if (!parse_mac(j["virtualMac"].get<std::string>(), vmac)
                   || vmac != srv.vmac) {
            e.add(p + ".virtualMac",
                  "\"" + j["virtualMac"].get<std::string>() + "\" is not MAC "
                      + std::to_string(srv.index)
                      + " of the deployment's pool (" + format_mac(srv.vmac)
                      + "): the pool changed since the state was saved");
        } else if (!parse_ip(j["ip"].get<std::string>(), srv.ip)) {
            e.add(p + ".ip", "must be an IPv4 address");
        } else if (!parse_mac(j["mac"].get<std::string>(), srv.mac)
                   || !is_unicast_mac(srv.mac)) {
            e.add(p + ".mac", "must be a unicast MAC address");
        } else if (!parse_services(j["services"], srv.services, where, why)) {
            e.add(p + ".services" + where, why);
        } else if (status != "online" && status != "offline") {
            e.add(p + ".status", "must be \"online\" or \"offline\"");
        } else if (srv.index >= next_unused) {
            e.add(p + ".index", std::to_string(srv.index)
                                    + " is not below next_unused ("
                                    + std::to_string(next_unused) + ")");
        } else if (!used.insert(srv.index).second) {
            e.add(p + ".index", "pool address " + std::to_string(srv.index)
                                    + " is given to two servers");
        } else {
            for (const auto &[v, other] : servers) {
                if (other.ip == srv.ip || other.mac == srv.mac) {
                    e.add(p + ".ip",
                          format_ip(srv.ip) + " (" + format_mac(srv.mac)
                              + ") is already the server of " + format_ip(v));
                    break;
                }
            }
            srv.online = status == "online";
            servers.emplace(srv.vip, std::move(srv));
        }
    }
    std::deque<size_t> freed;
    const json &fl = state["freed"];
    for (size_t i = 0; i < fl.size(); i++) {
        const std::string p = index_path(path + ".freed", i);
        if (!fl[i].is_number_unsigned()
            || fl[i].get<size_t>() >= next_unused) {
            e.add(p, "must be a pool index below next_unused ("
                         + std::to_string(next_unused) + ")");
        } else if (!used.insert(fl[i].get<size_t>()).second) {
            e.add(p, std::to_string(fl[i].get<size_t>())
                         + " is in use or freed twice");
        } else {
            freed.push_back(fl[i].get<size_t>());
        }
    }
    if (e.count() != before) {
        return false;
    }
    servers_ = std::move(servers);
    next_unused_ = next_unused;
    freed_ = std::move(freed);
    reports_.clear();
    controller_stored_ = 0;
    fx.flows_changed = true;
    return true;
}

}  // namespace cxxa::controller
