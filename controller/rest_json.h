// rest_json.h: the REST reply type (status code and JSON body) every route
// answers with, the {"status":"Error","reason"} error of the applications'
// routes, and the checked reading of a request body's fields.  Each error
// names the field and what it must be.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace cxxa::controller {

struct JsonReply {
    int http = 200;
    nlohmann::json body;
};

JsonReply json_error(int http, const std::string &reason);

// The body as a JSON object, else a 400 in 'reply'.
bool parse_json_body(const std::string &body, nlohmann::json &out,
                     JsonReply &reply);
// Field 'key': an IPv4 address string; a unicast MAC address string
// (all-zero refused if !allow_zero).  Else a 400 in 'reply'.
bool get_json_ip(const nlohmann::json &req, const char *key, uint32_t &ip,
                 JsonReply &reply);
bool get_json_mac(const nlohmann::json &req, const char *key, uint64_t &mac,
                  JsonReply &reply, bool allow_zero);

}  // namespace cxxa::controller
