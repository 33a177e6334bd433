// amd_primitive.cc: see amd_primitive.h.
#include "amd_primitive.h"

#include <cctype>
#include <cinttypes>
#include <map>
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
bool paces(Op op) { return stores(op) || op == Op::kRelease; }

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
           "max_age_ms=N][,table=T[,rate=N,burst=N]])|release(server=VIP[,"
           "table=T[,rate=N,burst=N]])|hold|report|discard(server=VIP)";
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
    if (paces(cfg->op)) {
        auto table = a.take("table");
        auto rate = a.take("rate");
        auto burst = a.take("burst");
        if ((rate || burst) && !table) {
            throw ArgError(std::string(rate ? "rate" : "burst")
                           + " needs table=T (where paced packets go)");
        }
        if (table) {
            cfg->pace.table = parse_uint("table", *table, 0, 254);
            cfg->pace.rate = rate
                                 ? parse_uint("rate", *rate, 1, Pace::kMaxRate)
                                 : Pace::kDefaultRate;
            cfg->pace.burst = burst ? parse_uint("burst", *burst, 1,
                                                 Pace::kMaxBurst)
                                    : Pace::kDefaultBurst;
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
    if (cfg.pace.paced()) {
        kv.emplace_back("table", std::to_string(cfg.pace.table));
        if (cfg.pace.rate != Pace::kDefaultRate) {
            kv.emplace_back("rate", std::to_string(cfg.pace.rate));
        }
        if (cfg.pace.burst != Pace::kDefaultBurst) {
            kv.emplace_back("burst", std::to_string(cfg.pace.burst));
        }
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
          << ",\"holds\":" << c.holds << ",\"releases\":" << c.releases
          << ",\"paced_sent\":" << c.paced_sent
          << ",\"notifications\":" << c.notifications
          << ",\"restored\":" << c.restored;
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
            if (q->store(p.data, p.size, cfg.limits, now, cfg.pace)
                == Verdict::kStored) {
                batch.consume(i);
            } else {
                batch.drop(i);
            }
            break;
        case Op::kDeliver: {
            released.clear();
            Verdict v = q->deliver(p.data, p.size, cfg.limits, now, released,
                                   cfg.pace);
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
            if (q->release(now, released, cfg.pace)) {
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
        if (s.pace.paced()) {
            o << ", paced to table " << int(s.pace.table) << " at "
              << s.pace.rate << "/s burst " << s.pace.burst;
        }
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
        if (c.paced_sent || c.notifications || c.restored) {
            o << "    sent by the main loop " << c.paced_sent
              << ", notifications " << c.notifications << ", restored "
              << c.restored << "\n";
        }
    }
    return o.str();
}

std::string AmdPrimitive::journal_path(const std::string &dir,
                                       std::string_view bridge)
{
    return dir + "/" + state_file("cxxa-amd", bridge, "journal");
}

namespace {

// What is live in 'store', as the journal writes it.
std::map<uint32_t, JournalServer> live_state(Store &store)
{
    std::map<uint32_t, JournalServer> live;
    for (auto &q : store.all()) {
        JournalServer s;
        std::vector<StoredPacket> packets;
        q->copy_state(s.mode, s.pace, s.mode_seq, packets);
        s.has_mode = s.mode_seq != 0;
        for (StoredPacket &p : packets) {
            uint64_t seq = p.seq;
            s.packets.emplace(seq, std::move(p));
        }
        ServerSnapshot snap = q->snapshot(now_ms());
        live.emplace(snap.vip, std::move(s));
    }
    return live;
}

uint64_t live_bytes(const std::map<uint32_t, JournalServer> &live)
{
    uint64_t n = 0;
    for (const auto &kv : live) {
        for (const auto &p : kv.second.packets) {
            n += p.second.frame.size() + 37;
        }
    }
    return n;
}

}  // namespace

void AmdPrimitive::bridge_added(std::string_view bridge)
{
    const std::string &dir = state_dir();
    if (dir.empty()) {
        return;
    }
    Store &store = stores_.get(bridge);
    Durability &d = durability_.get(bridge);
    auto journal = std::make_unique<Journal>(journal_path(dir, bridge),
                                             std::string(bridge));
    JournalLoad l = journal->load();
    uint64_t packets = 0, dropped = 0;
    for (auto &[vip, s] : l.servers) {
        std::shared_ptr<ServerQueue> q = store.get(vip);
        if (!q) {
            dropped += s.packets.size();
            continue;
        }
        std::vector<StoredPacket> ps;
        for (auto &kv : s.packets) {
            ps.push_back(std::move(kv.second));
        }
        packets += ps.size();
        dropped += q->restore(s.mode, s.pace, s.mode_seq, std::move(ps));
    }
    store.set_seq(l.max_seq);
    store.set_journal(std::move(journal));
    std::string msg = "amd: bridge " + std::string(bridge) + ": journal "
                      + store.journal()->path() + ": restored "
                      + std::to_string(packets - dropped)
                      + " stored packets of "
                      + std::to_string(l.servers.size()) + " servers";
    if (dropped) {
        msg += ", " + std::to_string(dropped) + " dropped over the limits";
    }
    if (!l.error.empty()) {
        msg += "; " + l.error
               + ": the records before it were kept, the rest ignored";
    }
    host_log(l.error.empty() ? 0 : 2, msg);
    d.status = store.journal()->path()
               + (l.error.empty() ? "" : " (last load: " + l.error + ")");
    /* A fresh file from what was kept: a bad tail is not read again. */
    std::string error;
    store.journal()->begin_snapshot();
    auto live = live_state(store);
    if (!store.journal()->compact(live, error)) {
        d.write_errors++;
        host_log(2, "amd: " + error);
    }
}

void AmdPrimitive::bridge_removed(std::string_view bridge, bool deleted)
{
    Store *store = stores_.find(bridge);
    if (!store) {
        return;
    }
    if (deleted) {
        store->clear();
        if (Journal *j = store->journal()) {
            j->remove_file();
        }
        return;
    }
    if (Journal *j = store->journal()) {
        std::string error;
        if (!j->flush(error) || !j->sync(error)) {
            durability_.get(bridge).write_errors++;
            host_log(2, "amd: bridge " + std::string(bridge) + ": " + error);
        }
    }
}

void AmdPrimitive::write_journal(std::string_view bridge, Store &store,
                                 bool now, int64_t now_ms)
{
    Journal *j = store.journal();
    if (!j) {
        return;
    }
    Durability &d = durability_.get(bridge);
    std::string error;
    if (j->stale()) {
        /* A write failed: rewrite everything, at most once a second. */
        if (d.last_sync_ms + 1000 <= now_ms) {
            d.last_sync_ms = now_ms;
            d.compactions++;
            j->begin_snapshot();
            auto live = live_state(store);
            if (!j->compact(live, error)) {
                d.write_errors++;
                host_log(1,
                         "amd: bridge " + std::string(bridge) + ": " + error);
            }
        }
        return;
    }
    if (j->pending()
        && (now || j->first_pending_ms() + Journal::kFlushMs <= now_ms)) {
        if (j->flush(error)) {
            d.unsynced = true;
        } else {
            d.write_errors++;
            host_log(1, "amd: bridge " + std::string(bridge) + ": " + error);
        }
    }
    if (d.unsynced && d.last_sync_ms + 1000 <= now_ms) {
        d.last_sync_ms = now_ms;
        d.unsynced = false;
        if (!j->sync(error)) {
            d.write_errors++;
        }
    }
    if (j->file_bytes() > 4 * Journal::kCompactSlack) {
        j->begin_snapshot();
        auto live = live_state(store);
        if (j->file_bytes() > 2 * live_bytes(live) + Journal::kCompactSlack) {
            d.compactions++;
            if (!j->compact(live, error)) {
                d.write_errors++;
                host_log(1,
                         "amd: bridge " + std::string(bridge) + ": " + error);
            }
        }
    }
}

void AmdPrimitive::run(std::string_view bridge, int64_t now, Sender &out)
{
    Store *store = stores_.find(bridge);
    if (!store) {
        return;
    }
    bool released = false;
    for (auto &q : store->all()) {
        if (q->next_due(now) > now) {
            continue;
        }
        RunOutput ro;
        q->run(now, ro);
        if (ro.notify) {
            ServerSnapshot s = q->snapshot(now);
            out.send(ro.table, Sender::kFromController,
                     build_report(ro.notify_head.data(), ro.notify_head.size(),
                                  report_json(bridge, *store, s.vip)));
        }
        for (StoredPacket &p : ro.frames) {
            out.send(ro.table, Sender::kFromController, std::move(p.frame));
            released = true;
        }
    }
    /* What leaves is recorded as gone before it is sent, so a restart
     * never sends it twice. */
    write_journal(bridge, *store, released, now);
}

int64_t AmdPrimitive::next_wakeup(std::string_view bridge)
{
    Store *store = stores_.find(bridge);
    if (!store) {
        return kNever;
    }
    const int64_t now = now_ms();
    int64_t next = kNever;
    for (auto &q : store->all()) {
        next = std::min(next, q->next_due(now));
    }
    if (Journal *j = store->journal()) {
        int64_t first = j->first_pending_ms();
        if (first != kNever) {
            next = std::min(next, first + Journal::kFlushMs);
        }
        if (Durability *d = durability_.find(bridge);
            d && (d->unsynced || j->stale())) {
            next = std::min(next, d->last_sync_ms + 1000);
        }
    }
    return next;
}

std::vector<Command> AmdPrimitive::commands()
{
    return {
        show_command<Store>(
            "amd/show", stores_, "AMD",
            [this](const std::string &bridge, Store &store) {
                return show(bridge, store);
            },
            ShowText{memory_line, ""}),
        show_command<Durability>(
            "amd/journal", durability_, "AMD journal",
            [this](const std::string &bridge, Durability &d) {
                std::string out = "bridge " + bridge + ": " + d.status;
                Store *store = stores_.find(bridge);
                if (Journal *j = store ? store->journal() : nullptr) {
                    out += ", " + std::to_string(j->file_bytes()) + " bytes, "
                           + std::to_string(d.compactions) + " compactions, "
                           + std::to_string(d.write_errors) + " write errors";
                }
                return out + "\n";
            }),
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
