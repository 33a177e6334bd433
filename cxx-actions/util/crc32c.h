// crc32c.h: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
// checksum of iSCSI, ext4 and OVS's lib/crc32c.c, for records in state
// files.  (Written here rather than taken from zlib, whose crc32 is another
// polynomial, so that no OVS program gains a link dependency.)
#ifndef CXXA_UTIL_CRC32C_H
#define CXXA_UTIL_CRC32C_H

#include <array>
#include <cstddef>
#include <cstdint>

namespace cxxa {

inline uint32_t crc32c(const void *data, size_t n, uint32_t crc = 0)
{
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) {
                c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            }
            t[i] = c;
        }
        return t;
    }();
    const auto *p = static_cast<const uint8_t *>(data);
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

}  // namespace cxxa

#endif  // CXXA_UTIL_CRC32C_H
