// Unit tests for the Paxos wire format, the paxos: grammar, paxos:onclient
// and a learner whose released frames run the same group again.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "cxx-actions.h"
#include "paxos/paxos_wire.h"
#include "test-parse.h"

using namespace cxxa::paxos;

namespace {

std::vector<uint8_t> client_frame(uint8_t tag, size_t len = 60)
{
    std::vector<uint8_t> f(len, tag);
    f[12] = 0x08;  // IPv4 Ethernet type.
    f[13] = 0x00;
    return f;
}

struct Out {
    std::vector<std::vector<uint8_t>> frames;
    size_t passed = 0;
};

void collect(void *aux, size_t, const void *data, size_t size)
{
    auto *o = static_cast<Out *>(aux);
    if (!data) {
        o->passed++;
        return;
    }
    auto *p = static_cast<const uint8_t *>(data);
    o->frames.emplace_back(p, p + size);
}

Out run(const char *bridge, const char *args,
        std::vector<std::vector<uint8_t>> frames)
{
    std::vector<cxxa_packet> pkts;
    for (auto &f : frames) {
        pkts.push_back(cxxa_packet{f.data(), f.size(), 1});
    }
    Out o;
    cxxa_execute(bridge, "paxos", args, pkts.data(), pkts.size(), collect, &o);
    return o;
}

Header header_of(const std::vector<uint8_t> &f)
{
    const uint8_t *payload;
    size_t len;
    auto h = decode(f.data(), f.size(), &payload, &len);
    EXPECT_TRUE(h.has_value());
    return *h;
}

}  // namespace

TEST(PaxosWire, LayoutMatchesTheDocumentedOffsets)
{
    uint8_t v[3] = {1, 2, 3};
    auto f = encode({MsgType::kAccept, 0x01020304, 0xa0b0c0d0, 0x0102, 0x0304},
                    v, sizeof v);
    ASSERT_EQ(f.size(), kPayloadOffset + 3);
    EXPECT_EQ(f[12], 0x7a);
    EXPECT_EQ(f[13], 0x01);
    EXPECT_EQ(f[14], 0x01);  // round at 14 (thesis offset)
    EXPECT_EQ(f[17], 0x04);
    EXPECT_EQ(f[18], 0xa0);  // sequence at 18 (thesis offset)
    EXPECT_EQ(f[21], 0xd0);
    EXPECT_EQ(f[22], 0x01);  // group at 22
    EXPECT_EQ(f[24], 0x03);  // sender at 24
    EXPECT_EQ(f[26], 1);     // payload at 26
    EXPECT_EQ(f[6], 0x02);   // locally administered source 02:7a:GG:GG:NN:NN
    EXPECT_EQ(f[7], 0x7a);
    EXPECT_EQ(f[9], 0x02);
    EXPECT_EQ(f[11], 0x04);
}

TEST(PaxosWire, DecodeRoundTripAndRejectsTruncatedOrForeign)
{
    uint8_t v[5] = {9, 9, 9, 9, 9};
    auto f = encode({MsgType::kLearn, 7, 8, 9, 10}, v, sizeof v);
    const uint8_t *payload;
    size_t len;
    auto h = decode(f.data(), f.size(), &payload, &len);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->type, MsgType::kLearn);
    EXPECT_EQ(h->round, 7u);
    EXPECT_EQ(h->seq, 8u);
    EXPECT_EQ(h->group, 9u);
    EXPECT_EQ(h->sender, 10u);
    EXPECT_EQ(len, 5u);
    for (size_t n = 0; n < kPayloadOffset; n++) {
        EXPECT_FALSE(decode(f.data(), n, &payload, &len)) << n;
    }
    auto ip = client_frame(0);
    EXPECT_FALSE(decode(ip.data(), ip.size(), &payload, &len));
}

TEST(PaxosOnClient, WrapsWholeFrameWithSequence1_2_3)
{
    auto o = run("u-seq", "onclient",
                 {client_frame(1), client_frame(2), client_frame(3)});
    ASSERT_EQ(o.frames.size(), 3u);
    EXPECT_EQ(o.passed, 0u);
    for (uint32_t i = 0; i < 3; i++) {
        Header h = header_of(o.frames[i]);
        EXPECT_EQ(h.type, MsgType::kAccept);
        EXPECT_EQ(h.round, 1u);
        EXPECT_EQ(h.seq, i + 1);
        EXPECT_EQ(h.group, 0u);
        EXPECT_EQ(h.sender, 1u);
        auto c = client_frame(uint8_t(i + 1));
        EXPECT_EQ(std::vector<uint8_t>(o.frames[i].begin() + kPayloadOffset,
                                       o.frames[i].end()),
                  c);
    }
    // The sequence continues across batches.
    auto o2 = run("u-seq", "onclient", {client_frame(4)});
    EXPECT_EQ(header_of(o2.frames.at(0)).seq, 4u);
}

TEST(PaxosOnClient, SequencesArePerBridgeAndPerGroup)
{
    run("u-a", "onclient", {client_frame(1), client_frame(1)});
    auto a = run("u-a", "onclient", {client_frame(1)});
    auto b = run("u-b", "onclient", {client_frame(1)});
    auto g = run("u-a", "onclient(group=4,node=2)", {client_frame(1)});
    EXPECT_EQ(header_of(a.frames.at(0)).seq, 3u);
    EXPECT_EQ(header_of(b.frames.at(0)).seq, 1u);
    Header hg = header_of(g.frames.at(0));
    EXPECT_EQ(hg.seq, 1u);
    EXPECT_EQ(hg.group, 4u);
    EXPECT_EQ(hg.sender, 2u);
}

TEST(PaxosOnClient, UnwrapsClientFramesFromSlaves)
{
    auto inner = client_frame(7, 40);
    auto client = encode({MsgType::kClient, 0, 0, 0, 3}, inner.data(),
                         inner.size());
    auto o = run("u-client", "onclient", {client});
    ASSERT_EQ(o.frames.size(), 1u);
    EXPECT_EQ(std::vector<uint8_t>(o.frames[0].begin() + kPayloadOffset,
                                   o.frames[0].end()),
              inner);
}

TEST(PaxosOnClient, TruncatedFramesAreDroppedNotSequenced)
{
    std::vector<uint8_t> runt(10, 0);
    auto client_runt = encode({MsgType::kClient, 0, 0, 0, 3}, nullptr, 0);
    auto o = run("u-runt", "onclient", {runt, client_runt, client_frame(1)});
    ASSERT_EQ(o.frames.size(), 1u);
    EXPECT_EQ(header_of(o.frames[0]).seq, 1u);
}

TEST(PaxosOnClient, BatchesLargerThanADatapathBatchKeepOrder)
{
    std::vector<std::vector<uint8_t>> frames;
    for (int i = 0; i < 40; i++) {
        frames.push_back(client_frame(uint8_t(i)));
    }
    auto o = run("u-large", "onclient", frames);
    ASSERT_EQ(o.frames.size(), 40u);
    for (uint32_t i = 0; i < 40; i++) {
        EXPECT_EQ(header_of(o.frames[i]).seq, i + 1);
        EXPECT_EQ(o.frames[i][kPayloadOffset], uint8_t(i));
    }
}

namespace {

std::string parse(const char *args, bool *ok)
{
    return cxxa::testing::parse_c("paxos", args, ok);
}

}  // namespace

TEST(PaxosArgs, CanonicalFormAndErrorsNameThePrimitive)
{
    bool ok;
    EXPECT_EQ(parse("onclient(group=0,node=1)", &ok), "onclient");
    EXPECT_TRUE(ok);
    EXPECT_EQ(parse(" onaccept( node=2 , group=5 ) ", &ok),
              "onaccept(group=5,node=2)");
    EXPECT_TRUE(ok);
    EXPECT_EQ(parse("onlearn(group=9,node=3)", &ok),
              "onlearn(group=9,node=3)");
    EXPECT_TRUE(ok);
    EXPECT_EQ(parse("", &ok), "paxos: missing operation");
    EXPECT_FALSE(ok);
    EXPECT_EQ(parse("bogus", &ok),
              "paxos: unknown role 'bogus' (expected onclient, onaccept, "
              "onlearn, forward or control)");
    EXPECT_FALSE(ok);
}

TEST(PaxosArgs, MembershipIsExplicit)
{
    bool ok;
    EXPECT_EQ(parse("onclient(node=4,members=3)", &ok),
              "paxos: node=4 is not a member: members=3 means node ids 1..3");
    EXPECT_FALSE(ok);
    EXPECT_EQ(parse("onlearn(node=3,members=3)", &ok), "onlearn(node=3)");
    EXPECT_TRUE(ok);
}

TEST(PaxosArgs, FaultTolerantArguments)
{
    bool ok;
    EXPECT_EQ(parse("control(group=1,node=2,heartbeat=20,timeout=100,"
                    "log=512,table=13)",
                    &ok),
              "control(group=1,node=2,heartbeat=20,timeout=100,log=512,"
              "table=13)");
    EXPECT_TRUE(ok);
    EXPECT_EQ(parse("control(node=2)", &ok),
              "paxos: control, timeout, log, log_bytes and table belong to "
              "the fault-tolerant protocol: give heartbeat=MS");
    EXPECT_FALSE(ok);
    EXPECT_EQ(parse("onaccept(heartbeat=20)", &ok),
              "paxos: heartbeat needs table=T: where the member's own frames "
              "enter the pipeline");
    EXPECT_FALSE(ok);
    EXPECT_EQ(parse("onaccept(heartbeat=20,timeout=20,table=1)", &ok),
              "paxos: timeout must be longer than heartbeat");
    EXPECT_FALSE(ok);
    EXPECT_EQ(parse("onaccept(heartbeat=0,table=1)", &ok),
              "paxos: heartbeat: 0 is out of range 1..60000");
    EXPECT_FALSE(ok);
}

// The reproduction: with members=3, LEARNs from sender ids 60000 and
// 0 must not choose a value.
TEST(PaxosOnLearn, VotesOfNonMembersAreDroppedAndCounted)
{
    auto value = client_frame(0x33);
    std::vector<std::vector<uint8_t>> learns;
    for (uint16_t sender : {60000, 0, 4}) {
        learns.push_back(encode({MsgType::kLearn, 1, 1, 0, sender},
                                value.data(), value.size()));
    }
    Out o = run("br-nonmember", "onlearn(members=3)", learns);
    EXPECT_TRUE(o.frames.empty());
    // Two members' votes still choose it.
    learns.clear();
    for (uint16_t sender : {1, 2}) {
        learns.push_back(encode({MsgType::kLearn, 1, 1, 0, sender},
                                value.data(), value.size()));
    }
    o = run("br-nonmember", "onlearn(members=3)", learns);
    ASSERT_EQ(o.frames.size(), 1u);
    EXPECT_EQ(o.frames[0], value);
}

TEST(PaxosArgs, EveryRoleReshapes)
{
    for (const char *role : {"onclient", "onaccept", "onlearn", "forward",
                             "control(heartbeat=10,table=1)"}) {
        EXPECT_EQ(cxxa_flags("paxos", role), unsigned(CXXA_F_RESHAPES));
    }
    EXPECT_EQ(cxxa_flags("paxos", "garbage"), 0u);
}

namespace {

// A LEARN of 'seq' from node 1 of group 0, carrying a client frame tagged
// with 'seq'.
std::vector<uint8_t> learn_frame(uint32_t seq)
{
    auto value = client_frame(uint8_t(seq));
    return encode({MsgType::kLearn, 1, seq, 0, 1}, value.data(), value.size());
}

// The actions after paxos:onlearn in the datapath, as OVS runs them once
// more than a batch has come out: in the emitting thread, here the leader
// of the same bridge and group ordering each released frame.
struct Reentry {
    std::string bridge;
    std::vector<std::vector<uint8_t>> accepts;
};

void order_again(void *aux, size_t, const void *data, size_t size)
{
    auto *r = static_cast<Reentry *>(aux);
    cxxa_packet p{static_cast<uint8_t *>(const_cast<void *>(data)), size, 1};
    Out o;
    cxxa_execute(r->bridge.c_str(), "paxos", "onclient", &p, 1, collect, &o);
    for (auto &f : o.frames) {
        r->accepts.push_back(f);
    }
}

}  // namespace

TEST(PaxosOnLearn, ReleasedFramesMayRunTheSameGroupAgain)
{
    // 40 slots chosen out of order (members=1: one vote is a majority),
    // slot 1 last: its LEARN releases all 40 at once.
    Out held;
    for (uint32_t seq = 2; seq <= 40; seq++) {
        auto f = learn_frame(seq);
        cxxa_packet p{f.data(), f.size(), 1};
        cxxa_execute("u-reenter", "paxos", "onlearn(members=1)", &p, 1,
                     collect, &held);
    }
    ASSERT_TRUE(held.frames.empty());

    // A learner that emitted under the group's lock would deadlock here:
    // run it in a thread and give up on it after a while.
    auto done = std::make_shared<std::promise<Reentry>>();
    std::future<Reentry> result = done->get_future();
    std::thread([done] {
        Reentry r{"u-reenter", {}};
        auto f = learn_frame(1);
        cxxa_packet p{f.data(), f.size(), 1};
        cxxa_execute("u-reenter", "paxos", "onlearn(members=1)", &p, 1,
                     order_again, &r);
        done->set_value(std::move(r));
    }).detach();
    if (result.wait_for(std::chrono::seconds(20))
        != std::future_status::ready) {
        std::fprintf(stderr, "paxos:onlearn deadlocked on its own group\n");
        std::fflush(nullptr);
        std::_Exit(1);
    }
    Reentry r = result.get();
    ASSERT_EQ(r.accepts.size(), 40u);
    for (uint32_t i = 0; i < 40; i++) {
        Header h = header_of(r.accepts[i]);
        EXPECT_EQ(h.type, MsgType::kAccept);
        EXPECT_EQ(h.seq, i + 1);
        EXPECT_EQ(r.accepts[i][kPayloadOffset], uint8_t(i + 1));
    }
}
