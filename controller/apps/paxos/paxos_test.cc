// The deployment's "paxos" section: validation and the flows it generates.
#include <gtest/gtest.h>

#include <algorithm>

#include "deployment.h"
#include "deployment_errors.h"
#include "ofp_flows.h"

using namespace cxxa::controller;
using namespace cxxa::controller::testing;
using nlohmann::json;

namespace {

// Three members in a line: s1 (leader) -- s2 -- s3, a replica on each,
// clients entering at s1 (from a client switch) and at s3.
json line_doc()
{
    return json::parse(R"J({
  "switches": [
    {"name": "s1", "dpid": "1", "ports": {"h1": 1, "s2": 4, "c": 5}},
    {"name": "s2", "dpid": "2", "ports": {"h4": 1, "s1": 4, "s3": 5}},
    {"name": "s3", "dpid": "3", "ports": {"h7": 1, "s2": 4, "c": 5}}
  ],
  "links": [{"a": "s1:s2", "b": "s2:s1"}, {"a": "s2:s3", "b": "s3:s2"}],
  "paxos": {"groups": [{
    "group": 7, "members": ["s1", "s2", "s3"], "leader": "s1",
    "window": 512,
    "service_mac": "02:00:00:00:00:AA",
    "clients": ["s1:c", "s3:c"],
    "replicas": [
      {"port": "s1:h1", "mac": "00:00:00:00:00:01", "ip": "10.0.0.1"},
      {"port": "s2:h4", "mac": "00:00:00:00:00:04", "ip": "10.0.0.4"},
      {"port": "s3:h7", "mac": "00:00:00:00:00:07"}]
  }]}
})J");
}

std::vector<std::string> flows_of(const json &doc, const std::string &sw)
{
    std::vector<std::string> errors;
    auto d = parse_deployment(doc, check_flow_text, errors);
    EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0]);
    return d ? d->find_switch(sw)->flows : std::vector<std::string>();
}

bool contains(const std::vector<std::string> &v, const std::string &s)
{
    return std::find(v.begin(), v.end(), s) != v.end();
}

const std::string kArgs1 = "group=7,node=1,members=3,window=512";
const std::string kArgs2 = "group=7,node=2,members=3,window=512";
const std::string kSrc = "dl_src=02:7a:00:07:00:00/ff:ff:ff:ff:00:00";

}  // namespace

TEST(PaxosSectionTest, LeaderOrdersClientFramesAndSendsAcceptsOnTheTree)
{
    auto f = flows_of(line_doc(), "s1");
    EXPECT_TRUE(contains(f, "table=0,priority=40000,in_port=5,"
                            "dl_dst=02:00:00:00:00:aa,actions=paxos:onclient("
                                + kArgs1
                                + "),load:0->NXM_OF_IN_PORT[],output:4,"
                                  "resubmit(,10)"));
    // CLIENT frames relayed from slaves are ordered too.
    EXPECT_TRUE(contains(f, "table=0,priority=40000,in_port=4," + kSrc
                                + ",dl_type=0x7a40,actions=paxos:onclient("
                                + kArgs1
                                + "),load:0->NXM_OF_IN_PORT[],output:4,"
                                  "resubmit(,10)"));
    EXPECT_TRUE(contains(f, "table=10,dl_type=0x7a01,actions=paxos:onaccept("
                                + kArgs1
                                + "),load:0->NXM_OF_IN_PORT[],output:4,"
                                  "resubmit(,11)"));
    EXPECT_TRUE(contains(f, "table=11,dl_type=0x7a02,actions=paxos:onlearn("
                                + kArgs1 + "),resubmit(,12)"));
    EXPECT_TRUE(contains(f, "table=12,priority=2,ip,actions=mod_dl_dst:"
                            "00:00:00:00:00:01,mod_nw_dst:10.0.0.1,output:1"));
    EXPECT_TRUE(contains(f, "table=12,priority=1,actions=mod_dl_dst:"
                            "00:00:00:00:00:01,output:1"));
    // Paxos frames from anywhere else are dropped.
    EXPECT_TRUE(contains(f, "table=0,priority=39999,dl_type=0x7a02,"
                            "actions=drop"));
}

TEST(PaxosSectionTest, MiddleSwitchRelaysAlongTheLine)
{
    auto f = flows_of(line_doc(), "s2");
    // An ACCEPT from s1 goes on to s3 as it came, then to the acceptor.
    EXPECT_TRUE(
        contains(f, "table=0,priority=40000,in_port=4," + kSrc
                        + ",dl_type=0x7a01,actions=output:5,resubmit(,10)"));
    EXPECT_TRUE(
        contains(f, "table=0,priority=40000,in_port=5," + kSrc
                        + ",dl_type=0x7a02,actions=output:4,resubmit(,11)"));
    // Its own LEARN goes both ways.
    EXPECT_TRUE(contains(f, "table=10,dl_type=0x7a01,actions=paxos:onaccept("
                                + kArgs2
                                + "),load:0->NXM_OF_IN_PORT[],output:4,"
                                  "output:5,resubmit(,11)"));
    // CLIENT frames from s3 travel on towards the leader.
    EXPECT_TRUE(contains(f, "table=0,priority=40000,in_port=5," + kSrc
                                + ",dl_type=0x7a40,actions=output:4"));
}

TEST(PaxosSectionTest, SlaveForwardsClientFramesTowardsTheLeader)
{
    auto f = flows_of(line_doc(), "s3");
    EXPECT_TRUE(contains(f, "table=0,priority=40000,in_port=5,"
                            "dl_dst=02:00:00:00:00:aa,actions=paxos:forward("
                            "group=7,node=3,members=3,window=512),output:4"));
    // No IPv4 address: only the MAC is rewritten.
    EXPECT_TRUE(contains(f, "table=12,priority=2,ip,actions=mod_dl_dst:"
                            "00:00:00:00:00:07,output:1"));
}

TEST(PaxosSectionTest, UserFlowsComeFirstAndAreKept)
{
    json doc = line_doc();
    doc["switches"][1]["flows"] = {"priority=1,actions=drop"};
    auto f = flows_of(doc, "s2");
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f[0], "priority=1,actions=drop");
    // 3 per tree port, accept, learn, 2 delivery, 8 drops.
    EXPECT_EQ(f.size(), 1u + 3 * 2 + 2 + 2 + 8);
}

TEST(PaxosSectionTest, FaultTolerantGroupsMakeEveryMemberTakeEveryRole)
{
    json doc = line_doc();
    doc["paxos"]["groups"][0]["fault_tolerance"] = {
        {"heartbeat_ms", 20}, {"timeout_ms", 100}, {"log_slots", 2048}};
    const std::string args = "group=7,node=2,members=3,window=512,"
                             "heartbeat=20,timeout=100,log=2048,table=11";
    auto f = flows_of(doc, "s2");
    // From a neighbour: on along the tree, then the role of the type; what
    // the role emits goes to table 10.
    EXPECT_TRUE(contains(f, "table=0,priority=40000,in_port=4," + kSrc
                                + ",dl_type=0x7a00,actions=output:5,"
                                  "paxos:control("
                                + args + "),resubmit(,10)"));
    EXPECT_TRUE(contains(f, "table=0,priority=40000,in_port=5," + kSrc
                                + ",dl_type=0x7a01,actions=output:4,"
                                  "paxos:onaccept("
                                + args + "),resubmit(,10)"));
    EXPECT_TRUE(contains(f, "table=0,priority=40000,in_port=4," + kSrc
                                + ",dl_type=0x7a40,actions=output:5,"
                                  "paxos:onclient("
                                + args + "),resubmit(,10)"));
    // Own frames: to both neighbours and its own role; timer frames (table
    // 11) only to the neighbours; client frames to the replica table.
    EXPECT_TRUE(contains(f, "table=10,priority=1,dl_type=0x7a02,actions="
                            "load:0->NXM_OF_IN_PORT[],output:4,output:5,"
                            "paxos:onlearn("
                                + args + "),resubmit(,10)"));
    EXPECT_TRUE(contains(f, "table=11,priority=1,dl_type=0x7a04,actions="
                            "load:0->NXM_OF_IN_PORT[],output:4,output:5"));
    EXPECT_TRUE(contains(f, "table=10,priority=0,actions=resubmit(,12)"));
    EXPECT_TRUE(contains(f, "table=11,priority=0,actions=resubmit(,12)"));
    // Clients at s3 enter its own member, whoever leads.
    auto f3 = flows_of(doc, "s3");
    EXPECT_TRUE(contains(
        f3, "table=0,priority=40000,in_port=5,dl_dst=02:00:00:00:00:aa,"
            "actions=paxos:onclient(group=7,node=3,members=3,window=512,"
            "heartbeat=20,timeout=100,log=2048,table=11),resubmit(,10)"));
}

TEST(PaxosSectionTest, FaultToleranceIsChecked)
{
    json doc = line_doc();
    auto &g = doc["paxos"]["groups"][0];
    g["fault_tolerance"] = {{"heartbeat_ms", 50}, {"timeout_ms", 50}};
    g["leader"] = "s2";
    g["round"] = 3;
    auto e = errors_of(doc);
    EXPECT_TRUE(has_error(e, "paxos.groups[0].fault_tolerance.timeout_ms: "
                             "must be longer than heartbeat_ms"));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].leader: with fault_tolerance "
                             "the first member leads first (round 1 is node "
                             "1's); list \"s2\" first"));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].round: a fault-tolerant group "
                             "chooses its rounds itself (node id + k x "
                             "members)"));
    g.erase("round");
    g["leader"] = "s1";
    g["fault_tolerance"] = {{"heartbeat_ms", 0}};
    EXPECT_FALSE(errors_of(doc).empty());
    g["fault_tolerance"] = "yes";
    EXPECT_FALSE(errors_of(doc).empty());
}

TEST(PaxosSectionTest, FiveMembersAndTwoGroups)
{
    json doc = json::parse(R"J({"switches": [], "links": []})J");
    for (int i = 1; i <= 5; i++) {
        std::string n = std::to_string(i);
        doc["switches"].push_back({{"name", "s" + n},
                                   {"dpid", n},
                                   {"ports", {{"h", 1}, {"l", 2}, {"r", 3}}}});
        if (i > 1) {
            doc["links"].push_back({{"a", "s" + std::to_string(i - 1) + ":r"},
                                    {"b", "s" + n + ":l"}});
        }
    }
    json g = {
        {"group", 1},
        {"members", {"s1", "s2", "s3", "s4", "s5"}},
        {"leader", "s3"},
        {"service_mac", "02:00:00:00:00:01"},
        {"clients", {"s1:h"}},
        {"replicas", {{{"port", "s5:h"}, {"mac", "00:00:00:00:00:05"}}}}};
    doc["paxos"]["groups"].push_back(g);
    g["group"] = 2;
    g["service_mac"] = "02:00:00:00:00:02";
    doc["paxos"]["groups"].push_back(g);
    auto f = flows_of(doc, "s4");
    EXPECT_TRUE(contains(f,
                         "table=10,dl_type=0x7a01,actions=paxos:onaccept("
                         "group=1,node=4,members=5),load:0->NXM_OF_IN_PORT[],"
                         "output:2,output:3,resubmit(,11)"));
    // The second group has its own tables and matches its own frames.
    EXPECT_TRUE(contains(f,
                         "table=14,dl_type=0x7a01,actions=paxos:onaccept("
                         "group=2,node=4,members=5),load:0->NXM_OF_IN_PORT[],"
                         "output:2,output:3,resubmit(,15)"));
    EXPECT_TRUE(contains(f,
                         "table=0,priority=40000,in_port=2,dl_src=02:7a:00:"
                         "02:00:00/ff:ff:ff:ff:00:00,dl_type=0x7a01,actions="
                         "output:3,resubmit(,14)"));
    // s1's clients reach the leader s3 through s2.
    EXPECT_TRUE(contains(flows_of(doc, "s1"),
                         "table=0,priority=40000,in_port=1,dl_dst=02:00:00:00:"
                         "00:01,actions=paxos:forward(group=1,node=1,"
                         "members=5),output:3"));
}

TEST(PaxosSectionTest, MembersMustBeJoinedByATree)
{
    json doc = line_doc();
    doc["links"].erase(1);
    EXPECT_TRUE(has_error(errors_of(doc),
                          "paxos.groups[0].members: not "
                          "joined by \"links\" between members: cannot reach "
                          "s3 from s1"));
    doc = line_doc();
    doc["switches"][0]["ports"]["s3"] = 6;
    doc["switches"][2]["ports"]["s1"] = 6;
    doc["links"].push_back({{"a", "s1:s3"}, {"b", "s3:s1"}});
    EXPECT_TRUE(has_error(errors_of(doc),
                          "paxos.groups[0].members: the links "
                          "between members form a loop (3 links for 3"));
}

TEST(PaxosSectionTest, EveryFieldIsChecked)
{
    json doc = line_doc();
    json &g = doc["paxos"]["groups"][0];
    g["leader"] = "s9";
    g["window"] = 0;
    g["service_mac"] = "02:00:00:00:00";
    g["clients"] = {"s1:nope", "s4:c", "s1"};
    g["replicas"][0]["ip"] = "10.0.0.300";
    g["replicas"][1]["mac"] = 5;
    g["colour"] = "red";
    auto e = errors_of(doc);
    EXPECT_TRUE(has_error(e, "paxos.groups[0].leader: must be one of"));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].window: must be an integer "
                             "from 1 to 65536"));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].service_mac: required"));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].clients[0]: switch \"s1\" has "
                             "no port \"nope\""));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].clients[1]: \"s4\" is not a "
                             "member"));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].clients[2]: must be "
                             "\"SWITCH:PORT\""));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].replicas[0].ip: must be an "
                             "IPv4"));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].replicas[1].mac: required"));
    EXPECT_TRUE(has_error(e, "paxos.groups[0].colour: unknown field"));

    doc = line_doc();
    doc["paxos"]["groups"].push_back(doc["paxos"]["groups"][0]);
    e = errors_of(doc);
    EXPECT_TRUE(has_error(e, "paxos.groups[1].group: group 7 defined twice"));
    doc["paxos"]["groups"][1]["group"] = 8;
    e = errors_of(doc);
    EXPECT_TRUE(has_error(e, "paxos.groups[1].clients: port 5 of \"s1\" "
                             "already takes frames for 02:00:00:00:00:aa"));
    doc = line_doc();
    doc["paxos"]["groups"][0]["replicas"][0]["port"] = "s1:c";
    EXPECT_TRUE(has_error(errors_of(doc),
                          "paxos.groups[0]: port 5 of \"s1\" "
                          "is both a client port and a replica port"));
    EXPECT_TRUE(
        has_error(errors_of(json::parse(
                      R"J({"switches": [], "paxos": {"groups": {}}})J")),
                  "paxos.groups: required"));
    EXPECT_TRUE(
        errors_of(json::parse(R"J({"switches": [], "paxos": {}})J")).empty());
}

// A switch's own flows may use the paxos: actions; OVS's parser checks
// them.
TEST(PaxosSectionTest, SwitchFlowsUsePaxosActions)
{
    auto e = errors_of(json::parse(R"J({"switches": [{"name": "s1",
        "dpid": "1", "ports": {"p": 1},
        "flows": ["actions=paxos:onsomething",
                  "priority=5,in_port=p,actions=paxos:onclient,output:p"]}]})J"));
    EXPECT_TRUE(has_error(e, "switches[0].flows[0]: paxos: unknown role"));
    EXPECT_FALSE(has_error(e, "switches[0].flows[1]"));
}
