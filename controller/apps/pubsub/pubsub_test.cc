// Unit tests of the pubsub application: the section, BFS trees and LCA
// routes, the flows (exact and with covering), control messages from
// packet-ins (every truncation), REST, bounds.
#include <gtest/gtest.h>

#include "apps/pubsub/pubsub_service.h"
#include "apps/pubsub/pubsub_tree.h"
#include "deployment.h"
#include "deployment_errors.h"
#include "inet_text.h"
#include "net/test-frames.h"
#include "ofp_flows.h"

namespace cxxa::controller {
namespace {

using nlohmann::json;
using testing::errors_of;
using testing::has_error;

// A tree of 7 switches: s1 at the top, s2 and s3 below it, s4 and s5
// below s2, s6 and s7 below s3.  Port 10 goes up, 11 and 12 down; hosts
// are on ports 1 and 2.
json doc(json section = json::object())
{
    json switches = json::array(), links = json::array();
    for (int i = 1; i <= 7; i++) {
        json ports = {{"h1", 1}, {"h2", 2}};
        if (i > 1) {
            ports["up"] = 10;
        }
        if (i <= 3) {
            ports["a"] = 11;
            ports["b"] = 12;
        }
        switches.push_back({{"name", "s" + std::to_string(i)},
                            {"dpid", std::to_string(i)},
                            {"ports", ports}});
    }
    for (int i = 2; i <= 7; i++) {
        std::string parent = "s" + std::to_string(i / 2);
        links.push_back({{"a", parent + (i % 2 ? ":b" : ":a")},
                         {"b", "s" + std::to_string(i) + ":up"}});
    }
    return {{"switches", switches}, {"links", links}, {"pubsub", section}};
}

PubsubSettings settings(json section = json::object())
{
    std::vector<std::string> errors;
    auto d = parse_deployment(doc(section), check_flow_text, errors);
    EXPECT_TRUE(errors.empty()) << errors.front();
    PubsubSettings s;
    if (d) {
        Errors e(errors);
        s = parse_pubsub_section(section, *d, e);
    }
    return s;
}

Dz dz(const char *s) { return *Dz::parse(s); }

uint32_t host_ip(int sw, int port) { return 0x0a000000 | sw << 4 | port; }
uint64_t host_mac(int sw, int port) { return 0x020000000000 | sw << 4 | port; }

// The control message 'payload' from the host on (sw, port), as the
// switch's packet-in carries it.
frames::Bytes control(int sw, int port, std::vector<uint8_t> payload)
{
    std::string p(payload.begin(), payload.end());
    frames::Bytes f = frames::frame(
        frames::ipv4(17, host_ip(sw, port), pubsub::kControlAddress,
                     frames::l4_udp(40000, pubsub::kControlPort, p)));
    for (int i = 0; i < 6; i++) {
        f[6 + i] = uint8_t(host_mac(sw, port) >> (40 - 8 * i));
    }
    return f;
}

struct Net {
    PubsubService ps;
    std::set<std::string> changed;

    explicit Net(json section = json::object())
    {
        ps.configure(settings(section));
    }

    bool send(int sw, int port, MsgType t, const char *d)
    {
        changed.clear();
        frames::Bytes f = control(sw, port,
                                  pubsub::encode_control({t, dz(d)}));
        bool took = ps.packet_in("s" + std::to_string(sw), f.data(), f.size(),
                                 port, changed);
        synced();
        return took;
    }
    // As the core: every changed switch syncs (and the retiring flows go).
    void synced()
    {
        std::set<std::string> again;
        for (const std::string &sw : changed) {
            ps.switch_synced(sw, again);
        }
        for (const std::string &sw : again) {
            ps.switch_synced(sw, again);
        }
    }
    // The flows of sN but the two every switch has.
    std::vector<std::string> flows(int sw)
    {
        std::vector<std::string> f = ps.flows_for("s" + std::to_string(sw));
        EXPECT_GE(f.size(), 2u);
        EXPECT_EQ(f[0], "priority=30100,udp,nw_dst=225.0.0.37,tp_dst=5037,"
                        "actions=controller");
        EXPECT_EQ(f[1], "priority=29999,ip,nw_dst=225.128.0.0/9,actions=drop");
        return std::vector<std::string>(f.begin() + 2, f.end());
    }
};

using Flows = std::vector<std::string>;

TEST(PubsubSection, DefaultsAndErrors)
{
    PubsubSettings s = settings();
    EXPECT_TRUE(s.enabled);
    EXPECT_EQ(s.switches.size(), 7u);
    EXPECT_EQ(s.links.size(), 6u);
    EXPECT_EQ(s.control_ip, pubsub::kControlAddress);
    EXPECT_EQ(s.prefix, 0xe1800000u);
    EXPECT_EQ(s.plen, 9u);
    EXPECT_EQ(s.max_dz_bits, 23u);
    EXPECT_TRUE(s.covering);
    EXPECT_TRUE(s.filter);
    EXPECT_TRUE(s.is_link_port("s2", 10));
    EXPECT_FALSE(s.is_link_port("s2", 1));

    EXPECT_TRUE(has_error(errors_of(doc({{"ipv4_prefix", "10.0.0.0/8"}})),
                          "pubsub.ipv4_prefix: expected a multicast prefix"));
    EXPECT_TRUE(has_error(errors_of(doc({{"ipv4_prefix", "225.0.0.0/8"}})),
                          "pubsub.ipv4_prefix: contains the control address "
                          "225.0.0.37"));
    EXPECT_TRUE(has_error(errors_of(doc({{"ipv4_prefix", "225.128.0.1/9"}})),
                          "pubsub.ipv4_prefix: 225.128.0.1/9 has host bits"));
    EXPECT_TRUE(
        has_error(errors_of(doc({{"colour", 1}})), "pubsub.colour: unknown"));
    EXPECT_TRUE(has_error(errors_of(doc({{"max_dz_bits", 65}})),
                          "pubsub.max_dz_bits: must be an integer"));
    EXPECT_TRUE(has_error(errors_of(doc({{"control_address", "10.0.0.1"}})),
                          "pubsub.control_address: expected an IPv4 "
                          "multicast"));
    EXPECT_TRUE(has_error(errors_of(doc({{"event_port", 5037}})),
                          "pubsub.event_port: must differ"));
    // s4 and s6 are joined only through s2, s1, s3.
    EXPECT_TRUE(
        has_error(errors_of(doc({{"switches", {"s4", "s6"}}})),
                  "pubsub.switches: \"s6\" is not connected to \"s4\""));
    EXPECT_TRUE(has_error(errors_of(doc({{"switches", {"s9"}}})),
                          "pubsub.switches[0]: no switch named \"s9\""));
    EXPECT_TRUE(errors_of(doc()).empty());
}

TEST(PubsubTree, BfsLevelsAndLcaRoutes)
{
    PubsubTree t(settings().links, "s4");
    EXPECT_EQ(t.root(), "s4");
    std::map<std::string, int> levels;
    for (const auto &[sw, n] : t.nodes()) {
        levels[sw] = n.level;
    }
    EXPECT_EQ(levels, (std::map<std::string, int>{{"s1", 2},
                                                  {"s2", 1},
                                                  {"s3", 3},
                                                  {"s4", 0},
                                                  {"s5", 2},
                                                  {"s6", 4},
                                                  {"s7", 4}}));
    EXPECT_EQ(t.nodes().at("s3").parent, "s1");
    EXPECT_EQ(t.nodes().at("s1").up_port, 11u);    // s1's port to s2.
    EXPECT_EQ(t.nodes().at("s1").down_port, 10u);  // s2's port up.
    using H = PubsubHop;
    EXPECT_EQ(t.route("s4", 1, "s7", 2), (std::vector<H>{{"s4", 1, 10},
                                                         {"s2", 11, 10},
                                                         {"s1", 11, 12},
                                                         {"s3", 10, 12},
                                                         {"s7", 10, 2}}));
    // Through the LCA (s3) of two switches below the root: not via s1.
    EXPECT_EQ(t.route("s6", 1, "s7", 1),
              (std::vector<H>{{"s6", 1, 10}, {"s3", 11, 12}, {"s7", 10, 1}}));
    EXPECT_EQ(t.route("s1", 2, "s5", 1),
              (std::vector<H>{{"s1", 2, 11}, {"s2", 10, 12}, {"s5", 10, 1}}));
    EXPECT_EQ(t.route("s5", 2, "s5", 1), (std::vector<H>{{"s5", 2, 1}}));
    EXPECT_TRUE(t.route("s5", 2, "s9", 1).empty());
}

TEST(PubsubFlows, AdvertiseSubscribeUnsubscribeUnadvertise)
{
    Net n;
    EXPECT_TRUE(n.send(4, 1, MsgType::kAdvertise, "01"));
    for (int sw = 1; sw <= 7; sw++) {
        EXPECT_EQ(n.flows(sw), Flows()) << sw;
    }
    EXPECT_TRUE(n.send(7, 1, MsgType::kSubscribe, "0110"));
    EXPECT_EQ(n.changed,
              (std::set<std::string>{"s1", "s2", "s3", "s4", "s7"}));
    auto flow = [](int in, const std::string &actions) {
        return "priority=30005,udp,in_port=" + std::to_string(in)
               + ",nw_dst=225.176.0.0/13,tp_dst=5038,actions=" + actions;
    };
    EXPECT_EQ(n.flows(4), Flows{flow(1, "output:10")});
    EXPECT_EQ(n.flows(2), Flows{flow(11, "output:10")});
    EXPECT_EQ(n.flows(1), Flows{flow(11, "output:12")});
    EXPECT_EQ(n.flows(3), Flows{flow(10, "output:12")});
    EXPECT_EQ(n.flows(7),
              Flows{flow(10, "clone(pubsub:filter(dz=0110),mod_dl_dst:02:00:"
                             "00:00:00:71,mod_nw_dst:10.0.0.113,output:1)")});
    EXPECT_EQ(n.flows(5), Flows());
    EXPECT_EQ(n.flows(6), Flows());

    // A subscriber on the publisher's own switch, of a wider dz: it gets
    // the publisher's whole dz.
    EXPECT_TRUE(n.send(4, 2, MsgType::kSubscribe, "0"));
    EXPECT_EQ(n.changed, (std::set<std::string>{"s4"}));
    // Under covering, 0110 (to s7) is merged into the flow of 01.
    EXPECT_EQ(n.flows(4),
              Flows{"priority=30003,udp,in_port=1,nw_dst=225.160.0.0/11,"
                    "tp_dst=5038,actions=output:10,clone(pubsub:filter(dz=0),"
                    "mod_dl_dst:02:00:00:00:00:42,mod_nw_dst:10.0.0.66,"
                    "output:2)"});
    json st = n.ps.state();
    EXPECT_EQ(st["trees"].size(), 1u);
    EXPECT_EQ(st["trees"][0]["root"], "s4");
    EXPECT_EQ(st["hosts"].size(), 3u);

    EXPECT_TRUE(n.send(7, 1, MsgType::kUnsubscribe, "0110"));
    EXPECT_EQ(n.flows(7), Flows());
    EXPECT_EQ(n.flows(1), Flows());
    EXPECT_EQ(n.flows(4).size(), 1u);
    EXPECT_TRUE(n.send(4, 1, MsgType::kUnadvertise, "01"));
    EXPECT_EQ(n.flows(4), Flows());
    EXPECT_EQ(n.ps.state()["trees"].size(), 0u);
    EXPECT_EQ(n.ps.state()["hosts"].size(), 1u);  // The "0" subscriber.
    json c = n.ps.counters();
    EXPECT_EQ(c["messages"]["advertise"], 1);
    EXPECT_EQ(c["messages"]["subscribe"], 2);
    EXPECT_EQ(c["messages"]["unsubscribe"], 1);
    EXPECT_EQ(c["messages"]["unadvertise"], 1);
}

// Under s3 (in from s1): subscribers of 0 on s7 port 1 and of 0110 on s7
// port 2; a publisher of 0 on s4.
Net covered(bool covering)
{
    Net n({{"covering", covering}, {"filter", false}});
    n.send(4, 1, MsgType::kAdvertise, "0");
    n.send(7, 1, MsgType::kSubscribe, "0");
    n.send(7, 2, MsgType::kSubscribe, "0110");
    return n;
}

TEST(PubsubFlows, MakeBeforeBreakFlowsRetireAfterTheSync)
{
    Net n;
    n.send(4, 1, MsgType::kAdvertise, "0");
    n.send(4, 2, MsgType::kSubscribe, "0101");
    std::string old = n.flows(4).at(0);
    EXPECT_NE(old.find("nw_dst=225.168.0.0/13"), std::string::npos) << old;
    // 01 covers 0101: the flow of 0101 goes, the one of 01 comes.  Until
    // s4 has synced, both are there (the core deletes before it adds).
    frames::Bytes f = control(
        4, 2, pubsub::encode_control({MsgType::kSubscribe, dz("01")}));
    std::set<std::string> changed;
    n.ps.packet_in("s4", f.data(), f.size(), 2, changed);
    EXPECT_EQ(changed, std::set<std::string>{"s4"});
    Flows both = n.flows(4);
    ASSERT_EQ(both.size(), 2u);
    EXPECT_NE(both[0].find("nw_dst=225.160.0.0/11"), std::string::npos);
    EXPECT_EQ(both[1], old);
    EXPECT_EQ(n.ps.state()["retiring"]["s4"], json::array({old}));
    changed.clear();
    n.ps.switch_synced("s4", changed);
    EXPECT_EQ(changed, std::set<std::string>{"s4"});
    EXPECT_EQ(n.flows(4), Flows{both[0]});
    changed.clear();
    n.ps.switch_synced("s4", changed);  // Nothing more to do.
    EXPECT_TRUE(changed.empty());
    // Un-advertising leaves the switch's flows as they are, all retiring:
    // a switch that is in sync already has them, so they go at once (the
    // core would see no change, and no sync would follow).
    f = control(4, 1,
                pubsub::encode_control({MsgType::kUnadvertise, dz("0")}));
    n.ps.packet_in("s4", f.data(), f.size(), 1, changed);
    EXPECT_EQ(changed, std::set<std::string>{"s4"});
    EXPECT_EQ(n.flows(4), Flows());
}

TEST(PubsubFlows, CoveringMergesExactKeepsApart)
{
    std::string to1 = "clone(mod_dl_dst:02:00:00:00:00:71,mod_nw_dst:"
                      "10.0.0.113,output:1)",
                to2 = "clone(mod_dl_dst:02:00:00:00:00:72,mod_nw_dst:"
                      "10.0.0.114,output:2)";
    Net merged = covered(true);
    EXPECT_EQ(merged.flows(7),
              Flows{"priority=30002,udp,in_port=10,nw_dst=225.128.0.0/10,"
                    "tp_dst=5038,actions="
                    + to1 + "," + to2});
    Net exact = covered(false);
    EXPECT_EQ(exact.flows(7),
              (Flows{"priority=30002,udp,in_port=10,nw_dst=225.128.0.0/10,"
                     "tp_dst=5038,actions="
                         + to1,
                     "priority=30005,udp,in_port=10,nw_dst=225.176.0.0/13,"
                     "tp_dst=5038,actions="
                         + to1 + "," + to2}));
    // On the way, both dz leave by the same port: 0110's flow would be
    // redundant and is pruned even when exact.
    EXPECT_EQ(exact.flows(3),
              Flows{"priority=30002,udp,in_port=10,nw_dst=225.128.0.0/10,"
                    "tp_dst=5038,actions=output:12"});
    EXPECT_EQ(merged.flows(3), exact.flows(3));
}

TEST(PubsubFlows, LongDzAreCutToTheAddressAndFilteredExactly)
{
    Net n(json{{"max_dz_bits", 40}});
    std::string d(30, '1');
    n.send(5, 1, MsgType::kAdvertise, "1");
    n.send(5, 2, MsgType::kSubscribe, d.c_str());
    EXPECT_EQ(n.flows(5),
              Flows{"priority=30024,udp,in_port=1,nw_dst=225.255.255.255/32,"
                    "tp_dst=5038,actions=clone(pubsub:filter(dz="
                    + d
                    + "),mod_dl_dst:02:00:00:00:00:52,mod_nw_dst:10.0.0.82,"
                      "output:2)"});
    // Over the limit: refused.
    n.send(5, 2, MsgType::kSubscribe, std::string(41, '1').c_str());
    EXPECT_EQ(n.ps.counters()["refused"], 1);
    // A lower limit drops the subscriptions it no longer takes.
    n.ps.configure(settings({{"max_dz_bits", 23}}));
    n.changed = {"s5"};
    n.synced();
    EXPECT_EQ(n.flows(5), Flows());
    EXPECT_EQ(n.ps.counters()["subscriptions"], 0);
    EXPECT_EQ(n.ps.counters()["advertisements"], 1);
}

TEST(PubsubFlows, EveryFlowParses)
{
    Net n(json{{"covering", false}});
    n.send(4, 1, MsgType::kAdvertise, "0");
    n.send(6, 1, MsgType::kAdvertise, "1");
    n.send(1, 1, MsgType::kSubscribe, "*");
    n.send(7, 1, MsgType::kSubscribe, "0");
    n.send(7, 1, MsgType::kSubscribe, "10111");
    n.send(4, 1, MsgType::kSubscribe, "01");  // Its own events too.
    SwitchSpec spec;
    size_t total = 0;
    for (int sw = 1; sw <= 7; sw++) {
        spec.name = "s" + std::to_string(sw);
        for (const std::string &f : n.ps.flows_for(spec.name)) {
            EXPECT_EQ(check_flow_text(spec, f), "") << f;
            total++;
        }
    }
    EXPECT_GT(total, 14u);
    // The publisher's own subscription is delivered back on its port.
    bool own = false;
    for (const std::string &f : n.ps.flows_for("s4")) {
        own |= f.find("in_port=1,") != std::string::npos
               && f.find("mod_nw_dst:10.0.0.65,in_port)") != std::string::npos;
    }
    EXPECT_TRUE(own);
}

TEST(PubsubMessages, MalformedAreCountedAndChangeNothing)
{
    Net n;
    std::vector<uint8_t> v0 = pubsub::encode_control(
        {MsgType::kSubscribe, dz("0101")});
    std::vector<uint8_t> v1 = pubsub::encode_control(
        {MsgType::kSubscribe, dz(std::string(30, '0').c_str())});
    size_t cuts = 0;
    for (const auto &w : {v0, v1}) {
        for (size_t len = 0; len < w.size(); len++) {
            frames::Bytes f = control(
                2, 1, std::vector<uint8_t>(w.begin(), w.begin() + len));
            EXPECT_TRUE(
                n.ps.packet_in("s2", f.data(), f.size(), 1, n.changed));
            cuts++;
        }
    }
    std::vector<uint8_t> bad_type = v0;
    bad_type[0] = 9;
    frames::Bytes f = control(2, 1, bad_type);
    EXPECT_TRUE(n.ps.packet_in("s2", f.data(), f.size(), 1, n.changed));
    json c = n.ps.counters();
    EXPECT_EQ(c["malformed"]["truncated"], cuts);
    EXPECT_EQ(c["malformed"]["bad_type"], 1);
    EXPECT_EQ(c["hosts"], 0);
    EXPECT_TRUE(n.changed.empty());

    // From a link port: refused.
    f = control(2, 10, v0);
    EXPECT_TRUE(n.ps.packet_in("s2", f.data(), f.size(), 10, n.changed));
    EXPECT_EQ(n.ps.counters()["refused"], 1);
    EXPECT_EQ(n.ps.counters()["hosts"], 0);

    // An event that reached the controller is counted and taken; other
    // traffic is left to the other applications.
    frames::Bytes ev = frames::udp(host_ip(2, 1), 1, 0xe1b00000, 5038);
    EXPECT_TRUE(n.ps.packet_in("s2", ev.data(), ev.size(), 1, n.changed));
    EXPECT_EQ(n.ps.counters()["event_packet_ins"], 1);
    frames::Bytes other = frames::udp(host_ip(2, 1), 1, 0x0a000063, 5037);
    EXPECT_FALSE(
        n.ps.packet_in("s2", other.data(), other.size(), 1, n.changed));
    EXPECT_FALSE(n.ps.packet_in("s9", ev.data(), ev.size(), 1, n.changed));
}

TEST(PubsubMessages, BoundsRefuseAndKeepEverything)
{
    Net n(json{{"max_hosts", 2}, {"max_entries", 70}});
    n.send(2, 1, MsgType::kAdvertise, "1");
    n.send(2, 2, MsgType::kSubscribe, "1");
    EXPECT_TRUE(n.send(3, 1, MsgType::kSubscribe, "1"));  // Third host.
    EXPECT_EQ(n.ps.counters()["refused"], 1);
    EXPECT_TRUE(n.changed.empty());
    for (int i = 0; i < 70; i++) {
        std::string d;
        for (int b = 6; b >= 0; b--) {
            d += char('0' + (i >> b & 1));
        }
        n.send(2, 2, MsgType::kSubscribe, d.c_str());
    }
    json c = n.ps.counters();
    EXPECT_EQ(c["subscriptions"], 64);  // The most a filter takes.
    EXPECT_EQ(c["refused"], 1 + 7);
    EXPECT_EQ(c["hosts"], 2);
}

TEST(PubsubRest, RequestsAndErrors)
{
    Net n;
    std::set<std::string> ch;
    auto post = [&](MsgType t, json body) {
        return n.ps.rest(t, body.dump(), ch);
    };
    json sub = {{"switch", "s6"},
                {"port", 2},
                {"ip", "10.0.6.2"},
                {"mac", "02:00:00:00:06:02"},
                {"dz", "11"}};
    JsonReply r = post(MsgType::kSubscribe, sub);
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(r.body["status"], "Success");
    r = post(MsgType::kAdvertise, {{"switch", "s1"},
                                   {"port", 1},
                                   {"ip", "10.0.1.1"},
                                   {"mac", "02:00:00:00:01:01"},
                                   {"dz", "1"}});
    EXPECT_EQ(r.http, 200);
    EXPECT_EQ(n.flows(6).size(), 1u);
    EXPECT_EQ(n.ps.state()["hosts"][1]["switch"], "s6");

    json bad = sub;
    bad["dz"] = "12";
    EXPECT_EQ(post(MsgType::kSubscribe, bad).http, 400);
    bad = sub;
    bad.erase("mac");
    r = post(MsgType::kSubscribe, bad);
    EXPECT_EQ(r.http, 400);
    EXPECT_EQ(r.body["status"], "Error");
    bad = sub;
    bad["switch"] = "s9";
    EXPECT_EQ(post(MsgType::kSubscribe, bad).http, 404);
    bad = sub;
    bad["port"] = 10;  // s6's link up.
    EXPECT_EQ(post(MsgType::kSubscribe, bad).http, 400);
    EXPECT_EQ(n.ps.rest(MsgType::kSubscribe, "{", ch).http, 400);
    EXPECT_EQ(
        post(MsgType::kUnsubscribe, {{"ip", "10.0.6.2"}, {"dz", "0"}}).http,
        404);
    EXPECT_EQ(
        post(MsgType::kUnsubscribe, {{"ip", "10.9.9.9"}, {"dz", "0"}}).http,
        404);
    EXPECT_EQ(n.flows(6).size(), 1u);  // Nothing changed.
    n.changed = ch;                    // The switches sync.
    n.synced();
    ch.clear();
    EXPECT_EQ(
        post(MsgType::kUnsubscribe, {{"ip", "10.0.6.2"}, {"dz", "11"}}).http,
        200);
    EXPECT_TRUE(ch.count("s6"));
    EXPECT_EQ(n.flows(6).size(), 0u);
}

TEST(PubsubScale, TenThousandSubscriptions)
{
    Net n(json{{"max_hosts", 1000}, {"max_entries", 20000}});
    n.send(4, 1, MsgType::kAdvertise, "*");
    json list = json::array();
    for (int h = 0; h < 160; h++) {
        int sw = 1 + h % 7, port = 1 + (h / 7) % 2;
        for (int k = 0; k < 63; k++) {
            uint64_t bits = (uint64_t(h) * 2654435761u + k * 40503u) & 0x3fff;
            list.push_back({{"switch", "s" + std::to_string(sw)},
                            {"port", sw == 4 && port == 1 ? 2 : port},
                            {"ip", format_ip(0x0a100000 + h)},
                            {"mac", format_mac(0x020000100000 + h)},
                            {"dz", Dz{bits, 14}.text()}});
        }
    }
    std::set<std::string> changed;
    // One bad entry refuses them all.
    json bad = list;
    bad[5000]["dz"] = "x";
    JsonReply r = n.ps.rest_bulk(json{{"subscriptions", bad}}.dump(), changed);
    EXPECT_EQ(r.http, 400);
    EXPECT_EQ(r.body["reason"], "\"subscriptions\"[5000]: \"dz\": must be a "
                                "dz-expression (1 to 64 of 0 and 1, or *)");
    EXPECT_EQ(n.ps.counters()["subscriptions"], 0);
    r = n.ps.rest_bulk(json{{"subscriptions", list}}.dump(), changed);
    EXPECT_EQ(r.http, 200);
    json c = n.ps.counters();
    EXPECT_EQ(c["subscriptions"], list.size());
    EXPECT_GE(list.size(), 10000u);
    EXPECT_EQ(changed.size(), 7u);
    // Covering: one flow per distinct dz at most, per in port.
    EXPECT_GT(c["flows"], 7 * 2);
    EXPECT_LE(c["flows_max"], 2 + 2 * (1 << 14));
}

}  // namespace
}  // namespace cxxa::controller
