// The deployment's "amd" section and the controller's AMD service: the
// REST semantics of the Floodlight AMD module, the virtual address pool, the
// flows and packet-outs each request leads to, and the controller-side
// store of the baseline mode.
#include <gtest/gtest.h>

#include <algorithm>

#include "amd/amd_report.h"
#include "apps/amd/amd_app.h"
#include "apps/amd/amd_service.h"
#include "deployment.h"
#include "inet_text.h"
#include "deployment_errors.h"
#include "ofp_flows.h"

using namespace cxxa::controller;
using namespace cxxa::controller::testing;
using nlohmann::json;

namespace {

json doc(const json &amd)
{
    json d = json::parse(R"J({
  "switches": [
    {"name": "s1", "dpid": "1", "ports": {"h1": 1, "s2": 2}},
    {"name": "s2", "dpid": "2", "ports": {"srv": 1, "s1": 2}}
  ],
  "links": [{"a": "s1:s2", "b": "s2:s1"}]
})J");
    d["amd"] = amd;
    return d;
}

json section(const char *store = "switch")
{
    return {{"switches", {"s1", "s2"}},
            {"pool", {{"cidr", "10.0.0.192/30"}, {"mac_prefix", "02:a0"}}},
            {"store", store}};
}

AmdSettings settings_of(const json &amd)
{
    std::vector<std::string> errors;
    auto d = parse_deployment(doc(amd), check_flow_text, errors);
    EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0]);
    return d ? amd_settings(*d) : AmdSettings();
}

std::string sub(const char *ip, const char *mac)
{
    return json({{"ip", ip},
                 {"mac", mac},
                 {"services", {{{"port", 9000}, {"description", "echo"}}}}})
        .dump();
}

struct AmdServiceTest : ::testing::Test {
    AmdService amd;
    AmdEffects fx;

    void SetUp() override { amd.configure(settings_of(section())); }

    AmdReply call(AmdReply (AmdService::*f)(const std::string &, AmdEffects &),
                  const std::string &body)
    {
        fx = AmdEffects();
        return (amd.*f)(body, fx);
    }
    std::vector<std::string> actions(const std::string &sw) const
    {
        std::vector<std::string> out;
        for (const auto &po : fx.packet_outs) {
            if (po.sw == sw) {
                out.push_back(po.actions);
            }
        }
        return out;
    }
};

}  // namespace

TEST(AmdSectionTest, Valid)
{
    AmdSettings s = settings_of(section());
    EXPECT_TRUE(s.enabled);
    EXPECT_EQ(s.pool_size, 2u);  // /30 without network, broadcast.
    EXPECT_EQ(format_ip(s.vip(0)), "10.0.0.193");
    EXPECT_EQ(format_mac(s.vmac(0)), "02:a0:00:00:00:01");
    EXPECT_EQ(s.forward, "NORMAL");
    EXPECT_FALSE(settings_of(json::object()).enabled);
}

TEST(AmdSectionTest, EveryFieldIsChecked)
{
    json a = section();
    a["switches"] = {"s1", "s9"};
    a["pool"] = {{"cidr", "10.0.0.1/24"}, {"mac_prefix", "03:00"}, {"x", 1}};
    a["limits"] = {{"max_packets", 0}, {"max_age_ms", "1"}};
    a["store"] = "disk";
    a["priority"] = 70000;
    auto e = errors_of(doc(a));
    EXPECT_TRUE(has_error(e, "amd.switches[1]: no switch named \"s9\""));
    EXPECT_TRUE(has_error(e, "amd.pool.cidr: 10.0.0.1/24 has host bits set"));
    EXPECT_TRUE(has_error(e, "amd.pool.mac_prefix: 03:00 is a multicast"));
    EXPECT_TRUE(has_error(e, "amd.pool.x: unknown field"));
    EXPECT_TRUE(has_error(e, "amd.limits.max_packets: must be an integer"));
    EXPECT_TRUE(has_error(e, "amd.limits.max_age_ms: must be an integer"));
    EXPECT_TRUE(has_error(e, "amd.store: must be \"switch\" or"));
    EXPECT_TRUE(has_error(e, "amd.priority: must be an integer from 1"));
    EXPECT_TRUE(
        has_error(errors_of(doc({{"pool", 1}})), "amd.switches: required"));
    EXPECT_TRUE(has_error(errors_of(doc({{"switches", {"s1"}}})),
                          "amd.pool: required"));
}

TEST_F(AmdServiceTest, SubscribeGivesVirtualAddressesAndFlows)
{
    AmdReply r = call(&AmdService::subscribe,
                      sub("10.0.0.9", "00:00:00:00:00:09"));
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(r.body["status"], "Success");
    EXPECT_EQ(r.body["virtualIp"], "10.0.0.193");
    EXPECT_EQ(r.body["virtualMac"], "02:a0:00:00:00:01");
    EXPECT_TRUE(fx.flows_changed);
    // Any state a previous owner of the address left is discarded.
    EXPECT_EQ(actions("s1"),
              std::vector<std::string>{"amd:discard(server=10.0.0.193)"});

    auto flows = amd.flows_for("s1");
    ASSERT_EQ(flows.size(), 5u);
    // Releases are paced by the switch into table 1, where requests that
    // pass are rewritten too, and the switch's own reports go up.
    EXPECT_EQ(flows[0],
              "table=1,priority=45000,dl_type=0x88b5,actions=controller");
    EXPECT_EQ(flows[2], "table=1,priority=45000,ip,nw_dst=10.0.0.193,"
                        "actions=mod_dl_dst:00:00:00:00:00:09,"
                        "mod_nw_dst:10.0.0.9,NORMAL");
    EXPECT_EQ(flows[3], "table=0,priority=45000,ip,nw_dst=10.0.0.193,"
                        "actions=amd:deliver(server=10.0.0.193,table=1),"
                        "resubmit(,1)");
    EXPECT_EQ(flows[4], "table=0,priority=45000,ip,dl_src=00:00:00:00:00:09,"
                        "nw_src=10.0.0.9,actions=mod_dl_src:02:a0:00:00:00:01,"
                        "mod_nw_src:10.0.0.193,NORMAL");
    // Every generated flow is accepted by OVS's own parser.
    SwitchSpec s1;
    s1.name = "s1";
    for (const auto &f : flows) {
        EXPECT_EQ(check_flow_text(s1, f), "") << f;
    }
    EXPECT_TRUE(amd.flows_for("s3").empty());

    json info = amd.info();
    ASSERT_EQ(info["availableServices"].size(), 1u);
    EXPECT_EQ(info["availableServices"][0]["virtualIp"], "10.0.0.193");
    EXPECT_EQ(info["availableServices"][0]["services"],
              json::parse(R"(["9000: echo"])"));
    EXPECT_EQ(info["availableServices"][0]["serviceList"][0]["port"], 9000);
    EXPECT_EQ(info["availableServices"][0]["status"], "online");
}

TEST_F(AmdServiceTest, BadRequestsChangeNothing)
{
    EXPECT_EQ(call(&AmdService::subscribe, "{\"ip\": ")
                  .body["reason"]
                  .get<std::string>()
                  .rfind("bad JSON", 0),
              0u);
    EXPECT_EQ(call(&AmdService::subscribe, "[1]").http, 400);
    EXPECT_EQ(call(&AmdService::subscribe,
                   R"({"ip": "10.0.0.300", "mac": "00:00:00:00:00:09"})")
                  .body["reason"],
              "\"ip\": required, an IPv4 address as a string");
    EXPECT_EQ(call(&AmdService::subscribe,
                   R"({"ip": "10.0.0.9", "mac": "01:00:00:00:00:09"})")
                  .http,
              400);
    EXPECT_EQ(call(&AmdService::subscribe,
                   R"({"ip": "10.0.0.9", "mac": "00:00:00:00:00:09",
                       "services": [{"port": 0}]})")
                  .http,
              400);
    EXPECT_FALSE(fx.flows_changed);
    EXPECT_TRUE(amd.info()["availableServices"].empty());

    EXPECT_EQ(call(&AmdService::set_status,
                   R"({"newStatus": "offline", "virtualIp": "10.0.0.200"})")
                  .body["reason"],
              "No such subscribed server associated to 10.0.0.200");
    EXPECT_EQ(call(&AmdService::unsubscribe, R"({"virtualIp": 5})").http, 400);
    EXPECT_TRUE(fx.packet_outs.empty());
}

TEST_F(AmdServiceTest, DuplicateSubscriptionAndExhaustedPoolAreRefused)
{
    call(&AmdService::subscribe, sub("10.0.0.9", "00:00:00:00:00:09"));
    AmdReply r = call(&AmdService::subscribe,
                      sub("10.0.0.9", "00:00:00:00:00:0a"));
    EXPECT_EQ(r.http, 409);
    EXPECT_EQ(r.body["reason"], "server 10.0.0.9 (00:00:00:00:00:0a) is "
                                "already subscribed as 10.0.0.193");
    call(&AmdService::subscribe, sub("10.0.0.10", "00:00:00:00:00:0a"));
    r = call(&AmdService::subscribe, sub("10.0.0.11", "00:00:00:00:00:0b"));
    EXPECT_EQ(r.body["reason"], "Failed to subscribe server, no available "
                                "addresses (the pool has 2, all in use)");
    EXPECT_FALSE(fx.flows_changed);
}

TEST_F(AmdServiceTest, FreedAddressesAreReusedLast)
{
    AmdSettings s = settings_of(section());
    s.pool_size = 3;
    amd.configure(s);
    call(&AmdService::subscribe, sub("10.0.0.9", "00:00:00:00:00:09"));
    EXPECT_EQ(call(&AmdService::unsubscribe, R"({"virtualIp": "10.0.0.193"})")
                  .body["status"],
              "Success");
    EXPECT_EQ(actions("s2"),
              std::vector<std::string>{"amd:discard(server=10.0.0.193)"});
    // Never-used addresses first, then the freed one.
    EXPECT_EQ(
        call(&AmdService::subscribe, sub("10.0.0.10", "00:00:00:00:00:0a"))
            .body["virtualIp"],
        "10.0.0.194");
    EXPECT_EQ(
        call(&AmdService::subscribe, sub("10.0.0.11", "00:00:00:00:00:0b"))
            .body["virtualIp"],
        "10.0.0.195");
    EXPECT_EQ(
        call(&AmdService::subscribe, sub("10.0.0.12", "00:00:00:00:00:0c"))
            .body["virtualIp"],
        "10.0.0.193");
}

TEST_F(AmdServiceTest, StatusChangesAreOneTriggerPerSwitch)
{
    call(&AmdService::subscribe, sub("10.0.0.9", "00:00:00:00:00:09"));
    AmdReply r = call(
        &AmdService::set_status,
        R"({"newStatus": "offline", "virtualIp": "10.0.0.193"})");
    EXPECT_EQ(r.body["status"], "Success");
    EXPECT_FALSE(fx.flows_changed);  // The switches' flows stay.
    EXPECT_EQ(actions("s1"),
              std::vector<std::string>{"amd:hold(server=10.0.0.193)"});
    EXPECT_EQ(actions("s2"),
              std::vector<std::string>{"amd:hold(server=10.0.0.193)"});
    EXPECT_EQ(amd.info()["availableServices"][0]["status"], "offline");

    // Back online at a new physical address: the flows follow, and the
    // release sends the stored requests through the new rewrite.
    r = call(&AmdService::set_status,
             R"({"newStatus": "online", "virtualIp": "10.0.0.193",
                 "ip": "10.0.0.19", "mac": "00:00:00:00:00:19"})");
    EXPECT_EQ(r.body["status"], "Success");
    EXPECT_TRUE(fx.flows_changed);
    EXPECT_EQ(actions("s1"), std::vector<std::string>{
                                 "amd:release(server=10.0.0.193,table=1)"});
    EXPECT_NE(amd.flows_for("s1")[2].find("mod_nw_dst:10.0.0.19"),
              std::string::npos);
    EXPECT_EQ(call(&AmdService::set_status,
                   R"({"newStatus": "away", "virtualIp": "10.0.0.193"})")
                  .http,
              400);
}

TEST_F(AmdServiceTest, UnsubscribingAnOfflineServerNeedsDiscard)
{
    call(&AmdService::subscribe, sub("10.0.0.9", "00:00:00:00:00:09"));
    call(&AmdService::set_status,
         R"({"newStatus": "offline", "virtualIp": "10.0.0.193"})");
    AmdReply r = call(&AmdService::unsubscribe,
                      R"({"virtualIp": "10.0.0.193"})");
    EXPECT_EQ(r.http, 409);
    EXPECT_TRUE(fx.packet_outs.empty());
    r = call(&AmdService::unsubscribe,
             R"({"virtualIp": "10.0.0.193", "discard": true})");
    EXPECT_EQ(r.body["status"], "Success");
    EXPECT_EQ(fx.packet_outs.size(), 2u);
    EXPECT_TRUE(amd.flows_for("s1").empty());
}

TEST_F(AmdServiceTest, ReassertRestatesEveryServersMode)
{
    call(&AmdService::subscribe, sub("10.0.0.9", "00:00:00:00:00:09"));
    call(&AmdService::subscribe, sub("10.0.0.10", "00:00:00:00:00:0a"));
    call(&AmdService::set_status,
         R"({"newStatus": "offline", "virtualIp": "10.0.0.194"})");
    auto r = amd.reassert("s2");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].actions, "amd:release(server=10.0.0.193,table=1)");
    EXPECT_EQ(r[1].actions, "amd:hold(server=10.0.0.194)");
    EXPECT_TRUE(amd.reassert("s3").empty());
}

TEST(AmdSection, ReleasesArePacedUnlessTheDeploymentSaysOtherwise)
{
    json a = {
        {"switches", {"s1"}},
        {"pool", {{"cidr", "10.0.0.192/26"}, {"mac_prefix", "02:a0:00:00"}}},
        {"table", 3},
        {"release", {{"table", 9}, {"rate", 5000}, {"burst", 8}}}};
    AmdSettings s = settings_of(a);
    EXPECT_TRUE(s.paced);
    EXPECT_EQ(s.paced_table(), 9);
    EXPECT_EQ(s.rate, 5000u);
    EXPECT_EQ(s.burst, 8u);
    AmdService amd;
    amd.configure(s);
    AmdEffects fx;
    amd.subscribe(R"({"ip": "10.0.0.9", "mac": "00:00:00:00:00:09"})", fx);
    auto flows = amd.flows_for("s1");
    EXPECT_NE(std::find(flows.begin(), flows.end(),
                        "table=3,priority=45000,ip,nw_dst=10.0.0.193,actions="
                        "amd:deliver(server=10.0.0.193,table=9,rate=5000,"
                        "burst=8),resubmit(,9)"),
              flows.end());

    a["release"] = {{"paced", false}};
    AmdService unpaced;
    unpaced.configure(settings_of(a));
    unpaced.subscribe(R"({"ip": "10.0.0.9", "mac": "00:00:00:00:00:09"})", fx);
    flows = unpaced.flows_for("s1");
    ASSERT_EQ(flows.size(), 3u);
    EXPECT_EQ(flows[1],
              "table=3,priority=45000,ip,nw_dst=10.0.0.193,"
              "actions=amd:deliver(server=10.0.0.193),"
              "mod_dl_dst:00:00:00:00:00:09,mod_nw_dst:10.0.0.9,NORMAL");

    a["release"] = {{"table", 3}, {"rate", 0}, {"burst", 5000}, {"x", 1}};
    auto e = errors_of(doc(a));
    EXPECT_TRUE(has_error(e, "amd.release.table: must differ from amd.table"));
    EXPECT_TRUE(has_error(e, "amd.release.rate: must be an integer from 1"));
    EXPECT_TRUE(has_error(e, "amd.release.burst: must be an integer from 1"));
    EXPECT_TRUE(has_error(e, "amd.release.x: unknown field"));
    a.erase("release");
    a["table"] = 254;
    EXPECT_TRUE(has_error(errors_of(doc(a)),
                          "amd.release.table: required when amd.table"));
}

TEST_F(AmdServiceTest, ReportsFromSwitchesFillInfo)
{
    call(&AmdService::subscribe, sub("10.0.0.9", "00:00:00:00:00:09"));
    auto since = AmdService::Clock::now();
    auto rq = amd.report_requests();
    ASSERT_EQ(rq.size(), 2u);
    EXPECT_EQ(rq[0].actions, "amd:report(server=10.0.0.193),controller");
    EXPECT_FALSE(amd.reports_complete(since));
    for (const char *sw : {"s1", "s2"}) {
        auto f = cxxa::amd::build_report(
            rq[0].frame.data(), rq[0].frame.size(),
            R"({"server":"10.0.0.193","state":"offline","packets":3,)"
            R"("bytes":300,"drop_packets":1,"expired":1})");
        EXPECT_TRUE(amd.packet_in(sw, f.data(), f.size(), fx));
    }
    EXPECT_TRUE(amd.reports_complete(since));
    json s = amd.info()["availableServices"][0];
    EXPECT_EQ(s["storedPackets"], 6);
    EXPECT_EQ(s["storedBytes"], 600);
    EXPECT_EQ(s["drops"], 4);
    EXPECT_EQ(s["switches"]["s1"]["state"], "offline");
    // A malformed report is counted, not believed.
    auto bad = cxxa::amd::build_report(rq[0].frame.data(), 14, "{oops");
    EXPECT_TRUE(amd.packet_in("s1", bad.data(), bad.size(), fx));
    EXPECT_EQ(amd.counters()["bad_reports"], 1);
}

TEST(AmdControllerStoreTest, BaselineKeepsRequestsAndSendsThemInOrder)
{
    AmdService amd;
    AmdSettings s = settings_of(section("controller"));
    s.max_packets = 3;
    amd.configure(s);
    AmdEffects fx;
    amd.subscribe(sub("10.0.0.9", "00:00:00:00:00:09"), fx);
    fx = AmdEffects();
    amd.set_status(R"({"newStatus": "offline", "virtualIp": "10.0.0.193"})",
                   fx);
    EXPECT_TRUE(fx.flows_changed);
    EXPECT_NE(amd.flows_for("s1")[1].find("actions=controller"),
              std::string::npos);
    for (int i = 0; i < 4; i++) {
        std::vector<uint8_t> f(42, 0);
        f[12] = 0x08;
        f[30] = 10, f[31] = 0, f[32] = 0, f[33] = 193;
        f[41] = i;
        EXPECT_TRUE(amd.packet_in("s1", f.data(), f.size(), fx));
    }
    EXPECT_EQ(amd.info()["availableServices"][0]["storedPackets"], 3);
    EXPECT_EQ(amd.info()["availableServices"][0]["drops"], 1);
    fx = AmdEffects();
    amd.set_status(R"({"newStatus": "online", "virtualIp": "10.0.0.193"})",
                   fx);
    EXPECT_TRUE(fx.flows_changed);
    ASSERT_EQ(fx.packet_outs.size(), 3u);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(fx.packet_outs[i].frame[41], i);
        EXPECT_EQ(fx.packet_outs[i].actions,
                  "mod_dl_dst:00:00:00:00:00:09,mod_nw_dst:10.0.0.9,NORMAL");
    }
    // Not for a subscribed server: not AMD's.
    std::vector<uint8_t> other(42, 0);
    other[12] = 0x08;
    EXPECT_FALSE(amd.packet_in("s1", other.data(), other.size(), fx));
}

// A switch's own flows may use the amd: actions; OVS's parser checks them.
TEST(AmdSectionTest, SwitchFlowsUseAmdActions)
{
    auto e = errors_of(json::parse(R"J({"switches": [{"name": "s1",
        "dpid": "1", "ports": {"p": 1},
        "flows": ["in_port=p,actions=amd:store(server=10.0.0.1),output:p",
                  "actions=amd:nosuchthing"]}]})J"));
    EXPECT_FALSE(has_error(e, "switches[0].flows[0]"));
    EXPECT_TRUE(has_error(e, "switches[0].flows[1]: "));
}

// What a client written for the Floodlight AMD module sends and expects
// (its REST handlers read every value with Jackson's asText(), answer
// {"status": "Success"|"Error", "reason"}): accepted bodies are accepted,
// refused ones refused with nothing changed.
struct FloodlightCompatTest : AmdServiceTest {
    std::string vip;

    void SetUp() override
    {
        AmdServiceTest::SetUp();
        AmdReply r = call(&AmdService::subscribe,
                          R"({"ip": "10.0.0.3", "mac": "00:00:00:00:00:03",
                              "services": [{"port": "5000",
                                            "description": "echo"}]})");
        ASSERT_EQ(r.body["status"], "Success") << r.body.dump();
        vip = r.body["virtualIp"];
    }

    // 'body' to 'f' is refused with 'http' and a reason containing
    // 'reason'; no state, flow or packet-out changes.
    void refused(AmdReply (AmdService::*f)(const std::string &, AmdEffects &),
                 const std::string &body, int http, const std::string &reason)
    {
        json before = amd.info(), state = amd.save_state();
        AmdReply r = call(f, body);
        EXPECT_EQ(r.http, http) << body;
        EXPECT_EQ(r.body["status"], "Error") << body;
        EXPECT_NE(r.body.value("reason", "").find(reason), std::string::npos)
            << body << " -> " << r.body.dump();
        EXPECT_FALSE(fx.flows_changed) << body;
        EXPECT_TRUE(fx.packet_outs.empty()) << body;
        EXPECT_EQ(amd.info(), before) << body;
        EXPECT_EQ(amd.save_state(), state) << body;
    }
    std::string status(const char *s, const std::string &extra = "")
    {
        return R"({"newStatus": ")" + std::string(s) + R"(", "virtualIp": ")"
               + vip + "\"" + extra + "}";
    }
};

TEST_F(FloodlightCompatTest, ValuesMayBeStringsOrNumbers)
{
    /* "port" as the string "5000" (SetUp) and as the number 5001;
     * "description" as a number (asText() gives "42"). */
    AmdReply r = call(&AmdService::subscribe,
                      R"({"ip": "10.0.0.4", "mac": "00:00:00:00:00:04",
                          "services": [{"port": 5001, "description": 42},
                                       {"port": "5002", "description": "b"}]})");
    ASSERT_EQ(r.body["status"], "Success") << r.body.dump();
    EXPECT_TRUE(r.body.contains("virtualIp"));
    json info = amd.info()["availableServices"];
    EXPECT_EQ(info[0]["services"], json::parse(R"(["5000: echo"])"));
    EXPECT_EQ(info[1]["services"], json::parse(R"(["5001: 42", "5002: b"])"));
    EXPECT_EQ(info[1]["serviceList"][0],
              json::parse(R"({"port": 5001, "description": "42"})"));
}

TEST_F(FloodlightCompatTest, RepliesCarryTheModulesFields)
{
    json info = amd.info();
    ASSERT_EQ(info["availableServices"].size(), 1u);
    EXPECT_EQ(info["availableServices"][0]["virtualIp"], vip);
    EXPECT_EQ(info["availableServices"][0]["services"],
              json::parse(R"(["5000: echo"])"));
    AmdReply r = call(&AmdService::set_status, status("offline"));
    EXPECT_EQ(r.body["status"], "Success");
    r = call(
        &AmdService::set_status,
        status("online", R"(, "ip": "10.0.0.3", "mac": "00:00:00:00:00:03")"));
    EXPECT_EQ(r.body["status"], "Success");
    r = call(&AmdService::unsubscribe, R"({"virtualIp": ")" + vip + "\"}");
    EXPECT_EQ(r.body["status"], "Success");
}

TEST_F(FloodlightCompatTest, RepeatedStatusIsRefused)
{
    refused(&AmdService::set_status, status("online"), 409,
            "Server associated to " + vip + " is already online");
    ASSERT_EQ(call(&AmdService::set_status, status("offline")).http, 200);
    refused(&AmdService::set_status, status("offline"), 409,
            "Server associated to " + vip + " is already offline");
    /* Online with the module's body (it requires ip and mac) works. */
    AmdReply r = call(
        &AmdService::set_status,
        status("online", R"(, "ip": "10.0.0.3", "mac": "00:00:00:00:00:03")"));
    EXPECT_EQ(r.body["status"], "Success");
    refused(
        &AmdService::set_status,
        status("online", R"(, "ip": "10.0.0.3", "mac": "00:00:00:00:00:03")"),
        409, "is already online");
}

TEST_F(FloodlightCompatTest, BadRequestsAreRefusedWithTheModulesReasons)
{
    refused(&AmdService::set_status, status("sleeping"), 400,
            "Invalid new status");
    refused(&AmdService::set_status,
            R"({"newStatus": 1, "virtualIp": ")" + vip + "\"}", 400,
            "Invalid new status");
    refused(&AmdService::set_status, R"({"virtualIp": ")" + vip + "\"}", 400,
            "Invalid new status");
    /* As the module: the status is checked before the server is looked
     * up. */
    refused(&AmdService::set_status,
            R"({"newStatus": "nap", "virtualIp": "10.0.0.250"})", 400,
            "Invalid new status");
    refused(&AmdService::set_status,
            R"({"newStatus": "offline", "virtualIp": "10.0.0.250"})", 404,
            "No such subscribed server associated to 10.0.0.250");
    refused(&AmdService::set_status,
            R"({"newStatus": "offline", "virtualIp": "10.0.0"})", 400,
            "\"virtualIp\": required, an IPv4 address");
    refused(&AmdService::unsubscribe, R"({"virtualIp": "10.0.0.250"})", 404,
            "Failed to unsubscribe server, no such subscribed server "
            "associated to 10.0.0.250");
    refused(&AmdService::subscribe,
            R"({"ip": "10.0.0.3", "mac": "00:00:00:00:00:03",
                "services": []})",
            409, "already subscribed");
    refused(&AmdService::subscribe, "", 400, "bad JSON");
}

TEST_F(FloodlightCompatTest, UnknownKeysAndBadValuesNameTheField)
{
    refused(&AmdService::subscribe,
            R"({"ip": "10.0.0.4", "mac": "00:00:00:00:00:04", "prot": 1})",
            400, "\"prot\": unknown field");
    refused(&AmdService::subscribe,
            R"({"ip": "10.0.0.4", "mac": "00:00:00:00:00:04",
                "services": [{"port": "50x0", "description": "a"}]})",
            400, "\"services\"[0].port: required, 1 to 65535");
    refused(&AmdService::subscribe,
            R"({"ip": "10.0.0.4", "mac": "00:00:00:00:00:04",
                "services": [{"port": "70000"}]})",
            400, "\"services\"[0].port: required, 1 to 65535");
    refused(&AmdService::subscribe,
            R"({"ip": "10.0.0.4", "mac": "00:00:00:00:00:04",
                "services": [{"port": 1, "descr": "a"}]})",
            400, "\"services\"[0].descr: unknown field");
    refused(&AmdService::subscribe,
            R"({"ip": "10.0.0.4", "mac": "00:00:00:00:00:04",
                "services": [{"port": 1, "description": [1]}]})",
            400, "\"services\"[0].description: must be a string");
    refused(&AmdService::set_status, status("offline", R"(, "when": 1)"), 400,
            "\"when\": unknown field");
    refused(&AmdService::unsubscribe,
            R"({"virtualIp": ")" + vip + R"(", "force": true})", 400,
            "\"force\": unknown field");
}
