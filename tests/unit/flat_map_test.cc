// Unit tests for the shared containers (cxx-actions/util/flat_map.h).
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <vector>

#include "util/flat_map.h"

using cxxa::FlatMap;
using cxxa::SmallVec;

namespace {

struct WeakHash {
    // Few distinct homes: long probe runs that wrap around the table.
    size_t operator()(uint64_t k) const { return size_t(k % 7) * 9 + 60; }
};

TEST(FlatMap, MatchesStdMapThroughInsertsAndErases)
{
    FlatMap<uint64_t, uint64_t, WeakHash> m;
    std::map<uint64_t, uint64_t> ref;
    uint64_t x = 12345;
    for (int step = 0; step < 20000; step++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t k = (x >> 33) % 300;
        if ((x >> 20) % 3 == 0) {
            EXPECT_EQ(m.erase(k), ref.erase(k) == 1);
        } else {
            m.put(k, x);
            ref[k] = x;
        }
        ASSERT_EQ(m.size(), ref.size());
    }
    for (uint64_t k = 0; k < 300; k++) {
        const uint64_t *v = m.find(k);
        auto it = ref.find(k);
        ASSERT_EQ(v != nullptr, it != ref.end()) << k;
        if (v) {
            EXPECT_EQ(*v, it->second);
        }
    }
}

TEST(SmallVec, SpillsToTheHeapAndComesBack)
{
    SmallVec<int, 2> v;
    for (int i = 0; i < 5; i++) {
        v.push_back(i);
    }
    EXPECT_EQ(std::vector<int>(v.begin(), v.end()),
              (std::vector<int>{0, 1, 2, 3, 4}));
    v.erase_if([](int i) { return i % 2 == 0; });
    EXPECT_EQ(std::vector<int>(v.begin(), v.end()), (std::vector<int>{1, 3}));
    v.erase(v.begin());
    v.push_back(7);
    EXPECT_EQ(std::vector<int>(v.begin(), v.end()), (std::vector<int>{3, 7}));
    EXPECT_THROW(v.at(2), std::out_of_range);
}

}  // namespace
