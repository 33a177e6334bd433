#include "apps/pubsub/pubsub_service.h"

#include <algorithm>

#include "bridge/bytes.h"
#include "inet_text.h"
#include "json_check.h"
#include "net/inet.h"
#include "pubsub/pubsub_primitive.h"

namespace cxxa::controller {

using nlohmann::json;
using pubsub::narrower;

namespace {

// Where the events of one dz entering on one port go.
struct Outs {
    std::set<uint32_t> ports;  // Links to other switches.
    std::set<uint32_t> hosts;  // Subscribers on this switch, by IP.

    void merge(const Outs &o)
    {
        ports.insert(o.ports.begin(), o.ports.end());
        hosts.insert(o.hosts.begin(), o.hosts.end());
    }
    bool operator==(const Outs &) const = default;
};
using Entries = std::map<Dz, Outs>;

// The longest proper prefix of 'd' (shortest if 'shortest') with an
// entry, or nullptr.
const Dz *covering_entry(const Entries &e, const Dz &d, bool shortest)
{
    const Dz *found = nullptr;
    for (unsigned k = 0; k < d.len; k++) {
        auto it = e.find(d.prefix(k));
        if (it != e.end()) {
            found = &it->first;
            if (shortest) {
                break;
            }
        }
    }
    return found;
}

// Applies covering (see pubsub_service.h) to the entries of one in port.
Entries cover(const Entries &e, bool covering)
{
    Entries out;
    if (covering) {
        for (const auto &[d, o] : e) {
            const Dz *top = covering_entry(e, d, true);
            out[top ? *top : d].merge(o);
        }
        return out;
    }
    for (const auto &[d, o] : e) {
        Outs all = o;
        for (unsigned k = 0; k < d.len; k++) {
            auto it = e.find(d.prefix(k));
            if (it != e.end()) {
                all.merge(it->second);
            }
        }
        out[d] = all;
    }
    std::vector<Dz> redundant;
    for (const auto &[d, o] : out) {
        const Dz *c = covering_entry(e, d, false);
        if (c && out.at(*c) == o) {
            redundant.push_back(d);
        }
    }
    for (const Dz &d : redundant) {
        out.erase(d);
    }
    return out;
}

// A flow's identity: its text before the actions.
std::string flow_match(const std::string &flow)
{
    return flow.substr(0, flow.find(",actions="));
}

bool unicast_ip(uint32_t ip)
{
    return ip != 0 && ip != 0xffffffff && (ip >> 28) < 0xe;
}

std::string dz_list(const std::set<Dz> &dz)
{
    std::string s;
    for (const Dz &d : dz) {
        s += (s.empty() ? "" : "+") + d.text();
    }
    return s;
}

json dz_array(const std::set<Dz> &dz)
{
    json a = json::array();
    for (const Dz &d : dz) {
        a.push_back(d.text());
    }
    return a;
}

}  // namespace

void PubsubService::configure(const PubsubSettings &s)
{
    bool topology = s.switches != s_.switches || s.links != s_.links;
    s_ = s;
    size_t before = hosts_.size(), entries_before = entries_;
    entries_ = 0;
    for (auto it = hosts_.begin(); it != hosts_.end();) {
        PubsubHost &h = it->second;
        // What the new dz limit no longer takes goes.
        for (std::set<Dz> *set : {&h.subscriptions, &h.advertisements}) {
            std::erase_if(
                *set, [this](const Dz &d) { return d.len > s_.max_dz_bits; });
        }
        size_t n = h.subscriptions.size() + h.advertisements.size();
        if (!s_.enabled || n == 0 || !s_.has_switch(h.sw)
            || s_.is_link_port(h.sw, h.port) || entries_ + n > s_.max_entries
            || size_t(std::distance(hosts_.begin(), it)) >= s_.max_hosts) {
            it = hosts_.erase(it);
        } else {
            entries_ += n;
            ++it;
        }
    }
    if (topology || hosts_.size() != before || entries_ != entries_before) {
        rebuild_trees();
    }
    std::set<std::string> changed;
    recompute(changed);
}

void PubsubService::rebuild_trees()
{
    trees_.clear();
    for (const auto &[ip, h] : hosts_) {
        for (const Dz &d : h.advertisements) {
            advertise(ip, d);
        }
    }
}

void PubsubService::advertise(uint32_t ip, const Dz &dz)
{
    for (auto &[tdz, t] : trees_) {
        if (tdz.covers(dz)) {
            t.publishers.insert({ip, dz});
            return;
        }
    }
    PubsubTreeState t{PubsubTree(s_.links, hosts_.at(ip).sw), {{ip, dz}}};
    for (auto it = trees_.begin(); it != trees_.end();) {
        if (dz.covers(it->first)) {
            t.publishers.merge(it->second.publishers);
            it = trees_.erase(it);
        } else {
            ++it;
        }
    }
    trees_.emplace(dz, std::move(t));
}

void PubsubService::unadvertise(uint32_t ip, const Dz &dz)
{
    for (auto it = trees_.begin(); it != trees_.end();) {
        it->second.publishers.erase({ip, dz});
        if (it->second.publishers.empty()) {
            it = trees_.erase(it);
        } else {
            ++it;
        }
    }
}

PubsubResult PubsubService::request(MsgType type, const std::string &sw,
                                    uint32_t port, uint64_t mac, uint32_t ip,
                                    const Dz &dz,
                                    std::set<std::string> &changed)
{
    auto refuse = [this](int http, std::string why) {
        n_.refused++;
        return PubsubResult{http, std::move(why)};
    };
    if (!s_.enabled) {
        return refuse(404, "no pubsub section in the deployment");
    }
    bool adding = type == MsgType::kSubscribe || type == MsgType::kAdvertise;
    if (adding && dz.len > s_.max_dz_bits) {
        return refuse(400, "dz of " + std::to_string(dz.len)
                               + " bits, longer than max_dz_bits ("
                               + std::to_string(s_.max_dz_bits) + ")");
    }
    if (!s_.has_switch(sw)) {
        return refuse(404, "\"" + sw + "\" is not a pubsub switch");
    }
    if (s_.is_link_port(sw, port)) {
        return refuse(400, "port " + std::to_string(port) + " of " + sw
                               + " is a link between switches");
    }
    if (!unicast_ip(ip) || !is_unicast_mac(mac) || mac == 0) {
        return refuse(400, "the host's address " + format_ip(ip) + " / "
                               + format_mac(mac) + " is not unicast");
    }
    auto it = hosts_.find(ip);
    if (it == hosts_.end() && !adding) {
        return refuse(404, "no host " + format_ip(ip));
    }
    if (it == hosts_.end() && hosts_.size() >= s_.max_hosts) {
        return refuse(409, "the host table is full ("
                               + std::to_string(s_.max_hosts) + " hosts)");
    }
    PubsubHost h = it == hosts_.end() ? PubsubHost{} : it->second;
    bool moved = it != hosts_.end()
                 && (h.sw != sw || h.port != port || h.mac != mac);
    h.sw = sw, h.port = port, h.mac = mac, h.ip = ip;
    std::set<Dz> &set = type == MsgType::kSubscribe
                                || type == MsgType::kUnsubscribe
                            ? h.subscriptions
                            : h.advertisements;
    bool subs = &set == &h.subscriptions;
    const char *what = subs ? "subscriptions" : "advertisements";
    const char *one = subs ? "subscription" : "advertisement";
    bool had = set.count(dz);
    if (adding && !had && set.size() >= pubsub::kMaxFilterDz) {
        return refuse(409, format_ip(ip) + " has " + std::to_string(set.size())
                               + " " + what + ", the most a host may have");
    }
    if (adding && !had && entries_ >= s_.max_entries) {
        return refuse(409, "the subscriptions and advertisements are at "
                           "their bound ("
                               + std::to_string(s_.max_entries) + ")");
    }
    if (!adding && !had) {
        return refuse(404,
                      format_ip(ip) + " has no such " + one + " " + dz.text());
    }
    // Accepted: commit.
    n_.messages[pubsub::msg_type_name(type)]++;
    n_.moved += moved;
    if (adding && !had) {
        set.insert(dz);
        entries_++;
    } else if (!adding) {
        set.erase(dz);
        entries_--;
    }
    if (h.subscriptions.empty() && h.advertisements.empty()) {
        hosts_.erase(ip);
    } else {
        hosts_[ip] = h;
    }
    if (type == MsgType::kAdvertise && !had) {
        advertise(ip, dz);
    } else if (type == MsgType::kUnadvertise) {
        unadvertise(ip, dz);
    }
    if (!batching_) {
        recompute(changed);
    }
    return {};
}

bool PubsubService::packet_in(const std::string &sw, const uint8_t *frame,
                              size_t len, uint32_t in_port,
                              std::set<std::string> &changed)
{
    if (!s_.enabled || !s_.has_switch(sw)) {
        return false;
    }
    std::vector<uint8_t> copy(frame, frame + len);
    net::Ipv4 p;
    if (net::parse_frame(copy.data(), len, p) != net::ParseError::kNone) {
        return false;
    }
    uint32_t mask = ~0u << (32 - s_.plen);
    if ((p.dst() & mask) == s_.prefix) {
        // An event should never get here: flows carry them all.
        n_.event_packet_ins++;
        return true;
    }
    if (p.dst() != s_.control_ip || p.proto != net::kProtoUdp || p.fragment
        || p.l4_len < 8 || get16(p.l4 + 2) != s_.control_port) {
        return false;
    }
    size_t udp_len = get16(p.l4 + 4);
    pubsub::Message m;
    pubsub::WireError e = udp_len < 8 || udp_len > p.l4_len
                              ? pubsub::WireError::kTruncated
                              : pubsub::parse_control(p.l4 + 8, udp_len - 8,
                                                      m);
    if (e != pubsub::WireError::kNone) {
        n_.malformed[pubsub::wire_error_name(e)]++;
        return true;
    }
    uint64_t mac = 0;
    for (int i = 6; i < 12; i++) {
        mac = mac << 8 | copy[i];
    }
    request(m.type, sw, in_port, mac, p.src(), m.dz, changed);
    return true;
}

std::string PubsubService::delivery(const PubsubHost &h,
                                    uint32_t in_port) const
{
    std::string a = "clone(";
    if (s_.filter) {
        a += "pubsub:filter(dz=" + dz_list(h.subscriptions) + "),";
    }
    a += "mod_dl_dst:" + format_mac(h.mac) + ",mod_nw_dst:" + format_ip(h.ip)
         + ",";
    a += h.port == in_port ? "in_port" : "output:" + std::to_string(h.port);
    return a + ")";
}

void PubsubService::recompute(std::set<std::string> &changed)
{
    n_.recomputes++;
    n_.unreachable = 0;
    unsigned room = 32 - s_.plen;
    // Switch -> in port -> entries.
    std::map<std::string, std::map<uint32_t, Entries>> all;
    for (const auto &[tdz, t] : trees_) {
        for (const auto &[pip, pdz] : t.publishers) {
            const PubsubHost &p = hosts_.at(pip);
            for (const auto &[sip, sh] : hosts_) {
                // One route per pair of hosts, for all the dz they share.
                std::vector<PubsubHop> hops;
                for (const Dz &sdz : sh.subscriptions) {
                    if (!sdz.overlaps(pdz)) {
                        continue;
                    }
                    if (hops.empty()) {
                        hops = t.tree.route(p.sw, p.port, sh.sw, sh.port);
                    }
                    if (hops.empty()) {
                        n_.unreachable++;
                        break;
                    }
                    Dz key = narrower(pdz, sdz).prefix(room);
                    for (size_t i = 0; i < hops.size(); i++) {
                        Outs &o = all[hops[i].sw][hops[i].in_port][key];
                        if (i + 1 == hops.size()) {
                            o.hosts.insert(sip);
                        } else {
                            o.ports.insert(hops[i].out_port);
                        }
                    }
                }
            }
        }
    }
    std::map<std::string, std::vector<std::string>> flows;
    for (const std::string &sw : s_.switches) {
        std::vector<std::string> &f = flows[sw];
        f.push_back("priority=" + std::to_string(s_.priority + 100)
                    + ",udp,nw_dst=" + format_ip(s_.control_ip) + ",tp_dst="
                    + std::to_string(s_.control_port) + ",actions=controller");
        f.push_back("priority=" + std::to_string(s_.priority - 1)
                    + ",ip,nw_dst=" + format_ip(s_.prefix) + "/"
                    + std::to_string(s_.plen) + ",actions=drop");
        for (const auto &[in_port, entries] : all[sw]) {
            for (const auto &[d, o] : cover(entries, s_.covering)) {
                std::string actions;
                for (uint32_t port : o.ports) {
                    actions += (actions.empty() ? "" : ",")
                               + std::string(port == in_port
                                                 ? "in_port"
                                                 : "output:"
                                                       + std::to_string(port));
                }
                for (uint32_t ip : o.hosts) {
                    actions += (actions.empty() ? "" : ",")
                               + delivery(hosts_.at(ip), in_port);
                }
                f.push_back(
                    "priority=" + std::to_string(s_.priority + 1 + d.len)
                    + ",udp,in_port=" + std::to_string(in_port) + ",nw_dst="
                    + format_ip(pubsub::ipv4_address(s_.prefix, s_.plen, d))
                    + "/" + std::to_string(pubsub::ipv4_match_bits(s_.plen, d))
                    + ",tp_dst=" + std::to_string(s_.event_port)
                    + ",actions=" + actions);
            }
        }
    }
    // What the switches have (or are getting) and the new flows do not
    // replace retires.
    std::map<std::string, std::vector<std::string>> retiring, before;
    for (const auto &[sw, f] : flows) {
        std::set<std::string> kept;
        for (const std::string &flow : f) {
            kept.insert(flow_match(flow));
        }
        before[sw] = flows_for(sw);
        for (const std::string &flow : before[sw]) {
            if (!kept.count(flow_match(flow))) {
                retiring[sw].push_back(flow);
            }
        }
    }
    flows_ = std::move(flows);
    retiring_ = std::move(retiring);
    for (const auto &[sw, old] : before) {
        if (flows_for(sw) == old) {
            // The core sees no change, and a switch that is not syncing
            // already has all of these: what retires may go at once.
            if (retiring_[sw].empty() || pending_.count(sw)) {
                continue;
            }
            retiring_[sw].clear();
        }
        changed.insert(sw);
        pending_.insert(sw);
    }
}

void PubsubService::switch_synced(const std::string &sw,
                                  std::set<std::string> &changed)
{
    pending_.erase(sw);
    auto it = retiring_.find(sw);
    if (it != retiring_.end() && !it->second.empty()) {
        it->second.clear();
        changed.insert(sw);
        pending_.insert(sw);
    }
}

std::vector<std::string> PubsubService::flows_for(const std::string &sw) const
{
    std::vector<std::string> out;
    for (const auto *m : {&flows_, &retiring_}) {
        auto it = m->find(sw);
        if (it != m->end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
        }
    }
    return out;
}

std::vector<std::string>
PubsubService::sample_flows(const std::string &sw) const
{
    PubsubService trial;
    trial.configure(s_);
    std::set<std::string> changed;
    uint64_t mac = 0x020000000001;
    Dz d = Dz{1, 1};
    uint32_t port = 1;
    while (s_.is_link_port(sw, port)) {
        port++;
    }
    trial.request(MsgType::kAdvertise, sw, port, mac, 0x0a000001, d, changed);
    trial.request(MsgType::kSubscribe, sw, port + 1, mac + 1, 0x0a000002, d,
                  changed);
    return trial.flows_for(sw);
}

namespace {

const JsonSchema kAddSchema = {
    required("switch", JsonType::kString, "the host's switch"),
    integer("port", 1, 65279, true),
    required("ip", JsonType::kString, "the host's IPv4 address"),
    required("mac", JsonType::kString, "the host's MAC address"),
    required("dz", JsonType::kString, "a dz-expression"),
};
const JsonSchema kRemoveSchema = {
    required("ip", JsonType::kString, "the host's IPv4 address"),
    required("dz", JsonType::kString, "a dz-expression"),
};

bool read_dz(const json &req, Dz &dz, JsonReply &reply)
{
    auto d = Dz::parse(req["dz"].get<std::string>());
    if (!d) {
        reply = json_error(400, "\"dz\": must be a dz-expression (1 to 64 of "
                                "0 and 1, or *)");
        return false;
    }
    dz = *d;
    return true;
}

}  // namespace

bool PubsubService::read_add(const json &req, std::string &sw, uint32_t &port,
                             uint64_t &mac, uint32_t &ip, Dz &dz,
                             JsonReply &reply)
{
    std::string why = check_request(req, kAddSchema);
    if (!why.empty()) {
        reply = json_error(400, why);
        return false;
    }
    if (!get_json_ip(req, "ip", ip, reply) || !read_dz(req, dz, reply)
        || !get_json_mac(req, "mac", mac, reply, false)) {
        return false;
    }
    sw = req["switch"];
    port = req["port"];
    return true;
}

JsonReply PubsubService::rest(MsgType type, const std::string &body,
                              std::set<std::string> &changed)
{
    bool adding = type == MsgType::kSubscribe || type == MsgType::kAdvertise;
    json req;
    JsonReply reply;
    if (!parse_json_body(body, req, reply)) {
        return reply;
    }
    std::string sw;
    uint32_t port = 0, ip = 0;
    uint64_t mac = 0;
    Dz dz;
    if (adding) {
        if (!read_add(req, sw, port, mac, ip, dz, reply)) {
            return reply;
        }
    } else {
        std::string why = check_request(req, kRemoveSchema);
        if (!why.empty()) {
            return json_error(400, why);
        }
        if (!get_json_ip(req, "ip", ip, reply) || !read_dz(req, dz, reply)) {
            return reply;
        }
        auto it = hosts_.find(ip);
        if (it == hosts_.end()) {
            n_.refused++;
            return json_error(404, "no host " + format_ip(ip));
        }
        sw = it->second.sw, port = it->second.port, mac = it->second.mac;
    }
    PubsubResult r = request(type, sw, port, mac, ip, dz, changed);
    if (!r.ok()) {
        return json_error(r.http, r.reason);
    }
    return JsonReply{200,
                     {{"status", "Success"},
                      {"type", pubsub::msg_type_name(type)},
                      {"ip", format_ip(ip)},
                      {"dz", dz.text()}}};
}

JsonReply PubsubService::rest_bulk(const std::string &body,
                                   std::set<std::string> &changed)
{
    json req;
    JsonReply reply;
    if (!parse_json_body(body, req, reply)) {
        return reply;
    }
    static const JsonSchema schema = {required(
        "subscriptions", JsonType::kArray,
        "an array of subscriptions as POST /pubsub/subscription takes")};
    std::string why = check_request(req, schema);
    if (!why.empty()) {
        return json_error(400, why);
    }
    // Applied to a copy, which replaces this service only if all pass.
    PubsubService trial = *this;
    trial.batching_ = true;
    const json &list = req["subscriptions"];
    for (size_t i = 0; i < list.size(); i++) {
        std::string sw;
        uint32_t port = 0, ip = 0;
        uint64_t mac = 0;
        Dz dz;
        std::string at = "\"subscriptions\"[" + std::to_string(i) + "]: ";
        if (!list[i].is_object()) {
            n_.refused++;
            return json_error(400, at + "must be an object");
        }
        if (!trial.read_add(list[i], sw, port, mac, ip, dz, reply)) {
            n_.refused++;
            reply.body["reason"] = at
                                   + reply.body["reason"].get<std::string>();
            return reply;
        }
        PubsubResult r = trial.request(MsgType::kSubscribe, sw, port, mac, ip,
                                       dz, changed);
        if (!r.ok()) {
            n_.refused++;
            return json_error(r.http, at + r.reason);
        }
    }
    trial.batching_ = false;
    *this = std::move(trial);
    recompute(changed);
    return JsonReply{200,
                     {{"status", "Success"}, {"subscribed", list.size()}}};
}

json PubsubService::state() const
{
    json hosts = json::array();
    for (const auto &[ip, h] : hosts_) {
        hosts.push_back({{"ip", format_ip(ip)},
                         {"mac", format_mac(h.mac)},
                         {"switch", h.sw},
                         {"port", h.port},
                         {"subscriptions", dz_array(h.subscriptions)},
                         {"advertisements", dz_array(h.advertisements)}});
    }
    json trees = json::array();
    for (const auto &[dz, t] : trees_) {
        json pubs = json::array(), nodes = json::array();
        for (const auto &[ip, d] : t.publishers) {
            pubs.push_back({{"ip", format_ip(ip)}, {"dz", d.text()}});
        }
        for (const auto &[sw, n] : t.tree.nodes()) {
            nodes.push_back({{"switch", sw},
                             {"parent", n.parent},
                             {"level", n.level},
                             {"up_port", n.up_port},
                             {"down_port", n.down_port}});
        }
        trees.push_back({{"dz", dz.text()},
                         {"root", t.tree.root()},
                         {"publishers", pubs},
                         {"nodes", nodes}});
    }
    json flows = json::object(), retiring = json::object();
    for (const auto &[sw, f] : flows_) {
        flows[sw] = f;
    }
    for (const auto &[sw, f] : retiring_) {
        if (!f.empty()) {
            retiring[sw] = f;
        }
    }
    return {{"settings",
             {{"switches", s_.switches},
              {"control_address", format_ip(s_.control_ip)},
              {"control_port", s_.control_port},
              {"event_port", s_.event_port},
              {"ipv4_prefix",
               format_ip(s_.prefix) + "/" + std::to_string(s_.plen)},
              {"max_dz_bits", s_.max_dz_bits},
              {"covering", s_.covering},
              {"filter", s_.filter},
              {"priority", s_.priority}}},
            {"hosts", hosts},
            {"trees", trees},
            {"flows", flows},
            {"retiring", retiring},
            {"counters", counters()}};
}

json PubsubService::counters() const
{
    size_t subs = 0, ads = 0, n_flows = 0, max_flows = 0;
    for (const auto &[ip, h] : hosts_) {
        subs += h.subscriptions.size();
        ads += h.advertisements.size();
    }
    json per_switch = json::object();
    for (const auto &[sw, f] : flows_) {
        n_flows += f.size();
        max_flows = std::max(max_flows, f.size());
        per_switch[sw] = f.size();
    }
    return {{"messages", n_.messages},
            {"malformed", n_.malformed},
            {"event_packet_ins", n_.event_packet_ins},
            {"refused", n_.refused},
            {"moved", n_.moved},
            {"unreachable_routes", n_.unreachable},
            {"recomputes", n_.recomputes},
            {"hosts", hosts_.size()},
            {"subscriptions", subs},
            {"advertisements", ads},
            {"trees", trees_.size()},
            {"flows", n_flows},
            {"flows_max", max_flows},
            {"flows_per_switch", per_switch}};
}

}  // namespace cxxa::controller
