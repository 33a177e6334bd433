// Unit tests for the registry, the batch contract and the C ABI, on the
// test-only primitive cxxtest (tests/primitive).
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bridge/host.h"
#include "bridge/registry.h"
#include "cxx-actions.h"
#include "test-parse.h"

namespace {

// What the OVS side of cxxa_execute() would build: the output sequence.
struct Emitted {
    std::vector<std::pair<size_t, std::vector<uint8_t>>> out;  // index, frame
    std::vector<size_t> passed;
};

void record(void *aux, size_t index, const void *data, size_t size)
{
    auto *e = static_cast<Emitted *>(aux);
    if (!data) {
        e->passed.push_back(index);
        e->out.emplace_back(index, std::vector<uint8_t>());
    } else {
        auto *p = static_cast<const uint8_t *>(data);
        e->out.emplace_back(index, std::vector<uint8_t>(p, p + size));
    }
}

using cxxa::testing::parse_c;

}  // namespace

TEST(Registry, KnowsItsPrimitivesOnly)
{
    EXPECT_TRUE(cxxa_is_primitive("cxxtest"));
    EXPECT_FALSE(cxxa_is_primitive("ct"));
    EXPECT_FALSE(cxxa_is_primitive("nosuch"));
    EXPECT_FALSE(cxxa_is_primitive(""));
}

TEST(Registry, ParseCanonicalisesAndNamesThePrimitiveOnError)
{
    bool ok;
    EXPECT_EQ(parse_c("cxxtest", "pass(tag=0)", &ok), "pass");
    EXPECT_TRUE(ok);
    EXPECT_EQ(parse_c("cxxtest", " copy( n=2 ) ", &ok), "copy(n=2)");
    EXPECT_TRUE(ok);
    EXPECT_EQ(parse_c("cxxtest", "", &ok), "cxxtest: missing operation");
    EXPECT_FALSE(ok);
    EXPECT_EQ(parse_c("cxxtest", "bogus", &ok),
              "cxxtest: unknown operation 'bogus' (expected pass, copy, "
              "consume, drop or timer)");
    EXPECT_FALSE(ok);
    EXPECT_EQ(parse_c("nosuch", "x", &ok), "nosuch: no such primitive");
    EXPECT_FALSE(ok);
}

TEST(Registry, CanonicalFormIsAFixedPoint)
{
    for (const char *c : {"pass(tag=7)", "copy(n=3)", "consume", "drop"}) {
        bool ok;
        std::string once = parse_c("cxxtest", c, &ok);
        ASSERT_TRUE(ok) << once;
        EXPECT_EQ(once, c);
        EXPECT_EQ(parse_c("cxxtest", once.c_str(), &ok), once);
    }
}

TEST(Registry, FlagsSayWhichActionsReshape)
{
    EXPECT_EQ(cxxa_flags("cxxtest", "copy"), unsigned(CXXA_F_RESHAPES));
    EXPECT_EQ(cxxa_flags("cxxtest", "pass"), 0u);
    EXPECT_EQ(cxxa_flags("nosuch", ""), 0u);
    EXPECT_EQ(cxxa_flags("cxxtest", "garbage"), 0u);
}

TEST(Registry, ExecuteWithBadArgumentsCountsErrorsAndPassesNothing)
{
    uint8_t frame[60] = {};
    cxxa_packet pkt{frame, sizeof frame, 1};
    Emitted e;
    cxxa_execute("reg-bad", "cxxtest", "garbage", &pkt, 1, record, &e);
    EXPECT_TRUE(e.out.empty());
    auto &c = cxxa::Registry::instance().find("cxxtest")->counters("reg-bad");
    EXPECT_EQ(c.in.load(), 1u);
    EXPECT_EQ(c.errors.load(), 1u);
    EXPECT_EQ(c.dropped.load(), 1u);
}

namespace {

// Runs ovs-appctl command 'name' with 'args' through the C ABI.
bool run_command(const std::string &name, std::vector<const char *> args,
                 std::string *reply)
{
    for (size_t i = 0; i < cxxa_n_commands(); i++) {
        if (cxxa_command(i)->name == name) {
            args.insert(args.begin(), name.c_str());
            char *r = nullptr;
            bool ok = cxxa_run_command(i, int(args.size()), args.data(), &r);
            *reply = r ? r : "";
            std::free(r);
            return ok;
        }
    }
    *reply = "no command " + name;
    return false;
}

}  // namespace

TEST(Registry, CommandsIncludeListAndPrimitiveCommands)
{
    std::vector<std::string> names;
    for (size_t i = 0; i < cxxa_n_commands(); i++) {
        names.push_back(cxxa_command(i)->name);
    }
    EXPECT_EQ(names.front(), "cxx-action/list");
    EXPECT_NE(std::find(names.begin(), names.end(), "cxxtest/show"),
              names.end());
    EXPECT_EQ(cxxa_command(names.size()), nullptr);

    char *reply = nullptr;
    const char *argv[] = {"cxx-action/list"};
    EXPECT_TRUE(cxxa_run_command(0, 1, argv, &reply));
    EXPECT_NE(std::string(reply).find("cxxtest: "), std::string::npos);
    std::free(reply);
    EXPECT_FALSE(cxxa_run_command(9999, 1, argv, &reply));
    std::free(reply);
}

TEST(ShowCommand, UnknownBridgeIsAnErrorAndCreatesNoState)
{
    uint8_t frame[60] = {};
    cxxa_packet pkt{frame, sizeof frame, 1};
    Emitted e;
    cxxa_execute("show-a", "cxxtest", "consume", &pkt, 1, record, &e);

    std::string reply;
    EXPECT_TRUE(run_command("cxxtest/show", {"show-a"}, &reply));
    EXPECT_EQ(reply, "bridge show-a: pass 0, copy 0, consume 1, drop 0, timer "
                     "0; timers waiting 0, fired 0, dropped 0, cancelled 0\n");
    EXPECT_FALSE(run_command("cxxtest/show", {"show-typo"}, &reply));
    EXPECT_EQ(reply, "no cxxtest state for bridge show-typo");
    EXPECT_TRUE(run_command("cxxtest/show", {}, &reply));
    EXPECT_NE(reply.find("bridge show-a:"), std::string::npos);
    EXPECT_EQ(reply.find("show-typo"), std::string::npos);
    EXPECT_FALSE(run_command("cxxtest/show", {"show-typo"}, &reply));
}

namespace {

// A primitive used only here, to test the Batch contract.
class EchoTwice : public cxxa::PrimitiveOf<cxxa::ActionConfig> {
  public:
    explicit EchoTwice(std::string name = "echo-twice")
        : PrimitiveOf(std::move(name))
    {
    }
    std::string synopsis() const override { return ""; }
    std::unique_ptr<const cxxa::ActionConfig>
    parse(std::string_view) const override
    {
        return std::make_unique<cxxa::ActionConfig>();
    }
    std::string format(const cxxa::ActionConfig &) const override
    {
        return "";
    }
    // Packet 0 passes and is copied; packet 1 is consumed; packet 2 is
    // dropped; packet 3 gets no fate at all.
    void execute(const cxxa::ActionConfig &, std::string_view,
                 cxxa::Batch &b) override
    {
        b.pass(0);
        b.pass(0);  // A second pass of the same packet is ignored.
        auto p = b.packet(0);
        b.emit(0, p.data, p.size);
        b.consume(1);
        b.drop(2);
    }
};

}  // namespace

TEST(Batch, FatesAreCountedAndNothingDisappearsUncounted)
{
    cxxa::Registry r;
    r.add(std::make_unique<EchoTwice>());
    EXPECT_THROW(r.add(std::make_unique<EchoTwice>()), std::logic_error);

    uint8_t f[4][20] = {};
    f[0][0] = 0xab;
    cxxa_packet pkts[4];
    for (int i = 0; i < 4; i++) {
        pkts[i] = cxxa_packet{f[i], sizeof f[i], 1};
    }
    Emitted e;
    r.execute("br", "echo-twice", "", pkts, 4, record, &e);
    ASSERT_EQ(e.out.size(), 2u);
    EXPECT_EQ(e.passed, std::vector<size_t>{0});
    EXPECT_EQ(e.out[1].second.at(0), 0xab);
    auto &c = r.find("echo-twice")->counters("br");
    EXPECT_EQ(c.in.load(), 4u);
    EXPECT_EQ(c.out.load(), 2u);
    EXPECT_EQ(c.consumed.load(), 1u);
    EXPECT_EQ(c.dropped.load(), 2u);  // The dropped one and the forgotten one.
}

TEST(Registry, RejectsNamesThatShadowUpstreamActionsOrAreNotWords)
{
    cxxa::Registry r;
    for (const char *name :
         {"output", "ct", "resubmit", "drop", "normal", "NORMAL", "Output",
          "in_port", "load", "cxx", "learn", "goto_table", "mod_vlan_vid"}) {
        EXPECT_THROW(r.add(std::make_unique<EchoTwice>(name)),
                     std::logic_error)
            << name;
    }
    for (const char *name : {"", "1abc", "-x", "a b", "a:b", "a(b)"}) {
        EXPECT_THROW(r.add(std::make_unique<EchoTwice>(name)),
                     std::logic_error)
            << name;
    }
    EXPECT_EQ(cxxa::Registry::check_name("ct"),
              "primitive name 'ct' would shadow the OVS action or port "
              "keyword of that name");
    // nat is the documented exception: "nat:ARGS" is the primitive,
    // "nat(...)" upstream's.
    EXPECT_NO_THROW(r.add(std::make_unique<EchoTwice>("nat")));
    EXPECT_NO_THROW(r.add(std::make_unique<EchoTwice>("my_prim-2")));
    EXPECT_EQ(r.primitives().size(), 2u);
}

namespace {

struct Sent {
    uint8_t table;
    uint16_t in_port;
    std::vector<uint8_t> frame;
};

void record_sent(void *aux, uint8_t table, uint16_t in_port, const void *data,
                 size_t size)
{
    auto *p = static_cast<const uint8_t *>(data);
    static_cast<std::vector<Sent> *>(aux)->push_back(
        Sent{table, in_port, std::vector<uint8_t>(p, p + size)});
}

// The host clock is the test's for as long as the test runs.
class TestClock {
  public:
    explicit TestClock(int64_t start) : now(start)
    {
        cxxa::set_test_clock(&now);
    }
    ~TestClock() { cxxa::set_test_clock(nullptr); }
    int64_t now;
};

}  // namespace

TEST(MainLoop, TimersRunOnTheHostClockAndSendFramesOfTheirOwn)
{
    TestClock clock(1000);
    uint8_t frame[14] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x88, 0xb5};
    cxxa_packet pkt = {frame, sizeof frame, 1};
    Emitted e;
    EXPECT_EQ(cxxa_next_wakeup("loop-a"), LLONG_MAX);
    cxxa_execute("loop-a", "cxxtest", "timer(ms=50,table=3)", &pkt, 1, record,
                 &e);
    EXPECT_TRUE(e.out.empty());  // Kept until the timer fires.
    EXPECT_EQ(cxxa_next_wakeup("loop-a"), 1050);
    EXPECT_EQ(cxxa_next_wakeup("loop-b"), LLONG_MAX);  // Per bridge.

    std::vector<Sent> sent;
    clock.now = 1049;
    cxxa_run("loop-a", record_sent, &sent);
    EXPECT_TRUE(sent.empty());
    clock.now = 1050;
    cxxa_run("loop-b", record_sent, &sent);
    EXPECT_TRUE(sent.empty());
    cxxa_run("loop-a", record_sent, &sent);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].table, 3);
    EXPECT_EQ(sent[0].in_port, 0xfffd);  // OFPP_CONTROLLER.
    EXPECT_EQ(sent[0].frame, std::vector<uint8_t>(frame, frame + 14));
    EXPECT_EQ(cxxa_next_wakeup("loop-a"), LLONG_MAX);
}

TEST(MainLoop, ADeletedBridgesTimersNeverFireAndExitKeepsThem)
{
    TestClock clock(5000);
    uint8_t frame[14] = {};
    cxxa_packet pkt = {frame, sizeof frame, 1};
    Emitted e;
    cxxa_execute("loop-c", "cxxtest", "timer(ms=10,table=1)", &pkt, 1, record,
                 &e);
    cxxa_bridge_removed("loop-c", false);  // Exit: nothing is dropped.
    EXPECT_EQ(cxxa_next_wakeup("loop-c"), 5010);
    cxxa_bridge_removed("loop-c", true);
    EXPECT_EQ(cxxa_next_wakeup("loop-c"), LLONG_MAX);
    clock.now = 6000;
    std::vector<Sent> sent;
    cxxa_run("loop-c", record_sent, &sent);
    EXPECT_TRUE(sent.empty());
}
