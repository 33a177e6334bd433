// bridge_command.h: ovs-appctl commands over a primitive's per-bridge
// state, "NAME/show [BRIDGE]" and the like, that answer alike for every
// primitive:
//   - without BRIDGE, every bridge that has state, sorted by name;
//   - with a BRIDGE that has state, that one;
//   - with a BRIDGE that has none (never used, or mistyped), the error
//     "no LABEL state for bridge BRIDGE", and no state is created.
#ifndef CXXA_BRIDGE_BRIDGE_COMMAND_H
#define CXXA_BRIDGE_BRIDGE_COMMAND_H

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "per_bridge.h"
#include "registry.h"

namespace cxxa {

// The bridges that the optional BRIDGE argument 'args[0]' selects, as
// above; throws std::runtime_error (an error reply) for a bridge without
// state.  'label' names the primitive's state in the error ("AMD", "NAT").
template <class T>
std::vector<std::pair<std::string, T *>>
select_bridges(const PerBridge<T> &states,
               const std::vector<std::string> &args, const std::string &label)
{
    std::vector<std::pair<std::string, T *>> out;
    if (!args.empty()) {
        T *t = states.find(args[0]);
        if (!t) {
            throw std::runtime_error("no " + label + " state for bridge "
                                     + args[0]);
        }
        out.emplace_back(args[0], t);
        return out;
    }
    states.for_each([&](const std::string &bridge, T &t) {
        out.emplace_back(bridge, &t);
    });
    return out;
}

// What a show command prints around the bridges' own text.
struct ShowText {
    std::function<std::string()> head;  // First, whatever is selected.
    std::string none;                   // When no bridge has state.
};

// "NAME [BRIDGE]": the reply is head, then show(bridge, state) for each
// bridge selected (or 'none' if there is none at all).
template <class T>
Command show_command(std::string name, const PerBridge<T> &states,
                     std::string label,
                     std::function<std::string(const std::string &, T &)> show,
                     ShowText text = {})
{
    return Command{
        std::move(name), "[BRIDGE]", 0, 1,
        [&states, label = std::move(label), show = std::move(show),
         text = std::move(text)](const std::vector<std::string> &args) {
            auto bridges = select_bridges(states, args, label);
            std::string out = text.head ? text.head() : "";
            if (bridges.empty()) {
                return out + text.none;
            }
            for (auto &[bridge, state] : bridges) {
                out += show(bridge, *state);
            }
            return out;
        }};
}

}  // namespace cxxa

#endif  // CXXA_BRIDGE_BRIDGE_COMMAND_H
