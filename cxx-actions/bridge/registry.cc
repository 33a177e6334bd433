// registry.cc: the primitive registry and the batch a handler works on.
#include "registry.h"

#include <array>
#include <sstream>

namespace cxxa {

Batch::Batch(cxxa_packet *pkts, size_t n, cxxa_emit_cb *emit, void *aux)
    : pkts_(pkts), n_(n), emit_(emit), aux_(aux)
{
    if (n <= std::size(inline_fate_)) {
        fate_ = inline_fate_;
    } else {
        heap_fate_.resize(n);
        fate_ = heap_fate_.data();
    }
    std::fill(fate_, fate_ + n, Fate::kNone);
}

void Batch::pass(size_t i)
{
    if (i < n_ && fate_[i] == Fate::kNone) {
        fate_[i] = Fate::kPassed;
        emit_(aux_, i, nullptr, 0);
        n_out_++;
    }
}

void Batch::emit(size_t i, const uint8_t *data, size_t len)
{
    if (i < n_) {
        emit_(aux_, i, data, len);
        n_out_++;
    }
}

void Batch::consume(size_t i)
{
    if (i < n_ && fate_[i] == Fate::kNone) {
        fate_[i] = Fate::kConsumed;
        n_consumed_++;
    }
}

void Batch::drop(size_t i)
{
    if (i < n_ && fate_[i] == Fate::kNone) {
        fate_[i] = Fate::kDropped;
        n_dropped_++;
    }
}

uint64_t Batch::n_dropped() const
{
    // Packets the handler gave no fate and did not replace count as drops.
    uint64_t undecided = std::count(fate_, fate_ + n_, Fate::kNone);
    return n_dropped_ + undecided;
}

// What one datapath action resolves to.  Each thread keeps the last few,
// so that a batch finds its primitive, parsed arguments and counters
// without a lock or an allocation; only a miss takes the shared locks.
// Everything pointed to lives as long as the registry (primitives and
// per-bridge counters are never freed; 'cfg' holds its config).
struct Registry::Resolved {
    uint64_t registry = 0;
    std::string bridge, name, args;
    Primitive *primitive = nullptr;
    std::shared_ptr<const ActionConfig> cfg;  // nullptr: does not parse.
    Counters *counters = nullptr;
};

namespace {

std::atomic<uint64_t> next_registry_id{1};

}  // namespace

Registry::Registry() : id_(next_registry_id++) {}

Registry::Resolved &Registry::resolve(std::string_view bridge,
                                      std::string_view name,
                                      std::string_view args)
{
    static thread_local std::array<Resolved, 8> cache;
    static thread_local size_t next;

    for (auto &r : cache) {
        if (r.registry == id_ && r.bridge == bridge && r.name == name &&
            r.args == args) {
            return r;
        }
    }
    Resolved &r = cache[next++ % cache.size()];
    r.registry = 0;  // Invalid until filled in.
    r.primitive = find(name);
    if (!r.primitive) {
        return r;
    }
    r.cfg = config(*r.primitive, args);
    r.counters = &r.primitive->counters(bridge);
    r.bridge = bridge;
    r.name = name;
    r.args = args;
    r.registry = id_;
    return r;
}

Registry &Registry::instance()
{
    static Registry *registry = [] {
        auto *r = new Registry;
        register_all_primitives(*r);
        return r;
    }();
    return *registry;
}

void Registry::add(std::unique_ptr<Primitive> p)
{
    if (by_name_.count(p->name())) {
        throw std::logic_error("primitive " + p->name() +
                               " registered twice");
    }
    by_name_[p->name()] = p.get();
    primitives_.push_back(std::move(p));
}

Primitive *Registry::find(std::string_view name) const
{
    auto it = by_name_.find(std::string(name));
    return it == by_name_.end() ? nullptr : it->second;
}

std::string Registry::canonicalize(std::string_view name,
                                   std::string_view args) const
{
    Primitive *p = find(name);
    if (!p) {
        throw ArgError(std::string(name) + ": no such primitive");
    }
    try {
        return p->format_config(*p->parse_config(args));
    } catch (const ArgError &e) {
        throw ArgError(p->name() + ": " + e.what());
    }
}

std::shared_ptr<const ActionConfig> Registry::config(Primitive &p,
                                                     std::string_view args)
{
    std::string key = p.name();
    key.push_back('\0');
    key.append(args);
    {
        std::shared_lock<std::shared_mutex> lock(cache_mu_);
        auto it = cache_.find(key);
        if (it != cache_.end()) {
            return it->second;
        }
    }

    std::shared_ptr<const ActionConfig> cfg;
    try {
        cfg = p.parse_config(args);
    } catch (const ArgError &) {
        return nullptr;
    }

    std::unique_lock<std::shared_mutex> lock(cache_mu_);
    if (cache_.size() < kMaxCachedConfigs) {
        cache_.emplace(std::move(key), cfg);
    } else {
        cache_overflows_++;  // Still correct, just parsed again next time.
    }
    return cfg;
}

void Registry::execute(std::string_view bridge, std::string_view name,
                       std::string_view args, cxxa_packet *pkts, size_t n,
                       cxxa_emit_cb *emit, void *aux)
{
    Resolved &r = resolve(bridge, name, args);
    if (!r.primitive) {
        unknown_drops_ += n;  // The caller frees them.
        return;
    }

    Counters &c = *r.counters;
    c.in += n;
    if (!r.cfg) {
        c.errors += n;
        c.dropped += n;
        return;
    }
    Batch batch(pkts, n, emit, aux);
    try {
        r.primitive->execute_config(*r.cfg, bridge, batch);
    } catch (const std::exception &) {
        c.errors++;
    }
    c.out += batch.n_out();
    c.consumed += batch.n_consumed();
    c.dropped += batch.n_dropped();
}

std::string Registry::list() const
{
    std::ostringstream s;
    for (const auto &p : primitives_) {
        s << p->name() << ": " << p->synopsis() << "\n";
        p->all_counters().for_each([&](const std::string &bridge,
                                       const Counters &c) {
            s << "  bridge " << bridge << ": in=" << c.in
              << " out=" << c.out << " consumed=" << c.consumed
              << " dropped=" << c.dropped << " errors=" << c.errors << "\n";
        });
    }
    if (unknown_drops_) {
        s << "packets dropped for unknown primitives: " << unknown_drops_
          << "\n";
    }
    if (cache_overflows_) {
        s << "config cache overflows: " << cache_overflows_ << "\n";
    }
    return s.str();
}

const std::vector<Command> &Registry::commands()
{
    std::call_once(commands_once_, [this] {
        commands_.push_back(Command{
            "cxx-action/list", "", 0, 0,
            [this](const std::vector<std::string> &) { return list(); }});
        for (auto &p : primitives_) {
            for (auto &c : p->commands()) {
                commands_.push_back(std::move(c));
            }
        }
    });
    return commands_;
}

}  // namespace cxxa
