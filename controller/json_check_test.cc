// The declarative JSON validation helper: each rule, and the paths and
// wording of its errors.
#include <gtest/gtest.h>

#include "json_check.h"

using namespace cxxa::controller;
using nlohmann::json;

namespace {

const JsonSchema kSchema = {
    required("name", JsonType::kString, "a name"),
    optional("tags", JsonType::kArray, "an array of tags"),
    optional("on", JsonType::kBoolean, "true or false"),
    optional("sub", JsonType::kObject, "an object"),
    integer("size", 1, 10),
    optional("any", JsonType::kAny, ""),
};

std::vector<std::string> errors_of(const json &obj,
                                   const std::string &path = "top")
{
    std::vector<std::string> out;
    Errors e(out);
    check(obj, path, kSchema, e);
    return out;
}

}  // namespace

TEST(JsonCheckTest, ValidObjectHasEveryPresentField)
{
    std::vector<std::string> out;
    Errors e(out);
    json obj = {{"name", "x"}, {"size", 10}, {"any", {1, "two"}}};
    Checked c = check(obj, "top", kSchema, e);
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(c.has("name"));
    EXPECT_TRUE(c.has("size"));
    EXPECT_TRUE(c.has("any"));
    EXPECT_FALSE(c.has("tags"));  // Absent.
}

TEST(JsonCheckTest, MissingRequiredKey)
{
    EXPECT_EQ(errors_of(json::object()),
              std::vector<std::string>{"top.name: required: a name"});
    std::vector<std::string> out;
    Errors e(out);
    check(json::object(), "", {integer("n", 0, 5, true)}, e);
    EXPECT_EQ(out,
              std::vector<std::string>{"n: required: an integer from 0 to 5"});
}

TEST(JsonCheckTest, UnknownKeysComeFirstInKeyOrder)
{
    auto e = errors_of({{"name", "x"}, {"zz", 1}, {"aa", 2}});
    EXPECT_EQ(e, (std::vector<std::string>{"top.aa: unknown field",
                                           "top.zz: unknown field"}));
}

TEST(JsonCheckTest, WrongType)
{
    auto e = errors_of({{"name", 5},
                        {"tags", "t"},
                        {"on", 1},
                        {"sub", json::array()},
                        {"size", "3"}});
    EXPECT_EQ(
        e,
        (std::vector<std::string>{
            "top.name: required: a name", "top.tags: must be an array of tags",
            "top.on: must be true or false", "top.sub: must be an object",
            "top.size: must be an integer from 1 to 10"}));
    // Not an integer: floats and booleans.
    EXPECT_FALSE(errors_of({{"name", "x"}, {"size", 2.5}}).empty());
    EXPECT_FALSE(errors_of({{"name", "x"}, {"size", true}}).empty());
}

TEST(JsonCheckTest, OutOfRange)
{
    for (json v : {json(0), json(11), json(-1), json(1ull << 63)}) {
        EXPECT_EQ(errors_of({{"name", "x"}, {"size", v}}),
                  std::vector<std::string>{
                      "top.size: must be an integer from 1 to 10"})
            << v;
    }
    EXPECT_TRUE(errors_of({{"name", "x"}, {"size", 1}}).empty());
    std::vector<std::string> out;
    Errors e(out);
    check({{"n", -5}}, "", {integer("n", -5, UINT32_MAX)}, e);
    check({{"n", 4294967295ull}}, "", {integer("n", -5, UINT32_MAX)}, e);
    EXPECT_TRUE(out.empty());
}

TEST(JsonCheckTest, NestedPathsInErrors)
{
    EXPECT_EQ(field_path("", "a"), "a");
    EXPECT_EQ(field_path("a", "b"), "a.b");
    EXPECT_EQ(index_path("a.b", 3), "a.b[3]");
    std::string path = index_path(index_path("app.routers", 0) + ".interfaces",
                                  1);
    auto e = errors_of({{"name", "x"}, {"size", 99}}, path);
    EXPECT_EQ(e, std::vector<std::string>{
                     "app.routers[0].interfaces[1].size: must be an integer "
                     "from 1 to 10"});
    EXPECT_EQ(errors_of({{"bad", 1}, {"name", "x"}}, ""),
              std::vector<std::string>{"bad: unknown field"});
}

TEST(JsonCheckTest, RequestWordingIsTheFirstError)
{
    EXPECT_EQ(check_request({{"name", "x"}}, kSchema), "");
    EXPECT_EQ(check_request({{"zz", 1}, {"size", 0}}, kSchema),
              "\"zz\": unknown field");
    EXPECT_EQ(check_request(json::object(), kSchema),
              "\"name\": required, a name");
    EXPECT_EQ(check_request({{"name", 1}}, kSchema),
              "\"name\": required, a name");
    EXPECT_EQ(check_request({{"name", "x"}, {"on", "yes"}}, kSchema),
              "\"on\": must be true or false");
    EXPECT_EQ(check_request({{"name", "x"}, {"size", 11}}, kSchema),
              "\"size\": must be an integer from 1 to 10");
}
