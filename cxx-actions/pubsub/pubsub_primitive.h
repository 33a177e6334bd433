// pubsub_primitive.h: the "pubsub" primitive, the exact last-hop filter
// of publish/subscribe (README.md).
//
//   pubsub:filter(dz=DZ[+DZ...])
//        passes an event (IPv4, UDP, payload starting with the event
//        header of pubsub_wire.h) if one of the listed dz-expressions
//        covers the event's full dz; drops the other events and counts
//        them as filtered, and packets that are no event at all as
//        malformed.  At most kMaxFilterDz expressions, each "*" or 1..64
//        bits; printed sorted, without duplicates.
//
// Counters per bridge: ovs-appctl pubsub/show [BRIDGE].
#ifndef CXXA_PUBSUB_PUBSUB_PRIMITIVE_H
#define CXXA_PUBSUB_PUBSUB_PRIMITIVE_H

#include <atomic>
#include <vector>

#include "bridge/registry.h"
#include "pubsub/pubsub_wire.h"

namespace cxxa::pubsub {

constexpr size_t kMaxFilterDz = 64;

struct FilterConfig : ActionConfig {
    std::vector<Dz> dz;  // Sorted, unique.
};

// The verdict on one frame, for the tests.
enum class Verdict { kPass, kFiltered, kMalformed };
Verdict filter(const FilterConfig &cfg, uint8_t *frame, size_t len);

struct FilterStats {
    std::atomic<uint64_t> passed{0};
    std::atomic<uint64_t> filtered{0};
    std::atomic<uint64_t> malformed{0};
};

class PubsubPrimitive : public PrimitiveOf<FilterConfig> {
  public:
    PubsubPrimitive() : PrimitiveOf("pubsub") {}

    std::string synopsis() const override;
    std::vector<Command> commands() override;
    std::unique_ptr<const FilterConfig>
    parse(std::string_view args) const override;
    std::string format(const FilterConfig &) const override;
    void execute(const FilterConfig &, std::string_view bridge,
                 Batch &batch) override;

  private:
    PerBridge<FilterStats> stats_;
};

}  // namespace cxxa::pubsub

#endif  // CXXA_PUBSUB_PUBSUB_PRIMITIVE_H
