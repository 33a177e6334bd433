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
//
// ovs-appctl cxxtest/show [BRIDGE]: packets seen per operation.
#ifndef CXXA_TESTS_CXXTEST_PRIMITIVE_H
#define CXXA_TESTS_CXXTEST_PRIMITIVE_H

#include <atomic>
#include <cstdint>

#include "bridge/per_bridge.h"
#include "bridge/registry.h"

namespace cxxa::cxxtest {

enum class Op { kPass, kCopy, kConsume, kDrop };

struct TestConfig : ActionConfig {
    Op op = Op::kPass;
    uint16_t tag = 0;
    uint16_t copies = 1;
};

struct BridgeCounts {
    std::atomic<uint64_t> seen[4] = {};  // Indexed by Op.
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

  private:
    PerBridge<BridgeCounts> bridges_;
};

}  // namespace cxxa::cxxtest

#endif  // CXXA_TESTS_CXXTEST_PRIMITIVE_H
