// amd_store.cc: see amd_store.h.
#include "amd_store.h"

#include <algorithm>

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

void ServerQueue::pop_front()
{
    const StoredPacket &p = queue_.front();
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
                     now_ms + static_cast<int64_t>(limits.max_age_ms)});
    bytes_ += size;
    counters_.stored++;
    return Verdict::kStored;
}

// Moves the queue into 'out', oldest first, leaving out what has expired
// (a packet's age limit is its own, so not only the head can be expired).
void ServerQueue::take(int64_t now_ms, std::vector<StoredPacket> &out)
{
    out.reserve(out.size() + queue_.size());
    while (!queue_.empty()) {
        StoredPacket &p = queue_.front();
        if (p.deadline_ms <= now_ms) {
            counters_.expired++;
            pop_front();
            continue;
        }
        bytes_ -= p.frame.size();
        cap_.release(MemoryCap::cost(p.frame.size()));
        out.push_back(std::move(p));
        queue_.pop_front();
        counters_.released++;
    }
}

Verdict ServerQueue::store(const uint8_t *data, size_t size,
                           const Limits &limits, int64_t now_ms)
{
    std::lock_guard<std::mutex> lock(mu_);
    return append(data, size, limits, now_ms);
}

Verdict ServerQueue::deliver(const uint8_t *data, size_t size,
                             const Limits &limits, int64_t now_ms,
                             std::vector<StoredPacket> &released)
{
    std::lock_guard<std::mutex> lock(mu_);
    if (mode_ == Mode::kHeld || draining_) {
        return append(data, size, limits, now_ms);
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

void ServerQueue::hold()
{
    std::lock_guard<std::mutex> lock(mu_);
    if (mode_ != Mode::kHeld) {
        mode_ = Mode::kHeld;
        counters_.holds++;
    }
}

bool ServerQueue::release(int64_t now_ms, std::vector<StoredPacket> &released)
{
    std::lock_guard<std::mutex> lock(mu_);
    if (mode_ != Mode::kOnline) {
        mode_ = Mode::kOnline;
        counters_.releases++;
    }
    if (draining_ || queue_.empty()) {
        expire(now_ms);
        return false;  // Nothing, or another thread sends it.
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
    return n;
}

ServerSnapshot ServerQueue::snapshot(int64_t now_ms)
{
    std::lock_guard<std::mutex> lock(mu_);
    expire(now_ms);
    return ServerSnapshot{
        vip_,      mode_,
        draining_, queue_.size(),
        bytes_,    queue_.empty() ? -1 : now_ms - queue_.front().arrived_ms,
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
    auto q = std::make_shared<ServerQueue>(vip, cap_);
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
    return q->discard();
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
