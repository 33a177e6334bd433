#include "deployment.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <set>

#include "app.h"
#include "json_check.h"

namespace cxxa::controller {

using nlohmann::json;

const SwitchSpec *Deployment::find_switch(const std::string &name) const
{
    for (const SwitchSpec &s : switches) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
}

const SwitchSpec *Deployment::find_switch_by_dpid(uint64_t dpid) const
{
    for (const SwitchSpec &s : switches) {
        if (s.dpid && *s.dpid == dpid) {
            return &s;
        }
    }
    return nullptr;
}

std::string format_dpid(uint64_t dpid)
{
    char buf[17];
    snprintf(buf, sizeof buf, "%016" PRIx64, dpid);
    return buf;
}

namespace {

bool valid_name(const std::string &s)
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

std::optional<uint64_t> parse_dpid(const json &v)
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
        x = (x << 4)
            | (isdigit((unsigned char) c)
                   ? c - '0'
                   : (tolower((unsigned char) c) - 'a' + 10));
    }
    return x;
}

bool split_endpoint(const std::string &s, std::string &sw, std::string &port)
{
    size_t colon = s.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
        return false;
    }
    sw = s.substr(0, colon);
    port = s.substr(colon + 1);
    return true;
}

const char *kNameRule = "1 to 64 characters from [A-Za-z0-9_.-]";

JsonSchema switch_schema()
{
    JsonSchema schema = {
        required("name", JsonType::kString, kNameRule),
        optional("dpid", JsonType::kAny, ""),
        optional("connect", JsonType::kAny, ""),
        optional("mode", JsonType::kAny, ""),
        optional("openflow", JsonType::kAny, ""),
        integer("probe_interval", 0, 3600),
        integer("max_backoff", 1, 3600),
        integer("audit_interval", 0, 86400),
        optional("ports", JsonType::kObject,
                 "an object mapping port names "
                 "to OpenFlow port numbers"),
        optional("flows", JsonType::kArray, "an array of flow strings"),
    };
    for (const AppType *t : app_types()) {
        for (JsonField &f : t->switch_keys()) {
            schema.push_back(std::move(f));
        }
    }
    return schema;
}

// "static" and the applications' modes.
std::vector<std::string> switch_modes()
{
    std::vector<std::string> modes = {kStaticMode};
    for (const AppType *t : app_types()) {
        for (std::string &m : t->switch_modes()) {
            modes.push_back(std::move(m));
        }
    }
    return modes;
}

// "\"a\", \"b\" or \"c\"".
std::string alternatives(const std::vector<std::string> &v)
{
    std::string s;
    for (size_t i = 0; i < v.size(); i++) {
        s += (i == 0              ? ""
              : i + 1 == v.size() ? " or "
                                  : ", ")
             + ("\"" + v[i] + "\"");
    }
    return s;
}

void parse_switch(Errors &e, const json &j, const std::string &path,
                  SwitchSpec &s)
{
    static const JsonSchema schema = switch_schema();
    static const std::vector<std::string> modes = switch_modes();
    Checked c = check(j, path, schema, e);
    if (c.has("name")) {
        if (!valid_name(j["name"].get<std::string>())) {
            e.add(path + ".name", std::string("required: ") + kNameRule);
        } else {
            s.name = j["name"].get<std::string>();
        }
    }
    if (j.contains("dpid")) {
        s.dpid = parse_dpid(j["dpid"]);
        if (!s.dpid) {
            e.add(path + ".dpid",
                  "must be up to 16 hex digits "
                  "(optionally 0x-prefixed) or an unsigned integer");
        }
    }
    if (j.contains("connect")) {
        const json &v = j["connect"];
        std::string t = v.is_string() ? v.get<std::string>() : "";
        if (!t.starts_with("tcp:") && !t.starts_with("ssl:")
            && !t.starts_with("unix:")) {
            e.add(path + ".connect",
                  "must be an active OpenFlow target: "
                  "tcp:IP[:PORT], ssl:IP[:PORT] or unix:FILE (switches "
                  "that connect to us need \"dpid\" instead)");
        } else {
            s.connect = t;
        }
    }
    if (!j.contains("connect") && !j.contains("dpid")) {
        e.add(path, "needs \"connect\" (we connect to the switch) or "
                    "\"dpid\" (the switch connects to us), or both");
    }
    if (j.contains("mode")) {
        const json &v = j["mode"];
        std::string m = v.is_string() ? v.get<std::string>() : "";
        if (std::find(modes.begin(), modes.end(), m) == modes.end()) {
            e.add(path + ".mode", "must be " + alternatives(modes));
        } else {
            s.mode = m;
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
        for (const json &x : ok ? v : json::array()) {
            auto it = x.is_string() ? names.find(x.get<std::string>())
                                    : names.end();
            if (it == names.end()) {
                ok = false;
            } else {
                bits |= it->second;
            }
        }
        if (!ok) {
            e.add(path + ".openflow", "must be a non-empty array of "
                                      "\"OpenFlow10\" ... \"OpenFlow15\"");
        } else {
            s.versions = bits;
        }
    }
    if (c.has("probe_interval")) {
        int x = j["probe_interval"].get<int>();
        if (x > 0 && x < 5) {
            e.add(path + ".probe_interval", "must be 0 (off) or at least 5 "
                                            "seconds");
        }
        s.probe_interval = x;
    }
    if (c.has("max_backoff")) {
        s.max_backoff = j["max_backoff"].get<int>();
    }
    if (c.has("audit_interval")) {
        s.audit_interval = j["audit_interval"].get<int>();
    }
    if (c.has("ports")) {
        const json &v = j["ports"];
        std::set<long long> numbers;
        for (auto it = v.begin(); it != v.end(); ++it) {
            std::string p = path + ".ports." + it.key();
            if (!valid_name(it.key())) {
                e.add(p, "port name must be 1 to 64 characters from "
                         "[A-Za-z0-9_.-]");
            } else if (!it->is_number_integer() || it->get<long long>() < 1
                       || it->get<long long>() > 0xfeff) {
                e.add(p, "must be an OpenFlow port number from 1 to 65279");
            } else if (!numbers.insert(it->get<long long>()).second) {
                e.add(p, "port number " + std::to_string(it->get<long long>())
                             + " used twice");
            } else {
                s.ports[it.key()] = it->get<uint32_t>();
            }
        }
    }
    if (c.has("flows")) {
        const json &v = j["flows"];
        for (size_t i = 0; i < v.size(); i++) {
            if (!v[i].is_string()) {
                e.add(index_path(path + ".flows", i),
                      "must be a string in "
                      "ovs-ofctl add-flow syntax");
            } else {
                s.flows.push_back(v[i].get<std::string>());
            }
        }
    }
    for (const AppType *t : app_types()) {
        t->check_switch(j, path, e);
    }
}

JsonSchema document_schema()
{
    JsonSchema schema = {
        optional("description", JsonType::kString, "a string"),
        required("switches", JsonType::kArray, "an array of switch objects"),
        optional("links", JsonType::kArray,
                 "an array of {\"a\": "
                 "\"SWITCH:PORT\", \"b\": \"SWITCH:PORT\"}"),
    };
    for (const AppType *t : app_types()) {
        if (t->has_section()) {
            schema.push_back(optional(t->name(), JsonType::kAny, ""));
        }
    }
    return schema;
}

void parse_links(Errors &e, const json &links, Deployment &d)
{
    static const JsonSchema schema = {
        required("a", JsonType::kString, "\"SWITCH:PORT\""),
        required("b", JsonType::kString, "\"SWITCH:PORT\""),
    };
    for (size_t i = 0; i < links.size(); i++) {
        std::string path = index_path("links", i);
        const json &l = links[i];
        if (!l.is_object()) {
            e.add(path, "must be an object");
            continue;
        }
        Checked c = check(l, path, schema, e);
        LinkSpec link;
        bool ok = c.ok();
        for (const char *end : {"a", "b"}) {
            std::string sw, port;
            std::string p = path + "." + end;
            if (!c.has(end)) {
                continue;
            }
            if (!split_endpoint(l[end].get<std::string>(), sw, port)) {
                e.add(p, "required: \"SWITCH:PORT\"");
                ok = false;
                continue;
            }
            const SwitchSpec *s = d.find_switch(sw);
            if (!s) {
                e.add(p, "no switch named \"" + sw + "\"");
                ok = false;
            } else if (!s->ports.count(port)) {
                e.add(p, "switch \"" + sw + "\" has no port \"" + port
                             + "\" in its \"ports\"");
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

// Checks the flows of each switch from index from[i] on (all if 'from' is
// empty); 'where' names the error's path for switch i, flow k.
void check_flows(
    Errors &e, const Deployment &d, const FlowChecker &check_flow,
    const std::vector<size_t> &from,
    const std::function<void(size_t, size_t, const std::string &)> &report)
{
    for (size_t i = 0; check_flow && i < d.switches.size(); i++) {
        const SwitchSpec &s = d.switches[i];
        for (size_t k = from.empty() ? 0 : from[i]; k < s.flows.size(); k++) {
            std::string why = check_flow(s, s.flows[k]);
            if (!why.empty()) {
                report(i, k, why);
            }
        }
    }
}

}  // namespace

std::optional<Deployment> parse_deployment(const json &doc,
                                           const FlowChecker &check_flow,
                                           std::vector<std::string> &errors)
{
    static const JsonSchema schema = document_schema();
    Errors e(errors);
    Deployment d;
    size_t first_error = errors.size();

    if (!doc.is_object()) {
        e.add("(document)", "must be a JSON object");
        return std::nullopt;
    }
    Checked c = check(doc, "", schema, e);
    if (c.has("switches")) {
        const json &sws = doc["switches"];
        std::set<std::string> names, targets;
        std::set<uint64_t> dpids;
        for (size_t i = 0; i < sws.size(); i++) {
            std::string path = index_path("switches", i);
            if (!sws[i].is_object()) {
                e.add(path, "must be an object");
                continue;
            }
            SwitchSpec s;
            parse_switch(e, sws[i], path, s);
            if (!s.name.empty() && !names.insert(s.name).second) {
                e.add(path + ".name", "\"" + s.name + "\" used twice");
            }
            if (s.dpid && !dpids.insert(*s.dpid).second) {
                e.add(path + ".dpid", format_dpid(*s.dpid) + " used twice");
            }
            if (!s.connect.empty() && !targets.insert(s.connect).second) {
                e.add(path + ".connect", "\"" + s.connect + "\" used twice");
            }
            d.switches.push_back(std::move(s));
        }
    }
    if (c.has("links")) {
        parse_links(e, doc["links"], d);
    }
    for (const AppType *t : app_types()) {
        if (errors.size() == first_error) {
            t->parse(doc, d, e);
        }
    }

    // Flows last, so that a switch's ports are known to the checker.
    if (errors.size() == first_error) {
        check_flows(
            e, d, check_flow, {},
            [&](size_t i, size_t k, const std::string &why) {
                e.add(index_path(index_path("switches", i) + ".flows", k),
                      why);
            });
    }
    // Then the flows that applications generate, appended to their
    // switches'.
    for (const AppType *t : app_types()) {
        if (errors.size() != first_error) {
            break;
        }
        std::vector<size_t> n_before;
        for (const SwitchSpec &s : d.switches) {
            n_before.push_back(s.flows.size());
        }
        t->expand(doc, d, check_flow, e);
        check_flows(e, d, check_flow, n_before,
                    [&](size_t i, size_t k, const std::string &why) {
                        const SwitchSpec &s = d.switches[i];
                        e.add(t->name(), "flow generated for \"" + s.name
                                             + "\" (" + s.flows[k]
                                             + ") rejected: " + why);
                    });
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
