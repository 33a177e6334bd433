// The controller core without switches: every registered application is
// instantiated, and Controller::when (what a REST reply that waits for the
// switches waits on) calls back when its condition holds or at its
// deadline.
#include <config.h>

#include <gtest/gtest.h>

#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "controller.h"
#include "rest.h"

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
    EXPECT_EQ(calls, 1);  // Once only.
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

TEST_F(ControllerTest, RestAddressInUseIsRefused)
{
    // A port nobody listens on: the kernel's pick for a socket bound to 0.
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    ASSERT_EQ(::bind(fd, (sockaddr *) &sin, sizeof sin), 0);
    ASSERT_EQ(getsockname(fd, (sockaddr *) &sin, &len), 0);
    close(fd);
    const std::string address = "127.0.0.1:"
                                + std::to_string(ntohs(sin.sin_port));

    RestServer first(c), second(c);
    ASSERT_EQ(first.bind(address), "");
    std::string error = second.bind(address);
    EXPECT_NE(error.find("cannot listen"), std::string::npos) << error;
}
