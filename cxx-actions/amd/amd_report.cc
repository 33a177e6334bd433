// amd_report.cc: see amd_report.h.
#include "amd_report.h"

#include <cstring>

#include "bridge/bytes.h"

namespace cxxa::amd {

std::vector<uint8_t> build_report(const uint8_t *trigger, size_t size,
                                  std::string_view json)
{
    std::vector<uint8_t> f(18 + json.size(), 0);
    std::memcpy(f.data(), trigger, size < 12 ? size : 12);
    put16(&f[12], kReportEthertype);
    std::memcpy(&f[14], kReportMagic, 4);
    std::memcpy(&f[18], json.data(), json.size());
    return f;
}

std::optional<std::string> parse_report(const uint8_t *frame, size_t size)
{
    if (size < 18 || get16(frame + 12) != kReportEthertype
        || std::memcmp(frame + 14, kReportMagic, 4)) {
        return std::nullopt;
    }
    std::string json(reinterpret_cast<const char *>(frame + 18), size - 18);
    /* Short frames are padded to 60 bytes on the way: drop the padding. */
    while (!json.empty() && json.back() == '\0') {
        json.pop_back();
    }
    return json;
}

}  // namespace cxxa::amd
