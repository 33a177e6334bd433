// amd_report.h: the frame amd:report puts in place of its trigger, so the
// controller learns a server's stored packets, bytes, drops and mode over
// OpenFlow (a packet-in), with no side channel to the switch.
//
//   Ethernet header of the trigger, EtherType 0x88B5 (IEEE local
//   experimental), "AMDR", then one JSON object (UTF-8, no terminator):
//   {"bridge","server","state","draining","packets","bytes",
//    "oldest_age_ms","stored","released","passed","drop_packets",
//    "drop_bytes","drop_memory","expired","discarded","holds","releases",
//    "memory_used","memory_cap"}
//   "state" is "online", "offline" or "unknown" (the bridge has no queue
//   for that server: nothing stored, never held).
#ifndef CXXA_AMD_REPORT_H
#define CXXA_AMD_REPORT_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxxa::amd {

constexpr uint16_t kReportEthertype = 0x88B5;
constexpr char kReportMagic[4] = {'A', 'M', 'D', 'R'};

// Builds the report frame: the first 12 bytes of 'trigger' (zeros if it is
// shorter), the EtherType, the magic and 'json'.
std::vector<uint8_t> build_report(const uint8_t *trigger, size_t size,
                                  std::string_view json);

// The JSON text of a report frame, or nullopt if 'frame' is not one.
std::optional<std::string> parse_report(const uint8_t *frame, size_t size);

}  // namespace cxxa::amd

#endif  // CXXA_AMD_REPORT_H
