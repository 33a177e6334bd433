// nat_state.cc: a router's durable state (what REST changes: interfaces,
// static hosts, port forwards), saved and restored across controller
// restarts.
#include <set>

#include "apps/nat/nat_service.h"
#include "apps/nat/nat_text.h"
#include "inet_text.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

json interface_state(const NatInterface &i)
{
    json j = {
        {"port", i.port},
        {"address", format_ip(i.address) + "/" + std::to_string(i.prefix)},
        {"mac", format_mac(i.mac)},
        {"outside", i.outside}};
    if (i.outside) {
        j["gateway"] = format_ip(i.gateway);
    }
    return j;
}

// One interface of a saved router into 'out'; false (errors added) if it
// does not validate against the router's deployment settings 'cfg'.
bool interface_from(const json &j, const std::string &p,
                    const NatRouterSettings &cfg, Errors &e, NatInterface &out)
{
    Checked c = check(
        j, p,
        {required("port", JsonType::kString, "a port name"),
         required("address", JsonType::kString, "A.B.C.D/N"),
         required("mac", JsonType::kString, "a MAC address"),
         required("outside", JsonType::kBoolean, "a boolean"),
         optional("gateway", JsonType::kString, "an IPv4 address")},
        e);
    if (!c.ok()) {
        return false;
    }
    out.port = j["port"].get<std::string>();
    out.outside = j["outside"].get<bool>();
    auto port = cfg.switch_ports.find(out.port);
    if (port == cfg.switch_ports.end()) {
        e.add(p + ".port", "switch \"" + cfg.sw + "\" has no port \""
                               + out.port + "\" in the deployment");
        return false;
    }
    out.ofport = port->second;
    if (!parse_cidr_address(j["address"].get<std::string>(), out.address,
                            out.prefix)
        || !out.is_host(out.address)) {
        e.add(p + ".address", "must be the router's host address and subnet, "
                              "A.B.C.D/N with N from 1 to 30");
        return false;
    }
    if (!parse_mac(j["mac"].get<std::string>(), out.mac)
        || !is_unicast_mac(out.mac) || !out.mac) {
        e.add(p + ".mac", "must be a unicast MAC address");
        return false;
    }
    if (out.outside != j.contains("gateway")
        || (out.outside
            && (!parse_ip(j["gateway"].get<std::string>(), out.gateway)
                || !out.is_host(out.gateway)))) {
        e.add(p + ".gateway", "the outside interface, and only it, has a "
                              "gateway: a host of its subnet");
        return false;
    }
    return true;
}

}  // namespace

json NatService::save_state() const
{
    json list = json::array();
    for (const NatRouterSettings &cfg : settings_.routers) {
        auto it = routers_.find(cfg.sw);
        if (it == routers_.end()) {
            continue;
        }
        const Router &r = it->second;
        json ifs = json::array(), hosts = json::array(),
             forwards = json::array();
        for (const NatInterface &i : r.interfaces) {
            ifs.push_back(interface_state(i));
        }
        for (const auto &[ip, h] : r.hosts) {
            if (h.is_static) {
                hosts.push_back(
                    {{"ip", format_ip(ip)}, {"mac", format_mac(h.mac)}});
            }
        }
        for (const auto &[key, f] : r.forwards) {
            forwards.push_back({{"proto", nat_proto_name(f.proto)},
                                {"port", f.port},
                                {"to", ip_port(f.to, f.to_port)},
                                {"picked", f.picked}});
        }
        list.push_back({{"router", cfg.sw},
                        {"deployed", cfg.source},
                        {"interfaces", ifs},
                        {"hosts", hosts},
                        {"forwards", forwards}});
    }
    return {{"routers", list}};
}

bool NatService::restore(const json &state, const std::string &path, Errors &e,
                         NatEffects &fx)
{
    const size_t before = e.count();
    if (!state.is_object()) {
        e.add(path, "must be an object");
        return false;
    }
    if (!check(state, path,
               {required("routers", JsonType::kArray, "an array of routers")},
               e)
             .ok()) {
        return false;
    }
    std::map<std::string, Router> staged;
    const json &list = state["routers"];
    for (size_t i = 0; i < list.size(); i++) {
        const std::string p = index_path(path + ".routers", i);
        const json &j = list[i];
        if (!j.is_object()) {
            e.add(p, "must be an object");
            continue;
        }
        Checked c = check(
            j, p,
            {required("router", JsonType::kString, "a router's switch name"),
             required("deployed", JsonType::kObject,
                      "the router's deployment entry"),
             required("interfaces", JsonType::kArray, "an array"),
             required("hosts", JsonType::kArray, "an array"),
             required("forwards", JsonType::kArray, "an array")},
            e);
        if (!c.ok()) {
            continue;
        }
        const std::string sw = j["router"].get<std::string>();
        auto it = routers_.find(sw);
        if (it == routers_.end()) {
            e.add(p + ".router",
                  "no router on switch \"" + sw + "\" in the deployment");
            continue;
        }
        if (staged.count(sw)) {
            e.add(p + ".router", "router \"" + sw + "\" appears twice");
            continue;
        }
        const NatRouterSettings &cfg = it->second.cfg;
        if (j["deployed"] != cfg.source) {
            e.add(p + ".deployed",
                  "router \"" + sw
                      + "\"'s entry in the deployment changed since the "
                        "state was saved (a reload would start it again "
                        "from the deployment)");
            continue;
        }
        Router r = make_router(cfg);
        r.interfaces.clear();
        r.hosts.clear();
        r.forwards.clear();

        /* Interfaces: the outside one as deployed (REST cannot change
         * it), distinct ports, MACs and subnets. */
        const json &ifs = j["interfaces"];
        if (ifs.size() < 2 || ifs.size() > kNatMaxInterfaces) {
            e.add(p + ".interfaces", "must have 2 to "
                                         + std::to_string(kNatMaxInterfaces)
                                         + " interfaces");
        }
        size_t n_outside = 0;
        for (size_t k = 0; k < ifs.size(); k++) {
            const std::string ip = index_path(p + ".interfaces", k);
            NatInterface in;
            if (!ifs[k].is_object()) {
                e.add(ip, "must be an object");
                continue;
            }
            if (!interface_from(ifs[k], ip, cfg, e, in)) {
                continue;
            }
            if (in.outside && !(in == cfg.outside())) {
                e.add(ip, "the outside interface is not the deployment's");
                continue;
            }
            n_outside += in.outside;
            bool clash = false;
            for (const NatInterface &o : r.interfaces) {
                if (o.port == in.port || o.mac == in.mac
                    || in.contains(o.network()) || o.contains(in.network())) {
                    e.add(ip, "clashes with interface \"" + o.port
                                  + "\" (same port or MAC, or overlapping "
                                    "subnets)");
                    clash = true;
                    break;
                }
            }
            if (!clash) {
                r.interfaces.push_back(in);
            }
        }
        if (n_outside != 1) {
            e.add(p + ".interfaces", "must have exactly one outside "
                                     "interface");
        }
        if (e.count() != before) {
            continue;
        }

        const json &hosts = j["hosts"];
        if (hosts.size() > cfg.max_hosts) {
            e.add(p + ".hosts", "more than max_hosts ("
                                    + std::to_string(cfg.max_hosts) + ")");
        }
        for (size_t k = 0; k < hosts.size(); k++) {
            const std::string hp = index_path(p + ".hosts", k);
            uint32_t ip;
            uint64_t mac;
            if (!hosts[k].is_object()
                || !check(
                        hosts[k], hp,
                        {required("ip", JsonType::kString, "an IPv4 address"),
                         required("mac", JsonType::kString, "a MAC address")},
                        e)
                        .ok()) {
                if (!hosts[k].is_object()) {
                    e.add(hp, "must be an object");
                }
            } else if (!parse_ip(hosts[k]["ip"].get<std::string>(), ip)
                       || !r.inside_for(ip)) {
                e.add(hp + ".ip", "must be a host address of an inside "
                                  "subnet of router \""
                                      + sw + "\"");
            } else if (!parse_mac(hosts[k]["mac"].get<std::string>(), mac)
                       || !is_unicast_mac(mac) || !mac) {
                e.add(hp + ".mac", "must be a unicast MAC address");
            } else if (r.hosts.count(ip)) {
                e.add(hp + ".ip", format_ip(ip) + " appears twice");
            } else {
                r.hosts[ip] = Host{mac, true, {}};
            }
        }

        const json &fws = j["forwards"];
        if (fws.size() > kNatMaxForwards) {
            e.add(p + ".forwards",
                  "more than " + std::to_string(kNatMaxForwards));
        }
        for (size_t k = 0; k < fws.size(); k++) {
            const std::string fp = index_path(p + ".forwards", k);
            if (!fws[k].is_object()) {
                e.add(fp, "must be an object");
                continue;
            }
            if (!check(fws[k], fp,
                       {required("proto", JsonType::kString,
                                 "\"tcp\" or \"udp\""),
                        integer("port", 1, 65535, true),
                        required("to", JsonType::kString, "A.B.C.D[:PORT]"),
                        required("picked", JsonType::kBoolean, "a boolean")},
                       e)
                     .ok()) {
                continue;
            }
            NatForwardSpec f;
            const json &proto = fws[k]["proto"];
            f.port = fws[k]["port"].get<uint16_t>();
            f.picked = fws[k]["picked"].get<bool>();
            if (proto != "tcp" && proto != "udp") {
                e.add(fp + ".proto", "must be \"tcp\" or \"udp\"");
                continue;
            }
            f.proto = proto == "tcp" ? NatProto::kTcp : NatProto::kUdp;
            if (f.port >= cfg.ports_lo && f.port <= cfg.ports_hi) {
                e.add(fp + ".port",
                      std::to_string(f.port)
                          + " is inside the outbound NAT "
                            "ports "
                          + range_text(cfg.ports_lo, cfg.ports_hi));
            } else if (!parse_ip_port(fws[k]["to"].get<std::string>(), f.to,
                                      f.to_port)
                       || !r.inside_for(f.to)) {
                e.add(fp + ".to", "must be a host of an inside subnet of "
                                  "router \""
                                      + sw + "\", A.B.C.D[:PORT]");
            } else if (r.forwards.count({f.proto, f.port})) {
                e.add(fp + ".port", std::string(nat_proto_name(f.proto))
                                        + " port " + std::to_string(f.port)
                                        + " appears twice");
            } else {
                r.forwards[{f.proto, f.port}] = f;
            }
        }
        staged.emplace(sw, std::move(r));
    }
    if (e.count() != before) {
        return false;
    }
    for (auto &[sw, r] : staged) {
        /* What was learned and still fits is kept. */
        const Router &o = routers_.at(sw);
        r.gateway_mac = o.gateway_mac;
        for (const auto &[ip, h] : o.hosts) {
            if (!h.is_static && !r.hosts.count(ip) && r.inside_for(ip)
                && r.hosts.size() < r.cfg.max_hosts) {
                r.hosts[ip] = h;
            }
        }
        routers_[sw] = std::move(r);
        fx.flows_changed.insert(sw);
    }
    return true;
}

}  // namespace cxxa::controller
