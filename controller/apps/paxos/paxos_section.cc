#include "apps/paxos/paxos_section.h"

#include <cstdio>
#include <map>
#include <queue>
#include <set>

#include "inet_text.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

struct Endpoint {
    std::string sw;
    uint32_t port = 0;
};

struct Replica {
    Endpoint at;
    std::string mac, ip;  // 'ip' may be empty: no IPv4 rewrite.
};

struct Group {
    unsigned id = 0;
    std::vector<std::string> members;  // Node id = index + 1.
    std::string leader;
    long long window = -1, round = -1, start = -1;  // -1: action default.
    std::string service_mac;
    std::vector<Endpoint> clients;
    std::vector<Replica> replicas;
    // "fault_tolerance": members elect their leader (paxos_node.h).
    bool fault_tolerant = false;
    long long heartbeat_ms = 20, timeout_ms = -1, log_slots = -1;
};

// A MAC address as the flows write it (lowercase).
bool parse_mac_text(const json &v, std::string &out)
{
    uint64_t mac;
    if (!v.is_string() || !parse_mac(v.get<std::string>(), mac)) {
        return false;
    }
    out = format_mac(mac);
    return true;
}

bool parse_ip_text(const json &v, std::string &out)
{
    uint32_t ip;
    if (!v.is_string() || !parse_ip(v.get<std::string>(), ip)) {
        return false;
    }
    out = format_ip(ip);
    return true;
}

// "SWITCH:PORT" naming a declared port of a member switch.
bool parse_endpoint(Errors &e, const Deployment &d, const Group &g,
                    const json &v, const std::string &path, Endpoint &out)
{
    std::string s = v.is_string() ? v.get<std::string>() : "";
    size_t colon = s.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
        e.add(path, "must be \"SWITCH:PORT\"");
        return false;
    }
    out.sw = s.substr(0, colon);
    std::string port = s.substr(colon + 1);
    bool member = false;
    for (const std::string &m : g.members) {
        member = member || m == out.sw;
    }
    const SwitchSpec *sw = d.find_switch(out.sw);
    if (!member) {
        e.add(path, "\"" + out.sw + "\" is not a member of this group");
        return false;
    }
    auto it = sw->ports.find(port);
    if (it == sw->ports.end()) {
        e.add(path, "switch \"" + out.sw + "\" has no port \"" + port
                        + "\" in its \"ports\"");
        return false;
    }
    out.port = it->second;
    return true;
}

bool parse_group(Errors &e, const Deployment &d, const json &j,
                 const std::string &path, Group &g)
{
    static const JsonSchema schema = {
        integer("group", 0, 65535, true),
        optional("members", JsonType::kAny, ""),
        optional("leader", JsonType::kAny, ""),
        integer("window", 1, 65536),
        integer("round", 1, UINT32_MAX),
        integer("start", 0, UINT32_MAX),
        optional("service_mac", JsonType::kAny, ""),
        optional("clients", JsonType::kAny, ""),
        optional("replicas", JsonType::kAny, ""),
        optional("fault_tolerance", JsonType::kObject, ""),
    };
    size_t before = e.count();
    if (!j.is_object()) {
        e.add(path, "must be an object");
        return false;
    }
    Checked checked = check(j, path, schema, e);
    auto get = [&](const char *key, long long &out) {
        if (checked.has(key)) {
            out = j[key].get<long long>();
        }
    };
    long long id = 0;
    get("group", id);
    g.id = (unsigned) id;
    get("window", g.window);
    get("round", g.round);
    get("start", g.start);
    if (checked.has("fault_tolerance")) {
        static const JsonSchema ft = {
            integer("heartbeat_ms", 1, 60000),
            integer("timeout_ms", 2, 600000),
            integer("log_slots", 1, 1 << 20),
        };
        const json &f = j["fault_tolerance"];
        Checked fc = check(f, path + ".fault_tolerance", ft, e);
        g.fault_tolerant = true;
        if (fc.has("heartbeat_ms")) {
            g.heartbeat_ms = f["heartbeat_ms"].get<long long>();
        }
        if (fc.has("timeout_ms")) {
            g.timeout_ms = f["timeout_ms"].get<long long>();
            if (g.timeout_ms <= g.heartbeat_ms) {
                e.add(path + ".fault_tolerance.timeout_ms",
                      "must be longer than heartbeat_ms");
            }
        }
        if (fc.has("log_slots")) {
            g.log_slots = f["log_slots"].get<long long>();
        }
        if (g.round >= 0) {
            e.add(path + ".round", "a fault-tolerant group chooses its "
                                   "rounds itself (node id + k x members)");
        }
    }

    const json &m = j.value("members", json());
    if (!m.is_array() || m.empty() || m.size() > 255) {
        e.add(path + ".members", "required: an array of 1 to 255 switch "
                                 "names (node ids 1, 2, ... in this order)");
        return false;
    }
    std::set<std::string> seen;
    size_t before_members = e.count();
    for (size_t i = 0; i < m.size(); i++) {
        std::string p = index_path(path + ".members", i);
        std::string name = m[i].is_string() ? m[i].get<std::string>() : "";
        if (!d.find_switch(name)) {
            e.add(p, "no switch named \"" + name + "\"");
        } else if (!seen.insert(name).second) {
            e.add(p, "\"" + name + "\" listed twice");
        }
        g.members.push_back(name);
    }
    if (e.count() != before_members) {
        return false;
    }
    g.leader = g.members[0];
    if (j.contains("leader")) {
        const json &l = j["leader"];
        if (!l.is_string() || !seen.count(l.get<std::string>())) {
            e.add(path + ".leader", "must be one of the members");
        } else {
            g.leader = l.get<std::string>();
        }
    }
    if (g.fault_tolerant && g.leader != g.members[0]) {
        e.add(path + ".leader", "with fault_tolerance the first member "
                                "leads first (round 1 is node 1's); list \""
                                    + g.leader + "\" first");
    }
    if (!parse_mac_text(j.value("service_mac", json()), g.service_mac)) {
        e.add(path + ".service_mac", "required: the MAC address clients "
                                     "send to, as xx:xx:xx:xx:xx:xx");
    }
    const json &c = j.value("clients", json());
    if (!c.is_array() || c.empty()) {
        e.add(path + ".clients", "required: a non-empty array of "
                                 "\"SWITCH:PORT\" where client frames enter");
    } else {
        for (size_t i = 0; i < c.size(); i++) {
            Endpoint ep;
            if (parse_endpoint(e, d, g, c[i], index_path(path + ".clients", i),
                               ep)) {
                g.clients.push_back(ep);
            }
        }
    }
    const json &r = j.value("replicas", json());
    if (!r.is_array() || r.empty()) {
        e.add(path + ".replicas",
              "required: a non-empty array of "
              "{\"port\": \"SWITCH:PORT\", \"mac\": ..., \"ip\": ...}");
    } else {
        for (size_t i = 0; i < r.size(); i++) {
            std::string p = index_path(path + ".replicas", i);
            Replica rep;
            if (!r[i].is_object()) {
                e.add(p, "must be an object");
                continue;
            }
            static const JsonSchema replica = {
                optional("port", JsonType::kAny, ""),
                optional("mac", JsonType::kAny, ""),
                optional("ip", JsonType::kAny, ""),
            };
            check(r[i], p, replica, e);
            bool ok = parse_endpoint(e, d, g, r[i].value("port", json()),
                                     p + ".port", rep.at);
            if (!parse_mac_text(r[i].value("mac", json()), rep.mac)) {
                e.add(p + ".mac", "required: the replica's MAC address");
                ok = false;
            }
            if (r[i].contains("ip") && !parse_ip_text(r[i]["ip"], rep.ip)) {
                e.add(p + ".ip", "must be an IPv4 address");
                ok = false;
            }
            if (ok) {
                g.replicas.push_back(rep);
            }
        }
    }
    for (const Endpoint &cl : g.clients) {
        for (const Replica &rep : g.replicas) {
            if (cl.sw == rep.at.sw && cl.port == rep.at.port) {
                e.add(path, "port " + std::to_string(cl.port) + " of \""
                                + cl.sw
                                + "\" is both a client port and a replica "
                                  "port");
            }
        }
    }
    return e.count() == before;
}

// The member switches' links to each other: must form a tree.  Fills
// 'adj' with, per member, (neighbour, local port) pairs.
using Adjacency =
    std::map<std::string, std::vector<std::pair<std::string, uint32_t>>>;

bool member_tree(Errors &e, const Deployment &d, const Group &g,
                 const std::string &path, Adjacency &adj)
{
    std::set<std::string> members(g.members.begin(), g.members.end());
    size_t n_links = 0;
    for (const std::string &m : g.members) {
        adj[m];
    }
    for (const LinkSpec &l : d.links) {
        if (members.count(l.a_switch) && members.count(l.b_switch)
            && l.a_switch != l.b_switch) {
            adj[l.a_switch].emplace_back(
                l.b_switch, d.find_switch(l.a_switch)->ports.at(l.a_port));
            adj[l.b_switch].emplace_back(
                l.a_switch, d.find_switch(l.b_switch)->ports.at(l.b_port));
            n_links++;
        }
    }
    /* Connected and n-1 links: a tree. */
    std::set<std::string> reached = {g.members[0]};
    std::queue<std::string> todo;
    todo.push(g.members[0]);
    while (!todo.empty()) {
        std::string s = todo.front();
        todo.pop();
        for (const auto &[peer, port] : adj[s]) {
            if (reached.insert(peer).second) {
                todo.push(peer);
            }
        }
    }
    if (reached.size() != members.size()) {
        std::string missing;
        for (const std::string &m : g.members) {
            if (!reached.count(m)) {
                missing += (missing.empty() ? "" : ", ") + m;
            }
        }
        e.add(path + ".members", "not joined by \"links\" between members: "
                                 "cannot reach "
                                     + missing + " from " + g.members[0]);
        return false;
    }
    if (n_links != members.size() - 1) {
        e.add(path + ".members",
              "the links between members form a loop ("
                  + std::to_string(n_links) + " links for "
                  + std::to_string(members.size())
                  + " members); Paxos frames "
                    "are relayed along the links, which must form a tree");
        return false;
    }
    return true;
}

// The local port on 'from' that leads towards 'to' in the tree.
uint32_t next_hop(const Adjacency &adj, const std::string &from,
                  const std::string &to)
{
    std::map<std::string, uint32_t> first;  // Node -> first hop port.
    std::queue<std::string> todo;
    first[from] = 0;
    todo.push(from);
    while (!todo.empty()) {
        std::string s = todo.front();
        todo.pop();
        for (const auto &[peer, port] : adj.at(s)) {
            if (!first.count(peer)) {
                first[peer] = s == from ? port : first[s];
                todo.push(peer);
            }
        }
    }
    return first.at(to);
}

std::string outputs(const std::vector<uint32_t> &ports, uint32_t except = 0)
{
    std::string s;
    for (uint32_t p : ports) {
        if (p != except) {
            s += "output:" + std::to_string(p) + ",";
        }
    }
    return s;
}

// The source MAC match of a group's frames: 02:7a:GG:GG (any sender).
std::string group_src(const Group &g)
{
    char src[64];
    snprintf(src, sizeof src, "dl_src=02:7a:%02x:%02x:00:00/ff:ff:ff:ff:00:00",
             g.id >> 8, g.id & 0xff);
    return src;
}

// A member's ports towards the other members.
std::vector<uint32_t> tree_ports(const Adjacency &adj, const std::string &sw)
{
    std::vector<uint32_t> tree;
    for (const auto &[peer, port] : adj.at(sw)) {
        tree.push_back(port);
    }
    return tree;
}

// The paxos: arguments every role of member k has in common.
std::string member_args(const Group &g, size_t k)
{
    std::string args = "group=" + std::to_string(g.id)
                       + ",node=" + std::to_string(k + 1)
                       + ",members=" + std::to_string(g.members.size());
    if (g.window >= 0) {
        args += ",window=" + std::to_string(g.window);
    }
    if (g.start >= 0) {
        args += ",start=" + std::to_string(g.start);
    }
    return args;
}

// The replica delivery table's flows of 'sw': each ordered client frame
// rewritten to every local replica's MAC (and IPv4) address.
void deliver_flows(const Group &g, const std::string &sw,
                   const std::string &deliver_t, std::vector<std::string> &out)
{
    std::string ip_actions, other_actions;
    for (const Replica &r : g.replicas) {
        if (r.at.sw != sw) {
            continue;
        }
        std::string out_port = "output:" + std::to_string(r.at.port);
        ip_actions += "mod_dl_dst:" + r.mac + ","
                      + (r.ip.empty() ? "" : "mod_nw_dst:" + r.ip + ",")
                      + out_port + ",";
        other_actions += "mod_dl_dst:" + r.mac + "," + out_port + ",";
    }
    if (!ip_actions.empty()) {
        ip_actions.pop_back();
        other_actions.pop_back();
        out.push_back("table=" + deliver_t
                      + ",priority=2,ip,actions=" + ip_actions);
        out.push_back("table=" + deliver_t
                      + ",priority=1,actions=" + other_actions);
    }
}

// Paxos frame types of the fault-tolerant protocol and the role that takes
// each (CLIENT frames are flooded; only the leader orders them).
const std::vector<std::pair<const char *, const char *>> kFtTypes = {
    {"0x7a01", "onaccept"}, {"0x7a02", "onlearn"},  {"0x7a06", "onlearn"},
    {"0x7a00", "control"},  {"0x7a03", "control"},  {"0x7a04", "control"},
    {"0x7a05", "control"},  {"0x7a40", "onclient"},
};

// A fault-tolerant group: every member takes every role.  Table base is
// what a role emits: Paxos frames go to the other members along the tree
// and to this member's role of their type, client frames to the replicas;
// base+1 is where the member's timers send (it took those frames itself):
// on along the tree, or to the replicas; base+2 rewrites to the replicas.
void generate_ft(const Group &g, size_t index, int priority,
                 const Adjacency &adj,
                 std::map<std::string, std::vector<std::string>> &flows)
{
    int base = kPaxosFirstTable + 4 * (int) index;
    std::string local_t = std::to_string(base);
    std::string timer_t = std::to_string(base + 1);
    std::string deliver_t = std::to_string(base + 2);
    std::string src = group_src(g);
    std::string prio = "priority=" + std::to_string(priority) + ",";
    std::string clear_in_port = "load:0->NXM_OF_IN_PORT[],";

    for (size_t k = 0; k < g.members.size(); k++) {
        const std::string &sw = g.members[k];
        std::vector<uint32_t> tree = tree_ports(adj, sw);
        std::string args = member_args(g, k);
        args += ",heartbeat=" + std::to_string(g.heartbeat_ms);
        if (g.timeout_ms >= 0) {
            args += ",timeout=" + std::to_string(g.timeout_ms);
        }
        if (g.log_slots >= 0) {
            args += ",log=" + std::to_string(g.log_slots);
        }
        args += ",table=" + timer_t;
        std::vector<std::string> &out = flows[sw];
        auto role = [&](const char *r) {
            return std::string("paxos:") + r + "(" + args + "),resubmit(,"
                   + local_t + ")";
        };

        for (const Endpoint &c : g.clients) {
            if (c.sw == sw) {
                out.push_back("table=0," + prio
                              + "in_port=" + std::to_string(c.port)
                              + ",dl_dst=" + g.service_mac
                              + ",actions=" + role("onclient"));
            }
        }
        for (const auto &[type, r] : kFtTypes) {
            for (uint32_t t : tree) {
                out.push_back("table=0," + prio
                              + "in_port=" + std::to_string(t) + "," + src
                              + ",dl_type=" + type
                              + ",actions=" + outputs(tree, t) + role(r));
            }
            std::string flood = clear_in_port + outputs(tree);
            flood.pop_back();  // The trailing comma.
            bool client = std::string(type) == "0x7a40";
            out.push_back("table=" + local_t + ",priority=1,dl_type=" + type
                          + ",actions=" + flood
                          + (client ? "" : "," + role(r)));
            out.push_back("table=" + timer_t + ",priority=1,dl_type=" + type
                          + ",actions=" + flood);
        }
        out.push_back("table=" + local_t + ",priority=0,actions=resubmit(,"
                      + deliver_t + ")");
        out.push_back("table=" + timer_t + ",priority=0,actions=resubmit(,"
                      + deliver_t + ")");
        deliver_flows(g, sw, deliver_t, out);
    }
}

void generate(const Group &g, size_t index, int priority, const Adjacency &adj,
              std::map<std::string, std::vector<std::string>> &flows)
{
    if (g.fault_tolerant) {
        generate_ft(g, index, priority, adj, flows);
        return;
    }
    int base = kPaxosFirstTable + 4 * (int) index;
    std::string accept_t = std::to_string(base);
    std::string learn_t = std::to_string(base + 1);
    std::string deliver_t = std::to_string(base + 2);
    std::string src = group_src(g);
    std::string prio = "priority=" + std::to_string(priority) + ",";
    std::string clear_in_port = "load:0->NXM_OF_IN_PORT[],";

    for (size_t k = 0; k < g.members.size(); k++) {
        const std::string &sw = g.members[k];
        std::vector<uint32_t> tree = tree_ports(adj, sw);
        std::string args = member_args(g, k);
        if (g.round >= 0) {
            args += ",round=" + std::to_string(g.round);
        }
        bool leader = sw == g.leader;
        uint32_t to_leader = leader ? 0 : next_hop(adj, sw, g.leader);
        std::string order = "paxos:onclient(" + args + ")," + clear_in_port
                            + outputs(tree) + "resubmit(," + accept_t + ")";
        std::vector<std::string> &out = flows[sw];

        for (const Endpoint &c : g.clients) {
            if (c.sw != sw) {
                continue;
            }
            out.push_back("table=0," + prio
                          + "in_port=" + std::to_string(c.port)
                          + ",dl_dst=" + g.service_mac + ",actions="
                          + (leader ? order
                                    : "paxos:forward(" + args + "),output:"
                                          + std::to_string(to_leader)));
        }
        for (uint32_t t : tree) {
            std::string in = "table=0," + prio + "in_port=" + std::to_string(t)
                             + "," + src + ",dl_type=";
            out.push_back(
                in + "0x7a40,actions="
                + (leader ? order : "output:" + std::to_string(to_leader)));
            out.push_back(in + "0x7a01,actions=" + outputs(tree, t)
                          + "resubmit(," + accept_t + ")");
            out.push_back(in + "0x7a02,actions=" + outputs(tree, t)
                          + "resubmit(," + learn_t + ")");
        }
        out.push_back("table=" + accept_t
                      + ",dl_type=0x7a01,actions="
                        "paxos:onaccept("
                      + args + ")," + clear_in_port + outputs(tree)
                      + "resubmit(," + learn_t + ")");
        out.push_back("table=" + learn_t
                      + ",dl_type=0x7a02,actions="
                        "paxos:onlearn("
                      + args + "),resubmit(," + deliver_t + ")");
        deliver_flows(g, sw, deliver_t, out);
    }
}

}  // namespace

void expand_paxos_section(const json &section, Deployment &d, Errors &e)
{
    size_t before = e.count();
    if (!section.is_object()) {
        e.add("paxos", "must be an object");
        return;
    }
    if (section.empty()) {
        return;
    }
    static const JsonSchema schema = {
        optional("groups", JsonType::kAny, ""),
        integer("priority", 2, 65535),
    };
    Checked checked = check(section, "paxos", schema, e);
    long long priority = kPaxosDefaultPriority;
    if (checked.has("priority")) {
        priority = section["priority"].get<long long>();
    }
    const json &groups = section.value("groups", json());
    if (!groups.is_array() || groups.size() > kPaxosMaxGroups) {
        e.add("paxos.groups", "required: an array of at most "
                                  + std::to_string(kPaxosMaxGroups)
                                  + " group objects");
        return;
    }
    std::map<std::string, std::vector<std::string>> flows;
    std::set<unsigned> ids;
    std::set<std::string> entries;  // Client port + service MAC.
    for (size_t i = 0; i < groups.size(); i++) {
        std::string path = index_path("paxos.groups", i);
        Group g;
        Adjacency adj;
        if (!parse_group(e, d, groups[i], path, g)
            || !member_tree(e, d, g, path, adj)) {
            continue;
        }
        if (!ids.insert(g.id).second) {
            e.add(path + ".group",
                  "group " + std::to_string(g.id) + " defined twice");
            continue;
        }
        for (const Endpoint &c : g.clients) {
            std::string key = c.sw + ":" + std::to_string(c.port) + " "
                              + g.service_mac;
            if (!entries.insert(key).second) {
                e.add(path + ".clients",
                      "port " + std::to_string(c.port) + " of \"" + c.sw
                          + "\" already takes frames for " + g.service_mac
                          + " (in this or another group)");
            }
        }
        generate(g, i, (int) priority, adj, flows);
    }
    if (e.count() != before) {
        return;
    }
    /* Paxos frames that no group flow above accepted (from a host port, of
     * an unknown group) are dropped: only members speak Paxos. */
    for (auto &[sw, list] : flows) {
        for (const char *type : {"0x7a00", "0x7a01", "0x7a02", "0x7a03",
                                 "0x7a04", "0x7a05", "0x7a06", "0x7a40"}) {
            list.push_back("table=0,priority=" + std::to_string(priority - 1)
                           + ",dl_type=" + type + ",actions=drop");
        }
        for (SwitchSpec &s : d.switches) {
            if (s.name == sw) {
                s.flows.insert(s.flows.end(), list.begin(), list.end());
            }
        }
    }
}

}  // namespace cxxa::controller
