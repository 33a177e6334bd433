// amd_store.cc: see amd_store.h.
#include "amd_store.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "amd_journal.h"
#include "bridge/host.h"

namespace cxxa::amd {

const char *mode_name(Mode m)
{
    return m == Mode::kHeld ? "offline" : "online";
}

bool MemoryCap::reserve(uint64_t bytes)
{
    uint64_t used = used_.load(std::memory_order_relaxed);
    do {
        if (used + bytes > cap()) {
            return false;
        }
    } while (!used_.compare_exchange_weak(used, used + bytes,
                                          std::memory_order_relaxed));
    return true;
}

void MemoryCap::release(uint64_t bytes)
{
    used_.fetch_sub(bytes, std::memory_order_relaxed);
}

ServerQueue::~ServerQueue()
{
    for (const auto &p : queue_) {
        cap_.release(MemoryCap::cost(p.frame.size()));
    }
}

namespace {

int64_t wall_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Journal *ServerQueue::journal() const
{
    return store_ ? store_->journal() : nullptr;
}

void ServerQueue::journal_removed()
{
    if (removed_through_ > journaled_through_) {
        if (Journal *j = journal()) {
            j->append_remove(vip_, removed_through_);
        }
        journaled_through_ = removed_through_;
    }
}

void ServerQueue::set_mode(Mode mode, const Pace &pace)
{
    if (mode == mode_ && pace == pace_ && mode_seq_) {
        return;
    }
    mode_ = mode;
    pace_ = pace;
    mode_seq_ = store_ ? store_->next_seq() : mode_seq_ + 1;
    if (Journal *j = journal()) {
        j->append_mode(vip_, mode_seq_, mode_, pace_);
    }
}

void ServerQueue::pop_front()
{
    const StoredPacket &p = queue_.front();
    removed_through_ = std::max(removed_through_, p.seq);
    bytes_ -= p.frame.size();
    cap_.release(MemoryCap::cost(p.frame.size()));
    queue_.pop_front();
}

void ServerQueue::expire(int64_t now_ms)
{
    while (!queue_.empty() && queue_.front().deadline_ms <= now_ms) {
        pop_front();
        counters_.expired++;
    }
    journal_removed();
}

Verdict ServerQueue::append(const uint8_t *data, size_t size,
                            const Limits &limits, int64_t now_ms)
{
    expire(now_ms);
    if (queue_.size() >= limits.max_packets) {
        counters_.drop_packets++;
        return Verdict::kDropped;
    }
    if (bytes_ + size > limits.max_bytes) {
        counters_.drop_bytes++;
        return Verdict::kDropped;
    }
    if (!cap_.reserve(MemoryCap::cost(size))) {
        counters_.drop_memory++;
        return Verdict::kDropped;
    }
    queue_.push_back(
        StoredPacket{std::vector<uint8_t>(data, data + size), now_ms,
                     now_ms + static_cast<int64_t>(limits.max_age_ms),
                     store_ ? store_->next_seq() : 0, 0});
    bytes_ += size;
    counters_.stored++;
    if (Journal *j = journal()) {
        queue_.back().wall_ms = wall_ms();
        j->append_store(vip_, queue_.back());
    }
    if (mode_ == Mode::kHeld && !notified_ && pace_.paced()) {
        notified_ = true;
        notify_ = true;
        notify_head_.assign(data, data + std::min<size_t>(size, 12));
        wake_host();
    }
    return Verdict::kStored;
}

// Moves at most 'max' packets of the queue into 'out', oldest first, leaving
// out what has expired (a packet's age limit is its own, so not only the
// head can be expired).  Returns how many it moved.
size_t ServerQueue::take(int64_t now_ms, std::vector<StoredPacket> &out,
                         size_t max)
{
    size_t n = 0;
    out.reserve(out.size() + std::min(max, queue_.size()));
    while (!queue_.empty() && n < max) {
        StoredPacket &p = queue_.front();
        if (p.deadline_ms <= now_ms) {
            counters_.expired++;
            pop_front();
            continue;
        }
        bytes_ -= p.frame.size();
        cap_.release(MemoryCap::cost(p.frame.size()));
        removed_through_ = std::max(removed_through_, p.seq);
        out.push_back(std::move(p));
        queue_.pop_front();
        counters_.released++;
        n++;
    }
    journal_removed();
    return n;
}

Verdict ServerQueue::store(const uint8_t *data, size_t size,
                           const Limits &limits, int64_t now_ms,
                           const Pace &pace)
{
    std::lock_guard<std::mutex> lock(mu_);
    if (pace.paced()) {
        set_mode(mode_, pace);
    }
    Verdict v = append(data, size, limits, now_ms);
    journal_removed();
    return v;
}

Verdict ServerQueue::deliver(const uint8_t *data, size_t size,
                             const Limits &limits, int64_t now_ms,
                             std::vector<StoredPacket> &released,
                             const Pace &pace)
{
    std::lock_guard<std::mutex> lock(mu_);
    if (pace.paced()) {
        set_mode(mode_, pace);
    }
    if (mode_ == Mode::kHeld || draining_) {
        Verdict v = append(data, size, limits, now_ms);
        journal_removed();
        return v;
    }
    if (pace.paced() && !queue_.empty()) {
        /* Behind what is stored; run() sends all of it. */
        Verdict v = append(data, size, limits, now_ms);
        start_paced_drain(pace, now_ms);
        journal_removed();
        return v;
    }
    counters_.passed++;
    if (!queue_.empty()) {
        draining_ = true;
        take(now_ms, released);
        if (released.empty()) {
            draining_ = false;  // All of it had expired.
        }
    }
    return Verdict::kPass;
}

void ServerQueue::start_paced_drain(const Pace &pace, int64_t now_ms)
{
    pace_ = pace;
    draining_ = true;
    paced_ = true;
    drain_end_ = false;
    tokens_ = pace.burst;
    refill_ms_ = now_ms;
    wake_host();
}

void ServerQueue::hold()
{
    std::lock_guard<std::mutex> lock(mu_);
    if (mode_ != Mode::kHeld) {
        set_mode(Mode::kHeld, pace_);
        counters_.holds++;
        notified_ = false;  // A new offline period.
    }
    if (paced_) {
        /* The rest stays stored, in order, for the next release. */
        paced_ = draining_ = drain_end_ = false;
    }
}

bool ServerQueue::release(int64_t now_ms, std::vector<StoredPacket> &released,
                          const Pace &pace)
{
    std::lock_guard<std::mutex> lock(mu_);
    if (mode_ != Mode::kOnline) {
        counters_.releases++;
    }
    set_mode(Mode::kOnline, pace.paced() ? pace : pace_);
    notify_ = false;
    if (draining_ || queue_.empty()) {
        expire(now_ms);
        journal_removed();
        return false;  // Nothing, or another thread sends it.
    }
    if (pace.paced()) {
        start_paced_drain(pace, now_ms);
        return false;
    }
    draining_ = true;
    take(now_ms, released);
    if (released.empty()) {
        draining_ = false;
        return false;
    }
    return true;
}

bool ServerQueue::finish_drain(int64_t now_ms,
                               std::vector<StoredPacket> &released)
{
    std::lock_guard<std::mutex> lock(mu_);
    released.clear();
    if (mode_ == Mode::kOnline) {
        take(now_ms, released);
    }
    if (released.empty()) {
        /* Held again meanwhile: what arrived stays stored, in order, for
         * the next release. */
        draining_ = false;
        return false;
    }
    return true;
}

uint64_t ServerQueue::discard()
{
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t n = queue_.size();
    while (!queue_.empty()) {
        pop_front();
    }
    counters_.discarded += n;
    paced_ = draining_ = drain_end_ = notify_ = false;
    journaled_through_ = removed_through_;  // Forgotten as a whole.
    return n;
}

int64_t ServerQueue::next_due(int64_t now_ms)
{
    std::lock_guard<std::mutex> lock(mu_);
    int64_t due = queue_.empty() ? kNever : queue_.front().deadline_ms;
    if (notify_) {
        return now_ms;
    }
    if (paced_ && mode_ == Mode::kOnline) {
        if (drain_end_ || tokens_ >= 1) {
            return now_ms;
        }
        double wait = (1 - tokens_) * 1000.0 / pace_.rate;
        due = std::min(due,
                       refill_ms_ + static_cast<int64_t>(std::ceil(wait)));
    }
    return due;
}

void ServerQueue::run(int64_t now_ms, RunOutput &out)
{
    std::lock_guard<std::mutex> lock(mu_);
    expire(now_ms);
    out.table = pace_.table;
    if (notify_) {
        notify_ = false;
        out.notify = true;
        out.notify_head = notify_head_;
        counters_.notifications++;
    }
    if (paced_ && mode_ == Mode::kOnline) {
        if (drain_end_) {
            drain_end_ = false;
            if (queue_.empty()) {
                /* The last frames have been sent: the drain is over. */
                paced_ = draining_ = false;
                journal_removed();
                return;
            }
        }
        tokens_ = std::min<double>(
            pace_.burst,
            tokens_ + (now_ms - refill_ms_) * double(pace_.rate) / 1000.0);
        refill_ms_ = now_ms;
        size_t n = take(now_ms, out.frames, static_cast<size_t>(tokens_));
        counters_.paced_sent += n;
        tokens_ -= n;
        if (queue_.empty()) {
            drain_end_ = true;
        }
    }
    journal_removed();
}

void ServerQueue::copy_state(Mode &mode, Pace &pace, uint64_t &mode_seq,
                             std::vector<StoredPacket> &packets)
{
    std::lock_guard<std::mutex> lock(mu_);
    mode = mode_;
    pace = pace_;
    mode_seq = mode_seq_;
    packets.assign(queue_.begin(), queue_.end());
}

uint64_t ServerQueue::restore(Mode mode, const Pace &pace, uint64_t mode_seq,
                              std::vector<StoredPacket> packets)
{
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t dropped = 0;
    for (StoredPacket &p : packets) {
        if (!cap_.reserve(MemoryCap::cost(p.frame.size()))) {
            counters_.drop_memory++;
            removed_through_ = std::max(removed_through_, p.seq);
            dropped++;
            continue;
        }
        bytes_ += p.frame.size();
        queue_.push_back(std::move(p));
        counters_.restored++;
    }
    mode_ = mode;
    pace_ = pace;
    mode_seq_ = mode_seq;
    journal_removed();
    if (queue_.empty() || !pace_.paced()) {
        return dropped;
    }
    if (mode_ == Mode::kHeld) {
        /* Tell the controller again: it may not know after a restart. */
        notified_ = notify_ = true;
        notify_head_.assign(
            queue_.front().frame.begin(),
            queue_.front().frame.begin()
                + std::min<size_t>(queue_.front().frame.size(), 12));
    } else {
        start_paced_drain(pace_, now_ms());
    }
    return dropped;
}

ServerSnapshot ServerQueue::snapshot(int64_t now_ms)
{
    std::lock_guard<std::mutex> lock(mu_);
    expire(now_ms);
    return ServerSnapshot{vip_,
                          mode_,
                          draining_,
                          pace_,
                          queue_.size(),
                          bytes_,
                          queue_.empty() ? -1
                                         : now_ms - queue_.front().arrived_ms,
                          counters_};
}

std::shared_ptr<ServerQueue> Store::get(uint32_t vip)
{
    {
        std::shared_lock<std::shared_mutex> lock(mu_);
        auto it = servers_.find(vip);
        if (it != servers_.end()) {
            return it->second;
        }
    }
    std::unique_lock<std::shared_mutex> lock(mu_);
    auto it = servers_.find(vip);
    if (it != servers_.end()) {
        return it->second;
    }
    if (servers_.size() >= kMaxServers) {
        n_table_full++;
        return nullptr;
    }
    auto q = std::make_shared<ServerQueue>(vip, cap_, this);
    servers_.emplace(vip, q);
    return q;
}

std::shared_ptr<ServerQueue> Store::find(uint32_t vip)
{
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = servers_.find(vip);
    return it == servers_.end() ? nullptr : it->second;
}

uint64_t Store::discard(uint32_t vip)
{
    std::shared_ptr<ServerQueue> q;
    {
        std::unique_lock<std::shared_mutex> lock(mu_);
        auto it = servers_.find(vip);
        if (it == servers_.end()) {
            return 0;
        }
        q = std::move(it->second);
        servers_.erase(it);
    }
    uint64_t n = q->discard();
    if (journal_) {
        journal_->append_forget(vip, next_seq());
    }
    return n;
}

Store::Store(MemoryCap &cap) : cap_(cap) {}

Store::~Store() = default;

void Store::set_journal(std::unique_ptr<Journal> journal)
{
    journal_ = std::move(journal);
}

std::vector<std::shared_ptr<ServerQueue>> Store::all()
{
    std::vector<std::pair<uint32_t, std::shared_ptr<ServerQueue>>> qs;
    {
        std::shared_lock<std::shared_mutex> lock(mu_);
        qs.assign(servers_.begin(), servers_.end());
    }
    std::sort(qs.begin(), qs.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<std::shared_ptr<ServerQueue>> out;
    for (auto &kv : qs) {
        out.push_back(std::move(kv.second));
    }
    return out;
}

void Store::clear()
{
    std::unordered_map<uint32_t, std::shared_ptr<ServerQueue>> gone;
    {
        std::unique_lock<std::shared_mutex> lock(mu_);
        gone.swap(servers_);
    }
    for (auto &kv : gone) {
        kv.second->discard();
    }
}

std::vector<ServerSnapshot> Store::snapshot(int64_t now_ms)
{
    std::vector<std::shared_ptr<ServerQueue>> qs;
    {
        std::shared_lock<std::shared_mutex> lock(mu_);
        for (const auto &kv : servers_) {
            qs.push_back(kv.second);
        }
    }
    std::vector<ServerSnapshot> out;
    for (auto &q : qs) {
        out.push_back(q->snapshot(now_ms));
    }
    std::sort(out.begin(), out.end(),
              [](const auto &a, const auto &b) { return a.vip < b.vip; });
    return out;
}

}  // namespace cxxa::amd
