// Routing trees of publish/subscribe: the topology graph of the pubsub
// switches (from the deployment's links), a tree built from it by
// breadth-first search from a root switch (each node with its parent
// link and its level, the root at level 0), and the route between two
// switches along the tree through their lowest common ancestor.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "apps/pubsub/pubsub_section.h"

namespace cxxa::controller {

struct PubsubTreeNode {
    std::string parent;      // "" at the root.
    uint32_t up_port = 0;    // This switch's port towards the parent.
    uint32_t down_port = 0;  // The parent's port towards this switch.
    int level = 0;
};

// One step of a route: the switch, the port the event comes in on, the
// port it leaves by.
struct PubsubHop {
    std::string sw;
    uint32_t in_port = 0;
    uint32_t out_port = 0;
    bool operator==(const PubsubHop &) const = default;
};

class PubsubTree {
  public:
    // The BFS tree of the links in 'links' from 'root'; neighbours are
    // visited in order of (switch name, port), so the tree is the same
    // for the same links.  Switches not connected to the root are not in
    // it.
    PubsubTree(const std::vector<PubsubLink> &links, const std::string &root);

    const std::string &root() const { return root_; }
    const std::map<std::string, PubsubTreeNode> &nodes() const
    {
        return nodes_;
    }
    bool contains(const std::string &sw) const { return nodes_.count(sw); }

    // The route from a host on (from, from_port) to a host on (to,
    // to_port): up from 'from' to the lowest common ancestor, then down
    // to 'to'.  Empty if either switch is not in the tree.
    std::vector<PubsubHop> route(const std::string &from, uint32_t from_port,
                                 const std::string &to,
                                 uint32_t to_port) const;

  private:
    std::string root_;
    std::map<std::string, PubsubTreeNode> nodes_;
};

}  // namespace cxxa::controller
