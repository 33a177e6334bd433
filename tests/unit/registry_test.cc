// Unit tests for the registry, the batch contract and the C ABI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bridge/registry.h"
#include "cxx-actions.h"

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

std::string parse_c(const char *name, const char *args, bool *ok)
{
    char *canonical = nullptr;
    char *error = cxxa_parse(name, args, &canonical);
    *ok = error == nullptr;
    std::string s = error ? error : canonical;
    std::free(error);
    std::free(canonical);
    return s;
}

}  // namespace

TEST(Registry, KnowsTheThreePrimitives)
{
    EXPECT_TRUE(cxxa_is_primitive("paxos"));
    EXPECT_TRUE(cxxa_is_primitive("amd"));
    EXPECT_TRUE(cxxa_is_primitive("nat"));
    EXPECT_FALSE(cxxa_is_primitive("ct"));
    EXPECT_FALSE(cxxa_is_primitive(""));
}

TEST(Registry, ParseCanonicalisesAndNamesThePrimitiveOnError)
{
    bool ok;
    EXPECT_EQ(parse_c("paxos", "onclient(group=0,node=1)", &ok), "onclient");
    EXPECT_TRUE(ok);
    EXPECT_EQ(parse_c("paxos", " onaccept( node=2 , group=5 ) ", &ok),
              "onaccept(group=5,node=2)");
    EXPECT_TRUE(ok);
    EXPECT_EQ(parse_c("paxos", "", &ok), "paxos: missing operation");
    EXPECT_FALSE(ok);
    EXPECT_EQ(parse_c("nosuch", "x", &ok), "nosuch: no such primitive");
    EXPECT_FALSE(ok);
}

TEST(Registry, CanonicalFormIsAFixedPoint)
{
    const char *cases[][2] = {
        {"paxos", "onlearn(group=9,node=3)"},
        {"amd", "release(server=10.9.0.7)"},
        {"nat", "out(ext=1.2.3.4,ports=100-200,filter=adf)"},
        {"nat", "forward(proto=udp,ext=1.2.3.4,port=53,to=10.0.0.2:5353)"},
    };
    for (auto &c : cases) {
        bool ok;
        std::string once = parse_c(c[0], c[1], &ok);
        ASSERT_TRUE(ok) << once;
        EXPECT_EQ(once, c[1]);
        EXPECT_EQ(parse_c(c[0], once.c_str(), &ok), once);
    }
}

TEST(Registry, FlagsSayWhichActionsReshape)
{
    EXPECT_EQ(cxxa_flags("paxos", "onclient"), unsigned(CXXA_F_RESHAPES));
    EXPECT_EQ(cxxa_flags("amd", "release(server=10.0.0.1)"),
              unsigned(CXXA_F_RESHAPES));
    EXPECT_EQ(cxxa_flags("amd", "store(server=10.0.0.1)"), 0u);
    // nat:in rewrites the destination: the route follows the new one.
    EXPECT_EQ(cxxa_flags("nat", "in(ext=1.2.3.4)"),
              unsigned(CXXA_F_RESHAPES));
    EXPECT_EQ(cxxa_flags("nat", "out(ext=1.2.3.4)"), 0u);
    EXPECT_EQ(cxxa_flags("nosuch", ""), 0u);
    EXPECT_EQ(cxxa_flags("paxos", "garbage"), 0u);
}

TEST(Registry, ExecuteWithBadArgumentsCountsErrorsAndPassesNothing)
{
    uint8_t frame[60] = {};
    cxxa_packet pkt{frame, sizeof frame, 1};
    Emitted e;
    cxxa_execute("reg-bad", "paxos", "garbage", &pkt, 1, record, &e);
    EXPECT_TRUE(e.out.empty());
    auto &c = cxxa::Registry::instance().find("paxos")->counters("reg-bad");
    EXPECT_EQ(c.in.load(), 1u);
    EXPECT_EQ(c.errors.load(), 1u);
    EXPECT_EQ(c.dropped.load(), 1u);
}

TEST(Registry, CommandsIncludeListAndPrimitiveCommands)
{
    std::vector<std::string> names;
    for (size_t i = 0; i < cxxa_n_commands(); i++) {
        names.push_back(cxxa_command(i)->name);
    }
    EXPECT_EQ(names.front(), "cxx-action/list");
    EXPECT_NE(std::find(names.begin(), names.end(), "paxos/show"),
              names.end());
    EXPECT_EQ(cxxa_command(names.size()), nullptr);

    char *reply = nullptr;
    const char *argv[] = {"cxx-action/list"};
    EXPECT_TRUE(cxxa_run_command(0, 1, argv, &reply));
    EXPECT_NE(std::string(reply).find("paxos: "), std::string::npos);
    std::free(reply);
    EXPECT_FALSE(cxxa_run_command(9999, 1, argv, &reply));
    std::free(reply);
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
    for (const char *name : {"output", "ct", "resubmit", "drop", "normal",
                             "NORMAL", "Output", "in_port", "load", "cxx",
                             "learn", "goto_table", "mod_vlan_vid"}) {
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
