// Reconciliation: what is added, removed and left alone.
#include <gtest/gtest.h>

#include <algorithm>

#include "flow_sync.h"
#include "ofp_flows.h"

#include "openvswitch/ofp-protocol.h"

using namespace cxxa::controller;

namespace {

FlowKey key(const std::string &match, const std::string &actions,
            uint64_t cookie = kCookieDeployment)
{
    return {match, match + " cookie=" + std::to_string(cookie) + " " + actions,
            cookie};
}

bool contains(const std::vector<size_t> &v, size_t x)
{
    return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST(FlowSyncTest, EmptySwitchGetsEverything)
{
    SyncPlan p = plan_sync({key("a", "1"), key("b", "2")}, {}, false);
    EXPECT_EQ(p.add, (std::vector<size_t>{0, 1}));
    EXPECT_TRUE(p.remove.empty());
    EXPECT_EQ(p.kept, 0u);
}

TEST(FlowSyncTest, InSyncSwitchGetsNothing)
{
    SyncPlan p = plan_sync({key("a", "1"), key("b", "2")},
                           {key("b", "2"), key("a", "1")}, false);
    EXPECT_TRUE(p.add.empty());
    EXPECT_TRUE(p.remove.empty());
    EXPECT_EQ(p.kept, 2u);
}

TEST(FlowSyncTest, StaleOwnedFlowsAreRemoved)
{
    SyncPlan p = plan_sync({key("a", "1")}, {key("a", "1"), key("z", "9")},
                           false);
    EXPECT_TRUE(p.add.empty());
    EXPECT_EQ(p.remove, (std::vector<size_t>{1}));
}

TEST(FlowSyncTest, ChangedActionsReplaceWithoutDelete)
{
    // Same identity, new actions: an add replaces it in place, so the old
    // one is not deleted first (no gap for traffic).
    SyncPlan p = plan_sync({key("a", "new")}, {key("a", "old")}, false);
    EXPECT_EQ(p.add, (std::vector<size_t>{0}));
    EXPECT_TRUE(p.remove.empty());
}

TEST(FlowSyncTest, ForeignFlowsAreNeverTouched)
{
    SyncPlan p = plan_sync({}, {key("a", "1", 0x1), key("b", "2", 0)}, false);
    EXPECT_TRUE(p.remove.empty());
    EXPECT_FALSE(is_owned_cookie(0x6378786000000000ULL));
    EXPECT_TRUE(is_owned_cookie(0x63787861000000ffULL));
}

TEST(FlowSyncTest, AppFlowsKeptOnlyWhenAsked)
{
    std::vector<FlowKey> installed = {key("m", "out:1", kCookieApp)};
    EXPECT_TRUE(plan_sync({}, installed, true).remove.empty());
    EXPECT_TRUE(contains(plan_sync({}, installed, false).remove, 0));
}

TEST(FlowSyncTest, DuplicateDesiredFlowsAddedOnce)
{
    SyncPlan p = plan_sync({key("a", "1"), key("a", "1")}, {}, false);
    EXPECT_EQ(p.add, (std::vector<size_t>{0}));
}

TEST(FlowSyncTest, CanonicalKeysSurviveTheWire)
{
    // Flows written in different but equivalent ways get the same key for
    // OpenFlow 1.3 and for 1.0 + NXM, so a reconcile finds them in sync.
    SwitchSpec spec;
    spec.ports = {{"p1", 1}, {"p2", 2}};
    const char *pairs[][2] = {
        {"in_port=p1,actions=mod_dl_src:00:00:00:00:00:01,output:p2",
         "priority=32768,in_port=1,actions=set_field:00:00:00:00:00:01->eth_"
         "src,output:2"},
        {"tcp,tp_dst=80,actions=drop",
         "ip,nw_proto=6,tcp_dst=80,actions=drop"},
        {"actions=router:echo_reply,output:2", "actions=router:echo_reply,2"},
    };
    for (uint32_t proto :
         {(uint32_t) OFPUTIL_P_OF13_OXM, (uint32_t) OFPUTIL_P_OF10_NXM_TID}) {
        for (const auto &pair : pairs) {
            FlowMod a, b;
            ASSERT_EQ(a.parse(spec, pair[0]), "");
            ASSERT_EQ(b.parse(spec, pair[1]), "");
            FlowKey ka = a.key(proto, kCookieDeployment);
            FlowKey kb = b.key(proto, kCookieDeployment);
            EXPECT_EQ(ka.full, kb.full) << pair[0];
            EXPECT_EQ(ka.cookie, kCookieDeployment);
        }
    }
    FlowMod x, y;
    ASSERT_EQ(x.parse(spec, "priority=5,actions=output:1"), "");
    ASSERT_EQ(y.parse(spec, "priority=5,actions=output:2"), "");
    FlowKey kx = x.key(OFPUTIL_P_OF13_OXM, kCookieDeployment);
    FlowKey ky = y.key(OFPUTIL_P_OF13_OXM, kCookieDeployment);
    EXPECT_EQ(kx.match, ky.match);
    EXPECT_NE(kx.full, ky.full);
}
