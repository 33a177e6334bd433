#include "apps/pubsub/pubsub_tree.h"

#include <algorithm>
#include <deque>
#include <tuple>

namespace cxxa::controller {

PubsubTree::PubsubTree(const std::vector<PubsubLink> &links,
                       const std::string &root)
    : root_(root)
{
    // Adjacency: switch -> (neighbour, own port, neighbour's port).
    std::map<std::string,
             std::vector<std::tuple<std::string, uint32_t, uint32_t>>>
        adj;
    for (const PubsubLink &l : links) {
        adj[l.a].emplace_back(l.b, l.a_port, l.b_port);
        adj[l.b].emplace_back(l.a, l.b_port, l.a_port);
    }
    for (auto &[sw, next] : adj) {
        std::sort(next.begin(), next.end());
    }
    nodes_[root] = PubsubTreeNode{};
    std::deque<std::string> todo = {root};
    while (!todo.empty()) {
        std::string sw = todo.front();
        todo.pop_front();
        int level = nodes_[sw].level;
        for (const auto &[next, port, next_port] : adj[sw]) {
            if (nodes_.count(next)) {
                continue;
            }
            nodes_[next] = PubsubTreeNode{sw, next_port, port, level + 1};
            todo.push_back(next);
        }
    }
}

std::vector<PubsubHop> PubsubTree::route(const std::string &from,
                                         uint32_t from_port,
                                         const std::string &to,
                                         uint32_t to_port) const
{
    if (!contains(from) || !contains(to)) {
        return {};
    }
    // Climb from the deeper end until both meet at the common ancestor:
    // 'up' collects the switches above 'from' ('from' itself first),
    // 'down' those above 'to' ('to' first).
    std::vector<std::string> up = {from}, down = {to};
    std::string a = from, b = to;
    while (a != b) {
        const PubsubTreeNode &na = nodes_.at(a), &nb = nodes_.at(b);
        if (na.level >= nb.level) {
            a = na.parent;
            up.push_back(a);
        } else {
            b = nb.parent;
            down.push_back(b);
        }
    }
    // 'a' (== b) is the lowest common ancestor, last of both lists.
    std::vector<PubsubHop> hops;
    uint32_t in = from_port;
    for (size_t i = 0; i + 1 < up.size(); i++) {
        const PubsubTreeNode &n = nodes_.at(up[i]);
        hops.push_back(PubsubHop{up[i], in, n.up_port});
        in = n.down_port;
    }
    for (size_t i = down.size(); i-- > 1;) {
        const PubsubTreeNode &child = nodes_.at(down[i - 1]);
        hops.push_back(PubsubHop{down[i], in, child.down_port});
        in = child.up_port;
    }
    hops.push_back(PubsubHop{to, in, to_port});
    return hops;
}

}  // namespace cxxa::controller
