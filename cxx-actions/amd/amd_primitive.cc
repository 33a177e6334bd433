// amd_primitive.cc: see amd_primitive.h.
#include "amd_primitive.h"

#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "amd_report.h"
#include "bridge/args.h"
#include "bridge/bridge_command.h"
#include "bridge/host.h"
#include "bridge/op_table.h"

namespace cxxa::amd {

namespace {

const OpTable<Op> kOps({{Op::kDeliver, "deliver"},
                        {Op::kStore, "store"},
                        {Op::kHold, "hold"},
                        {Op::kRelease, "release"},
                        {Op::kReport, "report"},
                        {Op::kDiscard, "discard"}});

bool stores(Op op) { return op == Op::kDeliver || op == Op::kStore; }

std::string json_string(std::string_view s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

namespace {

std::string memory_line()
{
    MemoryCap &m = AmdPrimitive::memory();
    return "memory: " + std::to_string(m.used()) + " of "
           + std::to_string(m.cap()) + " bytes stored (all bridges)\n";
}

}  // namespace

AmdPrimitive::AmdPrimitive()
    : PrimitiveOf("amd"),
      stores_([] { return std::make_unique<Store>(memory()); })
{
}

MemoryCap &AmdPrimitive::memory()
{
    static MemoryCap cap;
    return cap;
}

std::string AmdPrimitive::synopsis() const
{
    return "amd:deliver|store(server=VIP[,max_packets=N,max_bytes=N,"
           "max_age_ms=N])|hold|release|report|discard(server=VIP)";
}

std::unique_ptr<const AmdConfig>
AmdPrimitive::parse(std::string_view args) const
{
    OpArgs a = parse_op_args(args);
    auto cfg = std::make_unique<AmdConfig>();
    cfg->op = kOps.parse(a.op);
    auto server = a.take("server");
    if (!server) {
        throw ArgError(a.op + " needs server=VIRTUAL_IP");
    }
    cfg->server = parse_ipv4("server", *server);
    if (stores(cfg->op)) {
        if (auto v = a.take("max_packets")) {
            cfg->limits.max_packets = parse_uint("max_packets", *v, 1,
                                                 1u << 24);
        }
        if (auto v = a.take("max_bytes")) {
            cfg->limits.max_bytes = parse_uint("max_bytes", *v, 1, 1ull << 40);
        }
        if (auto v = a.take("max_age_ms")) {
            cfg->limits.max_age_ms = parse_uint("max_age_ms", *v, 1,
                                                UINT32_MAX);
        }
    }
    a.expect_all_taken();
    return cfg;
}

std::string AmdPrimitive::format(const AmdConfig &cfg) const
{
    std::vector<std::pair<std::string, std::string>> kv{
        {"server", format_ipv4(cfg.server)}};
    const Limits d;
    if (cfg.limits.max_packets != d.max_packets) {
        kv.emplace_back("max_packets", std::to_string(cfg.limits.max_packets));
    }
    if (cfg.limits.max_bytes != d.max_bytes) {
        kv.emplace_back("max_bytes", std::to_string(cfg.limits.max_bytes));
    }
    if (cfg.limits.max_age_ms != d.max_age_ms) {
        kv.emplace_back("max_age_ms", std::to_string(cfg.limits.max_age_ms));
    }
    return format_op_args(kOps.name(cfg.op), kv);
}

unsigned int AmdPrimitive::flags(const AmdConfig &cfg) const
{
    // Packets that come out of these are not the packet that went in: the
    // stored ones (any kind), or a report frame.
    switch (cfg.op) {
    case Op::kDeliver:
    case Op::kRelease:
    case Op::kReport:
        return CXXA_F_RESHAPES;
    default:
        return 0;
    }
}

std::string AmdPrimitive::report_json(std::string_view bridge, Store &store,
                                      uint32_t vip)
{
    std::ostringstream o;
    o << "{\"bridge\":" << json_string(bridge) << ",\"server\":\""
      << format_ipv4(vip) << "\"";
    auto q = store.find(vip);
    if (q) {
        ServerSnapshot s = q->snapshot(now_ms());
        const ServerCounters &c = s.counters;
        o << ",\"state\":\"" << mode_name(s.mode) << "\""
          << ",\"draining\":" << (s.draining ? "true" : "false")
          << ",\"packets\":" << s.packets << ",\"bytes\":" << s.bytes
          << ",\"oldest_age_ms\":" << s.oldest_age_ms
          << ",\"stored\":" << c.stored << ",\"released\":" << c.released
          << ",\"passed\":" << c.passed
          << ",\"drop_packets\":" << c.drop_packets
          << ",\"drop_bytes\":" << c.drop_bytes
          << ",\"drop_memory\":" << c.drop_memory
          << ",\"expired\":" << c.expired << ",\"discarded\":" << c.discarded
          << ",\"holds\":" << c.holds << ",\"releases\":" << c.releases;
    } else {
        o << ",\"state\":\"unknown\",\"packets\":0,\"bytes\":0";
    }
    o << ",\"memory_used\":" << memory().used()
      << ",\"memory_cap\":" << memory().cap() << "}";
    return o.str();
}

void AmdPrimitive::execute(const AmdConfig &cfg, std::string_view bridge,
                           Batch &batch)
{
    Store &store = stores_.get(bridge);

    if (cfg.op == Op::kReport) {
        for (size_t i = 0; i < batch.size(); i++) {
            Packet p = batch.packet(i);
            batch.emit(i,
                       build_report(p.data, p.size,
                                    report_json(bridge, store, cfg.server)));
            batch.consume(i);
        }
        return;
    }
    if (cfg.op == Op::kDiscard) {
        store.discard(cfg.server);
        for (size_t i = 0; i < batch.size(); i++) {
            batch.consume(i);
        }
        return;
    }

    std::shared_ptr<ServerQueue> q = store.get(cfg.server);
    if (!q) {
        /* The bridge's server table is full (counted there too). */
        for (size_t i = 0; i < batch.size(); i++) {
            batch.drop(i);
        }
        return;
    }

    /* Sends what the queue handed out, then whatever other threads stored
     * while we were sending, until it is empty (amd_store.h). */
    std::vector<StoredPacket> released;
    auto emit_released = [&](size_t i) {
        for (const StoredPacket &s : released) {
            batch.emit(i, s.frame);
        }
    };
    auto finish_drain = [&](size_t i, int64_t now) {
        while (q->finish_drain(now, released)) {
            emit_released(i);
        }
    };

    for (size_t i = 0; i < batch.size(); i++) {
        Packet p = batch.packet(i);
        const int64_t now = now_ms();
        switch (cfg.op) {
        case Op::kStore:
            if (q->store(p.data, p.size, cfg.limits, now)
                == Verdict::kStored) {
                batch.consume(i);
            } else {
                batch.drop(i);
            }
            break;
        case Op::kDeliver: {
            released.clear();
            Verdict v = q->deliver(p.data, p.size, cfg.limits, now, released);
            if (v == Verdict::kStored) {
                batch.consume(i);
            } else if (v == Verdict::kDropped) {
                batch.drop(i);
            } else if (released.empty()) {
                batch.pass(i);
            } else {
                /* The stored packets, then this one. */
                emit_released(i);
                batch.pass(i);
                finish_drain(i, now);
            }
            break;
        }
        case Op::kHold:
            q->hold();
            batch.consume(i);
            break;
        case Op::kRelease:
            released.clear();
            if (q->release(now, released)) {
                emit_released(i);
                finish_drain(i, now);
            }
            batch.consume(i);
            break;
        default: /* kReport, kDiscard: handled above. */
            this->counters(bridge).errors++;
            batch.drop(i);
            break;
        }
    }
}

std::string AmdPrimitive::show(const std::string &bridge, Store &store)
{
    std::ostringstream o;
    auto servers = store.snapshot(now_ms());
    o << "bridge " << bridge << ": " << servers.size() << " servers, "
      << store.n_table_full.load() << " drops (server table full)\n";
    for (const ServerSnapshot &s : servers) {
        const ServerCounters &c = s.counters;
        o << "  server " << format_ipv4(s.vip) << ": " << mode_name(s.mode)
          << (s.draining ? " (sending)" : "") << ", stored now " << s.packets
          << " packets " << s.bytes << " bytes";
        if (s.oldest_age_ms >= 0) {
            char age[32];
            std::snprintf(age, sizeof age, "%.3f", s.oldest_age_ms / 1000.0);
            o << ", oldest " << age << " s";
        }
        o << "\n    stored " << c.stored << ", released " << c.released
          << ", passed " << c.passed << ", holds " << c.holds << ", releases "
          << c.releases << "\n    dropped: " << c.drop_packets
          << " over max_packets, " << c.drop_bytes << " over max_bytes, "
          << c.drop_memory << " over memory cap, " << c.expired << " expired, "
          << c.discarded << " discarded\n";
    }
    return o.str();
}

std::vector<Command> AmdPrimitive::commands()
{
    return {
        show_command<Store>("amd/show", stores_, "AMD", show,
                            ShowText{memory_line, ""}),
        Command{"amd/set-memory-cap", "bytes", 1, 1,
                [](const std::vector<std::string> &args) {
                    uint64_t cap;
                    try {
                        cap = parse_uint("bytes", args[0], 0, 1ull << 44);
                    } catch (const ArgError &e) {
                        throw std::runtime_error(e.what());
                    }
                    memory().set_cap(cap);
                    return "memory cap " + std::to_string(cap) + " bytes\n";
                }},
    };
}

}  // namespace cxxa::amd

CXXA_REGISTER_PRIMITIVE(amd, cxxa::amd::AmdPrimitive)
