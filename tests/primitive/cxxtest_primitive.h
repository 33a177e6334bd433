// cxxtest_primitive.h: "cxxtest", the primitive the generic tests use (the
// registry, the C ABI, the OVS bridge in tests/ovs/cxx-action.at), so that
// they test the bridge and nothing of paxos, amd or nat.  Built into the
// library of the development build only (not into the Debian packages).
//
//   cxxtest:pass[(tag=0..65535)]  packets pass unchanged; 'tag' (default 0,
//                                 omitted from the canonical form) is only
//                                 carried, to show arguments round-trip
//   cxxtest:copy[(n=1..64)]       each packet passes, then n copies of it
//                                 follow (default 1); recirculates
//   cxxtest:consume               packets are kept: counted, none leaves
//   cxxtest:drop                  packets are dropped
//   cxxtest:timer(ms=0..86400000,table=0..254)
//                                 packets are kept; 'ms' after each arrived
//                                 (host clock), the main loop sends it on its
//                                 own into 'table' (from OFPP_CONTROLLER); at
//                                 most kMaxTimers wait per bridge, more are
//                                 dropped; a deleted bridge's never fire
//
// ovs-appctl cxxtest/show [BRIDGE]: packets seen per operation, timers
// waiting, frames sent.
#ifndef CXXA_TESTS_CXXTEST_PRIMITIVE_H
#define CXXA_TESTS_CXXTEST_PRIMITIVE_H

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "bridge/per_bridge.h"
#include "bridge/registry.h"

namespace cxxa::cxxtest {

enum class Op { kPass, kCopy, kConsume, kDrop, kTimer };
constexpr size_t kNumOps = 5;

struct TestConfig : ActionConfig {
    Op op = Op::kPass;
    uint16_t tag = 0;
    uint16_t copies = 1;
    uint32_t ms = 0;    // timer
    uint8_t table = 0;  // timer
};

struct Timer {
    int64_t due;
    uint8_t table;
    std::vector<uint8_t> frame;
};

struct BridgeCounts {
    static constexpr size_t kMaxTimers = 64;

    std::atomic<uint64_t> seen[kNumOps] = {};  // Indexed by Op.
    std::mutex mu;
    std::deque<Timer> timers;  // Sorted by 'due' (one 'ms' per flow).
    uint64_t fired = 0, timer_drops = 0, cancelled = 0;
};

class TestPrimitive : public PrimitiveOf<TestConfig> {
  public:
    TestPrimitive() : PrimitiveOf("cxxtest") {}

    std::string synopsis() const override;
    std::unique_ptr<const TestConfig>
    parse(std::string_view args) const override;
    std::string format(const TestConfig &) const override;
    unsigned int flags(const TestConfig &) const override;
    void execute(const TestConfig &, std::string_view bridge,
                 Batch &batch) override;
    std::vector<Command> commands() override;
    void run(std::string_view bridge, int64_t now, Sender &out) override;
    int64_t next_wakeup(std::string_view bridge) override;
    void bridge_removed(std::string_view bridge, bool deleted) override;

  private:
    PerBridge<BridgeCounts> bridges_;
};

}  // namespace cxxa::cxxtest

#endif  // CXXA_TESTS_CXXTEST_PRIMITIVE_H
