// per_bridge.h: state a primitive keeps per bridge.
//
// Every bridge of a vswitchd shares one datapath, so each datapath action
// carries its bridge's name and a primitive looks its state up by it.
#ifndef CXXA_BRIDGE_PER_BRIDGE_H
#define CXXA_BRIDGE_PER_BRIDGE_H

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cxxa {

// State kept per bridge name, created on first use by the datapath, never
// freed while the process runs (bridges are configuration, so this is
// bounded by them).  Lookups take a shared lock; creation takes the
// exclusive one.  T is made by the factory given to the constructor, or
// default-constructed.
template <class T>
class PerBridge {
  public:
    PerBridge() : make_([] { return std::make_unique<T>(); }) {}
    explicit PerBridge(std::function<std::unique_ptr<T>()> make)
        : make_(std::move(make))
    {
    }

    // The state of 'bridge', created if it has none yet.  For the datapath
    // and for commands that configure a bridge.
    T &get(std::string_view bridge)
    {
        if (T *t = find(bridge)) {
            return *t;
        }
        std::unique_lock<std::shared_mutex> lock(mu_);
        auto &slot = map_[std::string(bridge)];
        if (!slot) {
            slot = make_();
        }
        return *slot;
    }

    // The state of 'bridge', or nullptr if it has none: for commands that
    // only look, so that a mistyped bridge name creates nothing.
    T *find(std::string_view bridge) const
    {
        std::shared_lock<std::shared_mutex> lock(mu_);
        auto it = map_.find(bridge);
        return it == map_.end() ? nullptr : it->second.get();
    }

    // Calls f(bridge, state) for every bridge, sorted by name.
    template <class F>
    void for_each(F f) const
    {
        std::vector<std::pair<std::string, T *>> all;
        {
            std::shared_lock<std::shared_mutex> lock(mu_);
            for (const auto &kv : map_) {
                all.emplace_back(kv.first, kv.second.get());
            }
        }
        std::sort(all.begin(), all.end(), [](const auto &a, const auto &b) {
            return a.first < b.first;
        });
        for (auto &[name, state] : all) {
            f(name, *state);
        }
    }

  private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const
        {
            return std::hash<std::string_view>()(s);
        }
    };
    std::function<std::unique_ptr<T>()> make_;
    mutable std::shared_mutex mu_;
    std::unordered_map<std::string, std::unique_ptr<T>, Hash, std::equal_to<>>
        map_;
};

}  // namespace cxxa

#endif  // CXXA_BRIDGE_PER_BRIDGE_H
