// rest_json.cc: see rest_json.h.
#include "rest_json.h"

#include "inet_text.h"

namespace cxxa::controller {

using json = nlohmann::json;

JsonReply json_error(int http, const std::string &reason)
{
    return {http, {{"status", "Error"}, {"reason", reason}}};
}

bool parse_json_body(const std::string &body, json &out, JsonReply &reply)
{
    try {
        out = json::parse(body);
    } catch (const json::parse_error &e) {
        reply = json_error(400, std::string("bad JSON: ") + e.what());
        return false;
    }
    if (!out.is_object()) {
        reply = json_error(400, "bad JSON: the body must be an object");
        return false;
    }
    return true;
}

bool get_json_ip(const json &req, const char *key, uint32_t &ip,
                 JsonReply &reply)
{
    if (!req.contains(key) || !req[key].is_string()
        || !parse_ip(req[key].get<std::string>(), ip)) {
        reply = json_error(400, std::string("\"") + key
                                    + "\": required, an "
                                      "IPv4 address as a string");
        return false;
    }
    return true;
}

bool get_json_mac(const json &req, const char *key, uint64_t &mac,
                  JsonReply &reply, bool allow_zero)
{
    if (!req.contains(key) || !req[key].is_string()
        || !parse_mac(req[key].get<std::string>(), mac) || !is_unicast_mac(mac)
        || (!allow_zero && !mac)) {
        reply = json_error(400, std::string("\"") + key
                                    + "\": required, a "
                                      "unicast MAC address xx:xx:xx:xx:xx:xx");
        return false;
    }
    return true;
}

}  // namespace cxxa::controller
