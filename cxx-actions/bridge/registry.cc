// registry.cc: the primitive registry and the batch a handler works on.
#include "registry.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <sstream>
#include <strings.h>

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
        if (r.registry == id_ && r.bridge == bridge && r.name == name
            && r.args == args) {
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

namespace {

// The keywords of OVS 3.1's action parser (ofpacts_parse__() in
// lib/ofp-actions.c), compared case-insensitively as it does: every
// OFPACT name, its other action and instruction words, and the reserved
// port names (ofputil_port_from_string()).
constexpr const char *kUpstreamKeywords[] = {
    // OFPACT names (include/openvswitch/ofp-actions.h).
    "output",
    "group",
    "controller",
    "enqueue",
    "output_reg",
    "bundle",
    "set_field",
    "set_vlan_vid",
    "set_vlan_pcp",
    "strip_vlan",
    "push_vlan",
    "mod_dl_src",
    "mod_dl_dst",
    "mod_nw_src",
    "mod_nw_dst",
    "mod_nw_tos",
    "mod_nw_ecn",
    "mod_nw_ttl",
    "mod_tp_src",
    "mod_tp_dst",
    "move",
    "push",
    "pop",
    "dec_ttl",
    "set_mpls_label",
    "set_mpls_tc",
    "set_mpls_ttl",
    "dec_mpls_ttl",
    "push_mpls",
    "pop_mpls",
    "dec_nsh_ttl",
    "delete_field",
    "encap",
    "decap",
    "set_tunnel",
    "set_queue",
    "pop_queue",
    "fin_timeout",
    "resubmit",
    "learn",
    "conjunction",
    "multipath",
    "note",
    "exit",
    "sample",
    "unroll_xlate",
    "ct",
    "ct_clear",
    "nat",
    "output_trunc",
    "clone",
    "check_pkt_larger",
    "cxx",
    "debug_recirc",
    "debug_slow",
    "meter",
    "clear_actions",
    "write_actions",
    "write_metadata",
    "goto_table",
    // Other words of the parser.
    "mod_vlan_vid",
    "mod_vlan_pcp",
    "set_nw_ttl",
    "pop_vlan",
    "set_tunnel64",
    "load",
    "bundle_load",
    "drop",
    "apply_actions",
    // Reserved port names.
    "in_port",
    "table",
    "normal",
    "flood",
    "all",
    "local",
    "any",
    "unset",
    "none",
};

// Upstream keywords a primitive may take, because OVS tells the two apart
// by the colon: "nat:ARGS" is the primitive, "nat(...)" upstream's.
constexpr const char *kSplitKeywords[] = {"nat"};

bool is_one_of(std::string_view name, const auto &words)
{
    for (const char *w : words) {
        if (name.size() == std::strlen(w)
            && !strncasecmp(name.data(), w, name.size())) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string Registry::check_name(std::string_view name)
{
    if (name.empty()) {
        return "a primitive needs a name";
    }
    auto word = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_'
               || c == '-';
    };
    if (std::isdigit(static_cast<unsigned char>(name[0])) || name[0] == '-'
        || !std::all_of(name.begin(), name.end(), word)) {
        return "primitive name '" + std::string(name)
               + "' is not a word ([A-Za-z_][A-Za-z0-9_-]*)";
    }
    if (is_one_of(name, kUpstreamKeywords)
        && !is_one_of(name, kSplitKeywords)) {
        return "primitive name '" + std::string(name)
               + "' would shadow the OVS action or port keyword of that name";
    }
    return "";
}

void Registry::add(std::unique_ptr<Primitive> p)
{
    std::string why = check_name(p->name());
    if (!why.empty()) {
        throw std::logic_error(why);
    }
    if (by_name_.count(p->name())) {
        throw std::logic_error("primitive " + p->name() + " registered twice");
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

void Registry::run(std::string_view bridge, cxxa_send_cb *send, void *aux)
{
    for (auto &p : primitives_) {
        if (p->next_wakeup(bridge) > now_ms()) {
            continue;
        }
        Sender out;
        try {
            p->run(bridge, now_ms(), out);
        } catch (const std::exception &) {
            p->counters(bridge).errors++;
        }
        if (!out.frames().empty()) {
            p->counters(bridge).sent += out.frames().size();
        }
        for (const Sender::Frame &f : out.frames()) {
            send(aux, f.table, f.in_port, f.data.data(), f.data.size());
        }
    }
}

int64_t Registry::next_wakeup(std::string_view bridge)
{
    int64_t next = kNever;
    for (auto &p : primitives_) {
        next = std::min(next, p->next_wakeup(bridge));
    }
    return next;
}

void Registry::bridge_added(std::string_view bridge)
{
    for (auto &p : primitives_) {
        p->bridge_added(bridge);
    }
}

void Registry::bridge_removed(std::string_view bridge, bool deleted)
{
    for (auto &p : primitives_) {
        p->bridge_removed(bridge, deleted);
    }
}

std::string Registry::list() const
{
    std::ostringstream s;
    for (const auto &p : primitives_) {
        s << p->name() << ": " << p->synopsis() << "\n";
        p->all_counters().for_each(
            [&](const std::string &bridge, const Counters &c) {
                s << "  bridge " << bridge << ": in=" << c.in
                  << " out=" << c.out << " consumed=" << c.consumed
                  << " dropped=" << c.dropped << " errors=" << c.errors;
                if (c.sent) {
                    s << " sent=" << c.sent;
                }
                s << "\n";
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
