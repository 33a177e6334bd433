#include "apps/amd/amd_section.h"

#include <algorithm>

#include "deployment.h"
#include "inet_text.h"

namespace cxxa::controller {

using nlohmann::json;

uint32_t AmdSettings::vip(size_t i) const
{
    /* Skip the network address when the CIDR has one. */
    return pool_base + (pool_prefix <= 30 ? 1 : 0) + static_cast<uint32_t>(i);
}

uint64_t AmdSettings::vmac(size_t i) const
{
    return mac_prefix | (static_cast<uint64_t>(i) + 1);
}

AmdSettings parse_amd_section(const json &section, const Deployment &d,
                              Errors &e)
{
    static const JsonSchema schema = {
        required("switches", JsonType::kArray,
                 "the access switches, a "
                 "non-empty array of switch names"),
        required("pool", JsonType::kObject,
                 "{\"cidr\": \"A.B.C.D/N\", "
                 "\"mac_prefix\": \"xx:xx:xx\"}"),
        optional("limits", JsonType::kObject, "an object"),
        optional("store", JsonType::kAny, ""),
        integer("controller_max_packets", 1, 10000000),
        optional("forward", JsonType::kAny, ""),
        integer("priority", 1, 65535),
        integer("table", 0, 254),
        optional("release", JsonType::kObject,
                 "{\"paced\": true, \"table\": T, \"rate\": N, "
                 "\"burst\": N}"),
    };
    static const JsonSchema release_schema = {
        optional("paced", JsonType::kBoolean, "true or false"),
        integer("table", 0, 254),
        integer("rate", 1, 10000000),
        integer("burst", 1, 4096),
    };
    static const JsonSchema pool_schema = {
        optional("cidr", JsonType::kAny, ""),
        optional("mac_prefix", JsonType::kAny, ""),
    };
    static const JsonSchema limits_schema = {
        integer("max_packets", 1, 1u << 24),
        integer("max_bytes", 1, 1ll << 40),
        integer("max_age_ms", 1, UINT32_MAX),
    };
    AmdSettings s;
    if (section.is_null() || (section.is_object() && section.empty())) {
        return s;
    }
    if (!section.is_object()) {
        e.add("amd", "must be an object");
        return s;
    }
    s.enabled = true;
    Checked c = check(section, "amd", schema, e);

    if (c.has("switches") && section["switches"].empty()) {
        e.add("amd.switches", "required: the access switches, a non-empty "
                              "array of switch names");
    } else if (c.has("switches")) {
        for (size_t i = 0; i < section["switches"].size(); i++) {
            const json &v = section["switches"][i];
            std::string path = index_path("amd.switches", i);
            if (!v.is_string()) {
                e.add(path, "must be a switch name");
            } else if (!d.find_switch(v.get<std::string>())) {
                e.add(path,
                      "no switch named \"" + v.get<std::string>() + "\"");
            } else {
                s.switches.push_back(v.get<std::string>());
            }
        }
    }

    if (c.has("pool")) {
        const json &pool = section["pool"];
        check(pool, "amd.pool", pool_schema, e);
        std::string cidr = pool.value("cidr", json("")).is_string()
                               ? pool.value("cidr", "")
                               : "";
        uint32_t base;
        unsigned len;
        if (!parse_cidr(cidr, base, len, 8, 32)) {
            e.add("amd.pool.cidr", "expected A.B.C.D/N with N from 8 to 32, "
                                   "got \""
                                       + cidr + "\"");
        } else {
            uint32_t mask = len ? ~0u << (32 - len) : 0;
            if (base & ~mask) {
                e.add("amd.pool.cidr", cidr
                                           + " has host bits set; the "
                                             "network is "
                                           + format_ip(base & mask) + "/"
                                           + std::to_string(len));
            }
            s.pool_base = base & mask;
            s.pool_prefix = len;
        }
        std::string prefix = pool.value("mac_prefix", json("")).is_string()
                                 ? pool.value("mac_prefix", "")
                                 : "";
        uint64_t mac_prefix;
        unsigned n;
        if (!parse_mac_prefix(prefix, mac_prefix, n)) {
            e.add("amd.pool.mac_prefix", "expected 1 to 5 bytes as "
                                         "xx:xx:..., got \""
                                             + prefix + "\"");
        } else if (!is_unicast_mac(mac_prefix)) {
            e.add("amd.pool.mac_prefix", prefix + " is a multicast prefix");
        } else {
            s.mac_prefix_bytes = n;
            s.mac_prefix = mac_prefix;
        }
        /* (After an error above the whole file is refused anyway.) */
        uint64_t hosts = 1ull << (32 - s.pool_prefix);
        if (s.pool_prefix <= 30) {
            hosts -= 2; /* Network and broadcast. */
        }
        uint64_t macs = s.mac_prefix_bytes
                            ? (1ull << (8 * (6 - s.mac_prefix_bytes))) - 2
                            : 0;
        s.pool_size = std::min<uint64_t>({hosts, macs, kAmdMaxServers});
    }

    if (c.has("limits")) {
        const json &limits = section["limits"];
        Checked l = check(limits, "amd.limits", limits_schema, e);
        for (auto [key, out] : {std::pair("max_packets", &s.max_packets),
                                std::pair("max_bytes", &s.max_bytes),
                                std::pair("max_age_ms", &s.max_age_ms)}) {
            if (l.has(key)) {
                *out = limits[key].get<uint64_t>();
            }
        }
    }
    if (section.contains("store")) {
        const json &v = section["store"];
        if (v == "switch") {
            s.store = AmdStore::kSwitch;
        } else if (v == "controller") {
            s.store = AmdStore::kController;
        } else {
            e.add("amd.store",
                  "must be \"switch\" or \"controller\" "
                  "(requests kept in the controller, a baseline)");
        }
    }
    if (c.has("controller_max_packets")) {
        s.controller_max_packets = section["controller_max_packets"];
    }
    if (section.contains("forward")) {
        if (!section["forward"].is_string()
            || section["forward"].get<std::string>().empty()) {
            e.add("amd.forward", "must be the actions that forward a "
                                 "rewritten request, e.g. \"NORMAL\"");
        } else {
            s.forward = section["forward"].get<std::string>();
        }
    }
    if (c.has("priority")) {
        s.priority = section["priority"];
    }
    if (c.has("table")) {
        s.table = section["table"];
    }
    if (c.has("release")) {
        const json &r = section["release"];
        Checked rc = check(r, "amd.release", release_schema, e);
        if (rc.has("paced")) {
            s.paced = r["paced"];
        }
        if (rc.has("table")) {
            s.release_table = r["table"];
        }
        if (rc.has("rate")) {
            s.rate = r["rate"];
        }
        if (rc.has("burst")) {
            s.burst = r["burst"];
        }
    }
    if (s.paced && s.store == AmdStore::kSwitch) {
        if (s.paced_table() > 254) {
            e.add("amd.release.table",
                  "required when amd.table is 254 (paced releases need a "
                  "table of their own)");
        } else if (s.paced_table() == s.table) {
            e.add("amd.release.table",
                  "must differ from amd.table (" + std::to_string(s.table)
                      + "): released requests would be stored again");
        }
    }
    return s;
}

}  // namespace cxxa::controller
