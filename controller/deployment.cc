#include "deployment.h"

#include "nat_service.h"
#include "paxos_section.h"

#include <cinttypes>
#include <cstdio>
#include <set>

namespace cxxa::controller {

using nlohmann::json;

const char *
switch_mode_name(SwitchMode mode)
{
    switch (mode) {
    case SwitchMode::kStatic: return "static";
    case SwitchMode::kLearning: return "learning";
    case SwitchMode::kLearningNoFlows: return "learning-no-flows";
    }
    return "?";
}

const SwitchSpec *
Deployment::find_switch(const std::string &name) const
{
    for (const SwitchSpec &s : switches) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
}

const SwitchSpec *
Deployment::find_switch_by_dpid(uint64_t dpid) const
{
    for (const SwitchSpec &s : switches) {
        if (s.dpid && *s.dpid == dpid) {
            return &s;
        }
    }
    return nullptr;
}

std::string
format_dpid(uint64_t dpid)
{
    char buf[17];
    snprintf(buf, sizeof buf, "%016" PRIx64, dpid);
    return buf;
}

namespace {

// Collects errors, each prefixed with the path of the field it is about.
class Checker {
public:
    explicit Checker(std::vector<std::string> &errors) : errors_(errors) {}

    void error(const std::string &path, const std::string &why)
    {
        errors_.push_back(path + ": " + why);
    }

    // Rejects keys of 'obj' not in 'allowed' (typos must not pass silently).
    void only_keys(const json &obj, const std::string &path,
                   std::initializer_list<const char *> allowed)
    {
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            bool known = false;
            for (const char *k : allowed) {
                known = known || it.key() == k;
            }
            if (!known) {
                error(path.empty() ? it.key() : path + "." + it.key(),
                      "unknown field");
            }
        }
    }

    bool get_int(const json &obj, const std::string &path, const char *key,
                 long long min, long long max, long long &out)
    {
        if (!obj.contains(key)) {
            return false;
        }
        const json &v = obj[key];
        if (!v.is_number_integer()) {
            error(path + "." + key, "must be an integer");
            return false;
        }
        long long x = v.get<long long>();
        if (x < min || x > max) {
            error(path + "." + key, "must be between " + std::to_string(min)
                  + " and " + std::to_string(max));
            return false;
        }
        out = x;
        return true;
    }

private:
    std::vector<std::string> &errors_;
};

bool
valid_name(const std::string &s)
{
    if (s.empty() || s.size() > 64) {
        return false;
    }
    for (char c : s) {
        if (!isalnum((unsigned char) c) && c != '-' && c != '_' && c != '.') {
            return false;
        }
    }
    return true;
}

std::optional<uint64_t>
parse_dpid(const json &v)
{
    if (v.is_number_unsigned()) {
        return v.get<uint64_t>();
    }
    if (!v.is_string()) {
        return std::nullopt;
    }
    std::string s = v.get<std::string>();
    if (s.starts_with("0x") || s.starts_with("0X")) {
        s = s.substr(2);
    }
    if (s.empty() || s.size() > 16) {
        return std::nullopt;
    }
    uint64_t x = 0;
    for (char c : s) {
        if (!isxdigit((unsigned char) c)) {
            return std::nullopt;
        }
        x = (x << 4) | (isdigit((unsigned char) c) ? c - '0'
                        : (tolower((unsigned char) c) - 'a' + 10));
    }
    return x;
}

bool
split_endpoint(const std::string &s, std::string &sw, std::string &port)
{
    size_t colon = s.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
        return false;
    }
    sw = s.substr(0, colon);
    port = s.substr(colon + 1);
    return true;
}

void
parse_switch(Checker &c, const json &j, const std::string &path,
             SwitchSpec &s)
{
    c.only_keys(j, path, {"name", "dpid", "connect", "mode", "openflow",
                          "probe_interval", "max_backoff", "audit_interval",
                          "idle_timeout",
                          "mac_table_size", "ports", "flows"});
    if (!j.contains("name") || !j["name"].is_string()
        || !valid_name(j["name"].get<std::string>())) {
        c.error(path + ".name", "required: 1 to 64 characters from "
                "[A-Za-z0-9_.-]");
    } else {
        s.name = j["name"].get<std::string>();
    }
    if (j.contains("dpid")) {
        s.dpid = parse_dpid(j["dpid"]);
        if (!s.dpid) {
            c.error(path + ".dpid", "must be up to 16 hex digits "
                    "(optionally 0x-prefixed) or an unsigned integer");
        }
    }
    if (j.contains("connect")) {
        const json &v = j["connect"];
        std::string t = v.is_string() ? v.get<std::string>() : "";
        if (!t.starts_with("tcp:") && !t.starts_with("ssl:")
            && !t.starts_with("unix:")) {
            c.error(path + ".connect", "must be an active OpenFlow target: "
                    "tcp:IP[:PORT], ssl:IP[:PORT] or unix:FILE (switches "
                    "that connect to us need \"dpid\" instead)");
        } else {
            s.connect = t;
        }
    }
    if (!j.contains("connect") && !j.contains("dpid")) {
        c.error(path, "needs \"connect\" (we connect to the switch) or "
                "\"dpid\" (the switch connects to us), or both");
    }
    if (j.contains("mode")) {
        const json &v = j["mode"];
        std::string m = v.is_string() ? v.get<std::string>() : "";
        if (m == "static") {
            s.mode = SwitchMode::kStatic;
        } else if (m == "learning") {
            s.mode = SwitchMode::kLearning;
        } else if (m == "learning-no-flows") {
            s.mode = SwitchMode::kLearningNoFlows;
        } else {
            c.error(path + ".mode", "must be \"static\", \"learning\" or "
                    "\"learning-no-flows\"");
        }
    }
    if (j.contains("openflow")) {
        const json &v = j["openflow"];
        static const std::map<std::string, uint32_t> names = {
            {"OpenFlow10", kOf10}, {"OpenFlow11", kOf11},
            {"OpenFlow12", kOf12}, {"OpenFlow13", kOf13},
            {"OpenFlow14", kOf14}, {"OpenFlow15", kOf15},
        };
        uint32_t bits = 0;
        bool ok = v.is_array() && !v.empty();
        for (const json &e : ok ? v : json::array()) {
            auto it = e.is_string() ? names.find(e.get<std::string>())
                                    : names.end();
            if (it == names.end()) {
                ok = false;
            } else {
                bits |= it->second;
            }
        }
        if (!ok) {
            c.error(path + ".openflow", "must be a non-empty array of "
                    "\"OpenFlow10\" ... \"OpenFlow15\"");
        } else {
            s.versions = bits;
        }
    }
    long long x;
    if (c.get_int(j, path, "probe_interval", 0, 3600, x)) {
        if (x > 0 && x < 5) {
            c.error(path + ".probe_interval", "must be 0 (off) or at least 5 "
                    "seconds");
        }
        s.probe_interval = (int) x;
    }
    if (c.get_int(j, path, "max_backoff", 1, 3600, x)) {
        s.max_backoff = (int) x;
    }
    if (c.get_int(j, path, "audit_interval", 0, 86400, x)) {
        s.audit_interval = (int) x;
    }
    if (c.get_int(j, path, "idle_timeout", 0, 65535, x)) {
        s.idle_timeout = (int) x;
    }
    if (c.get_int(j, path, "mac_table_size", 1, 1000000, x)) {
        s.mac_table_size = (size_t) x;
    }
    if (j.contains("ports")) {
        const json &v = j["ports"];
        if (!v.is_object()) {
            c.error(path + ".ports", "must be an object mapping port names "
                    "to OpenFlow port numbers");
        } else {
            std::set<long long> numbers;
            for (auto it = v.begin(); it != v.end(); ++it) {
                std::string p = path + ".ports." + it.key();
                if (!valid_name(it.key())) {
                    c.error(p, "port name must be 1 to 64 characters from "
                            "[A-Za-z0-9_.-]");
                } else if (!it->is_number_integer()
                           || it->get<long long>() < 1
                           || it->get<long long>() > 0xfeff) {
                    c.error(p, "must be an OpenFlow port number from 1 to "
                            "65279");
                } else if (!numbers.insert(it->get<long long>()).second) {
                    c.error(p, "port number " + std::to_string(
                                it->get<long long>()) + " used twice");
                } else {
                    s.ports[it.key()] = it->get<uint32_t>();
                }
            }
        }
    }
    if (j.contains("flows")) {
        const json &v = j["flows"];
        if (!v.is_array()) {
            c.error(path + ".flows", "must be an array of flow strings");
        } else {
            for (size_t i = 0; i < v.size(); i++) {
                std::string p = path + ".flows[" + std::to_string(i) + "]";
                if (!v[i].is_string()) {
                    c.error(p, "must be a string in ovs-ofctl add-flow "
                            "syntax");
                } else {
                    s.flows.push_back(v[i].get<std::string>());
                }
            }
        }
    }
}

}  // namespace

std::optional<Deployment>
parse_deployment(const json &doc, const FlowChecker &check_flow,
                 std::vector<std::string> &errors)
{
    Checker c(errors);
    Deployment d;
    size_t first_error = errors.size();

    if (!doc.is_object()) {
        c.error("(document)", "must be a JSON object");
        return std::nullopt;
    }
    c.only_keys(doc, "", {"description", "switches", "links", "paxos", "amd",
                          "nat"});
    if (doc.contains("description") && !doc["description"].is_string()) {
        c.error("description", "must be a string");
    }
    if (!doc.contains("switches") || !doc["switches"].is_array()) {
        c.error("switches", "required: an array of switch objects");
    } else {
        const json &sws = doc["switches"];
        std::set<std::string> names, targets;
        std::set<uint64_t> dpids;
        for (size_t i = 0; i < sws.size(); i++) {
            std::string path = "switches[" + std::to_string(i) + "]";
            if (!sws[i].is_object()) {
                c.error(path, "must be an object");
                continue;
            }
            SwitchSpec s;
            parse_switch(c, sws[i], path, s);
            if (!s.name.empty() && !names.insert(s.name).second) {
                c.error(path + ".name", "\"" + s.name + "\" used twice");
            }
            if (s.dpid && !dpids.insert(*s.dpid).second) {
                c.error(path + ".dpid", format_dpid(*s.dpid) + " used twice");
            }
            if (!s.connect.empty() && !targets.insert(s.connect).second) {
                c.error(path + ".connect", "\"" + s.connect
                        + "\" used twice");
            }
            d.switches.push_back(std::move(s));
        }
    }
    if (doc.contains("links")) {
        const json &links = doc["links"];
        if (!links.is_array()) {
            c.error("links", "must be an array of {\"a\": \"SWITCH:PORT\", "
                    "\"b\": \"SWITCH:PORT\"}");
        } else {
            for (size_t i = 0; i < links.size(); i++) {
                std::string path = "links[" + std::to_string(i) + "]";
                const json &l = links[i];
                if (!l.is_object()) {
                    c.error(path, "must be an object");
                    continue;
                }
                c.only_keys(l, path, {"a", "b"});
                LinkSpec link;
                bool ok = true;
                for (const char *end : {"a", "b"}) {
                    std::string sw, port;
                    std::string p = path + "." + end;
                    if (!l.contains(end) || !l[end].is_string()
                        || !split_endpoint(l[end].get<std::string>(), sw,
                                           port)) {
                        c.error(p, "required: \"SWITCH:PORT\"");
                        ok = false;
                        continue;
                    }
                    const SwitchSpec *s = d.find_switch(sw);
                    if (!s) {
                        c.error(p, "no switch named \"" + sw + "\"");
                        ok = false;
                    } else if (!s->ports.count(port)) {
                        c.error(p, "switch \"" + sw + "\" has no port \""
                                + port + "\" in its \"ports\"");
                        ok = false;
                    }
                    (end[0] == 'a' ? link.a_switch : link.b_switch) = sw;
                    (end[0] == 'a' ? link.a_port : link.b_port) = port;
                }
                if (ok) {
                    d.links.push_back(link);
                }
            }
        }
    }
    d.paxos = doc.value("paxos", json::object());
    d.amd = doc.value("amd", json::object());
    if (errors.size() == first_error) {
        d.amd_settings = parse_amd_section(d.amd, d, errors);
    }
    d.nat = doc.value("nat", json::object());
    if (errors.size() == first_error) {
        d.nat_settings = parse_nat_section(d.nat, d, errors);
    }

    // Flows last, so that a switch's ports are known to the checker.
    if (errors.size() == first_error && check_flow) {
        for (size_t i = 0; i < d.switches.size(); i++) {
            const SwitchSpec &s = d.switches[i];
            for (size_t k = 0; k < s.flows.size(); k++) {
                std::string why = check_flow(s, s.flows[k]);
                if (!why.empty()) {
                    c.error("switches[" + std::to_string(i) + "].flows["
                            + std::to_string(k) + "]", why);
                }
            }
        }
    }
    // Then the flows that sections generate, appended to their switches'.
    if (errors.size() == first_error) {
        std::vector<size_t> n_user;
        for (const SwitchSpec &s : d.switches) {
            n_user.push_back(s.flows.size());
        }
        expand_paxos_section(d.paxos, d, errors);
        for (size_t i = 0; check_flow && i < d.switches.size(); i++) {
            const SwitchSpec &s = d.switches[i];
            for (size_t k = n_user[i]; k < s.flows.size(); k++) {
                std::string why = check_flow(s, s.flows[k]);
                if (!why.empty()) {
                    c.error("paxos", "flow generated for \"" + s.name
                            + "\" (" + s.flows[k] + ") rejected: " + why);
                }
            }
        }
        /* The NAT routers' flows are made at run time (they follow what
         * is learned); check every kind of them now. */
        for (size_t i = 0; check_flow && i < d.nat_settings.routers.size();
             i++) {
            const NatRouterSettings &r = d.nat_settings.routers[i];
            const SwitchSpec *s = d.find_switch(r.sw);
            for (const std::string &f : s ? NatService::sample_flows(r)
                                          : std::vector<std::string>()) {
                std::string why = check_flow(*s, f);
                if (!why.empty()) {
                    c.error("nat.routers[" + std::to_string(i) + "]",
                            "flow generated for \"" + r.sw + "\" (" + f
                            + ") rejected: " + why);
                }
            }
        }
    }
    if (errors.size() != first_error) {
        return std::nullopt;
    }
    d.source = doc;
    return d;
}

std::optional<Deployment>
parse_deployment_text(const std::string &text, const FlowChecker &check_flow,
                      std::vector<std::string> &errors)
{
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
        // Re-parse with exceptions for the position and reason.
        try {
            json again = json::parse(text);
        } catch (const json::parse_error &e) {
            errors.push_back(std::string("(document): malformed JSON: ")
                             + e.what());
            return std::nullopt;
        }
        errors.push_back("(document): malformed JSON");
        return std::nullopt;
    }
    return parse_deployment(doc, check_flow, errors);
}

}  // namespace cxxa::controller
