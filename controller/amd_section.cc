#include "amd_section.h"

#include "deployment.h"

#include <algorithm>
#include <cstdio>

namespace cxxa::controller {

using nlohmann::json;

std::string
format_ip(uint32_t a)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
             (a >> 8) & 0xff, a & 0xff);
    return buf;
}

std::string
format_mac(uint64_t m)
{
    char buf[18];
    snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x",
             unsigned(m >> 40) & 0xff, unsigned(m >> 32) & 0xff,
             unsigned(m >> 24) & 0xff, unsigned(m >> 16) & 0xff,
             unsigned(m >> 8) & 0xff, unsigned(m) & 0xff);
    return buf;
}

bool
parse_ip(const std::string &s, uint32_t &out)
{
    unsigned b[4];
    char extra;
    if (sscanf(s.c_str(), "%3u.%3u.%3u.%3u%c", &b[0], &b[1], &b[2], &b[3],
               &extra) != 4
        || b[0] > 255 || b[1] > 255 || b[2] > 255 || b[3] > 255
        || format_ip(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) != s) {
        return false;
    }
    out = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
    return true;
}

bool
parse_mac_text(const std::string &s, uint64_t &out)
{
    unsigned b[6];
    char extra;
    if (s.size() != 17
        || sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1],
                  &b[2], &b[3], &b[4], &b[5], &extra) != 6) {
        return false;
    }
    out = 0;
    for (unsigned v : b) {
        out = out << 8 | v;
    }
    return true;
}

uint32_t
AmdSettings::vip(size_t i) const
{
    /* Skip the network address when the CIDR has one. */
    return pool_base + (pool_prefix <= 30 ? 1 : 0) + static_cast<uint32_t>(i);
}

uint64_t
AmdSettings::vmac(size_t i) const
{
    return mac_prefix | (static_cast<uint64_t>(i) + 1);
}

namespace {

std::optional<uint64_t>
get_uint(const json &obj, const char *key, uint64_t min, uint64_t max,
         const std::string &path, std::vector<std::string> &errors)
{
    if (!obj.contains(key)) {
        return std::nullopt;
    }
    const json &v = obj[key];
    if (!v.is_number_unsigned() || v.get<uint64_t>() < min
        || v.get<uint64_t>() > max) {
        errors.push_back(path + "." + key + ": must be an integer from "
                         + std::to_string(min) + " to "
                         + std::to_string(max));
        return std::nullopt;
    }
    return v.get<uint64_t>();
}

void
only_keys(const json &obj, const std::string &path,
          std::initializer_list<const char *> allowed,
          std::vector<std::string> &errors)
{
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool ok = false;
        for (const char *a : allowed) {
            ok |= it.key() == a;
        }
        if (!ok) {
            errors.push_back(path + "." + it.key() + ": unknown field");
        }
    }
}

}  // namespace

AmdSettings
parse_amd_section(const json &section, const Deployment &d,
                  std::vector<std::string> &errors)
{
    AmdSettings s;
    if (section.is_null() || (section.is_object() && section.empty())) {
        return s;
    }
    if (!section.is_object()) {
        errors.push_back("amd: must be an object");
        return s;
    }
    s.enabled = true;
    only_keys(section, "amd", {"switches", "pool", "limits", "store",
                               "controller_max_packets", "forward",
                               "priority", "table"}, errors);

    if (!section.contains("switches") || !section["switches"].is_array()
        || section["switches"].empty()) {
        errors.push_back("amd.switches: required: the access switches, "
                         "a non-empty array of switch names");
    } else {
        for (size_t i = 0; i < section["switches"].size(); i++) {
            const json &v = section["switches"][i];
            std::string path = "amd.switches[" + std::to_string(i) + "]";
            if (!v.is_string()) {
                errors.push_back(path + ": must be a switch name");
            } else if (!d.find_switch(v.get<std::string>())) {
                errors.push_back(path + ": no switch named \""
                                 + v.get<std::string>() + "\"");
            } else {
                s.switches.push_back(v.get<std::string>());
            }
        }
    }

    const json pool = section.value("pool", json());
    if (!pool.is_object()) {
        errors.push_back("amd.pool: required: {\"cidr\": \"A.B.C.D/N\", "
                         "\"mac_prefix\": \"xx:xx:xx\"}");
    } else {
        only_keys(pool, "amd.pool", {"cidr", "mac_prefix"}, errors);
        std::string cidr = pool.value("cidr", "");
        size_t slash = cidr.find('/');
        uint32_t base;
        unsigned len = 0;
        char extra;
        if (slash == std::string::npos
            || !parse_ip(cidr.substr(0, slash), base)
            || sscanf(cidr.c_str() + slash + 1, "%u%c", &len, &extra) != 1
            || len < 8 || len > 32) {
            errors.push_back("amd.pool.cidr: expected A.B.C.D/N with N from "
                             "8 to 32, got \"" + cidr + "\"");
        } else {
            uint32_t mask = len ? ~0u << (32 - len) : 0;
            if (base & ~mask) {
                errors.push_back("amd.pool.cidr: " + cidr + " has host bits "
                                 "set; the network is "
                                 + format_ip(base & mask) + "/"
                                 + std::to_string(len));
            }
            s.pool_base = base & mask;
            s.pool_prefix = len;
        }
        std::string prefix = pool.value("mac_prefix", "");
        unsigned b[5];
        int n = 0, consumed = 0;
        for (; n < 5; n++) {
            int c = 0;
            if (sscanf(prefix.c_str() + consumed, n ? ":%2x%n" : "%2x%n",
                       &b[n], &c) != 1) {
                break;
            }
            consumed += c;
        }
        if (n == 0 || static_cast<size_t>(consumed) != prefix.size()) {
            errors.push_back("amd.pool.mac_prefix: expected 1 to 5 bytes "
                             "as xx:xx:..., got \"" + prefix + "\"");
        } else if (b[0] & 1) {
            errors.push_back("amd.pool.mac_prefix: " + prefix
                             + " is a multicast prefix");
        } else {
            s.mac_prefix_bytes = n;
            for (int i = 0; i < n; i++) {
                s.mac_prefix |= static_cast<uint64_t>(b[i]) << (40 - 8 * i);
            }
        }
        /* (After an error above the whole file is refused anyway.) */
        uint64_t hosts = 1ull << (32 - s.pool_prefix);
        if (s.pool_prefix <= 30) {
            hosts -= 2;                     /* Network and broadcast. */
        }
        uint64_t macs = s.mac_prefix_bytes
            ? (1ull << (8 * (6 - s.mac_prefix_bytes))) - 2 : 0;
        s.pool_size = std::min<uint64_t>({hosts, macs, kAmdMaxServers});
    }

    const json limits = section.value("limits", json::object());
    if (!limits.is_object()) {
        errors.push_back("amd.limits: must be an object");
    } else {
        only_keys(limits, "amd.limits",
                  {"max_packets", "max_bytes", "max_age_ms"}, errors);
        s.max_packets = get_uint(limits, "max_packets", 1, 1u << 24,
                                 "amd.limits", errors);
        s.max_bytes = get_uint(limits, "max_bytes", 1, 1ull << 40,
                               "amd.limits", errors);
        s.max_age_ms = get_uint(limits, "max_age_ms", 1, UINT32_MAX,
                                "amd.limits", errors);
    }
    if (section.contains("store")) {
        const json &v = section["store"];
        if (v == "switch") {
            s.store = AmdStore::kSwitch;
        } else if (v == "controller") {
            s.store = AmdStore::kController;
        } else {
            errors.push_back("amd.store: must be \"switch\" or "
                             "\"controller\" (the seed's way, a baseline)");
        }
    }
    if (auto v = get_uint(section, "controller_max_packets", 1, 10000000,
                          "amd", errors)) {
        s.controller_max_packets = *v;
    }
    if (section.contains("forward")) {
        if (!section["forward"].is_string()
            || section["forward"].get<std::string>().empty()) {
            errors.push_back("amd.forward: must be the actions that forward "
                             "a rewritten request, e.g. \"NORMAL\"");
        } else {
            s.forward = section["forward"].get<std::string>();
        }
    }
    if (auto v = get_uint(section, "priority", 1, 65535, "amd", errors)) {
        s.priority = static_cast<int>(*v);
    }
    if (auto v = get_uint(section, "table", 0, 254, "amd", errors)) {
        s.table = static_cast<int>(*v);
    }
    return s;
}

}  // namespace cxxa::controller
