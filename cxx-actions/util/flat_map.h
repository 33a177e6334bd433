// flat_map.h: containers for a primitive's per-packet path, laid out so
// that a lookup touches one or two cache lines instead of chasing the nodes
// of std::unordered_map (which cost the datapath ~40% of nat:out with
// 10,000 flows, measured with perf on scripts/bench-nat.py's many_flows case).
//
//   FlatMap<K, V, Hash>  open addressing, linear probing, power-of-two
//                        capacity, load <= 1/2, backward-shift deletion (no
//                        tombstones).  K and V are small and trivially
//                        copyable.
//   SmallVec<T, N>       a vector with room for N elements inline.
#ifndef CXXA_UTIL_FLAT_MAP_H
#define CXXA_UTIL_FLAT_MAP_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace cxxa {

template <class K, class V, class Hash>
class FlatMap {
  public:
    FlatMap() { slots_.resize(kMinCapacity); }

    size_t size() const { return size_; }
    size_t capacity() const { return slots_.size(); }

    V *find(const K &k)
    {
        for (size_t i = home(k);; i = next(i)) {
            Slot &s = slots_[i];
            if (!s.used) {
                return nullptr;
            }
            if (s.key == k) {
                return &s.value;
            }
        }
    }
    const V *find(const K &k) const
    {
        return const_cast<FlatMap *>(this)->find(k);
    }

    // Inserts or replaces.
    void put(const K &k, const V &v)
    {
        if ((size_ + 1) * 2 > slots_.size()) {
            grow();
        }
        size_t i = home(k);
        for (; slots_[i].used; i = next(i)) {
            if (slots_[i].key == k) {
                slots_[i].value = v;
                return;
            }
        }
        slots_[i] = Slot{k, v, true};
        size_++;
    }

    bool erase(const K &k)
    {
        size_t i = home(k);
        for (; slots_[i].used; i = next(i)) {
            if (slots_[i].key == k) {
                break;
            }
        }
        if (!slots_[i].used) {
            return false;
        }
        // Backward shift: move later entries of the run into the hole when
        // the hole lies between their home and where they are.
        for (size_t j = next(i);; j = next(j)) {
            if (!slots_[j].used) {
                break;
            }
            size_t h = home(slots_[j].key);
            bool movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
            if (movable) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i].used = false;
        size_--;
        return true;
    }

    void clear()
    {
        slots_.assign(kMinCapacity, Slot{});
        size_ = 0;
    }

    // Slot access, for sweeps that visit the table a slice at a time.
    bool used(size_t i) const { return slots_[i].used; }
    const K &key(size_t i) const { return slots_[i].key; }
    V &value(size_t i) { return slots_[i].value; }
    const V &value(size_t i) const { return slots_[i].value; }

  private:
    static constexpr size_t kMinCapacity = 64;
    struct Slot {
        K key{};
        V value{};
        bool used = false;
    };

    size_t home(const K &k) const { return Hash()(k) & (slots_.size() - 1); }
    size_t next(size_t i) const { return (i + 1) & (slots_.size() - 1); }

    void grow()
    {
        std::vector<Slot> old;
        old.swap(slots_);
        slots_.resize(old.size() * 2);
        size_ = 0;
        for (const Slot &s : old) {
            if (s.used) {
                put(s.key, s.value);
            }
        }
    }

    std::vector<Slot> slots_;
    size_t size_ = 0;
};

template <class T, size_t N>
class SmallVec {
  public:
    T *begin() { return heap_.empty() ? inline_ : heap_.data(); }
    T *end() { return begin() + size(); }
    const T *begin() const { return heap_.empty() ? inline_ : heap_.data(); }
    const T *end() const { return begin() + size(); }
    size_t size() const { return heap_.empty() ? n_ : heap_.size(); }
    bool empty() const { return size() == 0; }
    T &operator[](size_t i) { return begin()[i]; }
    const T &at(size_t i) const
    {
        if (i >= size()) {
            throw std::out_of_range("SmallVec::at");
        }
        return begin()[i];
    }
    T &back() { return end()[-1]; }

    void push_back(const T &v)
    {
        if (heap_.empty() && n_ < N) {
            inline_[n_++] = v;
            return;
        }
        if (heap_.empty()) {
            heap_.assign(inline_, inline_ + n_);
        }
        heap_.push_back(v);
    }
    void erase(T *pos)
    {
        std::move(pos + 1, end(), pos);
        pop_back();
    }
    template <class Pred>
    void erase_if(Pred pred)
    {
        size_t keep = size_t(std::remove_if(begin(), end(), pred) - begin());
        while (size() > keep) {
            pop_back();  // May move the elements back inline.
        }
    }

  private:
    void pop_back()
    {
        if (heap_.empty()) {
            n_--;
        } else {
            heap_.pop_back();
            if (heap_.size() <= N) {  // Back inline.
                n_ = heap_.size();
                std::copy(heap_.begin(), heap_.end(), inline_);
                heap_.clear();
                heap_.shrink_to_fit();
            }
        }
    }

    T inline_[N]{};
    size_t n_ = 0;
    std::vector<T> heap_;
};

}  // namespace cxxa

#endif  // CXXA_UTIL_FLAT_MAP_H
