// amd_primitive.h: the "amd" primitive (asynchronous message delivery).
//
//   amd:store(server=VIP)     keep the packet for the server whose virtual
//                             IPv4 address is VIP (per bridge, per server)
//   amd:release(server=VIP)   send the server's stored packets, in arrival
//                             order, through the actions that follow
//
// This issue (#2) defines the grammar; the buffer and its bounds are issue
// #5.  Until then executing either operation drops the packet, counted as
// an error in cxx-action/list.
#ifndef CXXA_AMD_PRIMITIVE_H
#define CXXA_AMD_PRIMITIVE_H

#include "bridge/registry.h"

namespace cxxa::amd {

enum class Op { kStore, kRelease };

struct AmdConfig : ActionConfig {
    Op op = Op::kStore;
    uint32_t server = 0;  // Virtual IPv4 address, host byte order.
};

class AmdPrimitive : public Primitive {
  public:
    AmdPrimitive() : Primitive("amd") {}

    std::string synopsis() const override;
    std::unique_ptr<const ActionConfig>
    parse(std::string_view args) const override;
    std::string format(const ActionConfig &) const override;
    unsigned int flags(const ActionConfig &) const override;
    void execute(const ActionConfig &, std::string_view bridge,
                 Batch &batch) override;
};

}  // namespace cxxa::amd

#endif  // CXXA_AMD_PRIMITIVE_H
