// clock.h: the time primitives measure ages and timeouts in.
#ifndef CXXA_BRIDGE_CLOCK_H
#define CXXA_BRIDGE_CLOCK_H

#include <chrono>
#include <cstdint>

namespace cxxa {

// Milliseconds on the monotonic clock (never jumps with the wall clock).
inline int64_t now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace cxxa

#endif  // CXXA_BRIDGE_CLOCK_H
