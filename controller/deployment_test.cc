// Deployment file validation: every rule gives an error naming the field.
#include <gtest/gtest.h>

#include "app.h"
#include "deployment.h"
#include "deployment_errors.h"
#include "ofp_flows.h"

using namespace cxxa::controller;
using namespace cxxa::controller::testing;
using nlohmann::json;

namespace {

const char *kGood = R"J({
  "switches": [
    {"name": "s1", "connect": "tcp:127.0.0.1:6641",
     "ports": {"in": 1, "out": 2},
     "flows": ["priority=5,in_port=in,actions=router:echo_reply,output:out"]},
    {"name": "s2", "dpid": "0x2", "mode": "static",
     "openflow": ["OpenFlow13"], "ports": {"up": 3}}
  ],
  "links": [{"a": "s1:out", "b": "s2:up"}]
})J";

}  // namespace

TEST(DeploymentTest, ValidDocument)
{
    std::vector<std::string> errors;
    auto d = parse_deployment_text(kGood, check_flow_text, errors);
    ASSERT_TRUE(d) << (errors.empty() ? "" : errors[0]);
    ASSERT_EQ(d->switches.size(), 2u);
    EXPECT_EQ(d->switches[0].connect, "tcp:127.0.0.1:6641");
    EXPECT_EQ(d->switches[0].versions, kOf10 | kOf13);
    EXPECT_EQ(d->switches[1].dpid, 2u);
    EXPECT_EQ(d->switches[1].mode, "static");
    EXPECT_EQ(d->switches[1].versions, kOf13);
    EXPECT_EQ(d->switches[0].ports.at("out"), 2u);
    ASSERT_EQ(d->links.size(), 1u);
    EXPECT_EQ(d->links[0].b_port, "up");
    EXPECT_EQ(d->find_switch_by_dpid(2)->name, "s2");
}

TEST(DeploymentTest, MalformedJsonSaysWhere)
{
    auto e = errors_of("{\"switches\": [");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_NE(e[0].find("malformed JSON"), std::string::npos);
    EXPECT_NE(e[0].find("column"), std::string::npos);
}

TEST(DeploymentTest, NotAnObject)
{
    EXPECT_TRUE(has_error(errors_of("[1,2]"), "(document): must be"));
    EXPECT_TRUE(has_error(errors_of("{}"), "switches: required"));
}

TEST(DeploymentTest, UnknownFieldsAreErrors)
{
    auto e = errors_of(R"J({"switches": [{"name": "s1", "dpid": 1,
                           "flow": []}], "swiches": []})J");
    EXPECT_TRUE(has_error(e, "switches[0].flow: unknown field"));
    EXPECT_TRUE(has_error(e, "swiches: unknown field"));
}

TEST(DeploymentTest, SwitchFields)
{
    auto e = errors_of(R"J({"switches": [
        {"name": "bad name!", "dpid": "xyz"},
        {"name": "s2"},
        {"name": "s3", "connect": "ptcp:6653"},
        {"name": "s4", "dpid": 4, "mode": "hub", "openflow": ["OpenFlow99"],
         "probe_interval": 2, "max_backoff": 0,
         "ports": {"p": 0, "q": 65280, "r": "1"}},
        {"name": "s5", "dpid": 5, "ports": {"a": 1, "b": 1}}
    ]})J");
    EXPECT_TRUE(has_error(e, "switches[0].name: required"));
    EXPECT_TRUE(has_error(e, "switches[0].dpid: must be"));
    EXPECT_TRUE(has_error(e, "switches[1]: needs \"connect\""));
    EXPECT_TRUE(has_error(e, "switches[2].connect: must be an active"));
    EXPECT_TRUE(has_error(e, "switches[3].mode: must be"));
    EXPECT_TRUE(has_error(e, "switches[3].openflow: must be"));
    EXPECT_TRUE(has_error(e, "switches[3].probe_interval: must be 0 (off)"));
    EXPECT_TRUE(has_error(e, "switches[3].max_backoff: must be an integer "
                             "from 1 to 3600"));
    EXPECT_TRUE(has_error(e, "switches[3].ports.p: must be an OpenFlow port"));
    EXPECT_TRUE(has_error(e, "switches[3].ports.q: must be an OpenFlow port"));
    EXPECT_TRUE(has_error(e, "switches[3].ports.r: must be an OpenFlow port"));
    EXPECT_TRUE(has_error(e, "switches[4].ports.b: port number 1 used twice"));
}

TEST(DeploymentTest, DuplicatesAreErrors)
{
    auto e = errors_of(R"J({"switches": [
        {"name": "s1", "dpid": 1, "connect": "tcp:1.2.3.4:1"},
        {"name": "s1", "dpid": "0000000000000001",
         "connect": "tcp:1.2.3.4:1"}]})J");
    EXPECT_TRUE(has_error(e, "switches[1].name: \"s1\" used twice"));
    EXPECT_TRUE(has_error(e, "switches[1].dpid: 0000000000000001 used twice"));
    EXPECT_TRUE(has_error(e, "switches[1].connect: \"tcp:1.2.3.4:1\" used"));
}

TEST(DeploymentTest, Links)
{
    auto e = errors_of(R"J({"switches": [{"name": "s1", "dpid": 1,
                           "ports": {"p": 1}}],
        "links": [{"a": "s1:p", "b": "s9:p"}, {"a": "s1:x", "b": "s1"},
                  "s1:p"]})J");
    EXPECT_TRUE(has_error(e, "links[0].b: no switch named \"s9\""));
    EXPECT_TRUE(has_error(e, "links[1].a: switch \"s1\" has no port \"x\""));
    EXPECT_TRUE(has_error(e, "links[1].b: required"));
    EXPECT_TRUE(has_error(e, "links[2]: must be an object"));
}

TEST(DeploymentTest, FlowsAreParsedByOvs)
{
    auto e = errors_of(R"J({"switches": [{"name": "s1", "dpid": 1,
        "ports": {"p": 1},
        "flows": ["in_port=p,actions=output:q",
                  "actions=router:nosuchthing",
                  "cookie=0x5,actions=drop",
                  "idle_timeout=5,actions=drop",
                  "priority=1,output:p",
                  7]}]})J");
    EXPECT_TRUE(has_error(e, "switches[0].flows[5]: must be a string"));
    // Flows are checked once the structure is valid: fix the structure.
    // (The applications' tests check their primitives' actions.)
    e = errors_of(R"J({"switches": [{"name": "s1", "dpid": 1,
        "ports": {"p": 1},
        "flows": ["in_port=p,actions=output:q",
                  "actions=router:nosuchthing",
                  "cookie=0x5,actions=drop",
                  "idle_timeout=5,actions=drop",
                  "in_port=p,actions=output:p",
                  "priority=1,output:p"]}]})J");
    EXPECT_TRUE(has_error(e, "switches[0].flows[0]: "));
    EXPECT_TRUE(has_error(e, "switches[0].flows[1]: "));
    EXPECT_TRUE(has_error(e, "switches[0].flows[2]: \"cookie\" is set by"));
    EXPECT_TRUE(has_error(e, "switches[0].flows[3]: deployment flows are"));
    EXPECT_FALSE(has_error(e, "switches[0].flows[4]"));
    // No "actions=": OVS's parser says so.
    EXPECT_TRUE(has_error(e, "switches[0].flows[5]: "));
}

// Every registered application's section: an empty object is no section,
// anything else but an object is refused, and so are unknown keys in it.
TEST(DeploymentTest, ApplicationSectionsAreObjects)
{
    size_t n = 0;
    for (const AppType *t : app_types()) {
        if (!t->has_section()) {
            continue;
        }
        const std::string name = t->name();
        n++;
        EXPECT_TRUE(errors_of(json{{"switches", json::array()},
                                   {name, json::object()}})
                        .empty())
            << name;
        EXPECT_TRUE(has_error(errors_of(json{{"switches", json::array()},
                                             {name, json::array()}}),
                              name + ": must be an object"))
            << name;
        EXPECT_TRUE(has_error(
            errors_of(json{{"switches", json::array()}, {name, {{"x", 1}}}}),
            name + ".x: unknown field"))
            << name;
    }
    EXPECT_GE(n, 1u);
}
