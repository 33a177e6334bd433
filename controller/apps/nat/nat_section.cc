#include "apps/nat/nat_section.h"

#include <cstdio>
#include <map>
#include <set>

#include "deployment.h"
#include "inet_text.h"

namespace cxxa::controller {

using nlohmann::json;

const char *nat_proto_name(NatProto p)
{
    return p == NatProto::kTcp ? "tcp" : "udp";
}

std::string NatInterface::cidr() const
{
    return format_ip(network()) + "/" + std::to_string(prefix);
}

const NatInterface &NatRouterSettings::outside() const
{
    for (const NatInterface &i : interfaces) {
        if (i.outside) {
            return i;
        }
    }
    return interfaces.front(); /* Validation guarantees one. */
}

uint64_t nat_default_mac(size_t router, uint32_t ofport)
{
    return 0x026e61000000ull | (uint64_t(router & 0xff) << 16)
           | (ofport & 0xffff);
}

bool parse_cidr_address(const std::string &s, uint32_t &address,
                        unsigned &prefix)
{
    return parse_cidr(s, address, prefix, 1, 30);
}

bool parse_port_range(const std::string &s, uint16_t &lo, uint16_t &hi)
{
    unsigned a, b;
    char extra;
    if (sscanf(s.c_str(), "%u-%u%c", &a, &b, &extra) != 2
        || s != std::to_string(a) + "-" + std::to_string(b) || a < 1 || a > b
        || b > 65535) {
        return false;
    }
    lo = a;
    hi = b;
    return true;
}

bool parse_ip_port(const std::string &s, uint32_t &ip, uint16_t &port)
{
    size_t colon = s.find(':');
    if (!parse_ip(s.substr(0, colon), ip)) {
        return false;
    }
    port = 0;
    if (colon == std::string::npos) {
        return true;
    }
    unsigned p;
    char extra;
    if (sscanf(s.c_str() + colon + 1, "%u%c", &p, &extra) != 1 || p < 1
        || p > 65535 || s.substr(colon + 1) != std::to_string(p)) {
        return false;
    }
    port = p;
    return true;
}

namespace {

std::string range_text(uint16_t lo, uint16_t hi)
{
    return std::to_string(lo) + "-" + std::to_string(hi);
}

void parse_interface(Errors &e, const json &j, const std::string &path,
                     const SwitchSpec &sw, size_t router, NatInterface &i)
{
    const JsonSchema schema = {
        required("port", JsonType::kString,
                 "a port name of switch \"" + sw.name + "\""),
        optional("address", JsonType::kAny, ""),
        optional("mac", JsonType::kString, "a string: xx:xx:xx:xx:xx:xx"),
        optional("gateway", JsonType::kAny, ""),
        optional("outside", JsonType::kBoolean, "true or false"),
    };
    Checked c = check(j, path, schema, e);
    if (c.has("port")) {
        i.port = j["port"].get<std::string>();
        auto it = sw.ports.find(i.port);
        if (it == sw.ports.end()) {
            e.add(path + ".port", "switch \"" + sw.name + "\" has no port \""
                                      + i.port + "\" in its \"ports\"");
        } else {
            i.ofport = it->second;
        }
    }
    if (!j.contains("address") || !j["address"].is_string()
        || !parse_cidr_address(j["address"].get<std::string>(), i.address,
                               i.prefix)) {
        e.add(path + ".address", "required: the router's address and "
                                 "subnet, A.B.C.D/N with N from 1 to 30");
    } else if (!i.is_host(i.address)) {
        e.add(path + ".address",
              j["address"].get<std::string>()
                  + " is the network or broadcast address of " + i.cidr());
    }
    if (c.has("outside")) {
        i.outside = j["outside"].get<bool>();
    }
    i.mac = nat_default_mac(router, i.ofport);
    if (c.has("mac")) {
        const std::string s = j["mac"].get<std::string>();
        if (!parse_mac(s, i.mac) || !is_unicast_mac(i.mac) || !i.mac) {
            e.add(path + ".mac", "must be a unicast MAC address "
                                 "xx:xx:xx:xx:xx:xx, got \""
                                     + s + "\"");
        }
    }
    if (j.contains("gateway") && !i.outside) {
        e.add(path + ".gateway", "only the outside interface (\"outside\": "
                                 "true) has a gateway");
    } else if (i.outside) {
        if (!j.contains("gateway") || !j["gateway"].is_string()
            || !parse_ip(j["gateway"].get<std::string>(), i.gateway)) {
            e.add(path + ".gateway", "required on the outside interface: "
                                     "the outside gateway's IPv4 address");
        } else if (!i.is_host(i.gateway) || i.gateway == i.address) {
            e.add(path + ".gateway",
                  format_ip(i.gateway)
                      + " is not "
                        "another host of the outside subnet "
                      + i.cidr());
        }
    }
}

/* The inside interface whose subnet has 'ip' as a host address other than
 * the router's own, or nullptr. */
const NatInterface *inside_for(const std::vector<NatInterface> &ifaces,
                               uint32_t ip)
{
    for (const NatInterface &i : ifaces) {
        if (!i.outside && i.is_host(ip) && ip != i.address) {
            return &i;
        }
    }
    return nullptr;
}

void parse_forward(Errors &e, const json &j, const std::string &path,
                   const NatRouterSettings &r, const std::string &rpath,
                   NatForwardSpec &f)
{
    static const JsonSchema schema = {
        optional("proto", JsonType::kAny, ""),
        integer("port", 1, 65535),
        optional("to", JsonType::kAny, ""),
    };
    Checked c = check(j, path, schema, e);
    const json proto = j.value("proto", json());
    if (proto == "tcp") {
        f.proto = NatProto::kTcp;
    } else if (proto == "udp") {
        f.proto = NatProto::kUdp;
    } else {
        e.add(path + ".proto", "required: \"tcp\" or \"udp\"");
    }
    if (c.has("port")) {
        f.port = j["port"].get<uint16_t>();
        if (f.port >= r.ports_lo && f.port <= r.ports_hi) {
            e.add(path + ".port",
                  std::to_string(f.port)
                      + " is inside the "
                        "outbound NAT ports "
                      + range_text(r.ports_lo, r.ports_hi) + " (" + rpath
                      + ".ports): the switch may have given it "
                        "to a dynamic mapping");
        }
    }
    if (!j.contains("to") || !j["to"].is_string()
        || !parse_ip_port(j["to"].get<std::string>(), f.to, f.to_port)) {
        e.add(path + ".to", "required: the inside host, \"A.B.C.D[:PORT]\"");
        return;
    }
    if (!inside_for(r.interfaces, f.to)) {
        e.add(path + ".to", format_ip(f.to)
                                + " is not a host address of "
                                  "an inside subnet of the router");
    }
    if (!j.contains("port") && !f.to_port) {
        e.add(path + ".to", "needs the inside port (A.B.C.D:PORT) when "
                            "\"port\" is left to the forward pool");
    }
}

void parse_router(Errors &e, const json &j, const std::string &path,
                  const Deployment &d, size_t index,
                  std::set<std::string> &used, NatRouterSettings &r)
{
    static const JsonSchema schema = {
        required("switch", JsonType::kString,
                 "the name of the router's switch"),
        optional("interfaces", JsonType::kAny, ""),
        optional("ports", JsonType::kString, "a string: \"LO-HI\""),
        optional("filter", JsonType::kString, "a string: eim, adf or apdf"),
        optional("forward_pool", JsonType::kString, "a string: \"LO-HI\""),
        optional("forwards", JsonType::kAny, ""),
        optional("hosts", JsonType::kAny, ""),
        integer("max_hosts", 1, kNatMaxHostsLimit),
        integer("table", 0, 253),
        integer("priority", 1, 65535 - 100),
    };
    size_t before = e.count();
    Checked c = check(j, path, schema, e);
    const SwitchSpec *sw = nullptr;
    if (!c.has("switch")) {
        /* Reported. */
    } else if (!(sw = d.find_switch(j["switch"].get<std::string>()))) {
        e.add(path + ".switch",
              "no switch named \"" + j["switch"].get<std::string>() + "\"");
    } else if (!used.insert(sw->name).second) {
        e.add(path + ".switch", "switch \"" + sw->name
                                    + "\" is already a "
                                      "router (one router per switch)");
        sw = nullptr;
    } else if (sw->mode != kStaticMode) {
        e.add(path + ".switch",
              "switch \"" + sw->name + "\" is in " + sw->mode
                  + " mode; a router's switch must be \"static\"");
        sw = nullptr;
    } else {
        r.sw = sw->name;
        r.index = index;
        r.switch_ports = sw->ports;
        r.source = j;
    }

    std::string s;
    auto get = [&](const char *key) {
        s = c.has(key) ? j[key].get<std::string>() : "";
        return c.has(key);
    };
    if (get("ports") && !parse_port_range(s, r.ports_lo, r.ports_hi)) {
        e.add(path + ".ports", "expected \"LO-HI\" with 1 <= LO <= HI <= "
                               "65535, got \""
                                   + s + "\"");
    }
    if (get("forward_pool") && !parse_port_range(s, r.pool_lo, r.pool_hi)) {
        e.add(path + ".forward_pool", "expected \"LO-HI\" with 1 <= LO <= "
                                      "HI <= 65535, got \""
                                          + s + "\"");
    }
    if (r.pool_lo <= r.ports_hi && r.ports_lo <= r.pool_hi) {
        e.add(path + ".forward_pool", range_text(r.pool_lo, r.pool_hi)
                                          + " overlaps the outbound NAT ports "
                                          + range_text(r.ports_lo, r.ports_hi)
                                          + " (" + path + ".ports)");
    }
    if (get("filter")) {
        if (s != "eim" && s != "adf" && s != "apdf") {
            e.add(path + ".filter",
                  "must be \"eim\" (endpoint-independent), "
                  "\"adf\" (address-dependent) or \"apdf\" (address and "
                  "port-dependent), got \""
                      + s + "\"");
        } else {
            r.filter = s;
        }
    }
    if (c.has("max_hosts")) {
        r.max_hosts = j["max_hosts"];
    }
    if (c.has("table")) {
        r.table = j["table"];
    }
    if (c.has("priority")) {
        r.priority = j["priority"];
    }

    const json &ifs = j.contains("interfaces") ? j["interfaces"] : json();
    if (!ifs.is_array() || ifs.size() < 2 || ifs.size() > kNatMaxInterfaces) {
        e.add(path + ".interfaces", "required: 2 to "
                                        + std::to_string(kNatMaxInterfaces)
                                        + " interface objects "
                                          "(inside subnets and one outside)");
        return;
    }
    if (!sw) {
        return; /* Ports cannot be checked. */
    }
    size_t n_outside = 0;
    for (size_t i = 0; i < ifs.size(); i++) {
        std::string p = index_path(path + ".interfaces", i);
        if (!ifs[i].is_object()) {
            e.add(p, "must be an object");
            continue;
        }
        NatInterface in;
        parse_interface(e, ifs[i], p, *sw, index, in);
        n_outside += in.outside;
        for (size_t k = 0; k < r.interfaces.size(); k++) {
            const NatInterface &o = r.interfaces[k];
            std::string other = index_path(path + ".interfaces", k);
            if (!in.port.empty() && in.port == o.port) {
                e.add(p + ".port",
                      "port \"" + in.port + "\" is already " + other);
            }
            if (in.contains(o.network()) || o.contains(in.network())) {
                e.add(p + ".address",
                      in.cidr() + " overlaps " + o.cidr() + " of " + other);
            }
            if (in.mac == o.mac) {
                e.add(p + ".mac", format_mac(in.mac)
                                      + " is already the MAC "
                                        "of "
                                      + other);
            }
        }
        r.interfaces.push_back(in);
    }
    if (n_outside != 1) {
        e.add(path + ".interfaces", "exactly one interface must be "
                                    "\"outside\": true (found "
                                        + std::to_string(n_outside) + ")");
    }
    if (n_outside == ifs.size()) {
        e.add(path + ".interfaces", "needs at least one inside interface");
    }
    if (e.count() != before) {
        return; /* Forwards and hosts need sound interfaces. */
    }

    const json &hosts = j.contains("hosts") ? j["hosts"] : json::array();
    if (!hosts.is_array() || hosts.size() > r.max_hosts) {
        e.add(path + ".hosts", "must be an array of at most max_hosts ("
                                   + std::to_string(r.max_hosts)
                                   + ") {\"ip\", \"mac\"} objects");
    } else {
        std::set<uint32_t> ips;
        for (size_t i = 0; i < hosts.size(); i++) {
            std::string p = index_path(path + ".hosts", i);
            const json &h = hosts[i];
            if (!h.is_object()) {
                e.add(p, "must be an object {\"ip\", \"mac\"}");
                continue;
            }
            static const JsonSchema host = {
                optional("ip", JsonType::kAny, ""),
                optional("mac", JsonType::kAny, ""),
            };
            check(h, p, host, e);
            NatHostSpec hs;
            if (!h.contains("ip") || !h["ip"].is_string()
                || !parse_ip(h["ip"].get<std::string>(), hs.ip)) {
                e.add(p + ".ip", "required: an IPv4 address");
            } else if (!inside_for(r.interfaces, hs.ip)) {
                e.add(p + ".ip", format_ip(hs.ip)
                                     + " is not a host address "
                                       "of an inside subnet of the router");
            } else if (!ips.insert(hs.ip).second) {
                e.add(p + ".ip", format_ip(hs.ip) + " is listed twice");
            }
            if (!h.contains("mac") || !h["mac"].is_string()
                || !parse_mac(h["mac"].get<std::string>(), hs.mac)
                || !is_unicast_mac(hs.mac)) {
                e.add(p + ".mac", "required: a unicast MAC address "
                                  "xx:xx:xx:xx:xx:xx");
            }
            r.hosts.push_back(hs);
        }
    }

    const json &fwds = j.contains("forwards") ? j["forwards"] : json::array();
    if (!fwds.is_array() || fwds.size() > kNatMaxForwards) {
        e.add(path + ".forwards", "must be an array of at most "
                                      + std::to_string(kNatMaxForwards)
                                      + " forward objects");
        return;
    }
    std::map<std::pair<NatProto, uint16_t>, size_t> taken;
    for (size_t i = 0; i < fwds.size(); i++) {
        std::string p = index_path(path + ".forwards", i);
        NatForwardSpec f;
        if (!fwds[i].is_object()) {
            e.add(p, "must be an object {\"proto\", \"port\", \"to\"}");
            r.forwards.push_back(f);
            continue;
        }
        parse_forward(e, fwds[i], p, r, path, f);
        if (f.port) {
            auto [it, fresh] = taken.emplace(std::pair(f.proto, f.port), i);
            if (!fresh) {
                e.add(p + ".port", std::string(nat_proto_name(f.proto))
                                       + " port " + std::to_string(f.port)
                                       + " is already "
                                         "forwarded by "
                                       + path + ".forwards["
                                       + std::to_string(it->second) + "]");
            }
        }
        r.forwards.push_back(f);
    }
    /* The pool: lowest free port first (per protocol), after the explicit
     * ones. */
    std::map<NatProto, unsigned> next_free;
    for (size_t i = 0; i < r.forwards.size(); i++) {
        NatForwardSpec &f = r.forwards[i];
        if (f.port || !fwds[i].is_object() || fwds[i].contains("port")) {
            continue;
        }
        unsigned &next = next_free.emplace(f.proto, r.pool_lo).first->second;
        while (next <= r.pool_hi && taken.count({f.proto, uint16_t(next)})) {
            next++;
        }
        if (next > r.pool_hi) {
            e.add(index_path(path + ".forwards", i) + ".port",
                  "the forward pool " + range_text(r.pool_lo, r.pool_hi) + " ("
                      + path + ".forward_pool) is exhausted");
            continue;
        }
        f.port = next;
        f.picked = true;
        taken.emplace(std::pair(f.proto, f.port), i);
    }
}

}  // namespace

NatSettings parse_nat_section(const json &section, const Deployment &d,
                              Errors &e)
{
    static const JsonSchema schema = {
        optional("routers", JsonType::kAny, ""),
    };
    NatSettings s;
    if (section.is_null() || (section.is_object() && section.empty())) {
        return s;
    }
    if (!section.is_object()) {
        e.add("nat", "must be an object");
        return s;
    }
    s.enabled = true;
    check(section, "nat", schema, e);
    const json &routers = section.contains("routers") ? section["routers"]
                                                      : json();
    if (!routers.is_array() || routers.empty()
        || routers.size() > kNatMaxRouters) {
        e.add("nat.routers", "required: an array of 1 to "
                                 + std::to_string(kNatMaxRouters)
                                 + " router objects");
        return s;
    }
    std::set<std::string> used;
    for (size_t i = 0; i < routers.size(); i++) {
        std::string path = index_path("nat.routers", i);
        if (!routers[i].is_object()) {
            e.add(path, "must be an object");
            continue;
        }
        NatRouterSettings r;
        parse_router(e, routers[i], path, d, i, used, r);
        s.routers.push_back(std::move(r));
    }
    return s;
}

}  // namespace cxxa::controller
