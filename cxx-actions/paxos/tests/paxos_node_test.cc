// The fault-tolerant member's rules (paxos_node.h), one test each, and its
// journal (paxos_journal.h).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "bridge/bytes.h"
#include "paxos/paxos_journal.h"
#include "paxos/paxos_node.h"
#include "paxos/paxos_wire.h"

using namespace cxxa;
using namespace cxxa::paxos;

namespace {

NodeConfig config(uint16_t node, uint16_t members = 3)
{
    NodeConfig c;
    c.group = 1;
    c.node = node;
    c.members = members;
    c.heartbeat_ms = 10;
    c.timeout_ms = 50;
    c.origin_base = 0;
    return c;
}

Value client(uint8_t tag)
{
    Value f(20, tag);
    f[12] = 0x08;
    f[13] = 0x00;
    return f;
}

Value tagged(uint16_t origin, uint64_t id, const Value &frame)
{
    Value v(kOriginLen);
    put16(v.data(), origin);
    put32(v.data() + 2, uint32_t(id >> 32));
    put32(v.data() + 6, uint32_t(id));
    v.insert(v.end(), frame.begin(), frame.end());
    return v;
}

Value msg(MsgType t, uint32_t round, uint32_t seq, uint16_t sender,
          const Value &payload = {}, uint16_t group = 1)
{
    return encode({t, round, seq, group, sender}, payload.data(),
                  payload.size());
}

bool feed(Node &n, const Value &f, NodeOutput &out, int64_t now = 0)
{
    return n.on_frame(f.data(), f.size(), now, out);
}

Header head(const Value &f)
{
    const uint8_t *p;
    size_t len;
    auto h = decode(f.data(), f.size(), &p, &len);
    EXPECT_TRUE(h);
    return *h;
}

std::vector<MsgType> types(const NodeOutput &o)
{
    std::vector<MsgType> t;
    for (const Value &f : o.frames) {
        t.push_back(head(f).type);
    }
    return t;
}

Value heartbeat_payload(bool leader, uint32_t next, uint32_t trim)
{
    Value p(kHeartbeatLen);
    p[0] = leader ? kHeartbeatLeader : 0;
    put32(p.data() + 1, next);
    put32(p.data() + 5, trim);
    return p;
}

}  // namespace

TEST(PaxosNode, NodeOneLeadsRoundOneWithoutPhase1)
{
    Node n(config(1), 0);
    NodeOutput o;
    Value c = client(7);
    n.on_client_frame(c.data(), c.size(), 0, o);
    ASSERT_EQ(types(o), std::vector<MsgType>{MsgType::kAccept});
    Header h = head(o.frames[0]);
    EXPECT_EQ(h.round, 1u);
    EXPECT_EQ(h.seq, 1u);
    EXPECT_EQ(h.sender, 1);
}

TEST(PaxosNode, FollowerForwardsClientFramesWithItsOriginId)
{
    Node n(config(2), 0);
    NodeOutput o;
    Value c = client(7);
    n.on_client_frame(c.data(), c.size(), 0, o);
    ASSERT_EQ(types(o), std::vector<MsgType>{MsgType::kClient});
    Header h = head(o.frames[0]);
    uint64_t id = uint64_t(h.round) << 32 | h.seq;
    EXPECT_EQ(id >> 48, 2u);  // The id names its origin.
}

TEST(PaxosNode, AcceptorRefusesLowerRoundAfterPromise)
{
    Node n(config(3), 0);
    NodeOutput o;
    feed(n, msg(MsgType::kJoin, 5, 1, 2), o);  // Round 5 is node 2's.
    EXPECT_EQ(n.promised(), 5u);
    o = {};
    Value v = tagged(1, origin_id(1, 1), client(1));
    feed(n, msg(MsgType::kAccept, 4, 1, 1, v), o);  // Round 4: node 1.
    EXPECT_TRUE(o.frames.empty());
    EXPECT_EQ(n.count(Node::kStaleAccept), 1u);
    feed(n, msg(MsgType::kAccept, 5, 1, 2, v), o);
    EXPECT_EQ(types(o), std::vector<MsgType>{MsgType::kLearn});
}

TEST(PaxosNode, RoundsBelongToTheirOwner)
{
    Node n(config(3), 0);
    NodeOutput o;
    EXPECT_FALSE(feed(n, msg(MsgType::kJoin, 5, 1, 3), o));  // 5 is node 2's.
    EXPECT_EQ(n.count(Node::kNotOwner), 1u);
    EXPECT_EQ(n.promised(), 0u);
}

TEST(PaxosNode, BadFramesAreDroppedAndCounted)
{
    Node n(config(2), 0);
    NodeOutput o;
    Value v = tagged(1, origin_id(1, 1), client(1));
    EXPECT_FALSE(feed(n, msg(MsgType::kLearn, 1, 1, 60000, v), o));
    EXPECT_FALSE(feed(n, msg(MsgType::kLearn, 1, 1, 0, v), o));
    EXPECT_EQ(n.count(Node::kNotMember), 2u);
    EXPECT_FALSE(feed(n, msg(MsgType::kLearn, 1, 1, 1, v, 2), o));
    EXPECT_EQ(n.count(Node::kWrongGroup), 1u);
    EXPECT_FALSE(feed(n, msg(MsgType::kJoin, 0xF0000000u, 1, 1), o));
    EXPECT_FALSE(feed(n, msg(MsgType::kAccept, 0, 1, 1, v), o));
    EXPECT_EQ(n.count(Node::kAbsurdRound), 2u);
    // Truncated: a header cut short, a PROMISE and a HEARTBEAT without
    // their fields, a value shorter than a tag and a frame.
    Value cut = msg(MsgType::kAccept, 1, 1, 1, v);
    cut.resize(20);
    EXPECT_FALSE(feed(n, cut, o));
    EXPECT_FALSE(feed(n, msg(MsgType::kPromise, 1, 1, 1, Value(2)), o));
    EXPECT_FALSE(feed(n, msg(MsgType::kHeartbeat, 1, 1, 1, Value(3)), o));
    EXPECT_FALSE(feed(n, msg(MsgType::kAccept, 1, 1, 1, Value(5)), o));
    EXPECT_EQ(n.count(Node::kMalformed), 4u);
    EXPECT_TRUE(o.frames.empty());
    EXPECT_TRUE(o.deliver.empty());
    EXPECT_EQ(n.promised(), 0u);
}

TEST(PaxosNode, MajorityChoosesNoopsAreSkippedDuplicatesDeliveredOnce)
{
    Node n(config(3), 0);
    NodeOutput o;
    Value c = client(9);
    Value v = tagged(1, origin_id(1, 5), c);
    // Slot 1: a NO-OP; slots 2 and 3: the same origin id twice (a CLIENT a
    // link duplicated, ordered twice).
    for (uint16_t s : {1, 2}) {
        feed(n, msg(MsgType::kLearn, 1, 1, s), o);
        feed(n, msg(MsgType::kLearn, 1, 2, s, v), o);
        feed(n, msg(MsgType::kLearn, 1, 3, s, v), o);
    }
    ASSERT_EQ(o.deliver.size(), 1u);
    EXPECT_EQ(o.deliver[0], c);
    EXPECT_EQ(n.count(Node::kNoopsSkipped), 1u);
    EXPECT_EQ(n.count(Node::kDuplicates), 1u);
    EXPECT_EQ(n.delivered_next(), 4u);
}

TEST(PaxosNode, ANewerRoundWithoutMajorityDoesNotHideAnOlderChoice)
{
    Node n(config(3), 0);
    NodeOutput o;
    Value v = tagged(1, origin_id(1, 1), client(1));
    Value w = tagged(2, origin_id(2, 1), client(2));
    feed(n, msg(MsgType::kLearn, 5, 1, 2, w), o);  // Round 5, one vote.
    feed(n, msg(MsgType::kLearn, 1, 1, 1, v), o);  // Round 1, two votes.
    feed(n, msg(MsgType::kLearn, 1, 1, 3, v), o);
    ASSERT_EQ(o.deliver.size(), 1u);
    EXPECT_EQ(o.deliver[0], client(1));
}

TEST(PaxosNode, PrepareIsAnsweredWithEntriesThenEnd)
{
    Node n(config(3), 0);
    NodeOutput o;
    Value v = tagged(1, origin_id(1, 1), client(1));
    feed(n, msg(MsgType::kAccept, 1, 1, 1, v), o);
    feed(n, msg(MsgType::kAccept, 1, 2, 1, v), o);
    o = {};
    feed(n, msg(MsgType::kJoin, 2, 2, 2), o);  // From slot 2.
    ASSERT_EQ(types(o),
              (std::vector<MsgType>{MsgType::kPromise, MsgType::kPromise}));
    const uint8_t *p;
    size_t len;
    auto e = decode(o.frames[0].data(), o.frames[0].size(), &p, &len);
    EXPECT_EQ(e->seq, 2u);
    EXPECT_EQ(get16(p), 2);  // To the candidate.
    EXPECT_EQ(p[2], 0);
    EXPECT_EQ(get32(p + 3), 1u);  // vround.
    auto end = decode(o.frames[1].data(), o.frames[1].size(), &p, &len);
    EXPECT_EQ(p[2], kPromiseEnd);
    EXPECT_EQ(get32(p + 3), 1u);   // One entry.
    EXPECT_EQ(get32(p + 7), 3u);   // Next: one past slot 2.
    EXPECT_EQ(get32(p + 11), 2u);  // The PREPARE's first slot.
    EXPECT_EQ(end->seq, 1u);       // Nothing trimmed.
}

TEST(PaxosNode, NewLeaderReproposesPromisedValuesAndFillsHolesWithNoops)
{
    Node cand(config(2), 0);
    NodeOutput o;
    // No leader for a timeout: node 2 is the lowest live (node 1 silent).
    cand.tick(0, o);
    o = {};
    cand.tick(60, o);
    ASSERT_TRUE(cand.candidate());
    Header prep = head(o.frames.back());
    EXPECT_EQ(prep.type, MsgType::kJoin);
    EXPECT_EQ(prep.round, 2u);  // Node 2's first round above 1.
    // Promises from acceptors 2 (itself) and 3: acceptor 3 holds slot 2 in
    // round 1, nobody holds slot 1, acceptor 2's log ends at 3.
    Value v = tagged(1, origin_id(1, 1), client(1));
    auto entry = [&](uint16_t from, uint32_t seq, uint32_t vround,
                     const Value &val) {
        Value pl(kPromiseEntryLen);
        put16(pl.data(), 2);
        put32(pl.data() + 3, vround);
        pl.insert(pl.end(), val.begin(), val.end());
        return msg(MsgType::kPromise, 2, seq, from, pl);
    };
    auto end = [&](uint16_t from, uint32_t count, uint32_t next) {
        Value pl(kPromiseEndLen);
        put16(pl.data(), 2);
        pl[2] = kPromiseEnd;
        put32(pl.data() + 3, count);
        put32(pl.data() + 7, next);
        put32(pl.data() + 11, 1);  // Answers PREPARE from slot 1.
        return msg(MsgType::kPromise, 2, 1, from, pl);
    };
    o = {};
    feed(cand, entry(3, 2, 1, v), o, 61);
    feed(cand, end(3, 1, 3), o, 61);
    EXPECT_FALSE(cand.leading());  // One promise of three: no majority.
    feed(cand, end(2, 0, 1), o, 62);
    ASSERT_TRUE(cand.leading());
    // Slot 1 is a hole (NO-OP), slot 2 the promised value, round 2.
    std::vector<Header> accepts;
    std::vector<size_t> lens;
    for (const Value &f : o.frames) {
        if (head(f).type == MsgType::kAccept) {
            accepts.push_back(head(f));
            lens.push_back(f.size());
        }
    }
    ASSERT_EQ(accepts.size(), 2u);
    EXPECT_EQ(accepts[0].seq, 1u);
    EXPECT_EQ(lens[0], kPayloadOffset);  // NO-OP: no value.
    EXPECT_EQ(accepts[1].seq, 2u);
    EXPECT_EQ(lens[1], kPayloadOffset + v.size());
    EXPECT_EQ(accepts[1].round, 2u);
    EXPECT_EQ(cand.next_to_assign(), 3u);
}

TEST(PaxosNode, ALongLogIsPromisedInChunks)
{
    NodeConfig c = config(3);
    c.promise_chunk = 2;
    Node n(c, 0);
    NodeOutput o;
    Value v = tagged(1, origin_id(1, 1), client(1));
    for (uint32_t s = 1; s <= 5; s++) {
        feed(n, msg(MsgType::kAccept, 1, s, 1, v), o);
    }
    o = {};
    feed(n, msg(MsgType::kJoin, 2, 1, 2), o);
    ASSERT_EQ(o.frames.size(), 3u);  // Slots 1, 2, then END with more.
    const uint8_t *p;
    size_t len;
    decode(o.frames[2].data(), o.frames[2].size(), &p, &len);
    EXPECT_EQ(p[2], kPromiseEnd | kPromiseMore);
    EXPECT_EQ(get32(p + 3), 2u);
    EXPECT_EQ(get32(p + 7), 3u);  // Ask again from slot 3.
    o = {};
    feed(n, msg(MsgType::kJoin, 2, 3, 2), o);
    ASSERT_EQ(o.frames.size(), 3u);  // Slots 3, 4, END with more.
    o = {};
    feed(n, msg(MsgType::kJoin, 2, 5, 2), o);
    ASSERT_EQ(o.frames.size(), 2u);  // Slot 5, END without more.
    decode(o.frames[1].data(), o.frames[1].size(), &p, &len);
    EXPECT_EQ(p[2], kPromiseEnd);
    EXPECT_EQ(get32(p + 7), 6u);
}

TEST(PaxosNode, LeaderStepsDownOnAHigherLeaderHeartbeat)
{
    Node n(config(1), 0);
    ASSERT_TRUE(n.leading());
    NodeOutput o;
    feed(n, msg(MsgType::kHeartbeat, 2, 1, 2, heartbeat_payload(true, 1, 1)),
         o);
    EXPECT_FALSE(n.leading());
    EXPECT_EQ(n.leader(), 2);
    EXPECT_EQ(n.count(Node::kStepDowns), 1u);
}

TEST(PaxosNode, NoPreemptionWhileALeaderIsHeard)
{
    Node n(config(1), 0);
    NodeOutput o;
    n.restart(0, 1);  // Back from a crash: a follower.
    for (int64_t t = 0; t <= 200; t += 5) {
        feed(n,
             msg(MsgType::kHeartbeat, 2, 1, 2, heartbeat_payload(true, 1, 1)),
             o, t);
        n.tick(t, o);
    }
    EXPECT_FALSE(n.candidate());
    EXPECT_FALSE(n.leading());
    EXPECT_EQ(n.count(Node::kElections), 0u);
}

TEST(PaxosNode, LearnerAsksForAGapAndTakesADecided)
{
    Node n(config(3), 0);
    NodeOutput o;
    Value v = tagged(1, origin_id(1, 1), client(1));
    Value w = tagged(1, origin_id(1, 2), client(2));
    feed(n, msg(MsgType::kLearn, 1, 2, 1, w), o, 0);  // Slot 1 missing.
    feed(n, msg(MsgType::kLearn, 1, 2, 2, w), o, 0);
    EXPECT_TRUE(o.deliver.empty());
    o = {};
    n.tick(0, o);
    n.tick(20, o);
    bool asked = false;
    for (const Value &f : o.frames) {
        if (head(f).type == MsgType::kAsk) {
            asked = true;
            EXPECT_EQ(head(f).seq, 1u);
        }
    }
    EXPECT_TRUE(asked);
    o = {};
    feed(n, msg(MsgType::kDecided, 1, 1, 2, v), o, 21);  // One member.
    ASSERT_EQ(o.deliver.size(), 2u);
    EXPECT_EQ(o.deliver[0], client(1));
    EXPECT_EQ(o.deliver[1], client(2));
}

TEST(PaxosNode, WindowFullIsCountedNotOverwritten)
{
    NodeConfig c = config(1);
    c.window = 2;
    Node n(c, 0);
    NodeOutput o;
    Value f = client(1);
    for (int i = 0; i < 3; i++) {
        n.on_client_frame(f.data(), f.size(), 0, o);
    }
    EXPECT_EQ(o.frames.size(), 2u);
    EXPECT_EQ(n.count(Node::kWindowFull), 1u);
}

TEST(PaxosNode, LogIsTrimmedOnlyWhatEveryMemberDelivered)
{
    Node n(config(1), 0);
    NodeOutput o;
    Value v = tagged(1, origin_id(1, 1), client(1));
    for (uint32_t s = 1; s <= 4; s++) {
        feed(n, msg(MsgType::kAccept, 1, s, 1, v), o);
    }
    EXPECT_EQ(n.log_size(), 4u);
    // Member 2 delivered up to 3, member 3 up to 1, this one nothing.
    feed(n, msg(MsgType::kHeartbeat, 1, 4, 2, heartbeat_payload(false, 0, 1)),
         o);
    feed(n, msg(MsgType::kHeartbeat, 1, 2, 3, heartbeat_payload(false, 0, 1)),
         o);
    EXPECT_EQ(n.log_size(), 4u);  // Its own learner is at slot 1.
}

TEST(PaxosJournal, ReplayRestoresAcceptorAndLearnerAndStopsAtACutRecord)
{
    char dir[] = "/tmp/paxos-journal-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    std::string path = std::string(dir) + "/j";
    NodeConfig c = config(2);
    Value v = tagged(1, origin_id(1, 1), client(1));
    {
        Node n(c, 0);
        Journal j(path);
        ASSERT_TRUE(j.rewrite(n, 13));
        n.set_journaling(true);
        NodeOutput o;
        feed(n, msg(MsgType::kJoin, 4, 1, 1), o);  // Round 4 is node 1's.
        feed(n, msg(MsgType::kAccept, 4, 1, 1, v), o);
        feed(n, msg(MsgType::kLearn, 4, 1, 1, v), o);
        feed(n, msg(MsgType::kLearn, 4, 1, 3, v), o);
        ASSERT_EQ(o.deliver.size(), 1u);
        ASSERT_TRUE(j.append(n.take_journal()));
    }
    NodeConfig rc;
    uint8_t table = 0;
    std::string err;
    ASSERT_TRUE(Journal::read_config(path, rc, table, err)) << err;
    EXPECT_EQ(rc.node, 2);
    EXPECT_EQ(table, 13);
    {
        Node back(rc, 0);
        Journal j(path);
        EXPECT_GT(j.replay(back, err), 0u);
        EXPECT_EQ(err, "");
        EXPECT_EQ(back.promised(), 4u);
        EXPECT_EQ(back.log_size(), 1u);
        EXPECT_EQ(back.delivered_next(), 2u);
        // The delivered origin id is remembered: the same value chosen
        // again in a later slot is not delivered twice.
        NodeOutput o;
        feed(back, msg(MsgType::kLearn, 4, 2, 1, v), o);
        feed(back, msg(MsgType::kLearn, 4, 2, 3, v), o);
        EXPECT_TRUE(o.deliver.empty());
        EXPECT_EQ(back.count(Node::kDuplicates), 1u);
    }
    // A record cut by a kill mid-write: the replay keeps what came before.
    {
        std::ofstream f(path, std::ios::app | std::ios::binary);
        f.write("\0\0\0\x40garbage", 11);
    }
    {
        Node back(rc, 0);
        Journal j(path);
        j.replay(back, err);
        EXPECT_NE(err.find("cut short or damaged"), std::string::npos);
        EXPECT_EQ(back.promised(), 4u);
        EXPECT_EQ(back.delivered_next(), 2u);
    }
    std::remove(path.c_str());
    rmdir(dir);
}

TEST(PaxosJournal, ARestoredNodeOneDoesNotLeadRoundOneAgain)
{
    Node n(config(1), 0);
    ASSERT_TRUE(n.leading());
    n.restore_delivered(5, 0, 0);
    EXPECT_FALSE(n.leading());
}
