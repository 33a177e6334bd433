#include "nat_service.h"

#include <algorithm>
#include <cstdio>

#include "amd_section.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

NatReply
error(int http, const std::string &reason)
{
    return json_error(http, reason);
}

std::string
hex(uint64_t x)
{
    char buf[24];
    snprintf(buf, sizeof buf, "0x%llx", (unsigned long long) x);
    return buf;
}

std::string
prio(int table, int priority)
{
    return "table=" + std::to_string(table) + ",priority="
        + std::to_string(priority) + ",";
}

std::string
ip_port(uint32_t ip, uint16_t port)
{
    return format_ip(ip) + (port ? ":" + std::to_string(port) : "");
}

std::string
cidr_text(const NatInterface &i)
{
    return format_ip(i.address) + "/" + std::to_string(i.prefix);
}

uint32_t
get32(const uint8_t *p)
{
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8
        | p[3];
}

uint64_t
get48(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 0; i < 6; i++) {
        x = x << 8 | p[i];
    }
    return x;
}

void
put32(uint8_t *p, uint32_t x)
{
    for (int i = 0; i < 4; i++) {
        p[i] = x >> (24 - 8 * i);
    }
}

void
put48(uint8_t *p, uint64_t x)
{
    for (int i = 0; i < 6; i++) {
        p[i] = x >> (40 - 8 * i);
    }
}

bool
parse_body(const std::string &body, json &out, NatReply &reply)
{
    return parse_json_body(body, out, reply);
}

bool
only_keys(const json &req, std::initializer_list<const char *> allowed,
          NatReply &reply)
{
    for (auto it = req.begin(); it != req.end(); ++it) {
        bool ok = false;
        for (const char *a : allowed) {
            ok |= it.key() == a;
        }
        if (!ok) {
            reply = error(400, "\"" + it.key() + "\": unknown field");
            return false;
        }
    }
    return true;
}

bool
get_ip(const json &req, const char *key, uint32_t &ip, NatReply &reply)
{
    return get_json_ip(req, key, ip, reply);
}

bool
get_mac(const json &req, const char *key, uint64_t &mac, NatReply &reply)
{
    return get_json_mac(req, key, mac, reply, false);
}

bool
get_proto(const json &req, NatProto &proto, NatReply &reply)
{
    const json v = req.value("proto", json());
    if (v == "tcp") {
        proto = NatProto::kTcp;
    } else if (v == "udp") {
        proto = NatProto::kUdp;
    } else {
        reply = error(400, "\"proto\": required, \"tcp\" or \"udp\"");
        return false;
    }
    return true;
}

bool
get_port(const json &req, uint16_t &port, NatReply &reply)
{
    const json v = req.value("port", json());
    if (!v.is_number_unsigned() || v.get<uint64_t>() < 1
        || v.get<uint64_t>() > 65535) {
        reply = error(400, "\"port\": must be an integer from 1 to 65535");
        return false;
    }
    port = v.get<uint16_t>();
    return true;
}

std::string
range_text(uint16_t lo, uint16_t hi)
{
    return std::to_string(lo) + "-" + std::to_string(hi);
}

json
interface_json(const NatInterface &i)
{
    json j = {{"port", i.port}, {"ofport", i.ofport},
              {"address", cidr_text(i)}, {"subnet", i.cidr()},
              {"mac", format_mac(i.mac)}, {"outside", i.outside}};
    if (i.outside) {
        j["gateway"] = format_ip(i.gateway);
    }
    return j;
}

json
forward_json(const NatForwardSpec &f)
{
    return {{"proto", nat_proto_name(f.proto)}, {"port", f.port},
            {"to", ip_port(f.to, f.to_port ? f.to_port : f.port)},
            {"picked", f.picked}};
}

}  // namespace

const NatInterface &
NatService::Router::outside() const
{
    for (const NatInterface &i : interfaces) {
        if (i.outside) {
            return i;
        }
    }
    return interfaces.front();      /* Validation guarantees one. */
}

const NatInterface *
NatService::Router::by_ofport(uint32_t ofport) const
{
    for (const NatInterface &i : interfaces) {
        if (i.ofport == ofport) {
            return &i;
        }
    }
    return nullptr;
}

const NatInterface *
NatService::Router::by_port(const std::string &port) const
{
    for (const NatInterface &i : interfaces) {
        if (i.port == port) {
            return &i;
        }
    }
    return nullptr;
}

const NatInterface *
NatService::Router::inside_for(uint32_t ip) const
{
    for (const NatInterface &i : interfaces) {
        if (!i.outside && i.is_host(ip) && ip != i.address) {
            return &i;
        }
    }
    return nullptr;
}

bool
NatService::Router::is_router_address(uint32_t ip) const
{
    for (const NatInterface &i : interfaces) {
        if (i.address == ip) {
            return true;
        }
    }
    return false;
}

NatService::Router
NatService::make_router(const NatRouterSettings &cfg)
{
    Router r;
    r.cfg = cfg;
    r.interfaces = cfg.interfaces;
    for (const NatHostSpec &h : cfg.hosts) {
        r.hosts[h.ip] = Host{h.mac, true, {}};
    }
    for (const NatForwardSpec &f : cfg.forwards) {
        r.forwards[{f.proto, f.port}] = f;
    }
    return r;
}

NatEffects
NatService::configure(const NatSettings &s)
{
    NatEffects fx;
    if (s == settings_) {
        return fx;
    }
    settings_ = s;
    std::map<std::string, Router> routers;
    for (const NatRouterSettings &cfg : s.routers) {
        auto old = routers_.find(cfg.sw);
        if (old != routers_.end() && old->second.cfg == cfg) {
            routers.emplace(cfg.sw, std::move(old->second));
            continue;
        }
        Router r = make_router(cfg);
        if (old != routers_.end()) {
            /* What was learned and still fits is kept. */
            const Router &o = old->second;
            if (o.gateway_mac && o.outside().gateway == r.outside().gateway) {
                r.gateway_mac = o.gateway_mac;
            }
            for (const auto &[ip, h] : o.hosts) {
                if (!h.is_static && !r.hosts.count(ip) && r.inside_for(ip)
                    && r.hosts.size() < cfg.max_hosts) {
                    r.hosts[ip] = h;
                }
            }
        }
        routers.emplace(cfg.sw, std::move(r));
        fx.flows_changed.insert(cfg.sw);
    }
    for (const auto &[sw, r] : routers_) {
        if (!routers.count(sw)) {
            fx.flows_changed.insert(sw);
        }
    }
    routers_ = std::move(routers);
    return fx;
}

bool
NatService::is_router(const std::string &sw) const
{
    return routers_.count(sw) != 0;
}

std::vector<std::string>
NatService::flows_for(const std::string &sw) const
{
    auto it = routers_.find(sw);
    return it == routers_.end() ? std::vector<std::string>()
                                : router_flows(it->second);
}

std::vector<std::string>
NatService::sample_flows(const NatRouterSettings &cfg)
{
    Router r = make_router(cfg);
    r.gateway_mac = 0x020000000001ull;
    return router_flows(r);
}

/* The flows of one router; layout and priorities: controller/README.md. */
std::vector<std::string>
NatService::router_flows(const Router &r)
{
    std::vector<std::string> flows;
    const int t = r.cfg.table, rt = r.cfg.table + 1, p = r.cfg.priority;
    const NatInterface &out = r.outside();
    const std::string e = format_ip(out.address);
    const std::string nat_out = "nat:out(ext=" + e + ",ports="
        + range_text(r.cfg.ports_lo, r.cfg.ports_hi) + ",filter="
        + r.cfg.filter + ")";
    const std::string route = "resubmit(," + std::to_string(rt) + ")";

    for (const NatInterface &i : r.interfaces) {
        const std::string port = std::to_string(i.ofport);
        const std::string a = format_ip(i.address);
        /* ARP for the router's address: answered here, copied up so that
         * the asker is learned. */
        flows.push_back(prio(t, p + 100) + "arp,in_port=" + port
                        + ",arp_op=1,arp_tpa=" + a + ",actions=controller,"
                        "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
                        "mod_dl_src:" + format_mac(i.mac) + ","
                        "load:0x2->NXM_OF_ARP_OP[],"
                        "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                        "load:" + hex(i.mac) + "->NXM_NX_ARP_SHA[],"
                        "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
                        "load:" + hex(i.address) + "->NXM_OF_ARP_SPA[],"
                        "in_port");
        /* Other ARP from the subnet's hosts (outside: the gateway's) is
         * only learned from. */
        flows.push_back(prio(t, p + 90) + "arp,in_port=" + port
                        + ",arp_spa="
                        + (i.outside ? format_ip(i.gateway) : i.cidr())
                        + ",actions=controller");
        /* Pings to the router. */
        flows.push_back(prio(t, p + 80) + "icmp,icmp_type=8,nw_dst=" + a
                        + ",actions=router:echo_reply,in_port");
        /* Never routed: other packets to the inside addresses, the
         * subnets' broadcasts. */
        if (!i.outside) {
            flows.push_back(prio(t, p + 75) + "ip,nw_dst=" + a
                            + ",actions=drop");
        }
        flows.push_back(prio(t, p + 75) + "ip,nw_dst="
                        + format_ip(i.broadcast()) + ",actions=drop");
        /* TTL runs out on what would be routed: from the outside, only
         * what is addressed to the external address is. */
        for (int ttl : {0, 1}) {
            flows.push_back(prio(t, p + 70) + "ip,in_port=" + port
                            + (i.outside ? ",nw_dst=" + e : "")
                            + ",nw_ttl=" + std::to_string(ttl)
                            + ",actions=router:time_exceeded(src=" + a
                            + "),in_port");
        }
    }
    flows.push_back(prio(t, p + 75) + "ip,nw_dst=224.0.0.0/4,actions=drop");
    flows.push_back(prio(t, p + 75)
                    + "ip,nw_dst=255.255.255.255,actions=drop");

    const std::string out_port = std::to_string(out.ofport);
    for (const auto &[key, f] : r.forwards) {
        flows.push_back(prio(t, p + 60) + nat_proto_name(f.proto)
                        + ",in_port=" + out_port + ",nw_dst=" + e
                        + ",tp_dst=" + std::to_string(f.port)
                        + ",actions=dec_ttl,nat:forward(proto="
                        + nat_proto_name(f.proto) + ",ext=" + e + ",port="
                        + std::to_string(f.port) + ",to="
                        + ip_port(f.to, f.to_port) + ")," + route);
    }
    flows.push_back(prio(t, p + 50) + "ip,in_port=" + out_port + ",nw_dst="
                    + e + ",actions=dec_ttl,nat:in(ext=" + e + ")," + route);

    for (const NatInterface &i : r.interfaces) {
        if (i.outside) {
            continue;
        }
        const std::string from = "in_port="
            + std::to_string(i.ofport) + ",nw_src=" + i.cidr();
        /* Hairpinning: an inside host to the external address.  In_port
         * is cleared, as the answer may leave where it came in. */
        for (const auto &[key, f] : r.forwards) {
            flows.push_back(prio(t, p + 60) + nat_proto_name(f.proto) + ","
                            + from + ",nw_dst=" + e + ",tp_dst="
                            + std::to_string(f.port) + ",actions=dec_ttl,"
                            + nat_out + ",nat:forward(proto="
                            + nat_proto_name(f.proto) + ",ext=" + e
                            + ",port=" + std::to_string(f.port) + ",to="
                            + ip_port(f.to, f.to_port)
                            + "),load:0->NXM_OF_IN_PORT[]," + route);
        }
        flows.push_back(prio(t, p + 50) + "ip," + from + ",nw_dst=" + e
                        + ",actions=dec_ttl," + nat_out + ",nat:in(ext=" + e
                        + "),load:0->NXM_OF_IN_PORT[]," + route);
        /* Between inside subnets: routed, no NAT. */
        for (const NatInterface &j : r.interfaces) {
            if (!j.outside && j.ofport != i.ofport) {
                flows.push_back(prio(t, p + 40) + "ip," + from + ",nw_dst="
                                + j.cidr() + ",actions=dec_ttl," + route);
            }
        }
        /* Everything else goes out, NAPT'd, once the gateway is known. */
        if (r.gateway_mac) {
            flows.push_back(prio(t, p + 30) + "ip," + from
                            + ",actions=dec_ttl," + nat_out + ",mod_dl_src:"
                            + format_mac(out.mac) + ",mod_dl_dst:"
                            + format_mac(*r.gateway_mac) + ",output:"
                            + out_port);
        }
    }
    flows.push_back(prio(t, p) + "actions=drop");

    /* The route table: known inside hosts; unknown ones are resolved by
     * the controller. */
    for (const auto &[ip, h] : r.hosts) {
        const NatInterface *i = r.inside_for(ip);
        if (i) {
            flows.push_back(prio(rt, p + 20) + "ip,nw_dst=" + format_ip(ip)
                            + ",actions=mod_dl_src:" + format_mac(i->mac)
                            + ",mod_dl_dst:" + format_mac(h.mac)
                            + ",output:" + std::to_string(i->ofport));
        }
    }
    for (const NatInterface &i : r.interfaces) {
        if (!i.outside) {
            flows.push_back(prio(rt, p + 10) + "ip,nw_dst=" + i.cidr()
                            + ",actions=controller");
        }
    }
    flows.push_back(prio(rt, p) + "actions=drop");
    return flows;
}

NatPacketOut
NatService::arp_request(const Router &r, const NatInterface &i,
                        uint32_t target) const
{
    std::vector<uint8_t> f(60, 0);
    put48(&f[0], 0xffffffffffffull);
    put48(&f[6], i.mac);
    f[12] = 0x08;
    f[13] = 0x06;
    uint8_t *arp = &f[14];
    arp[1] = 1;                     /* Ethernet. */
    arp[2] = 0x08;                  /* IPv4. */
    arp[4] = 6;
    arp[5] = 4;
    arp[7] = 1;                     /* Request. */
    put48(arp + 8, i.mac);
    put32(arp + 14, i.address);
    put32(arp + 24, target);
    return {r.cfg.sw, "output:" + std::to_string(i.ofport), std::move(f)};
}

/* Learns (or, 'is_static', sets) 'ip' -> 'mac'.  A learned entry never
 * replaces a static one; when the table is full the least recently seen
 * learned entry makes room, or, if all are static, the new one is refused.
 * Returns false if refused. */
bool
NatService::learn(Router &r, uint32_t ip, uint64_t mac, bool is_static,
                  Clock::time_point now, NatEffects &fx)
{
    auto it = r.hosts.find(ip);
    if (it != r.hosts.end()) {
        Host &h = it->second;
        if (h.is_static && !is_static) {
            return true;
        }
        if (h.mac != mac) {
            fx.flows_changed.insert(r.cfg.sw);
        }
        h.mac = mac;
        h.is_static = is_static;
        h.seen = now;
    } else {
        if (r.hosts.size() >= r.cfg.max_hosts) {
            auto oldest = r.hosts.end();
            for (auto h = r.hosts.begin(); h != r.hosts.end(); ++h) {
                if (!h->second.is_static
                    && (oldest == r.hosts.end()
                        || h->second.seen < oldest->second.seen)) {
                    oldest = h;
                }
            }
            if (oldest == r.hosts.end()) {
                r.n_refused += !is_static;   /* REST: the reply says so. */
                return false;
            }
            r.hosts.erase(oldest);
            r.n_evicted++;
        }
        r.hosts[ip] = Host{mac, is_static, now};
        if (!is_static) {
            r.n_learned++;
        }
        fx.flows_changed.insert(r.cfg.sw);
    }
    release(r, ip, fx);
    return true;
}

/* Sends on what was kept for 'ip', now that its MAC is known (after the
 * flow changes: the packet-outs are ordered after them). */
void
NatService::release(Router &r, uint32_t ip, NatEffects &fx)
{
    auto p = r.pending.find(ip);
    auto h = r.hosts.find(ip);
    const NatInterface *i = r.inside_for(ip);
    if (p == r.pending.end() || h == r.hosts.end() || !i) {
        return;
    }
    const std::string actions = "mod_dl_src:" + format_mac(i->mac)
        + ",mod_dl_dst:" + format_mac(h->second.mac) + ",output:"
        + std::to_string(i->ofport);
    for (auto &frame : p->second.packets) {
        fx.packet_outs.push_back({r.cfg.sw, actions, std::move(frame)});
        r.n_released++;
    }
    r.pending.erase(p);
}

bool
NatService::packet_in(const std::string &sw, const uint8_t *frame,
                      size_t len, uint32_t in_port, NatEffects &fx,
                      Clock::time_point now)
{
    auto rit = routers_.find(sw);
    if (rit == routers_.end() || len < 14) {
        return false;
    }
    Router &r = rit->second;
    const uint16_t type = frame[12] << 8 | frame[13];
    if (type == 0x0806) {
        const uint8_t *arp = frame + 14;
        const NatInterface *i = r.by_ofport(in_port);
        if (len < 42 || !i || arp[0] != 0 || arp[1] != 1 || arp[2] != 0x08
            || arp[3] != 0 || arp[4] != 6 || arp[5] != 4) {
            r.n_ignored_arp++;
            return true;
        }
        const uint64_t sha = get48(arp + 8);
        const uint32_t spa = get32(arp + 14);
        if ((sha >> 40) & 1 || !sha) {
            r.n_ignored_arp++;
        } else if (i->outside) {
            if (spa == i->gateway) {
                if (r.gateway_mac != sha) {
                    fx.flows_changed.insert(sw);
                }
                r.gateway_mac = sha;
            } else {
                r.n_ignored_arp++;
            }
        } else if (r.inside_for(spa) == i) {
            learn(r, spa, sha, false, now, fx);
        } else {
            r.n_ignored_arp++;
        }
        return true;
    }
    if (type != 0x0800 || len < 34) {
        return false;
    }
    /* The route table's miss: an inside destination whose MAC we do not
     * know.  ARP for it and keep a few packets until it answers. */
    const uint32_t dst = get32(frame + 30);
    const NatInterface *i = r.inside_for(dst);
    if (!i) {
        return false;
    }
    r.n_unknown++;
    if (r.hosts.count(dst)) {
        /* Sent up before its flow was installed. */
        Pending p;
        p.packets.emplace_back(frame, frame + len);
        r.pending[dst] = std::move(p);
        release(r, dst, fx);
        return true;
    }
    auto p = r.pending.find(dst);
    if (p == r.pending.end()) {
        if (r.pending.size() >= kNatMaxPending) {
            r.n_buffer_drops++;
            return true;
        }
        p = r.pending.emplace(dst, Pending{{}, now, now}).first;
        fx.packet_outs.push_back(arp_request(r, *i, dst));
        r.n_host_arps++;
    }
    if (p->second.packets.size() >= kNatPendingPackets) {
        r.n_buffer_drops++;
    } else {
        p->second.packets.emplace_back(frame, frame + len);
        r.n_buffered++;
    }
    return true;
}

void
NatService::switch_synced(const std::string &sw, NatEffects &fx,
                          Clock::time_point now)
{
    auto it = routers_.find(sw);
    if (it != routers_.end() && !it->second.gateway_mac) {
        it->second.next_gateway_arp = now;
        it->second.gateway_arp_interval = kNatArpRetry;
        run(fx, now);
    }
}

void
NatService::run(NatEffects &fx, Clock::time_point now)
{
    for (auto &[sw, r] : routers_) {
        if (!r.gateway_mac && now >= r.next_gateway_arp) {
            const NatInterface &out = r.outside();
            fx.packet_outs.push_back(arp_request(r, out, out.gateway));
            r.n_gateway_arps++;
            r.next_gateway_arp = now + r.gateway_arp_interval;
            r.gateway_arp_interval = std::min<Clock::duration>(
                r.gateway_arp_interval * 2, kNatGatewayArpMax);
        }
        for (auto p = r.pending.begin(); p != r.pending.end();) {
            if (now - p->second.since >= kNatPendingTimeout) {
                r.n_expired += p->second.packets.size();
                p = r.pending.erase(p);
                continue;
            }
            if (now - p->second.last_arp >= kNatArpRetry) {
                const NatInterface *i = r.inside_for(p->first);
                if (i) {
                    fx.packet_outs.push_back(arp_request(r, *i, p->first));
                    r.n_host_arps++;
                }
                p->second.last_arp = now;
            }
            ++p;
        }
    }
}

std::optional<NatService::Clock::time_point>
NatService::next_wakeup() const
{
    std::optional<Clock::time_point> next;
    auto consider = [&next](Clock::time_point t) {
        if (!next || t < *next) {
            next = t;
        }
    };
    for (const auto &[sw, r] : routers_) {
        if (!r.gateway_mac) {
            consider(r.next_gateway_arp);
        }
        for (const auto &[ip, p] : r.pending) {
            consider(std::min(p.since + kNatPendingTimeout,
                              p.last_arp + kNatArpRetry));
        }
    }
    return next;
}

/* REST. */

NatReply
NatService::rejected(const NatReply &reply)
{
    n_rejected_++;
    return reply;
}

/* A REST change went through: the router's flows are recomputed. */
NatReply
NatService::accepted(Router &r, NatEffects &fx, json body)
{
    r.n_rest_changes++;
    fx.flows_changed.insert(r.cfg.sw);
    body["status"] = "Success";
    return {200, body};
}

NatService::Router *
NatService::find(const json &req, NatReply &reply)
{
    if (!req.contains("router") || !req["router"].is_string()) {
        reply = error(400, "\"router\": required, the name of the router's "
                      "switch");
        return nullptr;
    }
    auto it = routers_.find(req["router"].get<std::string>());
    if (it == routers_.end()) {
        reply = error(404, "no router on switch \""
                      + req["router"].get<std::string>() + "\"");
        return nullptr;
    }
    return &it->second;
}

NatService::Router *
NatService::parse_request(const std::string &body, json &req,
                          NatReply &reply)
{
    Router *r = nullptr;
    if (!settings_.enabled) {
        reply = error(404, "NAT is not configured: the deployment has no "
                      "\"nat\" section");
    } else if (parse_body(body, req, reply)) {
        r = find(req, reply);
    }
    if (!r) {
        n_rejected_++;
    }
    return r;
}

NatReply
NatService::add_interface(const std::string &body, NatEffects &fx)
{
    NatReply reply;
    json req;
    Router *r = parse_request(body, req, reply);
    if (!r) {
        return reply;
    }
    NatInterface in;
    const json port = req.value("port", json());
    const json address = req.value("address", json());
    if (!only_keys(req, {"router", "port", "address", "mac"}, reply)) {
        /* 'reply' says why. */
    } else if (!port.is_string()) {
        reply = error(400, "\"port\": required, a port name of switch \""
                      + r->cfg.sw + "\"");
    } else if (!r->cfg.switch_ports.count(port.get<std::string>())) {
        reply = error(404, "switch \"" + r->cfg.sw + "\" has no port \""
                      + port.get<std::string>() + "\" in its \"ports\"");
    } else if (r->by_port(port.get<std::string>())) {
        reply = error(409, "port \"" + port.get<std::string>() + "\" is "
                      "already an interface of router \"" + r->cfg.sw
                      + "\"");
    } else if (!address.is_string()
               || !parse_cidr_address(address.get<std::string>(),
                                      in.address, in.prefix)) {
        reply = error(400, "\"address\": required, the router's address "
                      "and subnet, A.B.C.D/N with N from 1 to 30");
    } else if (r->interfaces.size() >= kNatMaxInterfaces) {
        reply = error(409, "router \"" + r->cfg.sw + "\" has "
                      + std::to_string(kNatMaxInterfaces)
                      + " interfaces already");
    } else {
        in.port = port.get<std::string>();
        in.ofport = r->cfg.switch_ports.at(in.port);
        in.mac = nat_default_mac(r->cfg.index, in.ofport);
        if (!in.is_host(in.address)) {
            reply = error(400, "\"address\": " + cidr_text(in) + " is the "
                          "network or broadcast address of " + in.cidr());
        } else if (req.contains("mac") && !get_mac(req, "mac", in.mac,
                                                   reply)) {
            /* 'reply' says why. */
        } else {
            reply.http = 200;
            for (const NatInterface &o : r->interfaces) {
                if (in.contains(o.network()) || o.contains(in.network())) {
                    reply = error(409, "\"address\": " + in.cidr()
                                  + " overlaps " + o.cidr()
                                  + " of interface \"" + o.port + "\"");
                    break;
                }
                if (in.mac == o.mac) {
                    reply = error(409, "\"mac\": " + format_mac(in.mac)
                                  + " is already the MAC of interface \""
                                  + o.port + "\"");
                    break;
                }
            }
        }
    }
    if (reply.http != 200) {
        return rejected(reply);
    }
    r->interfaces.push_back(in);
    return accepted(*r, fx, interface_json(in));
}

NatReply
NatService::remove_interface(const std::string &body, NatEffects &fx)
{
    NatReply reply;
    json req;
    Router *r = parse_request(body, req, reply);
    if (!r) {
        return reply;
    }
    const json port = req.value("port", json());
    const NatInterface *i = nullptr;
    size_t n_inside = 0;
    for (const NatInterface &o : r->interfaces) {
        n_inside += !o.outside;
    }
    if (!only_keys(req, {"router", "port"}, reply)) {
        /* 'reply' says why. */
    } else if (!port.is_string()) {
        reply = error(400, "\"port\": required, the interface's port name");
    } else if (!(i = r->by_port(port.get<std::string>()))) {
        reply = error(404, "router \"" + r->cfg.sw + "\" has no interface "
                      "on port \"" + port.get<std::string>() + "\"");
    } else if (i->outside) {
        reply = error(409, "\"" + i->port + "\" is the outside interface; "
                      "it is changed in the deployment, not removed");
    } else if (n_inside == 1) {
        reply = error(409, "\"" + i->port + "\" is the last inside "
                      "interface of router \"" + r->cfg.sw + "\"");
    }
    if (reply.http != 200) {
        return rejected(reply);
    }
    /* Its hosts, forwards and pending packets go with it. */
    const NatInterface gone = *i;
    json forwards = json::array();
    size_t n_hosts = std::erase_if(r->hosts, [&](const auto &h) {
        return gone.contains(h.first);
    });
    std::erase_if(r->pending, [&](const auto &p) {
        return gone.contains(p.first);
    });
    std::erase_if(r->forwards, [&](const auto &f) {
        if (gone.contains(f.second.to)) {
            forwards.push_back(forward_json(f.second));
            return true;
        }
        return false;
    });
    std::erase_if(r->interfaces, [&](const NatInterface &o) {
        return o.port == gone.port;
    });
    return accepted(*r, fx, {{"port", gone.port},
                            {"removedHosts", n_hosts},
                            {"removedForwards", forwards}});
}

NatReply
NatService::add_host(const std::string &body, NatEffects &fx)
{
    NatReply reply;
    json req;
    Router *r = parse_request(body, req, reply);
    if (!r) {
        return reply;
    }
    uint32_t ip;
    uint64_t mac;
    if (!only_keys(req, {"router", "ip", "mac"}, reply)
        || !get_ip(req, "ip", ip, reply) || !get_mac(req, "mac", mac, reply)) {
        /* 'reply' says why. */
    } else if (!r->inside_for(ip)) {
        reply = error(400, "\"ip\": " + format_ip(ip) + " is not a host "
                      "address of an inside subnet of router \"" + r->cfg.sw
                      + "\"");
    } else if (r->hosts.count(ip) && r->hosts.at(ip).is_static) {
        reply = error(409, "host " + format_ip(ip) + " is already a static "
                      "host (" + format_mac(r->hosts.at(ip).mac)
                      + "); remove it first");
    } else if (!learn(*r, ip, mac, true, Clock::now(), fx)) {
        reply = error(409, "the host table of router \"" + r->cfg.sw
                      + "\" is full of static hosts (max_hosts "
                      + std::to_string(r->cfg.max_hosts) + ")");
    }
    if (reply.http != 200) {
        return rejected(reply);
    }
    return accepted(*r, fx, {{"ip", format_ip(ip)},
                            {"mac", format_mac(mac)}});
}

NatReply
NatService::remove_host(const std::string &body, NatEffects &fx)
{
    NatReply reply;
    json req;
    Router *r = parse_request(body, req, reply);
    if (!r) {
        return reply;
    }
    uint32_t ip;
    if (!only_keys(req, {"router", "ip"}, reply)
        || !get_ip(req, "ip", ip, reply)) {
        /* 'reply' says why. */
    } else if (!r->hosts.count(ip)) {
        reply = error(404, "router \"" + r->cfg.sw + "\" has no host "
                      + format_ip(ip));
    }
    if (reply.http != 200) {
        return rejected(reply);
    }
    const bool was_static = r->hosts.at(ip).is_static;
    r->hosts.erase(ip);
    return accepted(*r, fx, {{"ip", format_ip(ip)},
                            {"kind", was_static ? "static" : "learned"}});
}

NatReply
NatService::add_forward(const std::string &body, NatEffects &fx)
{
    NatReply reply;
    json req;
    Router *r = parse_request(body, req, reply);
    if (!r) {
        return reply;
    }
    NatForwardSpec f;
    const json to = req.value("to", json());
    const NatRouterSettings &c = r->cfg;
    if (!only_keys(req, {"router", "proto", "port", "to"}, reply)
        || !get_proto(req, f.proto, reply)
        || (req.contains("port") && !get_port(req, f.port, reply))) {
        /* 'reply' says why. */
    } else if (f.port && f.port >= c.ports_lo && f.port <= c.ports_hi) {
        reply = error(400, "\"port\": " + std::to_string(f.port) + " is "
                      "inside the outbound NAT ports "
                      + range_text(c.ports_lo, c.ports_hi) + " of router \""
                      + c.sw + "\"; pick one outside it, or leave it to the "
                      "forward pool " + range_text(c.pool_lo, c.pool_hi));
    } else if (!to.is_string()
               || !parse_ip_port(to.get<std::string>(), f.to, f.to_port)) {
        reply = error(400, "\"to\": required, the inside host, "
                      "\"A.B.C.D[:PORT]\"");
    } else if (!r->inside_for(f.to)) {
        reply = error(400, "\"to\": " + format_ip(f.to) + " is not a host "
                      "address of an inside subnet of router \"" + c.sw
                      + "\"");
    } else if (!f.port && !f.to_port) {
        reply = error(400, "\"to\": needs the inside port (A.B.C.D:PORT) "
                      "when \"port\" is left to the forward pool");
    } else if (f.port && r->forwards.count({f.proto, f.port})) {
        reply = error(409, std::string(nat_proto_name(f.proto)) + " port "
                      + std::to_string(f.port) + " is already forwarded to "
                      + forward_json(r->forwards.at({f.proto, f.port}))["to"]
                          .get<std::string>());
    } else if (r->forwards.size() >= kNatMaxForwards) {
        reply = error(409, "router \"" + c.sw + "\" has "
                      + std::to_string(kNatMaxForwards)
                      + " forwards already");
    } else if (!f.port) {
        for (unsigned p = c.pool_lo; p <= c.pool_hi && !f.port; p++) {
            if (!r->forwards.count({f.proto, uint16_t(p)})) {
                f.port = p;
                f.picked = true;
            }
        }
        if (!f.port) {
            reply = error(409, "the forward pool "
                          + range_text(c.pool_lo, c.pool_hi) + " of router \""
                          + c.sw + "\" is exhausted for "
                          + nat_proto_name(f.proto));
        }
    }
    if (reply.http != 200) {
        return rejected(reply);
    }
    r->forwards[{f.proto, f.port}] = f;
    return accepted(*r, fx, forward_json(f));
}

NatReply
NatService::remove_forward(const std::string &body, NatEffects &fx)
{
    NatReply reply;
    json req;
    Router *r = parse_request(body, req, reply);
    if (!r) {
        return reply;
    }
    NatProto proto;
    uint16_t port;
    if (!only_keys(req, {"router", "proto", "port"}, reply)
        || !get_proto(req, proto, reply) || !get_port(req, port, reply)) {
        /* 'reply' says why. */
    } else if (!r->forwards.count({proto, port})) {
        reply = error(404, "router \"" + r->cfg.sw + "\" forwards no "
                      + nat_proto_name(proto) + " port "
                      + std::to_string(port));
    }
    if (reply.http != 200) {
        return rejected(reply);
    }
    json ok = forward_json(r->forwards.at({proto, port}));
    r->forwards.erase({proto, port});
    r->n_rest_changes++;
    fx.flows_changed.insert(r->cfg.sw);
    ok["status"] = "Success";
    return {200, ok};
}

json
NatService::routers(Clock::time_point now) const
{
    json list = json::array();
    for (const NatRouterSettings &cfg : settings_.routers) {
        auto it = routers_.find(cfg.sw);
        if (it == routers_.end()) {
            continue;
        }
        const Router &r = it->second;
        json ifs = json::array(), hosts = json::array(),
             forwards = json::array(), pending = json::array();
        for (const NatInterface &i : r.interfaces) {
            ifs.push_back(interface_json(i));
        }
        for (const auto &[ip, h] : r.hosts) {
            const NatInterface *i = r.inside_for(ip);
            json j = {{"ip", format_ip(ip)}, {"mac", format_mac(h.mac)},
                      {"port", i ? json(i->port) : json(nullptr)},
                      {"kind", h.is_static ? "static" : "learned"}};
            if (!h.is_static) {
                j["seen_seconds_ago"] =
                    std::chrono::duration<double>(now - h.seen).count();
            }
            hosts.push_back(j);
        }
        for (const auto &[key, f] : r.forwards) {
            forwards.push_back(forward_json(f));
        }
        for (const auto &[ip, p] : r.pending) {
            pending.push_back({{"ip", format_ip(ip)},
                               {"packets", p.packets.size()}});
        }
        const NatInterface &out = r.outside();
        list.push_back({
            {"router", cfg.sw},
            {"external", format_ip(out.address)},
            {"ports", range_text(cfg.ports_lo, cfg.ports_hi)},
            {"filter", cfg.filter},
            {"forward_pool", range_text(cfg.pool_lo, cfg.pool_hi)},
            {"table", cfg.table}, {"route_table", cfg.table + 1},
            {"priority", cfg.priority}, {"max_hosts", cfg.max_hosts},
            {"interfaces", ifs},
            {"gateway", {{"ip", format_ip(out.gateway)},
                         {"mac", r.gateway_mac
                                 ? json(format_mac(*r.gateway_mac))
                                 : json(nullptr)},
                         {"state", r.gateway_mac ? "learned" : "resolving"},
                         {"arp_requests", r.n_gateway_arps}}},
            {"hosts", hosts},
            {"forwards", forwards},
            {"pending", pending},
            {"counters", {{"learned", r.n_learned},
                          {"evicted", r.n_evicted},
                          {"refused", r.n_refused},
                          {"ignored_arp", r.n_ignored_arp},
                          {"host_arp_requests", r.n_host_arps},
                          {"unknown_destination_packets", r.n_unknown},
                          {"buffered", r.n_buffered},
                          {"released", r.n_released},
                          {"buffer_drops", r.n_buffer_drops},
                          {"expired", r.n_expired},
                          {"rest_changes", r.n_rest_changes}}},
        });
    }
    return {{"routers", list}};
}

json
NatService::counters() const
{
    uint64_t hosts = 0, learned = 0, evicted = 0, refused = 0, drops = 0;
    size_t resolved = 0;
    for (const auto &[sw, r] : routers_) {
        hosts += r.hosts.size();
        learned += r.n_learned;
        evicted += r.n_evicted;
        refused += r.n_refused;
        drops += r.n_buffer_drops + r.n_expired;
        resolved += r.gateway_mac.has_value();
    }
    return {{"routers", routers_.size()},
            {"gateways_resolved", resolved},
            {"hosts", hosts},
            {"learned", learned},
            {"evicted", evicted},
            {"refused", refused},
            {"unknown_destination_drops", drops},
            {"rejected_requests", n_rejected_}};
}

}  // namespace cxxa::controller
