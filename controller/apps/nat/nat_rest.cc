// nat_rest.cc: the REST requests that change a router (interfaces, static
// hosts, port forwards) and GET /nat/routers.
#include "apps/nat/nat_service.h"

#include "apps/nat/nat_text.h"
#include "inet_text.h"
#include "json_check.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

NatReply error(int http, const std::string &reason)
{
    return json_error(http, reason);
}

std::string cidr_text(const NatInterface &i)
{
    return format_ip(i.address) + "/" + std::to_string(i.prefix);
}

// The request's first unknown field, as a 400 in 'reply'.
bool only_keys(const json &req, std::initializer_list<const char *> keys,
               NatReply &reply)
{
    JsonSchema schema;
    for (const char *k : keys) {
        schema.push_back(optional(k, JsonType::kAny, ""));
    }
    std::string why = check_request(req, schema);
    if (!why.empty()) {
        reply = error(400, why);
        return false;
    }
    return true;
}

bool get_proto(const json &req, NatProto &proto, NatReply &reply)
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

bool get_port(const json &req, uint16_t &port, NatReply &reply)
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

json interface_json(const NatInterface &i)
{
    json j = {{"port", i.port},           {"ofport", i.ofport},
              {"address", cidr_text(i)},  {"subnet", i.cidr()},
              {"mac", format_mac(i.mac)}, {"outside", i.outside}};
    if (i.outside) {
        j["gateway"] = format_ip(i.gateway);
    }
    return j;
}

json forward_json(const NatForwardSpec &f)
{
    return {{"proto", nat_proto_name(f.proto)},
            {"port", f.port},
            {"to", ip_port(f.to, f.to_port ? f.to_port : f.port)},
            {"picked", f.picked}};
}

}  // namespace

/* REST. */

NatReply NatService::rejected(const NatReply &reply)
{
    n_rejected_++;
    return reply;
}

/* A REST change went through: the router's flows are recomputed. */
NatReply NatService::accepted(Router &r, NatEffects &fx, json body)
{
    r.n_rest_changes++;
    fx.flows_changed.insert(r.cfg.sw);
    body["status"] = "Success";
    return {200, body};
}

NatService::Router *NatService::find(const json &req, NatReply &reply)
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

NatService::Router *NatService::parse_request(const std::string &body,
                                              json &req, NatReply &reply)
{
    Router *r = nullptr;
    if (!settings_.enabled) {
        reply = error(404, "NAT is not configured: the deployment has no "
                           "\"nat\" section");
    } else if (parse_json_body(body, req, reply)) {
        r = find(req, reply);
    }
    if (!r) {
        n_rejected_++;
    }
    return r;
}

/* A change of a router over REST: the body parsed, the router found, no
 * key but 'keys' in it, then 'change' (its error reply, or accepted());
 * every rejection counted. */
NatReply NatService::change_router(const std::string &body, NatEffects &fx,
                                   std::initializer_list<const char *> keys,
                                   RouterChange change)
{
    NatReply reply;
    json req;
    Router *r = parse_request(body, req, reply);
    if (!r) {
        return reply;
    }
    if (only_keys(req, keys, reply)) {
        reply = (this->*change)(r, req, fx);
    }
    return reply.http == 200 ? reply : rejected(reply);
}

NatReply NatService::add_interface(const std::string &body, NatEffects &fx)
{
    return change_router(body, fx, {"router", "port", "address", "mac"},
                         &NatService::add_interface_change);
}

NatReply NatService::add_interface_change(Router *r, const json &req,
                                          NatEffects &fx)
{
    NatReply reply;
    NatInterface in;
    const json port = req.value("port", json());
    const json address = req.value("address", json());
    if (!port.is_string()) {
        reply = error(400, "\"port\": required, a port name of switch \""
                               + r->cfg.sw + "\"");
    } else if (!r->cfg.switch_ports.count(port.get<std::string>())) {
        reply = error(404, "switch \"" + r->cfg.sw + "\" has no port \""
                               + port.get<std::string>()
                               + "\" in its \"ports\"");
    } else if (r->by_port(port.get<std::string>())) {
        reply = error(409, "port \"" + port.get<std::string>()
                               + "\" is "
                                 "already an interface of router \""
                               + r->cfg.sw + "\"");
    } else if (!address.is_string()
               || !parse_cidr_address(address.get<std::string>(), in.address,
                                      in.prefix)) {
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
            reply = error(400, "\"address\": " + cidr_text(in)
                                   + " is the "
                                     "network or broadcast address of "
                                   + in.cidr());
        } else if (req.contains("mac")
                   && !get_json_mac(req, "mac", in.mac, reply, false)) {
            /* 'reply' says why. */
        } else {
            reply.http = 200;
            for (const NatInterface &o : r->interfaces) {
                if (in.contains(o.network()) || o.contains(in.network())) {
                    reply = error(409, "\"address\": " + in.cidr()
                                           + " overlaps " + o.cidr()
                                           + " of interface \"" + o.port
                                           + "\"");
                    break;
                }
                if (in.mac == o.mac) {
                    reply = error(409,
                                  "\"mac\": " + format_mac(in.mac)
                                      + " is already the MAC of interface \""
                                      + o.port + "\"");
                    break;
                }
            }
        }
    }
    if (reply.http != 200) {
        return reply;
    }
    r->interfaces.push_back(in);
    return accepted(*r, fx, interface_json(in));
}

NatReply NatService::remove_interface(const std::string &body, NatEffects &fx)
{
    return change_router(body, fx, {"router", "port"},
                         &NatService::remove_interface_change);
}

NatReply NatService::remove_interface_change(Router *r, const json &req,
                                             NatEffects &fx)
{
    NatReply reply;
    const json port = req.value("port", json());
    const NatInterface *i = nullptr;
    size_t n_inside = 0;
    for (const NatInterface &o : r->interfaces) {
        n_inside += !o.outside;
    }
    if (!port.is_string()) {
        reply = error(400, "\"port\": required, the interface's port name");
    } else if (!(i = r->by_port(port.get<std::string>()))) {
        reply = error(404, "router \"" + r->cfg.sw
                               + "\" has no interface "
                                 "on port \""
                               + port.get<std::string>() + "\"");
    } else if (i->outside) {
        reply = error(409,
                      "\"" + i->port
                          + "\" is the outside interface; "
                            "it is changed in the deployment, not removed");
    } else if (n_inside == 1) {
        reply = error(409, "\"" + i->port
                               + "\" is the last inside "
                                 "interface of router \""
                               + r->cfg.sw + "\"");
    }
    if (reply.http != 200) {
        return reply;
    }
    /* Its hosts, forwards and pending packets go with it. */
    const NatInterface gone = *i;
    json forwards = json::array();
    size_t n_hosts = std::erase_if(
        r->hosts, [&](const auto &h) { return gone.contains(h.first); });
    std::erase_if(r->pending,
                  [&](const auto &p) { return gone.contains(p.first); });
    std::erase_if(r->forwards, [&](const auto &f) {
        if (gone.contains(f.second.to)) {
            forwards.push_back(forward_json(f.second));
            return true;
        }
        return false;
    });
    std::erase_if(r->interfaces,
                  [&](const NatInterface &o) { return o.port == gone.port; });
    return accepted(*r, fx,
                    {{"port", gone.port},
                     {"removedHosts", n_hosts},
                     {"removedForwards", forwards}});
}

NatReply NatService::add_host(const std::string &body, NatEffects &fx)
{
    return change_router(body, fx, {"router", "ip", "mac"},
                         &NatService::add_host_change);
}

NatReply NatService::add_host_change(Router *r, const json &req,
                                     NatEffects &fx)
{
    NatReply reply;
    uint32_t ip;
    uint64_t mac;
    if (!get_json_ip(req, "ip", ip, reply)
        || !get_json_mac(req, "mac", mac, reply, false)) {
        /* 'reply' says why. */
    } else if (!r->inside_for(ip)) {
        reply = error(400, "\"ip\": " + format_ip(ip)
                               + " is not a host "
                                 "address of an inside subnet of router \""
                               + r->cfg.sw + "\"");
    } else if (r->hosts.count(ip) && r->hosts.at(ip).is_static) {
        reply = error(409, "host " + format_ip(ip)
                               + " is already a static "
                                 "host ("
                               + format_mac(r->hosts.at(ip).mac)
                               + "); remove it first");
    } else if (!learn(*r, ip, mac, true, Clock::now(), fx)) {
        reply = error(409, "the host table of router \"" + r->cfg.sw
                               + "\" is full of static hosts (max_hosts "
                               + std::to_string(r->cfg.max_hosts) + ")");
    }
    if (reply.http != 200) {
        return reply;
    }
    return accepted(*r, fx, {{"ip", format_ip(ip)}, {"mac", format_mac(mac)}});
}

NatReply NatService::remove_host(const std::string &body, NatEffects &fx)
{
    return change_router(body, fx, {"router", "ip"},
                         &NatService::remove_host_change);
}

NatReply NatService::remove_host_change(Router *r, const json &req,
                                        NatEffects &fx)
{
    NatReply reply;
    uint32_t ip;
    if (!get_json_ip(req, "ip", ip, reply)) {
        /* 'reply' says why. */
    } else if (!r->hosts.count(ip)) {
        reply = error(404, "router \"" + r->cfg.sw + "\" has no host "
                               + format_ip(ip));
    }
    if (reply.http != 200) {
        return reply;
    }
    const bool was_static = r->hosts.at(ip).is_static;
    r->hosts.erase(ip);
    return accepted(
        *r, fx,
        {{"ip", format_ip(ip)}, {"kind", was_static ? "static" : "learned"}});
}

NatReply NatService::add_forward(const std::string &body, NatEffects &fx)
{
    return change_router(body, fx, {"router", "proto", "port", "to"},
                         &NatService::add_forward_change);
}

NatReply NatService::add_forward_change(Router *r, const json &req,
                                        NatEffects &fx)
{
    NatReply reply;
    NatForwardSpec f;
    const json to = req.value("to", json());
    const NatRouterSettings &c = r->cfg;
    if (!get_proto(req, f.proto, reply)
        || (req.contains("port") && !get_port(req, f.port, reply))) {
        /* 'reply' says why. */
    } else if (f.port && f.port >= c.ports_lo && f.port <= c.ports_hi) {
        reply = error(400, "\"port\": " + std::to_string(f.port)
                               + " is "
                                 "inside the outbound NAT ports "
                               + range_text(c.ports_lo, c.ports_hi)
                               + " of router \"" + c.sw
                               + "\"; pick one outside it, or leave it to the "
                                 "forward pool "
                               + range_text(c.pool_lo, c.pool_hi));
    } else if (!to.is_string()
               || !parse_ip_port(to.get<std::string>(), f.to, f.to_port)) {
        reply = error(400, "\"to\": required, the inside host, "
                           "\"A.B.C.D[:PORT]\"");
    } else if (!r->inside_for(f.to)) {
        reply = error(400, "\"to\": " + format_ip(f.to)
                               + " is not a host "
                                 "address of an inside subnet of router \""
                               + c.sw + "\"");
    } else if (!f.port && !f.to_port) {
        reply = error(400, "\"to\": needs the inside port (A.B.C.D:PORT) "
                           "when \"port\" is left to the forward pool");
    } else if (f.port && r->forwards.count({f.proto, f.port})) {
        reply = error(
            409, std::string(nat_proto_name(f.proto)) + " port "
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
            reply = error(
                409, "the forward pool " + range_text(c.pool_lo, c.pool_hi)
                         + " of router \"" + c.sw + "\" is exhausted for "
                         + nat_proto_name(f.proto));
        }
    }
    if (reply.http != 200) {
        return reply;
    }
    r->forwards[{f.proto, f.port}] = f;
    return accepted(*r, fx, forward_json(f));
}

NatReply NatService::remove_forward(const std::string &body, NatEffects &fx)
{
    return change_router(body, fx, {"router", "proto", "port"},
                         &NatService::remove_forward_change);
}

NatReply NatService::remove_forward_change(Router *r, const json &req,
                                           NatEffects &fx)
{
    NatReply reply;
    NatProto proto;
    uint16_t port;
    if (!get_proto(req, proto, reply) || !get_port(req, port, reply)) {
        /* 'reply' says why. */
    } else if (!r->forwards.count({proto, port})) {
        reply = error(404, "router \"" + r->cfg.sw + "\" forwards no "
                               + nat_proto_name(proto) + " port "
                               + std::to_string(port));
    }
    if (reply.http != 200) {
        return reply;
    }
    json gone = forward_json(r->forwards.at({proto, port}));
    r->forwards.erase({proto, port});
    return accepted(*r, fx, gone);
}

json NatService::routers(Clock::time_point now) const
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
            json j = {{"ip", format_ip(ip)},
                      {"mac", format_mac(h.mac)},
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
            pending.push_back(
                {{"ip", format_ip(ip)}, {"packets", p.packets.size()}});
        }
        const NatInterface &out = r.outside();
        list.push_back({
            {"router", cfg.sw},
            {"external", format_ip(out.address)},
            {"ports", range_text(cfg.ports_lo, cfg.ports_hi)},
            {"filter", cfg.filter},
            {"forward_pool", range_text(cfg.pool_lo, cfg.pool_hi)},
            {"table", cfg.table},
            {"route_table", cfg.table + 1},
            {"priority", cfg.priority},
            {"max_hosts", cfg.max_hosts},
            {"interfaces", ifs},
            {"gateway",
             {{"ip", format_ip(out.gateway)},
              {"mac", r.gateway_mac ? json(format_mac(*r.gateway_mac))
                                    : json(nullptr)},
              {"state", r.gateway_mac ? "learned" : "resolving"},
              {"arp_requests", r.n_gateway_arps}}},
            {"hosts", hosts},
            {"forwards", forwards},
            {"pending", pending},
            {"counters",
             {{"learned", r.n_learned},
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

}  // namespace cxxa::controller
