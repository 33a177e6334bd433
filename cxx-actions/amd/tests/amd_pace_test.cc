// Unit tests for the main-loop rules of the AMD store (amd_store.h: paced
// drains, the offline notification, expiry without traffic) and for the
// journal (amd_journal.h): one test per rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "amd/amd_journal.h"
#include "amd/amd_primitive.h"
#include "amd/amd_store.h"
#include "amd_test_frames.h"
#include "bridge/host.h"
#include "cxx-actions.h"

namespace cxxa::amd {
namespace {

using testing::frame;
using testing::id;
using testing::ids;

std::vector<int> range(int a, int b)
{
    std::vector<int> v;
    for (int i = a; i <= b; i++) {
        v.push_back(i);
    }
    return v;
}

const Pace kPace{7, 1000, 4};  // Table 7, 1000/s, bursts of 4.

struct PaceTest : ::testing::Test {
    MemoryCap cap;
    Store store{cap};
    std::shared_ptr<ServerQueue> q = store.get(0x0a000064);
    Limits limits;
    std::vector<StoredPacket> out;

    Verdict deliver(int n, int64_t now, const Pace &pace = kPace)
    {
        auto f = frame(n);
        out.clear();
        return q->deliver(f.data(), f.size(), limits, now, out, pace);
    }
    RunOutput run(int64_t now)
    {
        RunOutput ro;
        q->run(now, ro);
        return ro;
    }
};

TEST_F(PaceTest, APacedReleaseHandsNothingBackAndRunSendsAtTheRate)
{
    q->hold();
    for (int i = 1; i <= 10; i++) {
        EXPECT_EQ(deliver(i, 0), Verdict::kStored);
    }
    EXPECT_FALSE(q->release(100, out, kPace));
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(q->next_due(100), 100);  // A full bucket: due now.
    RunOutput ro = run(100);
    EXPECT_EQ(ro.table, 7);
    EXPECT_EQ(ids(ro.frames), range(1, 4));  // One burst.
    EXPECT_EQ(q->next_due(100), 101);        // 1 ms a packet at 1000/s.
    EXPECT_TRUE(run(100).frames.empty());
    EXPECT_EQ(ids(run(102).frames), range(5, 6));
    EXPECT_EQ(ids(run(200).frames), range(7, 10));  // Never above the burst.
}

TEST_F(PaceTest, PacketsArrivingDuringAPacedDrainLeaveAfterIt)
{
    q->hold();
    for (int i = 1; i <= 6; i++) {
        deliver(i, 0);
    }
    q->release(0, out, kPace);
    EXPECT_EQ(ids(run(0).frames), range(1, 4));
    EXPECT_EQ(deliver(7, 1), Verdict::kStored);  // Behind 5 and 6.
    EXPECT_EQ(ids(run(100).frames), range(5, 7));
    /* The queue is empty, but the drain ends only at the next run, after
     * the caller has sent 5..7: a packet now still queues. */
    EXPECT_EQ(q->next_due(100), 100);
    EXPECT_EQ(deliver(8, 100), Verdict::kStored);
    EXPECT_EQ(ids(run(100).frames), std::vector<int>{8});
    EXPECT_TRUE(run(100).frames.empty());  // Ends the drain.
    EXPECT_EQ(deliver(9, 100), Verdict::kPass);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(q->next_due(100), kNever);
}

TEST_F(PaceTest, APacedDeliverThatFindsStoredPacketsQueuesBehindThem)
{
    auto f = frame(1);
    q->store(f.data(), f.size(), limits, 0);  // amd:store, server online.
    EXPECT_EQ(deliver(2, 0), Verdict::kStored);
    EXPECT_EQ(ids(run(0).frames), range(1, 2));
}

TEST_F(PaceTest, HoldingDuringAPacedDrainKeepsTheRestInOrder)
{
    q->hold();
    for (int i = 1; i <= 8; i++) {
        deliver(i, 0);
    }
    q->release(0, out, kPace);
    EXPECT_EQ(ids(run(0).frames), range(1, 4));
    q->hold();
    EXPECT_TRUE(run(1000).frames.empty());
    EXPECT_EQ(q->snapshot(1000).packets, 4u);
    q->release(1000, out, kPace);
    EXPECT_EQ(ids(run(1000).frames), range(5, 8));
}

TEST_F(PaceTest, TheFirstPacketOfAnOfflinePeriodNotifiesOnce)
{
    q->hold();
    EXPECT_EQ(q->next_due(0), kNever);
    deliver(1, 0);
    EXPECT_EQ(q->next_due(5), 5);
    RunOutput ro = run(5);
    EXPECT_TRUE(ro.notify);
    EXPECT_EQ(ro.table, 7);
    std::vector<uint8_t> first = frame(1);
    first.resize(12);
    EXPECT_EQ(ro.notify_head, first);
    deliver(2, 6);
    EXPECT_FALSE(run(6).notify);
    q->release(10, out, Pace());  // Unpaced: handed back at once.
    EXPECT_EQ(ids(out), range(1, 2));
    q->hold();
    deliver(3, 20);
    EXPECT_TRUE(run(20).notify);  // A new offline period.
    EXPECT_EQ(q->snapshot(20).counters.notifications, 2u);
}

TEST_F(PaceTest, ExpiredPacketsAreDroppedByRunWithoutTraffic)
{
    limits.max_age_ms = 50;
    q->hold();
    deliver(1, 0);
    deliver(2, 10);
    run(0);  // The notification.
    EXPECT_EQ(q->next_due(20), 50);
    run(50);
    EXPECT_EQ(cap.used(), MemoryCap::cost(64));  // Packet 2 is left.
    EXPECT_EQ(q->next_due(50), 60);
    run(60);
    EXPECT_EQ(cap.used(), 0u);
    EXPECT_EQ(q->next_due(60), kNever);
}

// ---- The journal. ----

struct JournalTest : ::testing::Test {
    std::string dir;
    void SetUp() override
    {
        char tmpl[] = "/tmp/amd-journal-XXXXXX";
        dir = mkdtemp(tmpl);
    }
    void TearDown() override
    {
        std::string cmd = "rm -rf " + dir;
        EXPECT_EQ(std::system(cmd.c_str()), 0);
    }
    std::string path() const { return dir + "/j"; }
    std::vector<uint8_t> image() const
    {
        std::ifstream f(path(), std::ios::binary);
        return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
    }
};

StoredPacket packet(int n, uint64_t seq)
{
    StoredPacket p{frame(n), 0, 600000, seq, 1000};
    return p;
}

TEST_F(JournalTest, ReplayKeepsWhatWasNotRemovedInOrder)
{
    Journal j(path(), "br0");
    std::string error;
    j.append_mode(1, 1, Mode::kHeld, kPace);
    for (int i = 1; i <= 5; i++) {
        j.append_store(1, packet(i, i + 1));
    }
    j.append_remove(1, 3);  // Packets 1 and 2 (seq 2, 3) left.
    j.append_store(2, packet(9, 7));
    j.append_forget(2, 8);
    ASSERT_TRUE(j.flush(error)) << error;
    JournalLoad l = Journal::parse(image(), "br0");
    EXPECT_EQ(l.error, "");
    ASSERT_EQ(l.servers.size(), 1u);
    const JournalServer &s = l.servers.at(1);
    EXPECT_EQ(s.mode, Mode::kHeld);
    EXPECT_EQ(s.pace, kPace);
    std::vector<int> got;
    for (const auto &kv : s.packets) {
        got.push_back(id(kv.second.frame));
    }
    EXPECT_EQ(got, range(3, 5));
    EXPECT_EQ(l.max_seq, 8u);
}

TEST_F(JournalTest, EveryTruncationKeepsAPrefixAndSaysWhere)
{
    Journal j(path(), "br0");
    std::string error;
    for (int i = 1; i <= 4; i++) {
        j.append_store(1, packet(i, i));
    }
    ASSERT_TRUE(j.flush(error));
    std::vector<uint8_t> whole = image();
    const size_t head = Journal::header("br0").size();
    const size_t rec = (whole.size() - head) / 4;
    size_t last = 0;
    for (size_t n = 0; n < whole.size(); n++) {
        std::vector<uint8_t> cut(whole.begin(), whole.begin() + n);
        JournalLoad l = Journal::parse(cut, "br0");
        /* Empty, or cut between records: a shorter journal, no error. */
        bool boundary = n == 0 || (n >= head && (n - head) % rec == 0);
        EXPECT_EQ(l.error.empty(), boundary) << n << ": " << l.error;
        size_t kept = l.servers.empty() ? 0 : l.servers[1].packets.size();
        EXPECT_GE(kept, last);  // Never less for a longer prefix.
        last = kept;
    }
    EXPECT_EQ(last, 3u);
    EXPECT_EQ(Journal::parse(whole, "br0").servers[1].packets.size(), 4u);
}

TEST_F(JournalTest, ACorruptRecordEndsTheReplayThere)
{
    Journal j(path(), "br0");
    std::string error;
    for (int i = 1; i <= 3; i++) {
        j.append_store(1, packet(i, i));
    }
    ASSERT_TRUE(j.flush(error));
    std::vector<uint8_t> img = image();
    size_t head = Journal::header("br0").size();
    size_t rec = (img.size() - head) / 3;
    img[head + rec + 40] ^= 1;  // In the second record's frame.
    JournalLoad l = Journal::parse(img, "br0");
    EXPECT_NE(l.error.find("checksum mismatch at byte "
                           + std::to_string(head + rec)),
              std::string::npos)
        << l.error;
    EXPECT_EQ(l.servers[1].packets.size(), 1u);
}

TEST_F(JournalTest, AnotherVersionOrBridgeIsRefusedWhole)
{
    std::vector<uint8_t> h = Journal::header("br0");
    EXPECT_EQ(Journal::parse(h, "br1").error,
              "bridge 'br0' is not this bridge ('br1')");
    h[11] = 9;  // Version 9.
    EXPECT_EQ(Journal::parse(h, "br0").error,
              "version 9 is not this build's (1)");
    std::vector<uint8_t> junk(40, 'x');
    EXPECT_EQ(Journal::parse(junk, "br0").error,
              "not an AMD journal (bad magic)");
}

TEST_F(JournalTest, CompactionThenReplayingOldRecordsIsHarmless)
{
    Journal j(path(), "br0");
    std::string error;
    std::map<uint32_t, JournalServer> live;
    live[1].has_mode = true;
    live[1].mode_seq = 1;
    live[1].mode = Mode::kHeld;
    live[1].packets.emplace(3, packet(3, 3));
    /* Records the snapshot already reflects, pending during it. */
    j.append_store(1, packet(2, 2));
    j.append_remove(1, 2);
    j.append_store(1, packet(3, 3));
    ASSERT_TRUE(j.compact(live, error)) << error;
    JournalLoad l = Journal::parse(image(), "br0");
    EXPECT_EQ(l.error, "");
    ASSERT_EQ(l.servers[1].packets.size(), 1u);
    EXPECT_EQ(id(l.servers[1].packets.begin()->second.frame), 3);
}

TEST_F(JournalTest, AFailedWriteIsRepairedByARewriteNotByAQueue)
{
    const std::string sub = dir + "/sub";
    ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
    Journal j(sub + "/j", "br0");
    std::string error;
    j.append_store(1, packet(1, 1));
    ASSERT_TRUE(j.flush(error)) << error;
    j.close();
    ASSERT_EQ(std::system(("rm -rf " + sub).c_str()), 0);
    j.append_store(1, packet(2, 2));
    EXPECT_FALSE(j.flush(error));
    EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
    EXPECT_TRUE(j.stale());
    j.append_store(1, packet(3, 3));
    EXPECT_FALSE(j.pending());  // Not kept without bound meanwhile.

    ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
    j.begin_snapshot();
    std::map<uint32_t, JournalServer> live;
    for (int i = 1; i <= 3; i++) {
        live[1].packets.emplace(i, packet(i, i));
    }
    ASSERT_TRUE(j.compact(live, error)) << error;
    EXPECT_FALSE(j.stale());
    std::ifstream f(sub + "/j", std::ios::binary);
    JournalLoad l = Journal::parse(
        std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {}), "br0");
    EXPECT_EQ(l.error, "");
    EXPECT_EQ(l.servers[1].packets.size(), 3u);
}

// ---- Restart through the primitive. ----

struct Sent {
    uint8_t table;
    std::vector<uint8_t> frame;
};

TEST_F(JournalTest, StoredPacketsSurviveARestartAndLeaveOnceInOrder)
{
    set_state_dir(dir);
    std::vector<std::vector<uint8_t>> frames;
    {
        AmdPrimitive amd;
        amd.bridge_added("brr");
        auto cfg = amd.parse("hold(server=10.0.0.9)");
        std::vector<uint8_t> t = frame(0);
        cxxa_packet pkt = {t.data(), t.size(), 1};
        Batch hold(
            &pkt, 1, [](void *, size_t, const void *, size_t) {}, nullptr);
        amd.execute(*cfg, "brr", hold);
        auto store = amd.parse("deliver(server=10.0.0.9,table=3)");
        for (int i = 1; i <= 100; i++) {
            frames.push_back(frame(i, 60 + i));
            cxxa_packet p = {frames.back().data(), frames.back().size(), 1};
            Batch b(
                &p, 1, [](void *, size_t, const void *, size_t) {}, nullptr);
            amd.execute(*store, "brr", b);
        }
        amd.bridge_removed("brr", false);  // Exit: written out.
    }
    AmdPrimitive amd;
    amd.bridge_added("brr");
    EXPECT_NE(last_log().find("restored 100 stored packets of 1 servers"),
              std::string::npos)
        << last_log();
    auto release = amd.parse("release(server=10.0.0.9,table=3,burst=64)");
    std::vector<uint8_t> t = frame(0);
    cxxa_packet pkt = {t.data(), t.size(), 1};
    Batch b(
        &pkt, 1, [](void *, size_t, const void *, size_t) {}, nullptr);
    amd.execute(*release, "brr", b);
    std::vector<std::vector<uint8_t>> got;
    for (int round = 0; round < 10 && got.size() < 101; round++) {
        Sender out;
        amd.run("brr", now_ms() + 1000 * round, out);
        for (auto &f : out.frames()) {
            if (f.data.size() > 12 && f.data[12] == 0x88) {
                continue;  // A notification.
            }
            EXPECT_EQ(f.table, 3);
            got.push_back(f.data);
        }
    }
    EXPECT_EQ(got, frames);
    /* A second restart finds nothing left to send. */
    amd.bridge_removed("brr", false);
    AmdPrimitive again;
    again.bridge_added("brr");
    EXPECT_NE(last_log().find("restored 0 stored packets"), std::string::npos)
        << last_log();
    again.bridge_removed("brr", true);  // Deleted: the file goes.
    EXPECT_NE(access(AmdPrimitive::journal_path(dir, "brr").c_str(), F_OK), 0);
    set_state_dir("");
}

}  // namespace
}  // namespace cxxa::amd

namespace cxxa::amd {
namespace {

// Packets a thread sees leave a batch it executed (passed inline).
void record_passed(void *aux, size_t index, const void *data, size_t)
{
    auto *out = static_cast<std::vector<int> *>(aux);
    if (!data) {
        out->push_back(static_cast<int>(index));
    }
}

// Four datapath threads deliver while the main loop holds, releases, runs
// the paced drains and writes the journal: every request leaves exactly
// once, each thread's in the order it sent them, and the journal then
// holds nothing.  (Run under the sanitizer build too: unit-sanitized.)
TEST_F(JournalTest, ConcurrentDeliversDuringPacedDrainsLeaveOnceInOrder)
{
    set_state_dir(dir);
    AmdPrimitive amd;
    amd.bridge_added("brc");
    auto deliver = amd.parse("deliver(server=10.0.0.9,table=3,burst=16)");
    auto hold = amd.parse("hold(server=10.0.0.9)");
    auto release = amd.parse("release(server=10.0.0.9,table=3,burst=16)");
    auto trigger = [&](const AmdConfig &cfg) {
        std::vector<uint8_t> t = frame(0);
        cxxa_packet pkt = {t.data(), t.size(), 1};
        Batch b(
            &pkt, 1, [](void *, size_t, const void *, size_t) {}, nullptr);
        amd.execute(cfg, "brc", b);
    };
    constexpr int kThreads = 4, kEach = 2000;
    std::vector<std::vector<int>> passed(kThreads);
    std::atomic<int> running{kThreads};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; i++) {
                std::vector<uint8_t> f = frame(t * kEach + i + 1);
                cxxa_packet p = {f.data(), f.size(), 1};
                std::vector<int> out;
                Batch b(&p, 1, record_passed, &out);
                amd.execute(*deliver, "brc", b);
                if (!out.empty()) {
                    passed[t].push_back(t * kEach + i + 1);
                }
            }
            running--;
        });
    }
    std::vector<int> drained;
    int64_t now = now_ms();
    for (int round = 0; running > 0 || round < 3; round++) {
        trigger(round % 3 == 0 ? *hold : *release);
        for (int k = 0; k < 20; k++) {
            Sender out;
            now += 1;
            amd.run("brc", now, out);
            for (auto &f : out.frames()) {
                if (f.data[12] != 0x88) {  // Not a notification.
                    drained.push_back(id(f.data));
                }
            }
        }
    }
    for (auto &th : threads) {
        th.join();
    }
    trigger(*release);
    for (int k = 0; k < 2000
                    && drained.size() +
                               [&] {
                                   size_t n = 0;
                                   for (auto &p : passed) {
                                       n += p.size();
                                   }
                                   return n;
                               }()
                           < size_t(kThreads * kEach);
         k++) {
        Sender out;
        now += 10;
        amd.run("brc", now, out);
        for (auto &f : out.frames()) {
            if (f.data[12] != 0x88) {
                drained.push_back(id(f.data));
            }
        }
    }
    std::vector<int> all = drained;
    for (auto &p : passed) {
        all.insert(all.end(), p.begin(), p.end());
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, range(1, kThreads * kEach));  // Once each, none lost.
    for (int t = 0; t < kThreads; t++) {
        std::vector<int> mine;
        for (int v : drained) {
            if ((v - 1) / kEach == t) {
                mine.push_back(v);
            }
        }
        EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end())) << t;
        EXPECT_TRUE(std::is_sorted(passed[t].begin(), passed[t].end())) << t;
    }
    amd.bridge_removed("brc", false);
    AmdPrimitive again;
    again.bridge_added("brc");
    EXPECT_NE(last_log().find("restored 0 stored packets"), std::string::npos)
        << last_log();
    again.bridge_removed("brc", true);
    set_state_dir("");
}

}  // namespace
}  // namespace cxxa::amd
