// The learning switch application: its switch keys and modes in the
// deployment, the MAC table (learning, bounds, eviction), and the Forward
// effects a packet-in gives.
#include <gtest/gtest.h>

#include "apps/learning/learning_app.h"
#include "deployment.h"
#include "deployment_errors.h"
#include "ofp_flows.h"

using namespace cxxa::controller;
using namespace cxxa::controller::testing;
using nlohmann::json;

namespace {

json doc(const json &extra)
{
    json sw = {{"name", "s1"}, {"dpid", "1"}};
    sw.update(extra);
    return {{"switches", {sw}}};
}

std::vector<uint8_t> frame(uint64_t dst, uint64_t src)
{
    std::vector<uint8_t> f(60, 0);
    for (int i = 0; i < 6; i++) {
        f[i] = dst >> (40 - 8 * i);
        f[6 + i] = src >> (40 - 8 * i);
    }
    return f;
}

struct LearningTest : ::testing::Test {
    LearningSwitches ls;
    Effects fx;

    void SetUp() override
    {
        LearningSwitchSettings flows, no_flows;
        no_flows.install_flows = false;
        flows.idle_timeout = 30;
        flows.mac_table_size = 2;
        ls.configure({{"s1", flows}, {"s2", no_flows}});
    }
    bool in(const std::string &sw, uint64_t dst, uint64_t src, uint32_t port)
    {
        fx = Effects();
        std::vector<uint8_t> f = frame(dst, src);
        return ls.packet_in(sw, f.data(), f.size(), port, fx);
    }
};

}  // namespace

TEST(LearningSectionTest, ModesAndKeys)
{
    std::vector<std::string> errors;
    auto d = parse_deployment(doc({{"mode", "learning"},
                                   {"idle_timeout", 5},
                                   {"mac_table_size", 10}}),
                              check_flow_text, errors);
    ASSERT_TRUE(d) << errors[0];
    EXPECT_EQ(d->switches[0].mode, "learning");
    const auto *c = d->config<LearningConfig>("learning");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->switches.at("s1").idle_timeout, 5);
    EXPECT_EQ(c->switches.at("s1").mac_table_size, 10u);
    EXPECT_TRUE(c->switches.at("s1").install_flows);
    d = parse_deployment(doc({{"mode", "learning-no-flows"}}), check_flow_text,
                         errors);
    ASSERT_TRUE(d) << errors[0];
    c = d->config<LearningConfig>("learning");
    EXPECT_FALSE(c->switches.at("s1").install_flows);
    EXPECT_EQ(c->switches.at("s1").mac_table_size, 4096u);

    auto e = errors_of(doc(
        {{"mode", "hub"}, {"idle_timeout", 70000}, {"mac_table_size", 0}}));
    EXPECT_TRUE(has_error(e, "switches[0].mode: must be \"static\", "
                             "\"learning\" or \"learning-no-flows\""));
    EXPECT_TRUE(has_error(e, "switches[0].idle_timeout: must be an integer "
                             "from 0 to 65535"));
    EXPECT_TRUE(has_error(e, "switches[0].mac_table_size: must be an "
                             "integer from 1 to 1000000"));
}

TEST_F(LearningTest, TableMissFlowAndKeptFlows)
{
    SwitchSpec s1, s2, s3;
    s1.name = "s1";
    s2.name = "s2";
    s3.name = "s3";
    ls.add_to_switch(s1);
    ls.add_to_switch(s2);
    ls.add_to_switch(s3);
    EXPECT_EQ(s1.flows, std::vector<std::string>{
                            "table=0,priority=0,actions=controller"});
    EXPECT_TRUE(s1.keep_app_flows);
    EXPECT_EQ(s2.flows.size(), 1u);
    EXPECT_FALSE(s2.keep_app_flows);
    EXPECT_TRUE(s3.flows.empty());
    EXPECT_FALSE(in("s3", 1, 2, 1));  // Not a learning switch.
}

TEST_F(LearningTest, FloodsUnknownThenSendsToTheLearnedPort)
{
    ASSERT_TRUE(in("s1", 0xa, 0xb, 1));
    ASSERT_EQ(fx.forwards.size(), 1u);
    EXPECT_EQ(fx.forwards[0].out_port, kFloodPort);
    EXPECT_EQ(fx.forwards[0].in_port, 1u);
    EXPECT_FALSE(fx.forwards[0].flow_idle_timeout);  // No flow to flood.
    ASSERT_TRUE(in("s1", 0xb, 0xa, 2));
    ASSERT_EQ(fx.forwards.size(), 1u);
    EXPECT_EQ(fx.forwards[0].out_port, 1u);
    EXPECT_EQ(fx.forwards[0].flow_idle_timeout, 30);
    EXPECT_EQ(fx.forwards[0].frame, frame(0xb, 0xa));
    // Back where it came from: taken, nothing sent.
    ASSERT_TRUE(in("s1", 0xb, 0xa, 1));
    EXPECT_TRUE(fx.forwards.empty());
    EXPECT_TRUE(fx.packet_outs.empty());
}

TEST_F(LearningTest, NoFlowsModeNeverInstallsAndMulticastIsNotLearned)
{
    ASSERT_TRUE(in("s2", 0xa, 0xb, 1));
    ASSERT_TRUE(in("s2", 0xb, 0xa, 2));
    EXPECT_EQ(fx.forwards[0].out_port, 1u);
    EXPECT_FALSE(fx.forwards[0].flow_idle_timeout);
    const uint64_t multicast = 0x010000000001ull;
    ASSERT_TRUE(in("s2", 0xa, multicast, 3));
    ASSERT_TRUE(in("s2", multicast, 0xa, 2));
    EXPECT_EQ(fx.forwards[0].out_port, kFloodPort);
    EXPECT_EQ(ls.table_size("s2"), 2u);
}

TEST_F(LearningTest, TableIsBoundedOldestEvicted)
{
    in("s1", 0xf, 0xa, 1);
    in("s1", 0xf, 0xb, 2);
    in("s1", 0xf, 0xa, 1);  // Refreshes a: b is now the oldest.
    in("s1", 0xf, 0xc, 3);
    EXPECT_EQ(ls.table_size("s1"), 2u);
    EXPECT_EQ(ls.evictions("s1"), 1u);
    in("s1", 0xb, 0xd, 4);
    EXPECT_EQ(fx.forwards[0].out_port, kFloodPort);  // b was evicted.
    in("s1", 0xc, 0xd, 4);
    EXPECT_EQ(fx.forwards[0].out_port, 3u);
    // A reload keeps the tables of switches that stay learning switches.
    LearningSwitchSettings s;
    ls.configure({{"s1", s}});
    EXPECT_EQ(ls.table_size("s1"), 2u);
    EXPECT_EQ(ls.table_size("s2"), 0u);
    EXPECT_FALSE(ls.is_learning("s2"));
}
