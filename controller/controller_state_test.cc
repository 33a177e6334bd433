// The controller's durable state (--state) through the core: REST changes
// of AMD and NAT are written to the state file; a second controller (the
// restart) loads it and answers the same GETs and installs the same flows;
// a damaged or invalid file is refused whole and left as it was.
#include <config.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "controller.h"
#include "state_file.h"

using namespace cxxa::controller;
using nlohmann::json;

namespace {

const char *kDeployment = R"J({
  "switches": [
    {"name": "s1", "dpid": "1", "ports": {"h1": 1, "s2": 2}},
    {"name": "s2", "dpid": "2", "ports": {"srv": 1, "s1": 2}},
    {"name": "r1", "dpid": "3",
     "ports": {"inside-a": 1, "inside-b": 2, "outside": 3, "spare": 4}}
  ],
  "links": [{"a": "s1:s2", "b": "s2:s1"}],
  "amd": {"switches": ["s1", "s2"],
          "pool": {"cidr": "10.0.0.192/29", "mac_prefix": "02:a0"}},
  "nat": {"routers": [{
    "switch": "r1",
    "interfaces": [
      {"port": "inside-a", "address": "10.0.1.1/24"},
      {"port": "inside-b", "address": "10.0.2.1/24"},
      {"port": "outside", "address": "198.51.100.1/24",
       "gateway": "198.51.100.2", "outside": true}
    ],
    "ports": "16384-61439"
  }]}
})J";

struct TempDir {
    std::string path;
    TempDir()
    {
        char t[] = "/tmp/cxxa-ctl-state-XXXXXX";
        path = mkdtemp(t);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

void write(const std::string &path, const std::string &text)
{
    std::ofstream(path, std::ios::binary) << text;
}

std::string slurp(const std::string &path)
{
    std::string text, error;
    EXPECT_TRUE(read_text_file(path, text, error)) << error;
    return text;
}

struct Ctl {
    Controller c;
    Ctl(const std::string &deployment, const std::string &state)
        : c(deployment, kOf10 | kOf13)
    {
        std::vector<std::string> errors;
        EXPECT_TRUE(c.reload(errors)) << (errors.empty() ? "" : errors[0]);
        c.set_state_file(state);
    }

    // A REST request as the REST server makes it (main loop, effects
    // applied).
    JsonReply call(const std::string &method, const std::string &path,
                   const json &body = nullptr)
    {
        for (const auto &app : c.apps()) {
            for (RestRoute &r : app->routes()) {
                if (r.method == method && r.path == path) {
                    Effects fx;
                    JsonReply reply = r.handle(
                        {body.is_null() ? "" : body.dump(), true}, fx);
                    c.apply_effects(*app, fx);
                    return reply;
                }
            }
        }
        ADD_FAILURE() << "no route " << method << " " << path;
        return {};
    }

    // The GET replies a restart must give back: AMD info, and the NAT
    // routers without their counters (they start again at zero).
    json gets()
    {
        json nat = call("GET", "/nat/routers").body;
        for (json &r : nat["routers"]) {
            r.erase("counters");
        }
        return {{"amd", call("GET", "/amd/server/info/json").body},
                {"nat", nat}};
    }

    // The flows the applications put on each switch.
    json flows()
    {
        json out;
        for (const char *sw : {"s1", "s2", "r1"}) {
            SwitchSpec s;
            s.name = sw;
            for (const auto &app : c.apps()) {
                app->add_to_switch(s);
            }
            out[sw] = s.flows;
        }
        return out;
    }
};

struct ControllerStateTest : ::testing::Test {
    TempDir dir;
    std::string deployment = dir.path + "/deployment.json";
    std::string state = dir.path + "/state.json";

    void SetUp() override { write(deployment, kDeployment); }

    // Changes through REST: two servers (one offline), one unsubscribed
    // (its address goes to the back of the pool), NAT interface, host and
    // forwards.
    void make_changes(Ctl &a)
    {
        for (int i = 10; i < 13; i++) {
            JsonReply r = a.call(
                "POST", "/amd/server/subscription/json",
                {{"ip", "10.0.0." + std::to_string(i)},
                 {"mac", "00:00:00:00:00:" + std::to_string(i)},
                 {"services", {{{"port", 9000 + i}, {"description", "s"}}}}});
            ASSERT_EQ(r.http, 200) << r.body.dump();
        }
        ASSERT_EQ(a.call("DELETE", "/amd/server/subscription/json",
                         {{"virtualIp", "10.0.0.193"}})
                      .http,
                  200);
        ASSERT_EQ(
            a.call("PUT", "/amd/server/status/json",
                   {{"newStatus", "offline"}, {"virtualIp", "10.0.0.194"}})
                .http,
            200);
        ASSERT_EQ(a.call("POST", "/nat/router/interface",
                         {{"router", "r1"},
                          {"port", "spare"},
                          {"address", "10.0.3.1/24"}})
                      .http,
                  200);
        ASSERT_EQ(a.call("POST", "/nat/router/host",
                         {{"router", "r1"},
                          {"ip", "10.0.3.7"},
                          {"mac", "00:00:00:00:03:07"}})
                      .http,
                  200);
        ASSERT_EQ(
            a.call("POST", "/nat/router/forward",
                   {{"router", "r1"}, {"proto", "udp"}, {"to", "10.0.3.7:53"}})
                .http,
            200);
        ASSERT_EQ(a.call("POST", "/nat/router/forward",
                         {{"router", "r1"},
                          {"proto", "tcp"},
                          {"port", 8080},
                          {"to", "10.0.2.14:80"}})
                      .http,
                  200);
    }
};

}  // namespace

TEST_F(ControllerStateTest, RestartGivesTheSameRepliesAndFlows)
{
    json gets, flows;
    {
        Ctl a(deployment, state);
        std::vector<std::string> errors;
        ASSERT_TRUE(a.c.load_state(errors)); /* No file yet: empty. */
        make_changes(a);
        gets = a.gets();
        flows = a.flows();
        EXPECT_EQ(a.c.health()["state"]["saves"], 9);
        EXPECT_EQ(a.c.health()["state"]["save_failures"], 0);
    }
    ASSERT_TRUE(std::filesystem::exists(state));
    Ctl b(deployment, state);
    std::vector<std::string> errors;
    ASSERT_TRUE(b.c.load_state(errors)) << errors[0];
    EXPECT_EQ(b.gets(), gets);
    EXPECT_EQ(b.flows(), flows);
    EXPECT_EQ(gets["amd"]["availableServices"].size(), 2u);
    EXPECT_EQ(gets["amd"]["availableServices"][0]["status"], "offline");

    /* The pool's order came back too: the next subscription gets the
     * never-used 10.0.0.196, not the freed 10.0.0.193. */
    JsonReply r = b.call("POST", "/amd/server/subscription/json",
                         {{"ip", "10.0.0.20"}, {"mac", "00:00:00:00:00:20"}});
    EXPECT_EQ(r.body["virtualIp"], "10.0.0.196") << r.body.dump();
}

TEST_F(ControllerStateTest, RefusedRequestsDoNotWriteTheFile)
{
    Ctl a(deployment, state);
    std::vector<std::string> errors;
    ASSERT_TRUE(a.c.load_state(errors));
    EXPECT_EQ(a.call("PUT", "/amd/server/status/json",
                     {{"newStatus", "offline"}, {"virtualIp", "10.0.0.250"}})
                  .http,
              404);
    EXPECT_EQ(a.call("GET", "/amd/server/info/json").http, 200);
    EXPECT_FALSE(std::filesystem::exists(state));
    EXPECT_EQ(a.c.health()["state"]["saves"], 0);
}

TEST_F(ControllerStateTest, BadFilesAreRefusedWholeAndKept)
{
    std::string good;
    {
        Ctl a(deployment, state);
        std::vector<std::string> errors;
        ASSERT_TRUE(a.c.load_state(errors));
        make_changes(a);
        good = slurp(state);
    }
    json apps = json::parse(good)["apps"];
    json empty_gets;
    {
        Ctl fresh(deployment, "");
        empty_gets = fresh.gets();
    }
    auto with = [&](const std::function<void(json &)> &edit) {
        json a = apps;
        edit(a);
        return encode_state(a);
    };
    const struct {
        std::string text;
        std::string error;  // The first error line.
    } cases[] = {
        {good.substr(0, good.size() - 20),
         "(file): not valid JSON (truncated?)"},
        {"", "(file): empty (truncated?)"},
        {[&] {
             json d = json::parse(good);
             d["version"] = 7;
             return d.dump();
         }(),
         "version: 7 is not supported (this controller reads version 1)"},
        {with([](json &a) { a["bogus"] = json::object(); }),
         "apps.bogus: no such application in this controller"},
        {with([](json &a) { a["amd"]["extra"] = 1; }),
         "apps.amd.extra: unknown field"},
        {with([](json &a) { a["amd"]["servers"][0]["ip"] = "10.0.0.300"; }),
         "apps.amd.servers[0].ip: must be an IPv4 address"},
        {with([](json &a) { a["amd"]["servers"][1]["status"] = "asleep"; }),
         "apps.amd.servers[1].status: must be \"online\" or \"offline\""},
        {with([](json &a) { a["amd"]["servers"][0]["index"] = 9; }),
         "apps.amd.servers[0].index: must be an integer from 0 to 5"},
        {with([](json &a) { a["nat"]["routers"][0]["router"] = "r9"; }),
         "apps.nat.routers[0].router: no router on switch \"r9\" in the "
         "deployment"},
        {with([](json &a) {
             a["nat"]["routers"][0]["interfaces"][3]["port"] = "nope";
         }),
         "apps.nat.routers[0].interfaces[3].port: switch \"r1\" has no port "
         "\"nope\" in the deployment"},
        {with([](json &a) {
             a["nat"]["routers"][0]["forwards"][0]["port"] = 20000;
         }),
         "apps.nat.routers[0].forwards[0].port: 20000 is inside the "
         "outbound NAT ports 16384-61439"},
        {with([](json &a) {
             a["nat"]["routers"][0]["deployed"]["ports"] = "2000-3000";
         }),
         "apps.nat.routers[0].deployed: router \"r1\"'s entry in the "
         "deployment changed since the state was saved (a reload would "
         "start it again from the deployment)"},
    };
    for (const auto &k : cases) {
        write(state, k.text);
        Ctl b(deployment, state);
        std::vector<std::string> errors;
        EXPECT_FALSE(b.c.load_state(errors)) << k.error;
        ASSERT_FALSE(errors.empty()) << k.error;
        EXPECT_EQ(errors[0], k.error);
        /* Nothing of it applied (not even the AMD part of a file whose
         * NAT part is bad), and the file is as it was. */
        EXPECT_EQ(b.gets(), empty_gets) << k.error;
        EXPECT_EQ(slurp(state), k.text) << k.error;
    }
}
