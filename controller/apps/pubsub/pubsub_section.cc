#include "apps/pubsub/pubsub_section.h"

#include <algorithm>
#include <set>

#include "deployment.h"
#include "inet_text.h"
#include "pubsub/pubsub_wire.h"

namespace cxxa::controller {

using nlohmann::json;

bool PubsubSettings::has_switch(const std::string &sw) const
{
    return std::binary_search(switches.begin(), switches.end(), sw);
}

bool PubsubSettings::is_link_port(const std::string &sw, uint32_t port) const
{
    for (const PubsubLink &l : links) {
        if ((l.a == sw && l.a_port == port)
            || (l.b == sw && l.b_port == port)) {
            return true;
        }
    }
    return false;
}

namespace {

bool is_multicast(uint32_t ip) { return (ip >> 28) == 0xe; }

// The switches connected to the first one by the links.
std::set<std::string> reachable(const PubsubSettings &s)
{
    std::set<std::string> seen;
    if (s.switches.empty()) {
        return seen;
    }
    std::vector<std::string> todo = {s.switches.front()};
    seen.insert(todo.front());
    while (!todo.empty()) {
        std::string sw = todo.back();
        todo.pop_back();
        for (const PubsubLink &l : s.links) {
            for (const auto &[from, to] :
                 {std::pair(l.a, l.b), std::pair(l.b, l.a)}) {
                if (from == sw && seen.insert(to).second) {
                    todo.push_back(to);
                }
            }
        }
    }
    return seen;
}

}  // namespace

PubsubSettings parse_pubsub_section(const json &section, const Deployment &d,
                                    Errors &e)
{
    static const JsonSchema schema = {
        optional("switches", JsonType::kArray, "an array of switch names"),
        optional("control_address", JsonType::kString,
                 "an IPv4 multicast address"),
        integer("control_port", 1, 65535),
        integer("event_port", 1, 65535),
        optional("ipv4_prefix", JsonType::kString,
                 "an IPv4 multicast prefix A.B.C.D/N"),
        integer("max_dz_bits", 1, pubsub::kMaxDzBits),
        optional("covering", JsonType::kBoolean, "true or false"),
        optional("filter", JsonType::kBoolean, "true or false"),
        integer("priority", 2, 65535 - 200),
        integer("max_hosts", 1, 1000000),
        integer("max_entries", 1, 10000000),
    };
    PubsubSettings s;
    if (section.is_null()) {
        return s;  // No section: no pubsub.
    }
    if (!section.is_object()) {
        e.add("pubsub", "must be an object");
        return s;
    }
    s.enabled = true;
    Checked c = check(section, "pubsub", schema, e);

    if (c.has("switches")) {
        for (size_t i = 0; i < section["switches"].size(); i++) {
            const json &v = section["switches"][i];
            std::string path = index_path("pubsub.switches", i);
            if (!v.is_string()) {
                e.add(path, "must be a switch name");
            } else if (!d.find_switch(v.get<std::string>())) {
                e.add(path,
                      "no switch named \"" + v.get<std::string>() + "\"");
            } else {
                s.switches.push_back(v.get<std::string>());
            }
        }
        if (section["switches"].empty()) {
            e.add("pubsub.switches", "must name at least one switch");
        }
    } else {
        for (const SwitchSpec &sw : d.switches) {
            s.switches.push_back(sw.name);
        }
    }
    std::sort(s.switches.begin(), s.switches.end());
    if (std::adjacent_find(s.switches.begin(), s.switches.end())
        != s.switches.end()) {
        e.add("pubsub.switches", "names a switch twice");
    }
    s.switches.erase(std::unique(s.switches.begin(), s.switches.end()),
                     s.switches.end());

    for (const LinkSpec &l : d.links) {
        if (!s.has_switch(l.a_switch) || !s.has_switch(l.b_switch)) {
            continue;
        }
        const SwitchSpec *a = d.find_switch(l.a_switch);
        const SwitchSpec *b = d.find_switch(l.b_switch);
        s.links.push_back(PubsubLink{l.a_switch, l.b_switch,
                                     a->ports.at(l.a_port),
                                     b->ports.at(l.b_port)});
    }
    std::set<std::string> connected = reachable(s);
    for (const std::string &sw : s.switches) {
        if (!connected.count(sw)) {
            e.add("pubsub.switches", "\"" + sw + "\" is not connected to \""
                                         + s.switches.front()
                                         + "\" by links between pubsub "
                                           "switches");
        }
    }

    s.control_ip = pubsub::kControlAddress;
    if (c.has("control_address")) {
        std::string a = section["control_address"];
        if (!parse_ip(a, s.control_ip) || !is_multicast(s.control_ip)) {
            e.add("pubsub.control_address",
                  "expected an IPv4 multicast address, got \"" + a + "\"");
        }
    }
    s.control_port = section.value("control_port", pubsub::kControlPort);
    s.event_port = section.value("event_port", pubsub::kEventPort);
    if (s.control_port == s.event_port) {
        e.add("pubsub.event_port", "must differ from control_port");
    }

    std::string prefix = section.value("ipv4_prefix", "225.128.0.0/9");
    if (!parse_cidr(prefix, s.prefix, s.plen, 4, 31)
        || !is_multicast(s.prefix)) {
        e.add("pubsub.ipv4_prefix",
              "expected a multicast prefix A.B.C.D/N with N from 4 to 31, "
              "got \""
                  + prefix + "\"");
    } else {
        uint32_t mask = ~0u << (32 - s.plen);
        if (s.prefix & ~mask) {
            e.add("pubsub.ipv4_prefix",
                  prefix + " has host bits set; the prefix is "
                      + format_ip(s.prefix & mask) + "/"
                      + std::to_string(s.plen));
        } else if ((s.control_ip & mask) == s.prefix) {
            e.add("pubsub.ipv4_prefix",
                  "contains the control address " + format_ip(s.control_ip));
        }
    }
    s.max_dz_bits = section.value("max_dz_bits", 32 - s.plen);
    s.covering = section.value("covering", true);
    s.filter = section.value("filter", true);
    s.priority = section.value("priority", kPubsubDefaultPriority);
    s.max_hosts = section.value("max_hosts", size_t(4096));
    s.max_entries = section.value("max_entries", size_t(100000));
    return s;
}

}  // namespace cxxa::controller
