// The deployment's "pubsub" section: which switches take part, the
// control address and ports, the event address prefix, the dz length
// limit, covering and the last-hop filter, the bounds.  Schema:
// controller/README.md, "The pubsub section".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_check.h"

namespace cxxa::controller {

struct Deployment;

constexpr int kPubsubDefaultPriority = 30000;

// A link between two pubsub switches, ports as OpenFlow numbers.
struct PubsubLink {
    std::string a, b;
    uint32_t a_port = 0, b_port = 0;
    bool operator==(const PubsubLink &) const = default;
};

struct PubsubSettings {
    bool enabled = false;  // The section is present (even if empty).
    std::vector<std::string> switches;  // Sorted.
    std::vector<PubsubLink> links;      // The deployment's, between them.
    uint32_t control_ip = 0;
    uint16_t control_port = 0;
    uint16_t event_port = 0;
    uint32_t prefix = 0;  // Event addresses: prefix/plen + dz bits.
    unsigned plen = 9;
    unsigned max_dz_bits = 23;  // Longest dz accepted (1..64).
    bool covering = true;       // Merge covered flows into the covering one.
    bool filter = true;         // pubsub:filter at every last hop.
    int priority = kPubsubDefaultPriority;
    size_t max_hosts = 4096;
    size_t max_entries = 100000;  // Subscriptions + advertisements.

    bool has_switch(const std::string &sw) const;
    // True if 'port' of 'sw' is one end of a link.
    bool is_link_port(const std::string &sw, uint32_t port) const;
    bool operator==(const PubsubSettings &) const = default;
};

// Validates 'section' (the value of "pubsub") against the switches and
// links of 'd'.  Adds "pubsub....: why" errors.
PubsubSettings parse_pubsub_section(const nlohmann::json &section,
                                    const Deployment &d, Errors &);

}  // namespace cxxa::controller
