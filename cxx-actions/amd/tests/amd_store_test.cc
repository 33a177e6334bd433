// Unit tests for the AMD store (cxx-actions/amd/amd_store.h): one test per
// rule of its header comment.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "amd/amd_store.h"
#include "amd_test_frames.h"

namespace cxxa::amd {
namespace {

using testing::frame;
using testing::id;
using testing::ids;

struct AmdStoreTest : ::testing::Test {
    MemoryCap cap;
    ServerQueue q{0x0a000064, cap};
    Limits limits;
    std::vector<StoredPacket> out;

    Verdict deliver(int n, int64_t now = 0)
    {
        auto f = frame(n);
        return q.deliver(f.data(), f.size(), limits, now, out);
    }
    Verdict store(int n, int64_t now = 0, size_t size = 64)
    {
        auto f = frame(n, size);
        return q.store(f.data(), f.size(), limits, now);
    }
};

TEST_F(AmdStoreTest, OnlineServerPassesPacketsStraightThrough)
{
    EXPECT_EQ(deliver(1), Verdict::kPass);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(q.snapshot(0).counters.passed, 1u);
    EXPECT_EQ(cap.used(), 0u);
}

TEST_F(AmdStoreTest, HeldServerStoresAndReleaseReturnsArrivalOrder)
{
    q.hold();
    for (int i = 1; i <= 5; i++) {
        EXPECT_EQ(deliver(i), Verdict::kStored);
    }
    ServerSnapshot s = q.snapshot(0);
    EXPECT_EQ(s.mode, Mode::kHeld);
    EXPECT_EQ(s.packets, 5u);
    EXPECT_EQ(s.bytes, 5u * 64);
    EXPECT_EQ(cap.used(), 5 * MemoryCap::cost(64));

    ASSERT_TRUE(q.release(0, out));
    EXPECT_EQ(ids(out), (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_FALSE(q.finish_drain(0, out));
    s = q.snapshot(0);
    EXPECT_EQ(s.mode, Mode::kOnline);
    EXPECT_EQ(s.packets, 0u);
    EXPECT_EQ(s.counters.released, 5u);
    EXPECT_EQ(cap.used(), 0u);
}

TEST_F(AmdStoreTest, PacketAfterTransitionLeavesAfterTheStoredOnes)
{
    // Stored with amd:store while online (no release yet): the next
    // deliver sends them first, then itself.
    store(1);
    store(2);
    EXPECT_EQ(deliver(3), Verdict::kPass);
    EXPECT_EQ(ids(out), (std::vector<int>{1, 2}));
    EXPECT_TRUE(q.snapshot(0).draining);
    // While the first thread sends, another's packet joins the queue ...
    EXPECT_EQ(deliver(4), Verdict::kStored);
    // ... and the sender picks it up before ending the drain.
    ASSERT_TRUE(q.finish_drain(0, out));
    EXPECT_EQ(ids(out), (std::vector<int>{4}));
    EXPECT_FALSE(q.finish_drain(0, out));
    EXPECT_FALSE(q.snapshot(0).draining);
    EXPECT_EQ(deliver(5), Verdict::kPass);
    EXPECT_TRUE(out.empty());
}

TEST_F(AmdStoreTest, HoldDuringDrainKeepsLaterPacketsStored)
{
    q.hold();
    deliver(1);
    ASSERT_TRUE(q.release(0, out));
    q.hold();
    EXPECT_EQ(deliver(2), Verdict::kStored);
    EXPECT_FALSE(q.finish_drain(0, out));
    EXPECT_EQ(q.snapshot(0).packets, 1u);
    ASSERT_TRUE(q.release(0, out));
    EXPECT_EQ(ids(out), (std::vector<int>{2}));
}

TEST_F(AmdStoreTest, ReleaseWithNothingStoredIsANoOp)
{
    EXPECT_FALSE(q.release(0, out));
    q.hold();
    EXPECT_FALSE(q.release(0, out));
    EXPECT_EQ(q.snapshot(0).counters.releases, 1u);
}

TEST_F(AmdStoreTest, ManyFlipsNeverLoseOrReorder)
{
    std::vector<int> sent_out;
    int next = 0;
    for (int flip = 0; flip < 1000; flip++) {
        q.hold();
        for (int k = 0; k < flip % 7; k++) {
            EXPECT_EQ(deliver(next++), Verdict::kStored);
        }
        if (q.release(0, out)) {
            do {
                for (int n : ids(out)) {
                    sent_out.push_back(n);
                }
            } while (q.finish_drain(0, out));
        }
        for (int k = 0; k < flip % 3; k++) {
            out.clear();
            ASSERT_EQ(deliver(next), Verdict::kPass);
            for (int n : ids(out)) {
                sent_out.push_back(n);
            }
            sent_out.push_back(next++);
            while (q.finish_drain(0, out)) {
                for (int n : ids(out)) {
                    sent_out.push_back(n);
                }
            }
        }
    }
    ASSERT_EQ(sent_out.size(), static_cast<size_t>(next));
    for (int i = 0; i < next; i++) {
        ASSERT_EQ(sent_out[i], i);
    }
}

TEST_F(AmdStoreTest, PacketLimitDropsTheNewPacketAndCountsIt)
{
    limits.max_packets = 3;
    q.hold();
    for (int i = 1; i <= 5; i++) {
        deliver(i);
    }
    ServerSnapshot s = q.snapshot(0);
    EXPECT_EQ(s.packets, 3u);
    EXPECT_EQ(s.counters.stored, 3u);
    EXPECT_EQ(s.counters.drop_packets, 2u);
    ASSERT_TRUE(q.release(0, out));
    EXPECT_EQ(ids(out), (std::vector<int>{1, 2, 3}));
}

TEST_F(AmdStoreTest, ByteLimitDropsTheNewPacketAndCountsIt)
{
    limits.max_bytes = 150;
    EXPECT_EQ(store(1, 0, 100), Verdict::kStored);
    EXPECT_EQ(store(2, 0, 100), Verdict::kDropped);
    EXPECT_EQ(store(3, 0, 50), Verdict::kStored);
    ServerSnapshot s = q.snapshot(0);
    EXPECT_EQ(s.bytes, 150u);
    EXPECT_EQ(s.counters.drop_bytes, 1u);
}

TEST_F(AmdStoreTest, MemoryCapIsSharedAcrossServers)
{
    cap.set_cap(2 * MemoryCap::cost(64));
    ServerQueue other(0x0a000065, cap);
    auto f = frame(9);
    EXPECT_EQ(store(1), Verdict::kStored);
    EXPECT_EQ(other.store(f.data(), f.size(), limits, 0), Verdict::kStored);
    EXPECT_EQ(store(2), Verdict::kDropped);
    EXPECT_EQ(q.snapshot(0).counters.drop_memory, 1u);
    // Freeing one server's packets makes room for the other's.
    EXPECT_EQ(other.discard(), 1u);
    EXPECT_EQ(store(3), Verdict::kStored);
    EXPECT_EQ(cap.used(), 2 * MemoryCap::cost(64));
}

TEST_F(AmdStoreTest, ExpiredPacketsAreCountedAndNeverSent)
{
    limits.max_age_ms = 1000;
    q.hold();
    deliver(1, 0);
    deliver(2, 500);
    deliver(3, 900);
    ServerSnapshot s = q.snapshot(1200);  // 1 is 1200 ms old: expired.
    EXPECT_EQ(s.packets, 2u);
    EXPECT_EQ(s.oldest_age_ms, 700);
    EXPECT_EQ(s.counters.expired, 1u);
    ASSERT_TRUE(q.release(1600, out));  // 2 expired at 1500.
    EXPECT_EQ(ids(out), (std::vector<int>{3}));
    EXPECT_EQ(q.snapshot(1600).counters.expired, 2u);
    EXPECT_EQ(cap.used(), 0u);
}

TEST_F(AmdStoreTest, PerPacketAgeLimitsAreEachPacketsOwn)
{
    q.hold();
    limits.max_age_ms = 100;
    deliver(1, 0);
    limits.max_age_ms = 10000;
    deliver(2, 0);
    limits.max_age_ms = 100;
    deliver(3, 0);
    ASSERT_TRUE(q.release(500, out));
    EXPECT_EQ(ids(out), (std::vector<int>{2}));
    EXPECT_EQ(q.snapshot(500).counters.expired, 2u);
}

TEST_F(AmdStoreTest, DiscardDropsAndCounts)
{
    q.hold();
    deliver(1);
    deliver(2);
    EXPECT_EQ(q.discard(), 2u);
    ServerSnapshot s = q.snapshot(0);
    EXPECT_EQ(s.packets, 0u);
    EXPECT_EQ(s.counters.discarded, 2u);
    EXPECT_EQ(cap.used(), 0u);
}

TEST(AmdStore, ServerTableIsBoundedAndDiscardForgets)
{
    MemoryCap cap;
    Store store(cap);
    for (uint32_t i = 0; i < Store::kMaxServers; i++) {
        ASSERT_NE(store.get(i), nullptr);
    }
    EXPECT_EQ(store.get(Store::kMaxServers), nullptr);
    EXPECT_EQ(store.n_table_full.load(), 1u);
    EXPECT_EQ(store.find(Store::kMaxServers), nullptr);

    auto q = store.get(7);
    Limits limits;
    auto f = frame(1);
    q->store(f.data(), f.size(), limits, 0);
    EXPECT_EQ(store.discard(7), 1u);
    EXPECT_EQ(store.find(7), nullptr);
    EXPECT_NE(store.get(Store::kMaxServers), nullptr);
    EXPECT_EQ(cap.used(), 0u);
}

TEST(AmdStore, ConcurrentDeliverersKeepEachThreadsOrder)
{
    // Two threads deliver their own numbered packets while a third flips
    // the server: every packet comes out exactly once, and each thread's
    // packets in its own order.
    MemoryCap cap;
    ServerQueue q(1, cap);
    Limits limits;
    std::mutex out_mu;
    std::vector<int> emitted;
    auto emit = [&](const std::vector<StoredPacket> &ps) {
        std::lock_guard<std::mutex> lock(out_mu);
        for (const auto &p : ps) {
            emitted.push_back(id(p.frame));
        }
    };
    auto send = [&](int thread) {
        std::vector<StoredPacket> out;
        for (int i = 0; i < 5000; i++) {
            int n = thread << 14 | i;
            auto f = frame(0);
            f[0] = n >> 8;
            f[1] = n & 0xff;
            out.clear();
            if (q.deliver(f.data(), f.size(), limits, 0, out)
                != Verdict::kPass) {
                continue;
            }
            bool drained = !out.empty();
            {
                std::lock_guard<std::mutex> lock(out_mu);
                for (const auto &p : out) {
                    emitted.push_back(id(p.frame));
                }
                emitted.push_back(n);
            }
            while (drained && q.finish_drain(0, out)) {
                emit(out);
            }
        }
    };
    std::atomic<bool> stop{false};
    std::thread flipper([&] {
        std::vector<StoredPacket> out;
        while (!stop) {
            q.hold();
            std::this_thread::yield();
            if (q.release(0, out)) {
                do {
                    emit(out);
                } while (q.finish_drain(0, out));
            }
        }
    });
    std::thread a(send, 1), b(send, 2);
    a.join();
    b.join();
    stop = true;
    flipper.join();
    std::vector<StoredPacket> out;
    if (q.release(0, out)) {
        do {
            emit(out);
        } while (q.finish_drain(0, out));
    }
    ASSERT_EQ(emitted.size(), 10000u);
    int last[3] = {-1, -1, -1};
    for (int n : emitted) {
        int t = n >> 14, i = n & 0x3fff;
        ASSERT_EQ(i, last[t] + 1) << "thread " << t;
        last[t] = i;
    }
}

}  // namespace
}  // namespace cxxa::amd
