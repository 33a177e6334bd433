// The Paxos roles' rules, one test each.
#include <gtest/gtest.h>

#include "paxos/paxos_state.h"

using namespace cxxa::paxos;
using V = Learner::Verdict;

namespace {

Value val(uint32_t x)
{
    return Value{uint8_t(x >> 24), uint8_t(x >> 16), uint8_t(x >> 8),
                 uint8_t(x)};
}

// Feeds LEARN(round, seq) from 'sender' carrying val(seq).
V learn(Learner &l, uint32_t seq, uint16_t sender, std::vector<Value> &out,
        uint32_t round = 1)
{
    Value v = val(seq);
    return l.on_learn(round, seq, sender, v.data(), v.size(), out);
}

}  // namespace

TEST(PaxosLearnerTest, MajorityOfThreeIsTwo)
{
    Learner l(3, 16, 1);
    std::vector<Value> out;
    EXPECT_EQ(learn(l, 1, 1, out), V::kCounted);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(learn(l, 1, 2, out), V::kChosen);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], val(1));
    EXPECT_EQ(learn(l, 1, 3, out), V::kDelivered);  // Third vote: late.
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(l.next(), 2u);
}

TEST(PaxosLearnerTest, MajorityOfFiveIsThree)
{
    Learner l(5, 16, 1);
    std::vector<Value> out;
    EXPECT_EQ(learn(l, 1, 4, out), V::kCounted);
    EXPECT_EQ(learn(l, 1, 5, out), V::kCounted);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(learn(l, 1, 1, out), V::kChosen);
    EXPECT_EQ(out.size(), 1u);
}

TEST(PaxosLearnerTest, RepeatedVotesFromOneAcceptorDoNotCount)
{
    Learner l(3, 16, 1);
    std::vector<Value> out;
    EXPECT_EQ(learn(l, 1, 2, out), V::kCounted);
    EXPECT_EQ(learn(l, 1, 2, out), V::kRepeatVote);
    EXPECT_EQ(learn(l, 1, 2, out), V::kRepeatVote);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(l.count(V::kRepeatVote), 2u);
}

TEST(PaxosLearnerTest, OutOfOrderSlotsDeliveredInOrderOnce)
{
    Learner l(3, 16, 1);
    std::vector<Value> out;
    for (uint32_t seq : {3u, 2u}) {
        learn(l, seq, 1, out);
        learn(l, seq, 2, out);
    }
    EXPECT_TRUE(out.empty());  // Slot 1 missing: hold 2 and 3.
    EXPECT_EQ(l.undelivered(), 2u);
    learn(l, 1, 3, out);
    EXPECT_TRUE(out.empty());
    learn(l, 1, 1, out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0], val(1));
    EXPECT_EQ(out[1], val(2));
    EXPECT_EQ(out[2], val(3));
    EXPECT_EQ(l.undelivered(), 0u);
    EXPECT_EQ(l.delivered(), 3u);
    // Duplicates of delivered slots are dropped, however late.
    for (uint32_t seq : {1u, 2u, 3u}) {
        EXPECT_EQ(learn(l, seq, 3, out), V::kDelivered);
    }
    EXPECT_EQ(out.size(), 3u);
}

TEST(PaxosLearnerTest, WindowBoundsUndeliveredSlots)
{
    Learner l(3, 4, 1);
    std::vector<Value> out;
    EXPECT_EQ(learn(l, 4, 1, out), V::kCounted);       // 1..4 in window.
    EXPECT_EQ(learn(l, 5, 1, out), V::kBeyondWindow);  // 5 is not.
    EXPECT_EQ(l.undelivered(), 1u);
    learn(l, 1, 1, out);
    learn(l, 1, 2, out);                          // Deliver 1.
    EXPECT_EQ(learn(l, 5, 1, out), V::kCounted);  // Window moved.
}

TEST(PaxosLearnerTest, SequenceWrapsAround)
{
    const uint32_t start = 0xfffffffdu;
    Learner l(3, 8, start);
    std::vector<Value> out;
    // Slots ffffffffd, fffffffe, ffffffff, 0, 1, fed in reverse.
    const uint32_t seqs[] = {1u, 0u, 0xffffffffu, 0xfffffffeu, start};
    for (uint32_t seq : seqs) {
        learn(l, seq, 1, out);
        learn(l, seq, 2, out);
    }
    ASSERT_EQ(out.size(), 5u);
    EXPECT_EQ(out[0], val(start));
    EXPECT_EQ(out[3], val(0));
    EXPECT_EQ(out[4], val(1));
    EXPECT_EQ(l.next(), 2u);
    EXPECT_EQ(learn(l, 0xffffffffu, 3, out), V::kDelivered);
}

TEST(PaxosLearnerTest, NewerRoundReplacesOlderVotes)
{
    Learner l(3, 16, 1);
    std::vector<Value> out;
    Value a = val(100), b = val(200);
    EXPECT_EQ(l.on_learn(1, 1, 1, a.data(), a.size(), out), V::kCounted);
    EXPECT_EQ(l.on_learn(2, 1, 2, b.data(), b.size(), out), V::kCounted);
    EXPECT_EQ(l.on_learn(1, 1, 3, a.data(), a.size(), out), V::kStaleRound);
    EXPECT_EQ(l.on_learn(2, 1, 1, a.data(), a.size(), out), V::kConflict);
    EXPECT_EQ(l.on_learn(2, 1, 3, b.data(), b.size(), out), V::kChosen);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], b);
}

TEST(PaxosAcceptorTest, AcceptsCurrentAndNewerRoundsOnly)
{
    Acceptor a(8);
    Value v = val(7);
    EXPECT_TRUE(a.on_accept(2, 1, v.data(), v.size()));
    EXPECT_TRUE(a.on_accept(2, 1, v.data(), v.size()));   // Re-sent.
    EXPECT_FALSE(a.on_accept(1, 2, v.data(), v.size()));  // Older round.
    EXPECT_TRUE(a.on_accept(3, 2, v.data(), v.size()));
    EXPECT_EQ(a.round(), 3u);
    EXPECT_EQ(a.accepted(), 3u);
    EXPECT_EQ(a.stale(), 1u);
    ASSERT_NE(a.stored_value(1), nullptr);
    EXPECT_EQ(*a.stored_value(1), v);
}

TEST(PaxosAcceptorTest, StorageIsBoundedByTheWindow)
{
    Acceptor a(4);
    for (uint32_t seq = 1; seq <= 100; seq++) {
        Value v = val(seq);
        a.on_accept(1, seq, v.data(), v.size());
    }
    EXPECT_EQ(a.stored(), 4u);
    EXPECT_EQ(a.stored_value(96), nullptr);
    EXPECT_EQ(*a.stored_value(97), val(97));
    EXPECT_EQ(*a.stored_value(100), val(100));
}

TEST(PaxosLeaderTest, NumbersFromStartAndWraps)
{
    Leader l(1, 0xffffffffu);
    EXPECT_EQ(l.assign(std::nullopt, 4), 0xffffffffu);
    EXPECT_EQ(l.assign(std::nullopt, 4), 0u);
    EXPECT_EQ(l.assign(std::nullopt, 4), 1u);
}

TEST(PaxosLeaderTest, NeverRunsAheadOfTheLearnerByMoreThanTheWindow)
{
    Leader l(1, 0xfffffffeu);
    uint32_t learner_next = 0xfffffffeu;
    for (int i = 0; i < 4; i++) {
        EXPECT_TRUE(l.assign(learner_next, 4));
    }
    EXPECT_FALSE(l.assign(learner_next, 4));  // 4 undelivered: full.
    EXPECT_EQ(l.window_full(), 1u);
    learner_next += 1;  // One delivered.
    EXPECT_EQ(l.assign(learner_next, 4), 2u);
    EXPECT_FALSE(l.assign(learner_next, 4));
}
