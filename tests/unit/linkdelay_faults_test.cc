// Unit tests of the link emulator's fault model
// (mininet-topos/linkdelay/faults.h), one rule each, with fixed seeds:
// the statistical ones check rates over 100,000 frames against their
// expected values with tolerances of several standard deviations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <vector>

#include "faults.h"

using linkdelay::Fate;
using linkdelay::FaultModel;
using linkdelay::Faults;
using linkdelay::Nanos;
using linkdelay::parse_faults;

namespace {

constexpr int kFrames = 100000;
constexpr Nanos kGap = 10000;  // 10 us between arrivals.

Faults spec(const std::string &s, Nanos delay = 5000000)
{
    Faults f;
    f.delay = delay;
    auto err = parse_faults(s, f);
    EXPECT_FALSE(err) << *err;
    return f;
}

// What a run of n frames did: the fate of each, and the order a link
// that sends each frame at its due time (earliest first, ties in arrival
// order, as linkdelay.cc does) delivers them in.
struct Trace {
    std::vector<Fate> fates;
    std::vector<uint64_t> delivered;  // Arrival numbers, copies included.
};

Trace drive(FaultModel &m, int n = kFrames, Nanos start = 0)
{
    Trace r;
    for (int i = 0; i < n; i++) {
        r.fates.push_back(m.arrive(start + i * kGap));
    }
    std::vector<const Fate *> sent;
    for (const Fate &f : r.fates) {
        if (f.verdict == Fate::kSend) {
            sent.push_back(&f);
        }
    }
    std::stable_sort(
        sent.begin(), sent.end(), [](const Fate *a, const Fate *b) {
            return a->due < b->due || (a->due == b->due && a->seq < b->seq);
        });
    for (const Fate *f : sent) {
        for (int c = 0; c < f->copies; c++) {
            m.sent(f->seq, c > 0, true, f->due, f->due);
            r.delivered.push_back(f->seq);
        }
    }
    return r;
}

double lost_fraction(const Trace &r)
{
    return double(std::count_if(
               r.fates.begin(), r.fates.end(),
               [](const Fate &f) { return f.verdict == Fate::kLost; }))
           / r.fates.size();
}

// The mean length of runs of consecutive lost frames.
double mean_burst(const Trace &r)
{
    int bursts = 0, lost = 0;
    bool in_burst = false;
    for (const Fate &f : r.fates) {
        bool l = f.verdict == Fate::kLost;
        if (l) {
            lost++;
            bursts += !in_burst;
        }
        in_burst = l;
    }
    return bursts ? double(lost) / bursts : 0;
}

}  // namespace

TEST(LinkFaults, NoFaultsForwardsEveryFrameInOrderAfterTheDelay)
{
    FaultModel m(1, 0, spec("none"));
    Trace r = drive(m, 1000);
    ASSERT_EQ(r.delivered.size(), 1000u);
    for (size_t i = 0; i < r.fates.size(); i++) {
        EXPECT_EQ(r.fates[i].due, Nanos(i) * kGap + 5000000);
        EXPECT_EQ(r.delivered[i], i);
    }
    EXPECT_EQ(m.counters().forwarded, 1000u);
    EXPECT_EQ(m.counters().dropped(), 0u);
    EXPECT_EQ(m.counters().reordered, 0u);
}

TEST(LinkFaults, IndependentLossRateIsP)
{
    FaultModel m(42, 0, spec("loss=0.2"));
    Trace r = drive(m);
    // sd of the rate: sqrt(0.2 * 0.8 / 1e5) = 0.0013.
    EXPECT_NEAR(lost_fraction(r), 0.2, 0.006);
    EXPECT_NEAR(mean_burst(r), 1 / 0.8, 0.05);
    EXPECT_EQ(m.counters().dropped_loss + m.counters().forwarded,
              uint64_t(kFrames));
}

TEST(LinkFaults, CorrelatedLossKeepsTheRateAndMakesLongerBursts)
{
    // The negative control in the same test: the same rate without
    // correlation must give the short bursts of independent loss.
    FaultModel indep(7, 0, spec("loss=0.2/0"));
    FaultModel corr(7, 0, spec("loss=0.2/0.75"));
    Trace ri = drive(indep), rc = drive(corr);
    EXPECT_NEAR(lost_fraction(ri), 0.2, 0.006);
    // Correlated draws vary more: 100,000 frames in bursts of 5.
    EXPECT_NEAR(lost_fraction(rc), 0.2, 0.015);
    // Expected mean bursts: 1/(1-p) = 1.25 and 1/((1-p)(1-c)) = 5.
    EXPECT_NEAR(mean_burst(ri), 1.25, 0.05);
    EXPECT_NEAR(mean_burst(rc), 5.0, 0.3);
    EXPECT_GT(mean_burst(rc), 3 * mean_burst(ri));
    printf("loss 0.2/0: rate %.4f, mean burst %.3f; 0.2/0.75: rate %.4f, "
           "mean burst %.3f\n",
           lost_fraction(ri), mean_burst(ri), lost_fraction(rc),
           mean_burst(rc));
}

TEST(LinkFaults, GilbertElliottRateAndBursts)
{
    // p = 0.01, r = 0.3, delivered with h = 0.1 in bad, k = 1 in good:
    // bad 1/31 of the time, loss rate 0.9/31 = 0.029.
    Faults f = spec("loss-ge=0.01/0.3/0.1/1");
    EXPECT_NEAR(f.loss_rate(), 0.9 / 31, 1e-9);
    FaultModel ge(3, 0, f);
    Trace r = drive(ge);
    EXPECT_NEAR(lost_fraction(r), 0.9 / 31, 0.006);
    FaultModel indep(3, 0, spec("loss=0.029"));
    Trace ri = drive(indep);
    EXPECT_GT(mean_burst(r), 2 * mean_burst(ri));
    printf("loss-ge 0.01/0.3/0.1/1: rate %.4f, mean burst %.3f; "
           "loss 0.029: mean burst %.3f\n",
           lost_fraction(r), mean_burst(r), mean_burst(ri));
}

TEST(LinkFaults, DuplicationRate)
{
    FaultModel m(11, 0, spec("dup=0.01"));
    Trace r = drive(m);
    // sd: sqrt(1e5 * 0.01 * 0.99) = 31.5 copies.
    EXPECT_NEAR(double(m.counters().duplicated), 1000, 150);
    EXPECT_EQ(r.delivered.size(), kFrames + m.counters().duplicated);
    printf("dup 0.01: %.4f\n", m.counters().duplicated / double(kFrames));
    // A copy follows its frame: duplication alone does not reorder.
    EXPECT_EQ(m.counters().reordered, 0u);
    EXPECT_TRUE(std::is_sorted(r.delivered.begin(), r.delivered.end()));
}

TEST(LinkFaults, ReorderFraction)
{
    // 5 % take the path 1 ms longer; the 100 frames behind each (10 us
    // apart) overtake it, so each is sent out of arrival order.
    FaultModel m(5, 0, spec("reorder=0.05/1000"));
    Trace r = drive(m);
    const auto &c = m.counters();
    EXPECT_NEAR(double(c.delayed_path) / kFrames, 0.05, 0.003);
    EXPECT_GT(c.reordered, 0u);
    EXPECT_LE(c.reordered, c.delayed_path);
    printf("reorder 0.05/1000: second path %.4f, reordered %.4f\n",
           double(c.delayed_path) / kFrames, double(c.reordered) / kFrames);
    EXPECT_GE(c.reordered + 10, c.delayed_path);  // All but the last few.
    // What a receiver sees: frames with a lower number than one before.
    uint64_t late = 0, high = 0;
    for (size_t i = 0; i < r.delivered.size(); i++) {
        late += i && r.delivered[i] < high;
        high = std::max(high, r.delivered[i]);
    }
    EXPECT_EQ(late, c.reordered);
    for (const Fate &f : r.fates) {
        EXPECT_EQ(f.due - Nanos(f.seq) * kGap, 5000000 + f.path * 1000000);
    }
}

TEST(LinkFaults, JitterNeverReordersWithoutReorder)
{
    // Jitter up to 5 ms on frames 10 us apart: plenty of chances.
    FaultModel m(9, 0, spec("jitter=5000"));
    Trace r = drive(m);
    EXPECT_EQ(m.counters().reordered, 0u);
    EXPECT_TRUE(std::is_sorted(r.delivered.begin(), r.delivered.end()));
    Nanos most = 0;
    for (const Fate &f : r.fates) {
        Nanos extra = f.due - Nanos(f.seq) * kGap - 5000000;
        EXPECT_GE(extra, 0);
        EXPECT_LE(extra, 5000000);
        most = std::max(most, extra);
    }
    EXPECT_GT(most, 4000000);  // It does jitter.
    // With reordering asked for as well, frames do overtake.
    FaultModel both(9, 0, spec("jitter=5000,reorder=0.05/20000"));
    drive(both);
    EXPECT_GT(both.counters().reordered, 0u);
}

TEST(LinkFaults, CutDropsEverythingHealRestores)
{
    FaultModel m(1, 0, spec("loss=0.2/0.75,dup=0.01,reorder=0.05"));
    drive(m, 1000);
    uint64_t before = m.counters().forwarded;
    m.cut();
    EXPECT_TRUE(m.is_cut());
    Trace r = drive(m, 5000, 1000 * kGap);
    EXPECT_TRUE(r.delivered.empty());
    EXPECT_EQ(m.counters().dropped_cut, 5000u);
    EXPECT_EQ(m.counters().forwarded, before);
    m.count_cut(3);  // Queued frames the cut dropped.
    EXPECT_EQ(m.counters().dropped_cut, 5003u);
    m.heal();
    m.set(spec("none"));
    r = drive(m, 1000, 6000 * kGap);
    EXPECT_EQ(r.delivered.size(), 1000u);
    EXPECT_EQ(m.counters().dropped_cut, 5003u);
}

TEST(LinkFaults, QueueFullIsCountedApart)
{
    FaultModel m(1, 0, spec("none"));
    EXPECT_EQ(m.arrive(0, false).verdict, Fate::kFull);
    EXPECT_EQ(m.arrive(0, true).verdict, Fate::kSend);
    EXPECT_EQ(m.counters().dropped_full, 1u);
    EXPECT_EQ(m.counters().received, 2u);
}

TEST(LinkFaults, CountersAddUp)
{
    // received = forwarded + dropped - duplicated, whatever the faults.
    FaultModel m(13, 0, spec("loss=0.2/0.75,dup=0.01,reorder=0.05,jitter=50"));
    drive(m);
    m.cut();
    drive(m, 100);
    const auto &c = m.counters();
    EXPECT_EQ(c.received, uint64_t(kFrames + 100));
    EXPECT_EQ(c.received, c.forwarded + c.dropped() - c.duplicated);
}

TEST(LinkFaults, SameSeedSameFatesOtherSeedOrStreamNot)
{
    Faults f = spec("loss=0.2/0.75,dup=0.01,reorder=0.05,jitter=100");
    FaultModel a(99, 0, f), b(99, 0, f), c(100, 0, f), d(99, 1, f);
    auto key = [](const Trace &r) {
        std::vector<Nanos> k;
        for (const Fate &x : r.fates) {
            k.push_back(x.verdict * 4 + x.copies * 2 + x.path + x.due * 8);
        }
        return k;
    };
    auto ka = key(drive(a, 10000));
    EXPECT_EQ(ka, key(drive(b, 10000)));
    EXPECT_NE(ka, key(drive(c, 10000)));
    EXPECT_NE(ka, key(drive(d, 10000)));
}

TEST(LinkFaults, ParseNamesTheBadField)
{
    Faults f;
    auto err = parse_faults("loss=1.5", f);
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("loss"), std::string::npos) << *err;
    EXPECT_TRUE(parse_faults("loss=0.2/1", f));  // CORR < 1.
    EXPECT_TRUE(parse_faults("dup=x", f));
    EXPECT_TRUE(parse_faults("reorder=0.1/1.5", f));  // Whole us.
    EXPECT_TRUE(parse_faults("jitter=-1", f));
    EXPECT_TRUE(parse_faults("loss-ge=0.1", f));
    EXPECT_TRUE(parse_faults("speed=1", f));
    EXPECT_TRUE(parse_faults("", f));
    EXPECT_TRUE(parse_faults("dup=0.1,", f));
    // A failed parse changes nothing, even its valid fields.
    Faults g = spec("dup=0.5");
    EXPECT_TRUE(parse_faults("dup=0.1,loss=2", g));
    EXPECT_EQ(g.dup, 0.5);
    // Fields not named stay; none clears faults but not the delay.
    ASSERT_FALSE(parse_faults("loss=0.2/0.5,reorder=0.1/300,delay=7", g));
    EXPECT_EQ(g.dup, 0.5);
    EXPECT_EQ(g.loss, 0.2);
    EXPECT_EQ(g.loss_corr, 0.5);
    EXPECT_EQ(g.reorder_extra, 300000);
    EXPECT_EQ(g.delay, 7000);
    ASSERT_FALSE(parse_faults("none", g));
    EXPECT_EQ(g.dup, 0);
    EXPECT_EQ(g.loss_rate(), 0);
    EXPECT_EQ(g.delay, 7000);
    Faults h;
    ASSERT_FALSE(parse_faults(g.to_string(), h));
    EXPECT_EQ(h.to_string(), g.to_string());
}
