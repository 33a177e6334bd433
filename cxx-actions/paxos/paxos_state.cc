// paxos_state.cc: see paxos_state.h.
#include "paxos_state.h"

#include <algorithm>

namespace cxxa::paxos {

std::optional<uint32_t> Leader::assign(std::optional<uint32_t> learner_next,
                                       uint32_t window)
{
    if (learner_next && next_ - *learner_next >= window
        && !seq_before(next_, *learner_next)) {
        window_full_++;
        return std::nullopt;
    }
    return next_++;
}

bool Acceptor::on_accept(uint32_t round, uint32_t seq, const uint8_t *value,
                         size_t len)
{
    if (round < round_) {
        stale_++;
        return false;
    }
    round_ = round;
    if (slots_.empty()) {
        slots_.resize(window_);
    }
    Slot &s = slots_[seq % window_];
    s.seq = seq;
    s.round = round;
    s.value.assign(value, value + len);
    accepted_++;
    return true;
}

const Value *Acceptor::stored_value(uint32_t seq) const
{
    if (slots_.empty()) {
        return nullptr;
    }
    const Slot &s = slots_[seq % window_];
    return s.round && s.seq == seq ? &s.value : nullptr;
}

Learner::Verdict Learner::on_learn(uint32_t round, uint32_t seq,
                                   uint16_t sender, const uint8_t *value,
                                   size_t len, std::vector<Value> &deliver)
{
    auto verdict = [this](Verdict v) {
        counts_[size_t(v)]++;
        return v;
    };
    if (seq_before(seq, next_)) {
        return verdict(Verdict::kDelivered);
    }
    if (seq - next_ >= window_) {
        return verdict(Verdict::kBeyondWindow);
    }
    Slot &s = slots_[seq];
    if (s.chosen) {
        return verdict(Verdict::kLateVote);
    }
    if (s.voters.empty() || round > s.round) {
        s.round = round;
        s.value.assign(value, value + len);
        s.voters.clear();
    } else if (round < s.round) {
        return verdict(Verdict::kStaleRound);
    } else if (s.value.size() != len
               || !std::equal(value, value + len, s.value.begin())) {
        return verdict(Verdict::kConflict);
    }
    if (std::find(s.voters.begin(), s.voters.end(), sender)
        != s.voters.end()) {
        return verdict(Verdict::kRepeatVote);
    }
    s.voters.push_back(sender);
    if (s.voters.size() < majority()) {
        return verdict(Verdict::kCounted);
    }
    s.chosen = true;
    for (auto it = slots_.find(next_); it != slots_.end() && it->second.chosen;
         it = slots_.find(next_)) {
        deliver.push_back(std::move(it->second.value));
        slots_.erase(it);
        next_++;
        delivered_++;
    }
    return verdict(Verdict::kChosen);
}

}  // namespace cxxa::paxos
