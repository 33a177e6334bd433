// The controller core without switches: every registered application is
// instantiated, and Controller::when (what a REST reply that waits for the
// switches waits on) calls back when its condition holds or at its
// deadline.
#include <config.h>

#include <gtest/gtest.h>

#include <thread>

#include "controller.h"

using namespace cxxa::controller;

namespace {

struct ControllerTest : ::testing::Test {
    Controller c{"/nonexistent/deployment.json", kOf10 | kOf13};
};

}  // namespace

TEST_F(ControllerTest, EveryRegisteredApplicationRuns)
{
    ASSERT_EQ(c.apps().size(), app_types().size());
    for (size_t i = 0; i < c.apps().size(); i++) {
        EXPECT_STREQ(c.apps()[i]->name(), app_types()[i]->name());
    }
    nlohmann::json h = c.health();
    EXPECT_EQ(h["status"], "ok");
    EXPECT_TRUE(c.switches().empty());
}

TEST_F(ControllerTest, WhenAlreadyTrueCallsAtOnce)
{
    int calls = 0;
    bool result = false;
    c.when([] { return true; }, App::Clock::now() + std::chrono::hours(1),
           [&](bool ok) {
               calls++;
               result = ok;
           });
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(result);
}

TEST_F(ControllerTest, WhenCallsBackAfterTheRunThatMadeItTrue)
{
    bool flag = false;
    int calls = 0;
    bool result = false;
    c.when([&] { return flag; }, App::Clock::now() + std::chrono::hours(1),
           [&](bool ok) {
               calls++;
               result = ok;
           });
    c.run();
    EXPECT_EQ(calls, 0);
    flag = true;
    c.run();
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(result);
    c.run();
    EXPECT_EQ(calls, 1);            // Once only.
}

TEST_F(ControllerTest, WhenGivesUpAtTheDeadline)
{
    int calls = 0;
    bool result = true;
    c.when([] { return false; },
           App::Clock::now() + std::chrono::milliseconds(20),
           [&](bool ok) {
               calls++;
               result = ok;
           });
    c.run();
    EXPECT_EQ(calls, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    c.run();
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(result);
}
