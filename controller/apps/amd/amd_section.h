// The deployment's "amd" section: which switches store requests for
// offline servers, the pool of virtual addresses servers get when they
// subscribe, the storage limits, and where requests are stored (in the
// switch, or in the controller, as a baseline).
// Schema: controller/README.md, "amd".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_check.h"

namespace cxxa::controller {

struct Deployment;

constexpr size_t kAmdMaxServers = 4096;  // The switch's per-bridge bound.
constexpr int kAmdDefaultPriority = 45000;

enum class AmdStore { kSwitch, kController };

struct AmdSettings {
    bool enabled = false;               // The section is present.
    std::vector<std::string> switches;  // Access switches.
    uint32_t pool_base = 0;             // First address of the CIDR.
    unsigned pool_prefix = 32;          // Its prefix length.
    uint64_t mac_prefix = 0;            // Left-aligned in 48 bits.
    unsigned mac_prefix_bytes = 0;
    size_t pool_size = 0;  // Usable virtual addresses.
    // Storage limits per server; unset: the switch's defaults.
    std::optional<uint64_t> max_packets, max_bytes, max_age_ms;
    AmdStore store = AmdStore::kSwitch;
    // Controller store only: requests kept for all servers together.
    size_t controller_max_packets = 100000;
    std::string forward = "NORMAL";  // Actions after the rewrite.
    int priority = kAmdDefaultPriority;
    int table = 0;
    // Switch store: releases paced by the switch's main loop, into
    // release_table (table + 1 unless given), at 'rate' packets a second in
    // bursts of 'burst' (the amd: action's defaults).  Unpaced: a release
    // is one burst at line rate, through the trigger's actions.
    bool paced = true;
    int release_table = -1;
    uint32_t rate = 20000;
    uint32_t burst = 64;

    int paced_table() const
    {
        return release_table >= 0 ? release_table : table + 1;
    }

    // The i-th virtual address of the pool (0 <= i < pool_size).
    uint32_t vip(size_t i) const;
    uint64_t vmac(size_t i) const;
    bool operator==(const AmdSettings &) const = default;
};

// Validates 'section' (the value of "amd") against the switches of 'd'.
// Adds "amd....: why" errors.
AmdSettings parse_amd_section(const nlohmann::json &section,
                              const Deployment &d, Errors &);

}  // namespace cxxa::controller
