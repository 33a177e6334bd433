// amd_test_frames.h: numbered frames for the AMD unit tests: frame(n) is a
// zero frame whose first two bytes carry n, id() reads n back.
#ifndef CXXA_AMD_TESTS_AMD_TEST_FRAMES_H
#define CXXA_AMD_TESTS_AMD_TEST_FRAMES_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "amd/amd_store.h"

namespace cxxa::amd::testing {

inline std::vector<uint8_t> frame(int n, size_t size = 64)
{
    std::vector<uint8_t> f(size, 0);
    f[0] = n >> 8;
    f[1] = n & 0xff;
    return f;
}

inline int id(const std::vector<uint8_t> &f) { return f[0] << 8 | f[1]; }

inline std::vector<int> ids(const std::vector<StoredPacket> &ps)
{
    std::vector<int> out;
    for (const auto &p : ps) {
        out.push_back(id(p.frame));
    }
    return out;
}

}  // namespace cxxa::amd::testing

#endif  // CXXA_AMD_TESTS_AMD_TEST_FRAMES_H
