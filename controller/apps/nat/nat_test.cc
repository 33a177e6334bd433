// The deployment's "nat" section and the controller's NAT routers: every
// validation error, the flows of a sample router (exact texts, each parsed
// by OVS's own parser), ARP and unknown-MAC resolution, the
// bounded host table, and the REST semantics (interfaces, hosts, forwards).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app.h"
#include "apps/nat/nat_app.h"
#include "apps/nat/nat_service.h"
#include "deployment.h"
#include "deployment_errors.h"
#include "inet_text.h"
#include "ofp_flows.h"

using namespace cxxa::controller;
using namespace cxxa::controller::testing;
using nlohmann::json;

namespace {

// The Mininet example's router: inside-a 10.0.1.1/24 on port 1, inside-b
// 10.0.2.1/24 on port 2, outside 198.51.100.1/24 on port 3, gateway .2.
json router()
{
    return json::parse(R"J({
  "switch": "r1",
  "interfaces": [
    {"port": "inside-a", "address": "10.0.1.1/24"},
    {"port": "inside-b", "address": "10.0.2.1/24"},
    {"port": "outside", "address": "198.51.100.1/24",
     "gateway": "198.51.100.2", "outside": true}
  ],
  "ports": "16384-61439",
  "forwards": [{"proto": "tcp", "port": 8080, "to": "10.0.2.14:80"}]
})J");
}

// A switch mode other than "static": another application's.
std::string other_mode()
{
    for (const AppType *t : app_types()) {
        for (const std::string &m : t->switch_modes()) {
            return m;
        }
    }
    return "";
}

json doc(const json &nat)
{
    json d = json::parse(R"J({
  "switches": [
    {"name": "r1", "dpid": "1",
     "ports": {"inside-a": 1, "inside-b": 2, "outside": 3, "spare": 4}},
    {"name": "s2", "dpid": "2", "ports": {"p": 1}}
  ]
})J");
    d["switches"][1]["mode"] = other_mode();
    d["nat"] = nat;
    return d;
}

json with_router(const json &r) { return doc({{"routers", {r}}}); }

// Errors of the sample router with 'field' of it set to 'value'.
std::vector<std::string> errors_with(const std::string &field,
                                     const json &value)
{
    json r = router();
    r[field] = value;
    return errors_of(with_router(r));
}

std::vector<std::string>
errors_with_interface(size_t i, const std::string &field, const json &value)
{
    json r = router();
    if (value.is_null()) {
        r["interfaces"][i].erase(field);
    } else {
        r["interfaces"][i][field] = value;
    }
    return errors_of(with_router(r));
}

NatSettings settings_of(const json &nat)
{
    std::vector<std::string> errors;
    auto d = parse_deployment(doc(nat), check_flow_text, errors);
    EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0]);
    return d ? nat_settings(*d) : NatSettings();
}

std::string join(const std::vector<std::string> &v)
{
    std::string s;
    for (const std::string &x : v) {
        s += x + "\n";
    }
    return s;
}

SwitchSpec r1_spec()
{
    SwitchSpec s;
    s.name = "r1";
    s.ports = {{"inside-a", 1}, {"inside-b", 2}, {"outside", 3}, {"spare", 4}};
    return s;
}

std::vector<uint8_t> arp_frame(int op, uint64_t sha, uint32_t spa,
                               uint32_t tpa)
{
    std::vector<uint8_t> f(60, 0);
    auto put = [&f](size_t at, uint64_t x, int bytes) {
        for (int i = 0; i < bytes; i++) {
            f[at + i] = x >> (8 * (bytes - 1 - i));
        }
    };
    put(0, op == 1 ? 0xffffffffffffull : 0x026e61000002ull, 6);
    put(6, sha, 6);
    put(12, 0x0806, 2);
    put(14, 1, 2);
    put(16, 0x0800, 2);
    f[18] = 6;
    f[19] = 4;
    put(20, op, 2);
    put(22, sha, 6);
    put(28, spa, 4);
    put(38, tpa, 4);
    return f;
}

std::vector<uint8_t> ip_frame(uint32_t src, uint32_t dst, uint8_t fill = 0)
{
    std::vector<uint8_t> f(64, fill);
    f[12] = 0x08;
    f[13] = 0x00;
    f[14] = 0x45;
    for (int i = 0; i < 4; i++) {
        f[26 + i] = src >> (24 - 8 * i);
        f[30 + i] = dst >> (24 - 8 * i);
    }
    return f;
}

uint32_t ip(const char *s)
{
    uint32_t a = 0;
    EXPECT_TRUE(parse_ip(s, a)) << s;
    return a;
}

constexpr uint64_t kH3Mac = 0x00000000000dull;
constexpr uint64_t kGwMac = 0x0000000000feull;

struct NatServiceTest : ::testing::Test {
    NatService nat;
    NatEffects fx;
    NatService::Clock::time_point t0 = NatService::Clock::now();

    void SetUp() override { configure(router()); }

    void configure(const json &r)
    {
        fx = nat.configure(settings_of({{"routers", {r}}}));
    }
    NatReply call(NatReply (NatService::*f)(const std::string &, NatEffects &),
                  const json &body)
    {
        fx = NatEffects();
        return (nat.*f)(body.dump(), fx);
    }
    NatReply call_text(NatReply (NatService::*f)(const std::string &,
                                                 NatEffects &),
                       const std::string &body)
    {
        fx = NatEffects();
        return (nat.*f)(body, fx);
    }
    bool packet_in(const std::vector<uint8_t> &frame, uint32_t in_port,
                   NatService::Clock::time_point at)
    {
        fx = NatEffects();
        return nat.packet_in("r1", frame.data(), frame.size(), in_port, fx,
                             at);
    }
    bool has_flow(const std::string &f) const
    {
        auto flows = nat.flows_for("r1");
        return std::find(flows.begin(), flows.end(), f) != flows.end();
    }
    // A request that must fail with 'http' and 'reason' and change nothing.
    void refused(NatReply (NatService::*f)(const std::string &, NatEffects &),
                 const json &body, int http, const std::string &reason)
    {
        json before = nat.routers(t0);
        NatReply r = call(f, body);
        EXPECT_EQ(r.http, http) << body.dump();
        EXPECT_EQ(r.body["status"], "Error") << body.dump();
        EXPECT_EQ(r.body["reason"], reason) << body.dump();
        EXPECT_TRUE(fx.flows_changed.empty()) << body.dump();
        EXPECT_TRUE(fx.packet_outs.empty()) << body.dump();
        EXPECT_EQ(nat.routers(t0), before) << body.dump();
    }
};

}  // namespace

TEST(NatSectionTest, Valid)
{
    NatSettings s = settings_of({{"routers", {router()}}});
    ASSERT_TRUE(s.enabled);
    ASSERT_EQ(s.routers.size(), 1u);
    const NatRouterSettings &r = s.routers[0];
    EXPECT_EQ(r.sw, "r1");
    ASSERT_EQ(r.interfaces.size(), 3u);
    EXPECT_EQ(r.interfaces[0].ofport, 1u);
    EXPECT_EQ(format_mac(r.interfaces[0].mac), "02:6e:61:00:00:01");
    EXPECT_EQ(r.interfaces[1].cidr(), "10.0.2.0/24");
    EXPECT_EQ(&r.outside(), &r.interfaces[2]);
    EXPECT_EQ(format_ip(r.outside().gateway), "198.51.100.2");
    EXPECT_EQ(r.ports_lo, 16384);
    EXPECT_EQ(r.pool_lo, 61440);
    EXPECT_EQ(r.pool_hi, 65535);
    EXPECT_EQ(r.filter, "eim");
    ASSERT_EQ(r.forwards.size(), 1u);
    EXPECT_EQ(r.forwards[0].port, 8080);
    EXPECT_EQ(r.forwards[0].to_port, 80);
    EXPECT_FALSE(r.forwards[0].picked);
    EXPECT_FALSE(settings_of(json::object()).enabled);
}

TEST(NatSectionTest, ExampleDeploymentIsValid)
{
    std::ifstream in(std::string(CXXA_SOURCE_DIR)
                     + "/controller/examples/mininet-nat.json");
    std::stringstream text;
    text << in.rdbuf();
    std::vector<std::string> errors;
    auto d = parse_deployment_text(text.str(), check_flow_text, errors);
    ASSERT_TRUE(d) << join(errors);
    EXPECT_EQ(nat_settings(*d).routers.size(), 1u);
}

TEST(NatSectionTest, PoolPicksTheLowestFreePort)
{
    json r = router();
    r["forward_pool"] = "61440-61442";
    r["forwards"] = json::parse(R"J([
        {"proto": "tcp", "to": "10.0.2.14:22"},
        {"proto": "tcp", "port": 61440, "to": "10.0.2.13:22"},
        {"proto": "udp", "to": "10.0.2.13:53"},
        {"proto": "tcp", "to": "10.0.1.11:22"}])J");
    NatSettings s = settings_of({{"routers", {r}}});
    ASSERT_EQ(s.routers.size(), 1u);
    const auto &f = s.routers[0].forwards;
    ASSERT_EQ(f.size(), 4u);
    EXPECT_EQ(f[0].port, 61441);  // 61440 is taken explicitly.
    EXPECT_TRUE(f[0].picked);
    EXPECT_EQ(f[2].port, 61440);  // Another protocol.
    EXPECT_EQ(f[3].port, 61442);
    r["forwards"].push_back({{"proto", "tcp"}, {"to", "10.0.1.12:22"}});
    EXPECT_TRUE(has_error(errors_of(with_router(r)),
                          "nat.routers[0].forwards[4].port: the forward pool "
                          "61440-61442 (nat.routers[0].forward_pool) is "
                          "exhausted"));
}

TEST(NatSectionTest, SectionErrors)
{
    EXPECT_TRUE(
        has_error(errors_of(doc(json::array())), "nat: must be an object"));
    EXPECT_TRUE(has_error(errors_of(doc({{"x", 1}})), "nat.x: unknown field"));
    EXPECT_TRUE(has_error(errors_of(doc({{"routers", json::array()}})),
                          "nat.routers: required: an array of 1 to 64"));
    EXPECT_TRUE(has_error(errors_of(doc({{"routers", {1}}})),
                          "nat.routers[0]: must be an object"));
    EXPECT_TRUE(has_error(errors_of(doc({{"routers", {router(), router()}}})),
                          "nat.routers[1].switch: switch \"r1\" is already a "
                          "router (one router per switch)"));
    EXPECT_TRUE(has_error(errors_with("x", 1), "nat.routers[0].x: unknown "
                                               "field"));
    EXPECT_TRUE(has_error(errors_with("switch", 5),
                          "nat.routers[0].switch: required"));
    EXPECT_TRUE(has_error(errors_with("switch", "r9"),
                          "nat.routers[0].switch: no switch named \"r9\""));
    EXPECT_TRUE(has_error(errors_with("switch", "s2"),
                          "nat.routers[0].switch: switch \"s2\" is in "
                              + other_mode()
                              + " mode; a router's switch must be "
                                "\"static\""));
    EXPECT_TRUE(has_error(errors_with("ports", "1024"),
                          "nat.routers[0].ports: expected \"LO-HI\""));
    EXPECT_TRUE(has_error(errors_with("ports", "2000-1000"),
                          "nat.routers[0].ports: expected \"LO-HI\""));
    EXPECT_TRUE(has_error(errors_with("ports", 5),
                          "nat.routers[0].ports: must be a string"));
    EXPECT_TRUE(has_error(errors_with("forward_pool", "0-10"),
                          "nat.routers[0].forward_pool: expected \"LO-HI\""));
    EXPECT_TRUE(has_error(errors_with("forward_pool", "60000-65535"),
                          "nat.routers[0].forward_pool: 60000-65535 overlaps "
                          "the outbound NAT ports 16384-61439 "
                          "(nat.routers[0].ports)"));
    EXPECT_TRUE(has_error(errors_with("filter", "full"),
                          "nat.routers[0].filter: must be \"eim\""));
    EXPECT_TRUE(has_error(errors_with("max_hosts", 0),
                          "nat.routers[0].max_hosts: must be an integer from "
                          "1 to 65536"));
    EXPECT_TRUE(has_error(errors_with("table", 254),
                          "nat.routers[0].table: must be an integer from 0 "
                          "to 253"));
    EXPECT_TRUE(has_error(errors_with("priority", 65500),
                          "nat.routers[0].priority: must be an integer from "
                          "1 to 65435"));
    EXPECT_TRUE(has_error(errors_with("interfaces", json::array()),
                          "nat.routers[0].interfaces: required: 2 to 32"));
}

TEST(NatSectionTest, InterfaceErrors)
{
    const std::string i0 = "nat.routers[0].interfaces[0]";
    const std::string i1 = "nat.routers[0].interfaces[1]";
    const std::string i2 = "nat.routers[0].interfaces[2]";
    json r = router();
    r["interfaces"][0] = 1;
    EXPECT_TRUE(has_error(errors_of(with_router(r)), i0
                                                         + ": must be an "
                                                           "object"));
    EXPECT_TRUE(
        has_error(errors_with_interface(0, "x", 1), i0
                                                        + ".x: "
                                                          "unknown field"));
    EXPECT_TRUE(has_error(errors_with_interface(0, "port", nullptr),
                          i0 + ".port: required"));
    EXPECT_TRUE(has_error(errors_with_interface(0, "port", "eth9"),
                          i0 + ".port: switch \"r1\" has no port \"eth9\""));
    EXPECT_TRUE(has_error(errors_with_interface(1, "port", "inside-a"),
                          i1
                              + ".port: port \"inside-a\" is already "
                                "nat.routers[0].interfaces[0]"));
    EXPECT_TRUE(has_error(errors_with_interface(0, "address", "10.0.1.1"),
                          i0 + ".address: required: the router's address"));
    EXPECT_TRUE(has_error(errors_with_interface(0, "address", "10.0.1.1/31"),
                          i0 + ".address: required"));
    EXPECT_TRUE(has_error(errors_with_interface(0, "address", "10.0.1.0/24"),
                          i0
                              + ".address: 10.0.1.0/24 is the network or "
                                "broadcast address of 10.0.1.0/24"));
    EXPECT_TRUE(has_error(errors_with_interface(1, "address", "10.0.0.1/16"),
                          i1
                              + ".address: 10.0.0.0/16 overlaps 10.0.1.0/24 "
                                "of nat.routers[0].interfaces[0]"));
    EXPECT_TRUE(has_error(errors_with_interface(0, "mac", "01:00:00:00:00:01"),
                          i0 + ".mac: must be a unicast MAC address"));
    EXPECT_TRUE(has_error(errors_with_interface(0, "mac", "02:6e:61:00:00:02"),
                          i1
                              + ".mac: 02:6e:61:00:00:02 is already the MAC "
                                "of nat.routers[0].interfaces[0]"));
    EXPECT_TRUE(has_error(errors_with_interface(0, "gateway", "10.0.1.254"),
                          i0 + ".gateway: only the outside interface"));
    EXPECT_TRUE(has_error(errors_with_interface(2, "gateway", nullptr),
                          i2
                              + ".gateway: required on the outside "
                                "interface"));
    EXPECT_TRUE(has_error(errors_with_interface(2, "gateway", "192.0.2.1"),
                          i2
                              + ".gateway: 192.0.2.1 is not another host of "
                                "the outside subnet 198.51.100.0/24"));
    EXPECT_TRUE(has_error(errors_with_interface(2, "gateway", "198.51.100.1"),
                          i2 + ".gateway: 198.51.100.1 is not another host"));
    EXPECT_TRUE(has_error(errors_with_interface(2, "outside", "yes"),
                          i2 + ".outside: must be true or false"));
    auto e = errors_with_interface(2, "outside", false);
    EXPECT_TRUE(has_error(e, "nat.routers[0].interfaces: exactly one "
                             "interface must be \"outside\": true (found 0)"));
    r = router();
    r["interfaces"][1]["outside"] = true;
    r["interfaces"][1]["gateway"] = "10.0.2.2";
    EXPECT_TRUE(has_error(errors_of(with_router(r)),
                          "nat.routers[0].interfaces: exactly one interface "
                          "must be \"outside\": true (found 2)"));
    r["interfaces"].erase(0);
    r["interfaces"].erase(1);
    r["interfaces"].push_back(router()["interfaces"][2]);
    r["interfaces"][1]["port"] = "spare";
    r["interfaces"][1]["address"] = "192.0.2.1/24";
    r["interfaces"][1]["gateway"] = "192.0.2.2";
    r["forwards"] = json::array();
    EXPECT_TRUE(has_error(errors_of(with_router(r)),
                          "nat.routers[0].interfaces: needs at least one "
                          "inside interface"));
}

TEST(NatSectionTest, HostAndForwardErrors)
{
    const std::string h = "nat.routers[0].hosts";
    const std::string f = "nat.routers[0].forwards";
    EXPECT_TRUE(has_error(errors_with("hosts", 1), h + ": must be an array"));
    EXPECT_TRUE(has_error(errors_with("hosts", {1}), h
                                                         + "[0]: must be an "
                                                           "object"));
    EXPECT_TRUE(
        has_error(errors_with("hosts", json::parse(R"([{"ip": "10.0.1.11",
            "mac": "00:00:00:00:00:0b", "x": 1}])")),
                  h + "[0].x: unknown"));
    EXPECT_TRUE(has_error(
        errors_with("hosts", json::parse(R"([{"ip": "198.51.100.7",
            "mac": "00:00:00:00:00:0b"}])")),
        h
            + "[0].ip: 198.51.100.7 is not a host address of an inside "
              "subnet"));
    EXPECT_TRUE(
        has_error(errors_with("hosts", json::parse(R"([{"ip": "10.0.1.1",
            "mac": "00:00:00:00:00:0b"}])")),
                  h + "[0].ip: 10.0.1.1 is not"));
    EXPECT_TRUE(
        has_error(errors_with("hosts", json::parse(R"([{"ip": "10.0.1.11",
            "mac": "00:00:00:00:00:0b"}, {"ip": "10.0.1.11",
            "mac": "00:00:00:00:00:0c"}])")),
                  h + "[1].ip: 10.0.1.11 is listed twice"));
    EXPECT_TRUE(
        has_error(errors_with("hosts", json::parse(R"([{"ip": "10.0.1.11",
            "mac": "ff:ff:ff:ff:ff:ff"}])")),
                  h + "[0].mac: required"));
    json r = router();
    r["max_hosts"] = 1;
    r["hosts"] = json::parse(R"([{"ip": "10.0.1.11", "mac":
        "00:00:00:00:00:0b"}, {"ip": "10.0.1.12", "mac":
        "00:00:00:00:00:0c"}])");
    EXPECT_TRUE(has_error(errors_of(with_router(r)),
                          h + ": must be an array of at most max_hosts (1)"));

    EXPECT_TRUE(has_error(errors_with("forwards", 1), f
                                                          + ": must be an "
                                                            "array"));
    EXPECT_TRUE(
        has_error(errors_with("forwards", {1}), f
                                                    + "[0]: must be an "
                                                      "object"));
    auto fwd = [](const char *text) {
        return errors_with("forwards", json::array({json::parse(text)}));
    };
    EXPECT_TRUE(has_error(fwd(R"({"proto": "icmp", "port": 80,
                                  "to": "10.0.2.14"})"),
                          f + "[0].proto: required: \"tcp\" or \"udp\""));
    EXPECT_TRUE(has_error(fwd(R"({"proto": "tcp", "port": 0,
                                  "to": "10.0.2.14"})"),
                          f + "[0].port: must be an integer from 1 to"));
    // The brief's trap: 8080 with the default outbound ports.
    json brief = router();
    brief.erase("ports");
    EXPECT_TRUE(
        has_error(errors_of(with_router(brief)),
                  f
                      + "[0].port: 8080 is inside the outbound NAT "
                        "ports 1024-61439 (nat.routers[0].ports): the "
                        "switch may have given it to a dynamic mapping"));
    EXPECT_TRUE(has_error(fwd(R"({"proto": "tcp", "port": 80,
                                  "to": "10.0.2"})"),
                          f + "[0].to: required: the inside host"));
    EXPECT_TRUE(has_error(fwd(R"({"proto": "tcp", "port": 80,
                                  "to": "10.0.2.14:70000"})"),
                          f + "[0].to: required: the inside host"));
    EXPECT_TRUE(has_error(fwd(R"({"proto": "tcp", "port": 80,
                                  "to": "198.51.100.2:80"})"),
                          f
                              + "[0].to: 198.51.100.2 is not a host address "
                                "of an inside subnet"));
    EXPECT_TRUE(has_error(fwd(R"({"proto": "tcp", "to": "10.0.2.14"})"),
                          f + "[0].to: needs the inside port"));
    EXPECT_TRUE(has_error(fwd(R"({"proto": "tcp", "port": 80, "to":
                                  "10.0.2.14", "x": 1})"),
                          f + "[0].x: unknown field"));
    EXPECT_TRUE(has_error(errors_with("forwards", json::parse(R"([
            {"proto": "udp", "port": 53, "to": "10.0.2.14"},
            {"proto": "udp", "port": 53, "to": "10.0.2.13"}])")),
                          f + "[1].port: udp port 53 is already forwarded by "
                              + f + "[0]"));
    EXPECT_TRUE(errors_with("forwards", json::parse(R"([
            {"proto": "udp", "port": 53, "to": "10.0.2.14"},
            {"proto": "tcp", "port": 53, "to": "10.0.2.13"}])"))
                    .empty());
}

TEST(NatSectionTest, EmptySectionIsValidAndNoPlaceholder)
{
    EXPECT_TRUE(errors_of(R"J({"switches": [], "nat": {}})J").empty());
    EXPECT_FALSE(has_error(errors_of(R"J({"switches": [], "nat": {"x": 1}})J"),
                           "nat: this controller does not configure"));
}

/* The flows: exact texts, in order, before and after the gateway's MAC is
 * known, and every one accepted by OVS's parser. */
const char *const kSampleFlows =
    R"(table=0,priority=30100,arp,in_port=1,arp_op=1,arp_tpa=10.0.1.1,actions=controller,move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:02:6e:61:00:00:01,load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],load:0x26e61000001->NXM_NX_ARP_SHA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0xa000101->NXM_OF_ARP_SPA[],in_port
table=0,priority=30090,arp,in_port=1,arp_spa=10.0.1.0/24,actions=controller
table=0,priority=30080,icmp,icmp_type=8,nw_dst=10.0.1.1,actions=router:echo_reply,in_port
table=0,priority=30075,ip,nw_dst=10.0.1.1,actions=drop
table=0,priority=30075,ip,nw_dst=10.0.1.255,actions=drop
table=0,priority=30070,ip,in_port=1,nw_ttl=0,actions=router:time_exceeded(src=10.0.1.1),in_port
table=0,priority=30070,ip,in_port=1,nw_ttl=1,actions=router:time_exceeded(src=10.0.1.1),in_port
table=0,priority=30100,arp,in_port=2,arp_op=1,arp_tpa=10.0.2.1,actions=controller,move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:02:6e:61:00:00:02,load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],load:0x26e61000002->NXM_NX_ARP_SHA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0xa000201->NXM_OF_ARP_SPA[],in_port
table=0,priority=30090,arp,in_port=2,arp_spa=10.0.2.0/24,actions=controller
table=0,priority=30080,icmp,icmp_type=8,nw_dst=10.0.2.1,actions=router:echo_reply,in_port
table=0,priority=30075,ip,nw_dst=10.0.2.1,actions=drop
table=0,priority=30075,ip,nw_dst=10.0.2.255,actions=drop
table=0,priority=30070,ip,in_port=2,nw_ttl=0,actions=router:time_exceeded(src=10.0.2.1),in_port
table=0,priority=30070,ip,in_port=2,nw_ttl=1,actions=router:time_exceeded(src=10.0.2.1),in_port
table=0,priority=30100,arp,in_port=3,arp_op=1,arp_tpa=198.51.100.1,actions=controller,move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:02:6e:61:00:00:03,load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],load:0x26e61000003->NXM_NX_ARP_SHA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0xc6336401->NXM_OF_ARP_SPA[],in_port
table=0,priority=30090,arp,in_port=3,arp_spa=198.51.100.2,actions=controller
table=0,priority=30080,icmp,icmp_type=8,nw_dst=198.51.100.1,actions=router:echo_reply,in_port
table=0,priority=30075,ip,nw_dst=198.51.100.255,actions=drop
table=0,priority=30070,ip,in_port=3,nw_dst=198.51.100.1,nw_ttl=0,actions=router:time_exceeded(src=198.51.100.1),in_port
table=0,priority=30070,ip,in_port=3,nw_dst=198.51.100.1,nw_ttl=1,actions=router:time_exceeded(src=198.51.100.1),in_port
table=0,priority=30075,ip,nw_dst=224.0.0.0/4,actions=drop
table=0,priority=30075,ip,nw_dst=255.255.255.255,actions=drop
table=0,priority=30060,tcp,in_port=3,nw_dst=198.51.100.1,tp_dst=8080,actions=dec_ttl,nat:forward(proto=tcp,ext=198.51.100.1,port=8080,to=10.0.2.14:80),resubmit(,1)
table=0,priority=30050,ip,in_port=3,nw_dst=198.51.100.1,actions=dec_ttl,nat:in(ext=198.51.100.1),resubmit(,1)
table=0,priority=30060,tcp,in_port=1,nw_src=10.0.1.0/24,nw_dst=198.51.100.1,tp_dst=8080,actions=dec_ttl,nat:out(ext=198.51.100.1,ports=16384-61439,filter=eim),nat:forward(proto=tcp,ext=198.51.100.1,port=8080,to=10.0.2.14:80),load:0->NXM_OF_IN_PORT[],resubmit(,1)
table=0,priority=30050,ip,in_port=1,nw_src=10.0.1.0/24,nw_dst=198.51.100.1,actions=dec_ttl,nat:out(ext=198.51.100.1,ports=16384-61439,filter=eim),nat:in(ext=198.51.100.1),load:0->NXM_OF_IN_PORT[],resubmit(,1)
table=0,priority=30040,ip,in_port=1,nw_src=10.0.1.0/24,nw_dst=10.0.2.0/24,actions=dec_ttl,resubmit(,1)
table=0,priority=30060,tcp,in_port=2,nw_src=10.0.2.0/24,nw_dst=198.51.100.1,tp_dst=8080,actions=dec_ttl,nat:out(ext=198.51.100.1,ports=16384-61439,filter=eim),nat:forward(proto=tcp,ext=198.51.100.1,port=8080,to=10.0.2.14:80),load:0->NXM_OF_IN_PORT[],resubmit(,1)
table=0,priority=30050,ip,in_port=2,nw_src=10.0.2.0/24,nw_dst=198.51.100.1,actions=dec_ttl,nat:out(ext=198.51.100.1,ports=16384-61439,filter=eim),nat:in(ext=198.51.100.1),load:0->NXM_OF_IN_PORT[],resubmit(,1)
table=0,priority=30040,ip,in_port=2,nw_src=10.0.2.0/24,nw_dst=10.0.1.0/24,actions=dec_ttl,resubmit(,1)
table=0,priority=30000,actions=drop
table=1,priority=30010,ip,nw_dst=10.0.1.0/24,actions=controller
table=1,priority=30010,ip,nw_dst=10.0.2.0/24,actions=controller
table=1,priority=30000,actions=drop
)";

TEST_F(NatServiceTest, FlowsOfTheSampleRouter)
{
    EXPECT_EQ(fx.flows_changed, std::set<std::string>{"r1"});
    EXPECT_TRUE(nat.flows_for("s2").empty());
    EXPECT_TRUE(nat.is_router("r1"));
    std::vector<std::string> flows = nat.flows_for("r1");
    EXPECT_EQ(join(flows), kSampleFlows);
    for (const auto &f : flows) {
        EXPECT_EQ(check_flow_text(r1_spec(), f), "") << f;
    }

    /* Once the gateway answers, inside hosts go out through NAPT. */
    EXPECT_TRUE(packet_in(
        arp_frame(2, kGwMac, ip("198.51.100.2"), ip("198.51.100.1")), 3, t0));
    EXPECT_EQ(fx.flows_changed, std::set<std::string>{"r1"});
    const std::string out[] = {
        "table=0,priority=30030,ip,in_port=1,nw_src=10.0.1.0/24,"
        "actions=dec_ttl,nat:out(ext=198.51.100.1,ports=16384-61439,"
        "filter=eim),mod_dl_src:02:6e:61:00:00:03,"
        "mod_dl_dst:00:00:00:00:00:fe,output:3",
        "table=0,priority=30030,ip,in_port=2,nw_src=10.0.2.0/24,"
        "actions=dec_ttl,nat:out(ext=198.51.100.1,ports=16384-61439,"
        "filter=eim),mod_dl_src:02:6e:61:00:00:03,"
        "mod_dl_dst:00:00:00:00:00:fe,output:3",
    };
    flows = nat.flows_for("r1");
    EXPECT_EQ(flows.size(), 36u);
    for (const std::string &f : out) {
        EXPECT_TRUE(has_flow(f)) << f;
        EXPECT_EQ(check_flow_text(r1_spec(), f), "") << f;
    }
    /* The same answer again changes nothing. */
    packet_in(arp_frame(2, kGwMac, ip("198.51.100.2"), ip("198.51.100.1")), 3,
              t0);
    EXPECT_TRUE(fx.flows_changed.empty());
}

TEST_F(NatServiceTest, TablesAndPriorityAreConfigurable)
{
    json r = router();
    r["table"] = 5;
    r["priority"] = 100;
    configure(r);
    auto flows = nat.flows_for("r1");
    EXPECT_EQ(flows.front().rfind("table=5,priority=200,arp,", 0), 0u);
    EXPECT_EQ(flows.back(), "table=6,priority=100,actions=drop");
    EXPECT_TRUE(has_flow("table=5,priority=150,ip,in_port=3,"
                         "nw_dst=198.51.100.1,actions=dec_ttl,"
                         "nat:in(ext=198.51.100.1),resubmit(,6)"));
}

TEST_F(NatServiceTest, GatewayIsArpedForUntilItAnswers)
{
    nat.switch_synced("r1", fx, t0);
    ASSERT_EQ(fx.packet_outs.size(), 1u);
    const NatPacketOut &po = fx.packet_outs[0];
    EXPECT_EQ(po.sw, "r1");
    EXPECT_EQ(po.actions, "output:3");
    /* Who has 198.51.100.2?  Tell 198.51.100.1 (02:6e:61:00:00:03). */
    std::vector<uint8_t> want = arp_frame(1, 0x026e61000003ull,
                                          ip("198.51.100.2"), 0);
    want[38] = 198, want[39] = 51, want[40] = 100, want[41] = 2;
    want[28] = 198, want[29] = 51, want[30] = 100, want[31] = 1;
    EXPECT_EQ(po.frame, want);

    /* Retries: after 1 s, then 2, 4, 8, 8 ... */
    using std::chrono::milliseconds;
    NatEffects more;
    nat.run(more, t0 + milliseconds(500));
    EXPECT_TRUE(more.packet_outs.empty());
    EXPECT_EQ(*nat.next_wakeup(), t0 + milliseconds(1000));
    nat.run(more, t0 + milliseconds(1000));
    EXPECT_EQ(more.packet_outs.size(), 1u);
    nat.run(more, t0 + milliseconds(2500));
    EXPECT_EQ(more.packet_outs.size(), 1u);
    nat.run(more, t0 + milliseconds(3000));
    EXPECT_EQ(more.packet_outs.size(), 2u);
    EXPECT_EQ(nat.routers(t0)["routers"][0]["gateway"]["state"], "resolving");

    packet_in(arp_frame(2, kGwMac, ip("198.51.100.2"), ip("198.51.100.1")), 3,
              t0);
    more = NatEffects();
    nat.run(more, t0 + std::chrono::seconds(60));
    EXPECT_TRUE(more.packet_outs.empty());
    EXPECT_FALSE(nat.next_wakeup());
    json g = nat.routers(t0)["routers"][0]["gateway"];
    EXPECT_EQ(g["state"], "learned");
    EXPECT_EQ(g["mac"], "00:00:00:00:00:fe");
    EXPECT_EQ(g["arp_requests"], 3);
}

TEST_F(NatServiceTest, ArpLearningProducesTheRouteFlow)
{
    const std::string route =
        "table=1,priority=30020,ip,nw_dst=10.0.2.13,"
        "actions=mod_dl_src:02:6e:61:00:00:02,mod_dl_dst:00:00:00:00:00:0d,"
        "output:2";
    EXPECT_FALSE(has_flow(route));
    /* h3 asks for its gateway: answered by the switch, learned here. */
    EXPECT_TRUE(packet_in(
        arp_frame(1, kH3Mac, ip("10.0.2.13"), ip("10.0.2.1")), 2, t0));
    EXPECT_EQ(fx.flows_changed, std::set<std::string>{"r1"});
    EXPECT_TRUE(has_flow(route));
    EXPECT_EQ(check_flow_text(r1_spec(), route), "");
    json hosts = nat.routers(t0)["routers"][0]["hosts"];
    ASSERT_EQ(hosts.size(), 1u);
    EXPECT_EQ(hosts[0]["ip"], "10.0.2.13");
    EXPECT_EQ(hosts[0]["port"], "inside-b");
    EXPECT_EQ(hosts[0]["kind"], "learned");

    /* Not learned: from the wrong port, the router's own address, another
     * subnet, a multicast sender, someone outside but the gateway. */
    packet_in(arp_frame(1, 0x0bull, ip("10.0.1.11"), ip("10.0.1.1")), 2, t0);
    packet_in(arp_frame(1, 0x0bull, ip("10.0.2.1"), ip("10.0.2.1")), 2, t0);
    packet_in(arp_frame(1, 0x0bull, ip("10.0.2.255"), ip("10.0.2.1")), 2, t0);
    packet_in(arp_frame(1, 0x010000000001ull, ip("10.0.2.20"), ip("10.0.2.1")),
              2, t0);
    packet_in(arp_frame(1, 0x0bull, ip("198.51.100.7"), ip("198.51.100.1")), 3,
              t0);
    EXPECT_TRUE(fx.flows_changed.empty());
    EXPECT_EQ(nat.routers(t0)["routers"][0]["hosts"].size(), 1u);
    EXPECT_EQ(nat.routers(t0)["routers"][0]["counters"]["ignored_arp"], 5);
    EXPECT_FALSE(nat.routers(t0)["routers"][0]["gateway"]["mac"].is_string());

    /* A host that changes its MAC moves its flow; packet-ins of another
     * switch or kind are not the router's. */
    packet_in(arp_frame(2, 0x0eull, ip("10.0.2.13"), ip("10.0.2.14")), 2, t0);
    EXPECT_FALSE(has_flow(route));
    fx = NatEffects();
    auto f = arp_frame(1, kH3Mac, ip("10.0.2.13"), ip("10.0.2.1"));
    EXPECT_FALSE(nat.packet_in("s2", f.data(), f.size(), 2, fx, t0));
    f[13] = 0xdd; /* IPv6. */
    EXPECT_FALSE(nat.packet_in("r1", f.data(), f.size(), 2, fx, t0));
}

TEST_F(NatServiceTest, HostTableIsBounded)
{
    json r = router();
    r["max_hosts"] = 2;
    r["hosts"] = {{{"ip", "10.0.1.11"}, {"mac", "00:00:00:00:00:0b"}}};
    configure(r);
    using std::chrono::seconds;
    packet_in(arp_frame(1, 0x0d, ip("10.0.2.13"), ip("10.0.2.1")), 2, t0);
    packet_in(arp_frame(1, 0x0e, ip("10.0.2.14"), ip("10.0.2.1")), 2,
              t0 + seconds(1));
    json j = nat.routers(t0)["routers"][0];
    ASSERT_EQ(j["hosts"].size(), 2u);
    EXPECT_EQ(j["hosts"][0]["kind"], "static");
    EXPECT_EQ(j["hosts"][1]["ip"], "10.0.2.14"); /* .13 evicted. */
    EXPECT_EQ(j["counters"]["evicted"], 1);
    EXPECT_EQ(j["counters"]["learned"], 2);
    /* A learned entry never replaces a static one. */
    packet_in(arp_frame(1, 0x99, ip("10.0.1.11"), ip("10.0.1.1")), 1, t0);
    EXPECT_EQ(nat.routers(t0)["routers"][0]["hosts"][0]["mac"],
              "00:00:00:00:00:0b");

    /* Full of static hosts: a learned entry is refused, counted. */
    NatReply rep = call(
        &NatService::add_host,
        {{"router", "r1"}, {"ip", "10.0.1.12"}, {"mac", "00:00:00:00:00:0c"}});
    EXPECT_EQ(rep.http, 200);
    packet_in(arp_frame(1, 0x0d, ip("10.0.2.13"), ip("10.0.2.1")), 2, t0);
    EXPECT_TRUE(fx.flows_changed.empty());
    j = nat.routers(t0)["routers"][0];
    EXPECT_EQ(j["counters"]["refused"], 1);
    EXPECT_EQ(j["hosts"].size(), 2u);
    refused(
        &NatService::add_host,
        {{"router", "r1"}, {"ip", "10.0.1.13"}, {"mac", "00:00:00:00:00:0d"}},
        409,
        "the host table of router \"r1\" is full of static hosts "
        "(max_hosts 2)");
}

TEST_F(NatServiceTest, UnknownInsideDestinationIsResolved)
{
    using std::chrono::milliseconds;
    /* Remote's packet, translated to h3, missed the route table. */
    auto pkt = ip_frame(ip("198.51.100.2"), ip("10.0.2.13"), 1);
    EXPECT_TRUE(packet_in(pkt, 0, t0));
    ASSERT_EQ(fx.packet_outs.size(), 1u);
    EXPECT_EQ(fx.packet_outs[0].actions, "output:2");
    std::vector<uint8_t> arp = fx.packet_outs[0].frame;
    EXPECT_EQ(arp[21], 1); /* Request ... */
    EXPECT_EQ(std::vector<uint8_t>(arp.begin() + 38, arp.begin() + 42),
              (std::vector<uint8_t>{10, 0, 2, 13})); /* ... for h3 */
    EXPECT_EQ(std::vector<uint8_t>(arp.begin() + 28, arp.begin() + 32),
              (std::vector<uint8_t>{10, 0, 2, 1})); /* from .1. */
    /* At most kNatPendingPackets are kept, one ARP a second. */
    for (int i = 2; i <= 6; i++) {
        EXPECT_TRUE(packet_in(ip_frame(ip("198.51.100.2"), ip("10.0.2.13"), i),
                              0, t0));
        EXPECT_TRUE(fx.packet_outs.empty());
    }
    NatEffects retry;
    nat.run(retry, t0 + milliseconds(1000));
    EXPECT_EQ(retry.packet_outs.size(), 2u); /* Gateway and h3. */
    json j = nat.routers(t0)["routers"][0];
    EXPECT_EQ(j["pending"][0]["packets"], 4);
    EXPECT_EQ(j["counters"]["buffer_drops"], 2);

    /* h3 answers: its flow first, then the kept packets, in order. */
    packet_in(arp_frame(2, kH3Mac, ip("10.0.2.13"), ip("10.0.2.1")), 2, t0);
    EXPECT_EQ(fx.flows_changed, std::set<std::string>{"r1"});
    ASSERT_EQ(fx.packet_outs.size(), 4u);
    for (size_t i = 0; i < 4; i++) {
        EXPECT_EQ(fx.packet_outs[i].actions,
                  "mod_dl_src:02:6e:61:00:00:02,"
                  "mod_dl_dst:00:00:00:00:00:0d,output:2");
        EXPECT_EQ(fx.packet_outs[i].frame[40], i + 1);
    }
    EXPECT_TRUE(nat.routers(t0)["routers"][0]["pending"].empty());

    /* Nobody answers for .14: its packets expire. */
    packet_in(ip_frame(ip("10.0.1.11"), ip("10.0.2.14")), 0, t0);
    nat.run(retry, t0 + std::chrono::seconds(3));
    j = nat.routers(t0)["routers"][0];
    EXPECT_TRUE(j["pending"].empty());
    EXPECT_EQ(j["counters"]["expired"], 1);
    /* Not inside: not the router's business. */
    EXPECT_FALSE(packet_in(ip_frame(ip("10.0.1.11"), ip("192.0.2.1")), 0, t0));
    EXPECT_FALSE(packet_in(ip_frame(ip("10.0.1.11"), ip("10.0.2.1")), 0, t0));
}

TEST_F(NatServiceTest, PendingDestinationsAreBounded)
{
    for (size_t i = 0; i < kNatMaxPending + 3; i++) {
        packet_in(ip_frame(ip("10.0.1.11"), ip("10.0.2.2") + i), 0, t0);
    }
    json j = nat.routers(t0)["routers"][0];
    EXPECT_EQ(j["pending"].size(), kNatMaxPending);
    EXPECT_EQ(j["counters"]["buffer_drops"], 3);
}

TEST_F(NatServiceTest, RestInterfaces)
{
    NatReply r = call(
        &NatService::add_interface,
        {{"router", "r1"}, {"port", "spare"}, {"address", "10.0.3.1/24"}});
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(r.body["status"], "Success");
    EXPECT_EQ(r.body["mac"], "02:6e:61:00:00:04");
    EXPECT_EQ(fx.flows_changed, std::set<std::string>{"r1"});
    EXPECT_TRUE(has_flow("table=0,priority=30040,ip,in_port=4,"
                         "nw_src=10.0.3.0/24,nw_dst=10.0.1.0/24,"
                         "actions=dec_ttl,resubmit(,1)"));
    EXPECT_TRUE(has_flow("table=1,priority=30010,ip,nw_dst=10.0.3.0/24,"
                         "actions=controller"));
    EXPECT_EQ(nat.routers(t0)["routers"][0]["interfaces"].size(), 4u);

    /* Removing it takes its hosts and forwards along. */
    call(&NatService::add_forward, {{"router", "r1"},
                                    {"proto", "udp"},
                                    {"port", 53},
                                    {"to", "10.0.3.5"}});
    call(&NatService::add_host,
         {{"router", "r1"}, {"ip", "10.0.3.5"}, {"mac", "00:00:00:00:03:05"}});
    r = call(&NatService::remove_interface,
             {{"router", "r1"}, {"port", "spare"}});
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(r.body["removedHosts"], 1);
    EXPECT_EQ(r.body["removedForwards"].size(), 1u);
    EXPECT_EQ(join(nat.flows_for("r1")), kSampleFlows);

    const json add = {
        {"router", "r1"}, {"port", "spare"}, {"address", "10.0.3.1/24"}};
    auto with = [&add](const char *k, const json &v) {
        json b = add;
        b[k] = v;
        return b;
    };
    refused(&NatService::add_interface, with("router", "r9"), 404,
            "no router on switch \"r9\"");
    refused(&NatService::add_interface, with("port", "eth7"), 404,
            "switch \"r1\" has no port \"eth7\" in its \"ports\"");
    refused(&NatService::add_interface, with("port", "inside-a"), 409,
            "port \"inside-a\" is already an interface of router \"r1\"");
    refused(&NatService::add_interface, with("port", 4), 400,
            "\"port\": required, a port name of switch \"r1\"");
    refused(&NatService::add_interface, with("address", "10.0.3.1"), 400,
            "\"address\": required, the router's address and subnet, "
            "A.B.C.D/N with N from 1 to 30");
    refused(&NatService::add_interface, with("address", "10.0.3.255/24"), 400,
            "\"address\": 10.0.3.255/24 is the network or broadcast "
            "address of 10.0.3.0/24");
    refused(&NatService::add_interface, with("address", "10.0.0.1/16"), 409,
            "\"address\": 10.0.0.0/16 overlaps 10.0.1.0/24 of interface "
            "\"inside-a\"");
    refused(&NatService::add_interface, with("mac", "02:6e:61:00:00:01"), 409,
            "\"mac\": 02:6e:61:00:00:01 is already the MAC of "
            "interface \"inside-a\"");
    refused(&NatService::add_interface, with("mac", "ff:00:00:00:00:01"), 400,
            "\"mac\": required, a unicast MAC address "
            "xx:xx:xx:xx:xx:xx");
    refused(&NatService::add_interface, with("outside", true), 400,
            "\"outside\": unknown field");

    const json del = {{"router", "r1"}, {"port", "inside-b"}};
    refused(&NatService::remove_interface,
            {{"router", "r1"}, {"port", "spare"}}, 404,
            "router \"r1\" has no interface on port \"spare\"");
    refused(&NatService::remove_interface,
            {{"router", "r1"}, {"port", "outside"}}, 409,
            "\"outside\" is the outside interface; it is changed in the "
            "deployment, not removed");
    EXPECT_EQ(call(&NatService::remove_interface, del).http, 200);
    refused(&NatService::remove_interface,
            {{"router", "r1"}, {"port", "inside-a"}}, 409,
            "\"inside-a\" is the last inside interface of router \"r1\"");
}

TEST_F(NatServiceTest, RestHosts)
{
    const json h4 = {
        {"router", "r1"}, {"ip", "10.0.2.14"}, {"mac", "00:00:00:00:00:0e"}};
    NatReply r = call(&NatService::add_host, h4);
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(r.body, json({{"status", "Success"},
                            {"ip", "10.0.2.14"},
                            {"mac", "00:00:00:00:00:0e"}}));
    EXPECT_TRUE(has_flow("table=1,priority=30020,ip,nw_dst=10.0.2.14,"
                         "actions=mod_dl_src:02:6e:61:00:00:02,"
                         "mod_dl_dst:00:00:00:00:00:0e,output:2"));
    refused(&NatService::add_host, h4, 409,
            "host 10.0.2.14 is already a "
            "static host (00:00:00:00:00:0e); remove it first");
    json b = h4;
    b["ip"] = "198.51.100.9";
    refused(&NatService::add_host, b, 400,
            "\"ip\": 198.51.100.9 is not a "
            "host address of an inside subnet of router \"r1\"");
    b["ip"] = "10.0.2.1";
    refused(&NatService::add_host, b, 400,
            "\"ip\": 10.0.2.1 is not a "
            "host address of an inside subnet of router \"r1\"");
    b["ip"] = "10.0.2.300";
    refused(&NatService::add_host, b, 400,
            "\"ip\": required, an IPv4 "
            "address as a string");
    b = h4;
    b["mac"] = "00:00:00:00:00";
    refused(&NatService::add_host, b, 400,
            "\"mac\": required, a unicast "
            "MAC address xx:xx:xx:xx:xx:xx");

    /* A learned host becomes static when it is added. */
    packet_in(arp_frame(1, kH3Mac, ip("10.0.2.13"), ip("10.0.2.1")), 2, t0);
    r = call(
        &NatService::add_host,
        {{"router", "r1"}, {"ip", "10.0.2.13"}, {"mac", "00:00:00:00:00:0d"}});
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(nat.routers(t0)["routers"][0]["hosts"][0]["kind"], "static");

    r = call(&NatService::remove_host,
             {{"router", "r1"}, {"ip", "10.0.2.14"}});
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(r.body["kind"], "static");
    EXPECT_FALSE(has_flow("table=1,priority=30020,ip,nw_dst=10.0.2.14,"
                          "actions=mod_dl_src:02:6e:61:00:00:02,"
                          "mod_dl_dst:00:00:00:00:00:0e,output:2"));
    refused(&NatService::remove_host, {{"router", "r1"}, {"ip", "10.0.2.14"}},
            404, "router \"r1\" has no host 10.0.2.14");
    refused(&NatService::remove_host, {{"router", "r1"}}, 400,
            "\"ip\": required, an IPv4 address as a string");
}

TEST_F(NatServiceTest, RestForwards)
{
    json r1 = router();
    r1["forward_pool"] = "61440-61441";
    configure(r1);
    NatReply r = call(
        &NatService::add_forward,
        {{"router", "r1"}, {"proto", "tcp"}, {"to", "10.0.2.14:22"}});
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(r.body, json({{"status", "Success"},
                            {"proto", "tcp"},
                            {"port", 61440},
                            {"to", "10.0.2.14:22"},
                            {"picked", true}}));
    EXPECT_TRUE(has_flow("table=0,priority=30060,tcp,in_port=3,"
                         "nw_dst=198.51.100.1,tp_dst=61440,actions=dec_ttl,"
                         "nat:forward(proto=tcp,ext=198.51.100.1,port=61440,"
                         "to=10.0.2.14:22),resubmit(,1)"));
    r = call(&NatService::add_forward, {{"router", "r1"},
                                        {"proto", "udp"},
                                        {"port", 53},
                                        {"to", "10.0.1.11"}});
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(r.body["to"], "10.0.1.11:53");
    EXPECT_TRUE(has_flow("table=0,priority=30060,udp,in_port=3,"
                         "nw_dst=198.51.100.1,tp_dst=53,actions=dec_ttl,"
                         "nat:forward(proto=udp,ext=198.51.100.1,port=53,"
                         "to=10.0.1.11),resubmit(,1)"));
    for (const auto &f : nat.flows_for("r1")) {
        EXPECT_EQ(check_flow_text(r1_spec(), f), "") << f;
    }
    EXPECT_EQ(
        call(&NatService::add_forward,
             {{"router", "r1"}, {"proto", "tcp"}, {"to", "10.0.2.13:22"}})
            .body["port"],
        61441);
    /* The pool is exhausted for tcp (not for udp). */
    const json pooled = {
        {"router", "r1"}, {"proto", "tcp"}, {"to", "10.0.1.12:22"}};
    refused(&NatService::add_forward, pooled, 409,
            "the forward pool "
            "61440-61441 of router \"r1\" is exhausted for tcp");
    json udp = pooled;
    udp["proto"] = "udp";
    EXPECT_EQ(call(&NatService::add_forward, udp).body["port"], 61440);

    auto with = [](const char *k, const json &v) {
        json b = {{"router", "r1"},
                  {"proto", "tcp"},
                  {"port", 443},
                  {"to", "10.0.2.14"}};
        b[k] = v;
        return b;
    };
    refused(&NatService::add_forward, with("port", 8080), 409,
            "tcp port 8080 is already forwarded to 10.0.2.14:80");
    refused(&NatService::add_forward, with("port", 20000), 400,
            "\"port\": 20000 is inside the outbound NAT ports 16384-61439 "
            "of router \"r1\"; pick one outside it, or leave it to the "
            "forward pool 61440-61441");
    refused(&NatService::add_forward, with("port", 0), 400,
            "\"port\": must be an integer from 1 to 65535");
    refused(&NatService::add_forward, with("proto", "icmp"), 400,
            "\"proto\": required, \"tcp\" or \"udp\"");
    refused(&NatService::add_forward, with("to", "198.51.100.2:443"), 400,
            "\"to\": 198.51.100.2 is not a host address of an inside subnet "
            "of router \"r1\"");
    refused(&NatService::add_forward, with("to", "10.0.2.14:0"), 400,
            "\"to\": required, the inside host, \"A.B.C.D[:PORT]\"");
    json no_port = with("to", "10.0.2.14");
    no_port.erase("port");
    refused(&NatService::add_forward, no_port, 400,
            "\"to\": needs the "
            "inside port (A.B.C.D:PORT) when \"port\" is left to the "
            "forward pool");
    refused(&NatService::add_forward, with("router", 1), 400,
            "\"router\": required, the name of the router's switch");

    r = call(&NatService::remove_forward,
             {{"router", "r1"}, {"proto", "tcp"}, {"port", 8080}});
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(r.body["to"], "10.0.2.14:80");
    EXPECT_FALSE(has_flow("table=0,priority=30060,tcp,in_port=3,"
                          "nw_dst=198.51.100.1,tp_dst=8080,actions=dec_ttl,"
                          "nat:forward(proto=tcp,ext=198.51.100.1,port=8080,"
                          "to=10.0.2.14:80),resubmit(,1)"));
    refused(&NatService::remove_forward,
            {{"router", "r1"}, {"proto", "tcp"}, {"port", 8080}}, 404,
            "router \"r1\" forwards no tcp port 8080");
    /* A freed pool port is handed out again. */
    call(&NatService::remove_forward,
         {{"router", "r1"}, {"proto", "tcp"}, {"port", 61440}});
    EXPECT_EQ(call(&NatService::add_forward, pooled).body["port"], 61440);
}

TEST_F(NatServiceTest, BadRequestsChangeNothing)
{
    json before = nat.routers(t0);
    for (auto f : {&NatService::add_interface, &NatService::remove_interface,
                   &NatService::add_host, &NatService::remove_host,
                   &NatService::add_forward, &NatService::remove_forward}) {
        NatReply r = call_text(f, "{\"router\": ");
        EXPECT_EQ(r.http, 400);
        EXPECT_EQ(r.body["reason"].get<std::string>().rfind("bad JSON: ", 0),
                  0u);
        EXPECT_EQ(call_text(f, "[1]").body["reason"],
                  "bad JSON: the body must be an object");
        EXPECT_EQ(call_text(f, "{}").body["reason"],
                  "\"router\": required, the name of the router's switch");
        EXPECT_EQ(call_text(f, "{\"router\": \"s2\"}").http, 404);
        EXPECT_TRUE(fx.flows_changed.empty());
    }
    EXPECT_EQ(nat.routers(t0), before);
    EXPECT_EQ(nat.counters()["rejected_requests"], 24);

    NatService none;
    NatEffects e;
    NatReply r = none.add_host("{}", e);
    EXPECT_EQ(r.http, 404);
    EXPECT_EQ(r.body["reason"], "NAT is not configured: the deployment has "
                                "no \"nat\" section");
}

TEST_F(NatServiceTest, ReloadKeepsWhatStillFits)
{
    packet_in(arp_frame(2, kGwMac, ip("198.51.100.2"), ip("198.51.100.1")), 3,
              t0);
    packet_in(arp_frame(1, kH3Mac, ip("10.0.2.13"), ip("10.0.2.1")), 2, t0);
    call(&NatService::add_forward, {{"router", "r1"},
                                    {"proto", "udp"},
                                    {"port", 53},
                                    {"to", "10.0.1.11"}});
    /* The same settings: nothing changes, REST changes stay. */
    configure(router());
    EXPECT_TRUE(fx.flows_changed.empty());
    EXPECT_EQ(nat.routers(t0)["routers"][0]["forwards"].size(), 2u);
    /* Changed settings: back to the deployment, learned MACs kept. */
    json r = router();
    r["filter"] = "apdf";
    configure(r);
    EXPECT_EQ(fx.flows_changed, std::set<std::string>{"r1"});
    json j = nat.routers(t0)["routers"][0];
    EXPECT_EQ(j["forwards"].size(), 1u);
    EXPECT_EQ(j["hosts"].size(), 1u);
    EXPECT_EQ(j["gateway"]["mac"], "00:00:00:00:00:fe");
    /* No section: no routers, their flows go. */
    fx = nat.configure(NatSettings());
    EXPECT_EQ(fx.flows_changed, std::set<std::string>{"r1"});
    EXPECT_TRUE(nat.flows_for("r1").empty());
}

// A switch's own flows may use the nat: actions; OVS's parser checks them
// (nat(...) outside ct() is refused).
TEST(NatSectionTest, SwitchFlowsUseNatActions)
{
    auto e = errors_of(json::parse(R"J({"switches": [{"name": "s1",
        "dpid": "1", "ports": {"p": 1},
        "flows": ["nat(src=1.2.3.4)"]}]})J"));
    EXPECT_TRUE(has_error(e, "switches[0].flows[0]: "));
}
