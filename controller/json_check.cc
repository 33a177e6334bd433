// json_check.cc: see json_check.h.
#include "json_check.h"

namespace cxxa::controller {

using nlohmann::json;

std::string field_path(const std::string &path, const std::string &key)
{
    return path.empty() ? key : path + "." + key;
}

std::string index_path(const std::string &path, size_t index)
{
    return path + "[" + std::to_string(index) + "]";
}

JsonField required(const char *key, JsonType type, std::string what)
{
    return {key, type, true, 0, 0, std::move(what)};
}

JsonField optional(const char *key, JsonType type, std::string what)
{
    return {key, type, false, 0, 0, std::move(what)};
}

JsonField integer(const char *key, long long min, long long max,
                  bool is_required)
{
    return {key, JsonType::kInteger, is_required, min, max, ""};
}

namespace {

bool has_type(const json &v, JsonType type)
{
    switch (type) {
    case JsonType::kAny:
        return true;
    case JsonType::kObject:
        return v.is_object();
    case JsonType::kArray:
        return v.is_array();
    case JsonType::kString:
        return v.is_string();
    case JsonType::kBoolean:
        return v.is_boolean();
    case JsonType::kInteger:
        return v.is_number_integer();
    }
    return false;
}

// Why 'v' is not a valid value of 'f', or "" if it is.
std::string invalid(const JsonField &f, const json &v,
                    const char *required_sep)
{
    if (f.type == JsonType::kInteger) {
        bool in_range = false;
        if (v.is_number_unsigned()) {
            uint64_t x = v.get<uint64_t>();
            in_range = f.max >= 0 && x <= uint64_t(f.max)
                       && (f.min <= 0 || x >= uint64_t(f.min));
        } else if (v.is_number_integer()) {
            long long x = v.get<long long>();
            in_range = x >= f.min && x <= f.max;
        }
        if (in_range) {
            return "";
        }
        return !f.what.empty()
                   ? "must be " + f.what
                   : "must be an integer from " + std::to_string(f.min)
                         + " to " + std::to_string(f.max);
    }
    if (has_type(v, f.type)) {
        return "";
    }
    return f.required ? std::string("required") + required_sep + f.what
                      : "must be " + f.what;
}

}  // namespace

Checked check(const json &obj, const std::string &path,
              const JsonSchema &schema, Errors &e)
{
    Checked c;
    size_t before = e.count();
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool known = false;
        for (const JsonField &f : schema) {
            known = known || it.key() == f.key;
        }
        if (!known) {
            e.add(field_path(path, it.key()), "unknown field");
        }
    }
    for (const JsonField &f : schema) {
        std::string p = field_path(path, f.key);
        if (!obj.contains(f.key)) {
            if (f.required) {
                e.add(p, f.type == JsonType::kInteger && f.what.empty()
                             ? "required: an integer from "
                                   + std::to_string(f.min) + " to "
                                   + std::to_string(f.max)
                             : "required: " + f.what);
            }
            continue;
        }
        std::string why = invalid(f, obj[f.key], ": ");
        if (!why.empty()) {
            e.add(p, why);
        } else {
            c.valid_.insert(f.key);
        }
    }
    c.ok_ = e.count() == before;
    return c;
}

std::string check_request(const json &body, const JsonSchema &schema)
{
    for (auto it = body.begin(); it != body.end(); ++it) {
        bool known = false;
        for (const JsonField &f : schema) {
            known = known || it.key() == f.key;
        }
        if (!known) {
            return "\"" + it.key() + "\": unknown field";
        }
    }
    for (const JsonField &f : schema) {
        std::string key = std::string("\"") + f.key + "\": ";
        if (!body.contains(f.key)) {
            if (f.required) {
                return key + "required, " + f.what;
            }
            continue;
        }
        std::string why = invalid(f, body[f.key], ", ");
        if (!why.empty()) {
            return key + why;
        }
    }
    return "";
}

}  // namespace cxxa::controller
