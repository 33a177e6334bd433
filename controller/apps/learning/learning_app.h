// The learning switch application: switches whose "mode" is "learning"
// (an L2 learning switch that installs a flow per source, destination and
// ingress port, as POX's l2_learning does) or "learning-no-flows" (every
// packet through the controller).  Their deployment keys:
// "idle_timeout" (of the flows it installs) and "mac_table_size" (bound
// of the MAC table, oldest entry evicted).
//
// LearningSwitches is the functional core: a packet-in gives a Forward
// effect (app.h), which the controller core sends.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <unordered_map>

#include "app.h"

namespace cxxa::controller {

struct LearningSwitchSettings {
    bool install_flows = true;  // "learning"; false: "learning-no-flows".
    int idle_timeout = 60;
    size_t mac_table_size = 4096;
    bool operator==(const LearningSwitchSettings &) const = default;
};

struct LearningConfig : AppConfig {
    std::map<std::string, LearningSwitchSettings> switches;  // By name.
};

class LearningSwitches {
  public:
    // Tables of switches that stay learning switches are kept.
    void configure(const std::map<std::string, LearningSwitchSettings> &);
    bool is_learning(const std::string &sw) const;

    // The table-miss flow that sends packets up; learned flows survive
    // reconciliation if the switch installs them.
    void add_to_switch(SwitchSpec &) const;

    // Learns the source of 'frame' (an Ethernet frame of at least 14
    // bytes) on 'in_port' and forwards it: to the port of its destination
    // if known, else flooded; nothing if that is where it came from.
    // False (not taken) if 'sw' is not a learning switch.
    bool packet_in(const std::string &sw, const uint8_t *frame, size_t len,
                   uint32_t in_port, Effects &);

    size_t table_size(const std::string &sw) const;
    uint64_t evictions(const std::string &sw) const;

  private:
    struct Entry {
        uint32_t port;
        std::list<uint64_t>::iterator age;
    };
    struct Switch {
        LearningSwitchSettings settings;
        std::unordered_map<uint64_t, Entry> macs;
        std::list<uint64_t> age;  // Oldest first.
        uint64_t n_evictions = 0;
    };

    uint32_t learn_and_lookup(Switch &, uint64_t src, uint64_t dst,
                              uint32_t in_port);

    std::map<std::string, Switch> switches_;
};

const AppType &learning_app_type();

}  // namespace cxxa::controller
