// json_check.h: declarative validation of JSON objects (deployment
// sections and REST request bodies).
//
// A schema lists an object's keys: required or optional, of which JSON
// type, integers within which range.  check() reports every unknown key,
// missing required key, wrong type and out-of-range integer as one
// "PATH: why" error, PATH naming the field from the document's root
// ("switches[0].ports.p1", "SECTION.groups[1].members[0]").  What a
// schema cannot say (an address that must parse, a switch that must
// exist) the caller checks after, on the fields check() found valid,
// with Errors::add and the same paths.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cxxa::controller {

// "PATH: why" lines, appended to a caller's vector.
class Errors {
  public:
    explicit Errors(std::vector<std::string> &out) : out_(out) {}
    void add(const std::string &path, const std::string &why)
    {
        out_.push_back(path + ": " + why);
    }
    size_t count() const { return out_.size(); }
    const std::vector<std::string> &lines() const { return out_; }

  private:
    std::vector<std::string> &out_;
};

// Paths: "a" + "b" = "a.b" ("" + "b" = "b"); "a" + 3 = "a[3]".
std::string field_path(const std::string &path, const std::string &key);
std::string index_path(const std::string &path, size_t index);

enum class JsonType {
    kAny,
    kObject,
    kArray,
    kString,
    kBoolean,
    kInteger,
};

struct JsonField {
    const char *key;
    JsonType type = JsonType::kAny;
    bool required = false;
    long long min = 0, max = 0;  // kInteger only.
    // What the value must be, for errors: a missing required field says
    // "required: WHAT", a wrong type "must be WHAT" (a required field:
    // "required: WHAT" too).  Integers say "must be an integer from MIN to
    // MAX" unless 'what' is given.
    std::string what;
};

// Schema builders.
JsonField required(const char *key, JsonType, std::string what);
JsonField optional(const char *key, JsonType, std::string what);
JsonField integer(const char *key, long long min, long long max,
                  bool is_required = false);

using JsonSchema = std::vector<JsonField>;

// The result of a check: which of the schema's fields are present and
// valid.
class Checked {
  public:
    bool ok() const { return ok_; }
    // Present and of the right type (and range).
    bool has(const char *key) const { return valid_.count(key) != 0; }

  private:
    friend Checked check(const nlohmann::json &, const std::string &,
                         const JsonSchema &, Errors &);
    bool ok_ = true;
    std::set<std::string> valid_;
};

// Checks 'obj' (an object) at 'path' against 'schema'.  Errors are added
// unknown keys first (in key order), then per field in schema order.
Checked check(const nlohmann::json &obj, const std::string &path,
              const JsonSchema &schema, Errors &);

// The first error of checking a REST request body against 'schema',
// worded for a reply: "\"KEY\": required, WHAT", "\"KEY\": must be WHAT",
// "\"KEY\": unknown field"; "" if none.
std::string check_request(const nlohmann::json &body,
                          const JsonSchema &schema);

}  // namespace cxxa::controller
