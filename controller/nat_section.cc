#include "nat_section.h"

#include <cstdio>
#include <map>
#include <set>

#include "amd_section.h"
#include "deployment.h"

namespace cxxa::controller {

using nlohmann::json;

const char *
nat_proto_name(NatProto p)
{
    return p == NatProto::kTcp ? "tcp" : "udp";
}

std::string
NatInterface::cidr() const
{
    return format_ip(network()) + "/" + std::to_string(prefix);
}

const NatInterface &
NatRouterSettings::outside() const
{
    for (const NatInterface &i : interfaces) {
        if (i.outside) {
            return i;
        }
    }
    return interfaces.front();      /* Validation guarantees one. */
}

uint64_t
nat_default_mac(size_t router, uint32_t ofport)
{
    return 0x026e61000000ull | (uint64_t(router & 0xff) << 16)
        | (ofport & 0xffff);
}

bool
parse_cidr_address(const std::string &s, uint32_t &address, unsigned &prefix)
{
    size_t slash = s.find('/');
    unsigned len;
    char extra;
    if (slash == std::string::npos
        || !parse_ip(s.substr(0, slash), address)
        || sscanf(s.c_str() + slash + 1, "%u%c", &len, &extra) != 1
        || len < 1 || len > 30
        || s.substr(slash + 1) != std::to_string(len)) {
        return false;
    }
    prefix = len;
    return true;
}

bool
parse_port_range(const std::string &s, uint16_t &lo, uint16_t &hi)
{
    unsigned a, b;
    char extra;
    if (sscanf(s.c_str(), "%u-%u%c", &a, &b, &extra) != 2
        || s != std::to_string(a) + "-" + std::to_string(b)
        || a < 1 || a > b || b > 65535) {
        return false;
    }
    lo = a;
    hi = b;
    return true;
}

bool
parse_ip_port(const std::string &s, uint32_t &ip, uint16_t &port)
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

class Errors {
public:
    explicit Errors(std::vector<std::string> &errors) : errors_(errors) {}
    void add(const std::string &path, const std::string &why)
    {
        errors_.push_back(path + ": " + why);
    }
    size_t count() const { return errors_.size(); }

    void only_keys(const json &obj, const std::string &path,
                   std::initializer_list<const char *> allowed)
    {
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            bool ok = false;
            for (const char *a : allowed) {
                ok |= it.key() == a;
            }
            if (!ok) {
                add(path + "." + it.key(), "unknown field");
            }
        }
    }

    // An integer field in [min, max]; absent: false, nothing reported.
    bool get_int(const json &obj, const std::string &path, const char *key,
                 long long min, long long max, long long &out)
    {
        if (!obj.contains(key)) {
            return false;
        }
        const json &v = obj[key];
        if (!v.is_number_integer() || v.get<long long>() < min
            || v.get<long long>() > max) {
            add(path + "." + key, "must be an integer from "
                + std::to_string(min) + " to " + std::to_string(max));
            return false;
        }
        out = v.get<long long>();
        return true;
    }

    bool get_string(const json &obj, const std::string &path, const char *key,
                    std::string &out, const std::string &expected)
    {
        if (!obj.contains(key)) {
            return false;
        }
        if (!obj[key].is_string()) {
            add(path + "." + key, "must be a string: " + expected);
            return false;
        }
        out = obj[key].get<std::string>();
        return true;
    }

private:
    std::vector<std::string> &errors_;
};

std::string
range_text(uint16_t lo, uint16_t hi)
{
    return std::to_string(lo) + "-" + std::to_string(hi);
}

void
parse_interface(Errors &e, const json &j, const std::string &path,
                const SwitchSpec &sw, size_t router, NatInterface &i)
{
    e.only_keys(j, path, {"port", "address", "mac", "gateway", "outside"});
    std::string s;
    if (!j.contains("port") || !j["port"].is_string()) {
        e.add(path + ".port", "required: a port name of switch \""
              + sw.name + "\"");
    } else {
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
        e.add(path + ".address", j["address"].get<std::string>()
              + " is the network or broadcast address of " + i.cidr());
    }
    if (j.contains("outside")) {
        if (!j["outside"].is_boolean()) {
            e.add(path + ".outside", "must be true or false");
        } else {
            i.outside = j["outside"].get<bool>();
        }
    }
    i.mac = nat_default_mac(router, i.ofport);
    if (e.get_string(j, path, "mac", s, "xx:xx:xx:xx:xx:xx")) {
        if (!parse_mac_text(s, i.mac) || (i.mac >> 40) & 1 || !i.mac) {
            e.add(path + ".mac", "must be a unicast MAC address "
                  "xx:xx:xx:xx:xx:xx, got \"" + s + "\"");
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
            e.add(path + ".gateway", format_ip(i.gateway) + " is not "
                  "another host of the outside subnet " + i.cidr());
        }
    }
}

/* The inside interface whose subnet has 'ip' as a host address other than
 * the router's own, or nullptr. */
const NatInterface *
inside_for(const std::vector<NatInterface> &ifaces, uint32_t ip)
{
    for (const NatInterface &i : ifaces) {
        if (!i.outside && i.is_host(ip) && ip != i.address) {
            return &i;
        }
    }
    return nullptr;
}

void
parse_forward(Errors &e, const json &j, const std::string &path,
              const NatRouterSettings &r, const std::string &rpath,
              NatForwardSpec &f)
{
    e.only_keys(j, path, {"proto", "port", "to"});
    const json proto = j.value("proto", json());
    if (proto == "tcp") {
        f.proto = NatProto::kTcp;
    } else if (proto == "udp") {
        f.proto = NatProto::kUdp;
    } else {
        e.add(path + ".proto", "required: \"tcp\" or \"udp\"");
    }
    long long port;
    if (e.get_int(j, path, "port", 1, 65535, port)) {
        f.port = port;
        if (f.port >= r.ports_lo && f.port <= r.ports_hi) {
            e.add(path + ".port", std::to_string(f.port) + " is inside the "
                  "outbound NAT ports " + range_text(r.ports_lo, r.ports_hi)
                  + " (" + rpath + ".ports): the switch may have given it "
                  "to a dynamic mapping");
        }
    }
    if (!j.contains("to") || !j["to"].is_string()
        || !parse_ip_port(j["to"].get<std::string>(), f.to, f.to_port)) {
        e.add(path + ".to", "required: the inside host, \"A.B.C.D[:PORT]\"");
        return;
    }
    if (!inside_for(r.interfaces, f.to)) {
        e.add(path + ".to", format_ip(f.to) + " is not a host address of "
              "an inside subnet of the router");
    }
    if (!j.contains("port") && !f.to_port) {
        e.add(path + ".to", "needs the inside port (A.B.C.D:PORT) when "
              "\"port\" is left to the forward pool");
    }
}

void
parse_router(Errors &e, const json &j, const std::string &path,
             const Deployment &d, size_t index, std::set<std::string> &used,
             NatRouterSettings &r)
{
    e.only_keys(j, path, {"switch", "interfaces", "ports", "filter",
                          "forward_pool", "forwards", "hosts", "max_hosts",
                          "table", "priority"});
    size_t before = e.count();
    const SwitchSpec *sw = nullptr;
    if (!j.contains("switch") || !j["switch"].is_string()) {
        e.add(path + ".switch", "required: the name of the router's switch");
    } else if (!(sw = d.find_switch(j["switch"].get<std::string>()))) {
        e.add(path + ".switch", "no switch named \""
              + j["switch"].get<std::string>() + "\"");
    } else if (!used.insert(sw->name).second) {
        e.add(path + ".switch", "switch \"" + sw->name + "\" is already a "
              "router (one router per switch)");
        sw = nullptr;
    } else if (sw->mode != SwitchMode::kStatic) {
        e.add(path + ".switch", "switch \"" + sw->name + "\" is in "
              + switch_mode_name(sw->mode) + " mode; a router's switch "
              "must be \"static\"");
        sw = nullptr;
    } else {
        r.sw = sw->name;
        r.index = index;
        r.switch_ports = sw->ports;
    }

    std::string s;
    if (e.get_string(j, path, "ports", s, "\"LO-HI\"")
        && !parse_port_range(s, r.ports_lo, r.ports_hi)) {
        e.add(path + ".ports", "expected \"LO-HI\" with 1 <= LO <= HI <= "
              "65535, got \"" + s + "\"");
    }
    if (e.get_string(j, path, "forward_pool", s, "\"LO-HI\"")
        && !parse_port_range(s, r.pool_lo, r.pool_hi)) {
        e.add(path + ".forward_pool", "expected \"LO-HI\" with 1 <= LO <= "
              "HI <= 65535, got \"" + s + "\"");
    }
    if (r.pool_lo <= r.ports_hi && r.ports_lo <= r.pool_hi) {
        e.add(path + ".forward_pool", range_text(r.pool_lo, r.pool_hi)
              + " overlaps the outbound NAT ports "
              + range_text(r.ports_lo, r.ports_hi) + " (" + path + ".ports)");
    }
    if (e.get_string(j, path, "filter", s, "eim, adf or apdf")) {
        if (s != "eim" && s != "adf" && s != "apdf") {
            e.add(path + ".filter", "must be \"eim\" (endpoint-independent), "
                  "\"adf\" (address-dependent) or \"apdf\" (address and "
                  "port-dependent), got \"" + s + "\"");
        } else {
            r.filter = s;
        }
    }
    long long x;
    if (e.get_int(j, path, "max_hosts", 1, kNatMaxHostsLimit, x)) {
        r.max_hosts = x;
    }
    if (e.get_int(j, path, "table", 0, 253, x)) {
        r.table = x;
    }
    if (e.get_int(j, path, "priority", 1, 65535 - 100, x)) {
        r.priority = x;
    }

    const json &ifs = j.contains("interfaces") ? j["interfaces"] : json();
    if (!ifs.is_array() || ifs.size() < 2
        || ifs.size() > kNatMaxInterfaces) {
        e.add(path + ".interfaces", "required: 2 to "
              + std::to_string(kNatMaxInterfaces) + " interface objects "
              "(inside subnets and one outside)");
        return;
    }
    if (!sw) {
        return;             /* Ports cannot be checked. */
    }
    size_t n_outside = 0;
    for (size_t i = 0; i < ifs.size(); i++) {
        std::string p = path + ".interfaces[" + std::to_string(i) + "]";
        if (!ifs[i].is_object()) {
            e.add(p, "must be an object");
            continue;
        }
        NatInterface in;
        parse_interface(e, ifs[i], p, *sw, index, in);
        n_outside += in.outside;
        for (size_t k = 0; k < r.interfaces.size(); k++) {
            const NatInterface &o = r.interfaces[k];
            std::string other = path + ".interfaces["
                + std::to_string(k) + "]";
            if (!in.port.empty() && in.port == o.port) {
                e.add(p + ".port", "port \"" + in.port + "\" is already "
                      + other);
            }
            if (in.contains(o.network()) || o.contains(in.network())) {
                e.add(p + ".address", in.cidr() + " overlaps " + o.cidr()
                      + " of " + other);
            }
            if (in.mac == o.mac) {
                e.add(p + ".mac", format_mac(in.mac) + " is already the MAC "
                      "of " + other);
            }
        }
        r.interfaces.push_back(in);
    }
    if (n_outside != 1) {
        e.add(path + ".interfaces", "exactly one interface must be "
              "\"outside\": true (found " + std::to_string(n_outside) + ")");
    }
    if (n_outside == ifs.size()) {
        e.add(path + ".interfaces", "needs at least one inside interface");
    }
    if (e.count() != before) {
        return;             /* Forwards and hosts need sound interfaces. */
    }

    const json &hosts = j.contains("hosts") ? j["hosts"] : json::array();
    if (!hosts.is_array() || hosts.size() > r.max_hosts) {
        e.add(path + ".hosts", "must be an array of at most max_hosts ("
              + std::to_string(r.max_hosts) + ") {\"ip\", \"mac\"} objects");
    } else {
        std::set<uint32_t> ips;
        for (size_t i = 0; i < hosts.size(); i++) {
            std::string p = path + ".hosts[" + std::to_string(i) + "]";
            const json &h = hosts[i];
            if (!h.is_object()) {
                e.add(p, "must be an object {\"ip\", \"mac\"}");
                continue;
            }
            e.only_keys(h, p, {"ip", "mac"});
            NatHostSpec hs;
            if (!h.contains("ip") || !h["ip"].is_string()
                || !parse_ip(h["ip"].get<std::string>(), hs.ip)) {
                e.add(p + ".ip", "required: an IPv4 address");
            } else if (!inside_for(r.interfaces, hs.ip)) {
                e.add(p + ".ip", format_ip(hs.ip) + " is not a host address "
                      "of an inside subnet of the router");
            } else if (!ips.insert(hs.ip).second) {
                e.add(p + ".ip", format_ip(hs.ip) + " is listed twice");
            }
            if (!h.contains("mac") || !h["mac"].is_string()
                || !parse_mac_text(h["mac"].get<std::string>(), hs.mac)
                || (hs.mac >> 40) & 1) {
                e.add(p + ".mac", "required: a unicast MAC address "
                      "xx:xx:xx:xx:xx:xx");
            }
            r.hosts.push_back(hs);
        }
    }

    const json &fwds = j.contains("forwards") ? j["forwards"]
                                              : json::array();
    if (!fwds.is_array() || fwds.size() > kNatMaxForwards) {
        e.add(path + ".forwards", "must be an array of at most "
              + std::to_string(kNatMaxForwards) + " forward objects");
        return;
    }
    std::map<std::pair<NatProto, uint16_t>, size_t> taken;
    for (size_t i = 0; i < fwds.size(); i++) {
        std::string p = path + ".forwards[" + std::to_string(i) + "]";
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
                      + " port " + std::to_string(f.port) + " is already "
                      "forwarded by " + path + ".forwards["
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
            e.add(path + ".forwards[" + std::to_string(i) + "].port",
                  "the forward pool " + range_text(r.pool_lo, r.pool_hi)
                  + " (" + path + ".forward_pool) is exhausted");
            continue;
        }
        f.port = next;
        f.picked = true;
        taken.emplace(std::pair(f.proto, f.port), i);
    }
}

}  // namespace

NatSettings
parse_nat_section(const json &section, const Deployment &d,
                  std::vector<std::string> &errors)
{
    NatSettings s;
    Errors e(errors);
    if (section.is_null() || (section.is_object() && section.empty())) {
        return s;
    }
    if (!section.is_object()) {
        e.add("nat", "must be an object");
        return s;
    }
    s.enabled = true;
    e.only_keys(section, "nat", {"routers"});
    const json &routers = section.contains("routers") ? section["routers"]
                                                      : json();
    if (!routers.is_array() || routers.empty()
        || routers.size() > kNatMaxRouters) {
        e.add("nat.routers", "required: an array of 1 to "
              + std::to_string(kNatMaxRouters) + " router objects");
        return s;
    }
    std::set<std::string> used;
    for (size_t i = 0; i < routers.size(); i++) {
        std::string path = "nat.routers[" + std::to_string(i) + "]";
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
