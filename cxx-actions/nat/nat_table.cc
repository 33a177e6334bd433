// nat_table.cc: see nat_table.h.
#include "nat_table.h"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "bridge/args.h"
#include "net/inet.h"

namespace cxxa::nat {

namespace {

constexpr int64_t kSweepIntervalMs = 100;
constexpr size_t kSweepSlices = 100;          // Whole table in ~10 s.
constexpr int64_t kReclaimIntervalMs = 1000;  // Per pool, when exhausted.

const char *proto_name(uint8_t proto)
{
    switch (proto) {
    case net::kProtoTcp:
        return "tcp";
    case net::kProtoUdp:
        return "udp";
    case net::kProtoIcmp:
        return "icmp";
    }
    return "?";
}

std::string seconds(int64_t ms)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", double(ms) / 1000.0);
    return buf;
}

}  // namespace

const char *filter_name(Filter f)
{
    switch (f) {
    case Filter::kEndpointIndependent:
        return "eim";
    case Filter::kAddress:
        return "adf";
    case Filter::kAddressAndPort:
        return "apdf";
    }
    return "?";
}

const char *tcp_state_name(TcpState s)
{
    switch (s) {
    case TcpState::kOpening:
        return "opening";
    case TcpState::kEstablished:
        return "established";
    case TcpState::kClosing:
        return "closing";
    case TcpState::kReset:
        return "reset";
    }
    return "?";
}

const char *event_name(Event e)
{
    static const char *const names[] = {
        "translated_out",    "translated_in",     "icmp_error_out",
        "icmp_error_in",     "drop_not_ipv4",     "drop_malformed",
        "drop_truncated",    "drop_fragment",     "drop_bad_checksum",
        "drop_unsupported",  "drop_not_external", "drop_no_mapping",
        "drop_filtered",     "drop_exhausted",    "drop_table_full",
        "drop_forward_busy",
    };
    static_assert(std::size(names) == size_t(Event::kCount));
    return names[size_t(e)];
}

TcpState Session::tcp_state() const
{
    if (seen & kRst) {
        return TcpState::kReset;
    }
    if (seen & (kFinOut | kFinIn)) {
        return TcpState::kClosing;
    }
    if ((seen & (kSeenOut | kSeenIn)) == (kSeenOut | kSeenIn)) {
        return TcpState::kEstablished;
    }
    return TcpState::kOpening;
}

// The external ports of one protocol on one address: a bitmap of the ports
// in use (by live or not yet removed mappings).
struct NatTable::Pool {
    std::array<uint64_t, 1024> used{};
    size_t n_used = 0;
    uint32_t cursor = 0;
    int64_t last_reclaim_ms = INT64_MIN / 2;

    bool test(uint16_t port) const
    {
        return used[port >> 6] >> (port & 63) & 1;
    }
    void set(uint16_t port)
    {
        used[port >> 6] |= uint64_t(1) << (port & 63);
        n_used++;
    }
    void reset(uint16_t port)
    {
        used[port >> 6] &= ~(uint64_t(1) << (port & 63));
        n_used--;
    }
    // First free port in [a, b], if any.
    bool scan(uint32_t a, uint32_t b, uint16_t &out) const
    {
        for (uint32_t p = a; p <= b;) {
            uint64_t free_bits = ~used[p >> 6] >> (p & 63);
            if (free_bits) {
                uint32_t q = p + uint32_t(std::countr_zero(free_bits));
                if (q > b) {
                    return false;
                }
                out = uint16_t(q);
                return true;
            }
            p = (p | 63) + 1;
        }
        return false;
    }
    // First free port in [lo, hi] at or after 'from', wrapping around.
    bool find_free(uint32_t lo, uint32_t hi, uint32_t from,
                   uint16_t &out) const
    {
        if (from < lo || from > hi) {
            from = lo;
        }
        return scan(from, hi, out) || (from > lo && scan(lo, from - 1, out));
    }
};

struct NatTable::External {
    uint32_t addr = 0;
    Pool tcp, udp, icmp;
};

namespace {

// The finaliser of MurmurHash3: every input bit reaches the low bits.
uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

}  // namespace

size_t NatTable::InKeyHash::operator()(const InKey &k) const
{
    uint64_t a = uint64_t(k.ext) << 32 | k.in_ip;
    uint64_t b = uint64_t(k.in_port) << 8 | k.proto;
    return size_t(mix64(a ^ mix64(b)));
}

size_t NatTable::ExtKeyHash::operator()(uint64_t k) const
{
    return size_t(mix64(k));
}

NatTable::NatTable() = default;

NatTable::~NatTable() { clear(); }

NatTable::External *NatTable::external(uint32_t ext, bool create)
{
    for (auto &e : externals_) {
        if (e->addr == ext) {
            return e.get();
        }
    }
    if (!create || externals_.size() >= kMaxExternal) {
        return nullptr;
    }
    externals_.push_back(std::make_unique<External>());
    externals_.back()->addr = ext;
    return externals_.back().get();
}

NatTable::Pool &NatTable::pool(External &e, uint8_t proto)
{
    return proto == net::kProtoTcp   ? e.tcp
           : proto == net::kProtoUdp ? e.udp
                                     : e.icmp;
}

uint32_t NatTable::timeout_ms(const Session &s, uint8_t proto) const
{
    uint32_t sec;
    if (proto == net::kProtoTcp) {
        sec = s.tcp_state() == TcpState::kEstablished
                  ? timeouts_.tcp_established_s
                  : timeouts_.tcp_transitory_s;
    } else if (proto == net::kProtoUdp) {
        sec = timeouts_.udp_s;
    } else {
        sec = timeouts_.icmp_s;
    }
    return sec * 1000;
}

bool NatTable::alive(const Session &s, uint8_t proto, int64_t now_ms) const
{
    return now_ms - s.last_ms < int64_t(timeout_ms(s, proto));
}

bool NatTable::alive(const Mapping &m, int64_t now_ms) const
{
    for (const Session &s : m.sessions) {
        if (alive(s, m.proto, now_ms)) {
            return true;
        }
    }
    return false;
}

void NatTable::erase(Mapping *m)
{
    InKey k{m->ext, m->in_ip, m->in_port, m->proto};
    Mapping **in = by_in_.find(k);
    if (in && *in == m) {
        by_in_.erase(k);
    }
    if (External *e = external(m->ext, false)) {
        pool(*e, m->proto).reset(m->ext_port);
    }
    by_ext_.erase(ext_key(m->ext, m->proto, m->ext_port));
    delete m;
}

Mapping *NatTable::live_external(uint32_t ext, uint8_t proto, uint16_t port,
                                 int64_t now_ms)
{
    Mapping **pm = by_ext_.find(ext_key(ext, proto, port));
    if (!pm) {
        return nullptr;
    }
    Mapping *m = *pm;
    if (!alive(*m, now_ms)) {
        erase(m);
        stats_.mappings_expired++;
        return nullptr;
    }
    return m;
}

const Mapping *NatTable::find_external(uint32_t ext, uint8_t proto,
                                       uint16_t ext_port, int64_t now_ms) const
{
    Mapping *const *pm = by_ext_.find(ext_key(ext, proto, ext_port));
    if (!pm || !alive(**pm, now_ms)) {
        return nullptr;
    }
    return *pm;
}

const Mapping *NatTable::find_inside(uint32_t ext, uint8_t proto,
                                     uint32_t in_ip, uint16_t in_port,
                                     int64_t now_ms) const
{
    Mapping *const *pm = by_in_.find(InKey{ext, in_ip, in_port, proto});
    if (!pm || !alive(**pm, now_ms)) {
        return nullptr;
    }
    return *pm;
}

bool NatTable::permits(const Mapping &m, uint32_t remote_ip,
                       uint16_t remote_port, int64_t now_ms) const
{
    if (m.filter == Filter::kEndpointIndependent) {
        return true;
    }
    for (const Session &s : m.sessions) {
        if (s.remote_ip == remote_ip && (s.seen & Session::kSeenOut)
            && (m.filter == Filter::kAddress || s.remote_port == remote_port)
            && alive(s, m.proto, now_ms)) {
            return true;
        }
    }
    return false;
}

void NatTable::touch(Mapping &m, bool outbound, uint32_t remote_ip,
                     uint16_t remote_port, uint8_t tcp_flags, int64_t now_ms)
{
    Session *s = nullptr;
    for (Session &x : m.sessions) {
        if (x.remote_ip == remote_ip && x.remote_port == remote_port) {
            s = &x;
            break;
        }
    }
    if (!s) {
        if (m.sessions.size() >= kMaxSessions) {
            m.sessions.erase_if(
                [&](const Session &x) { return !alive(x, m.proto, now_ms); });
        }
        if (m.sessions.size() >= kMaxSessions) {
            auto lru = std::min_element(
                m.sessions.begin(), m.sessions.end(),
                [](const Session &a, const Session &b) {
                    return a.last_ms < b.last_ms;
                });
            m.sessions.erase(lru);
            stats_.sessions_evicted++;
        }
        m.sessions.push_back(Session{remote_ip, remote_port, 0, now_ms});
        s = &m.sessions.back();
    }
    if (m.proto == net::kProtoTcp) {
        if ((tcp_flags & kTcpSyn)
            && (s->seen
                & (Session::kFinOut | Session::kFinIn | Session::kRst))) {
            s->seen = 0;  // A new connection on the same endpoints.
        }
        if (tcp_flags & kTcpFin) {
            s->seen |= outbound ? Session::kFinOut : Session::kFinIn;
        }
        if (tcp_flags & kTcpRst) {
            s->seen |= Session::kRst;
        }
    }
    s->seen |= outbound ? Session::kSeenOut : Session::kSeenIn;
    s->last_ms = now_ms;
    (outbound ? m.packets_out : m.packets_in)++;
}

bool NatTable::allocate(Pool &p, uint16_t want, uint16_t lo, uint16_t hi,
                        bool any, uint16_t &out)
{
    // Candidate ranges, in order of preference.
    uint32_t ranges[2][2];
    int n = 0;
    if (any) {
        ranges[n][0] = 0;
        ranges[n++][1] = 65535;
    } else if (want >= 1024) {
        ranges[n][0] = std::max<uint32_t>(lo, 1024);
        ranges[n++][1] = hi;
    } else {
        ranges[n][0] = lo;
        ranges[n++][1] = std::min<uint32_t>(hi, 1023);
        ranges[n][0] = std::max<uint32_t>(lo, 1024);
        ranges[n++][1] = hi;
    }
    for (int i = 0; i < n; i++) {
        uint32_t a = ranges[i][0], b = ranges[i][1];
        if (a > b) {
            continue;
        }
        if (want >= a && want <= b && !p.test(want)) {
            out = want;  // Port preservation.
            return true;
        }
        if (p.find_free(a, b, p.cursor, out)) {
            p.cursor = out + 1u;
            return true;
        }
    }
    return false;
}

Mapping *NatTable::insert(uint32_t ext, uint8_t proto, uint16_t ext_port,
                          uint32_t in_ip, uint16_t in_port, Filter filter,
                          bool forwarded, int64_t now_ms)
{
    auto *m = new Mapping;
    m->ext = ext;
    m->proto = proto;
    m->ext_port = ext_port;
    m->in_ip = in_ip;
    m->in_port = in_port;
    m->filter = filter;
    m->forwarded = forwarded;
    m->created_ms = now_ms;
    by_ext_.put(ext_key(ext, proto, ext_port), m);
    by_in_.put(InKey{ext, in_ip, in_port, proto}, m);
    stats_.mappings_created++;
    return m;
}

void NatTable::reclaim(uint32_t ext, uint8_t proto, int64_t now_ms)
{
    std::vector<Mapping *> dead;
    for (size_t i = 0; i < by_ext_.capacity(); i++) {
        Mapping *m = by_ext_.used(i) ? by_ext_.value(i) : nullptr;
        if (m && m->ext == ext && m->proto == proto && !alive(*m, now_ms)) {
            dead.push_back(m);
        }
    }
    for (Mapping *m : dead) {
        erase(m);
        stats_.mappings_expired++;
    }
}

NatTable::Result NatTable::outbound(uint32_t ext, uint16_t lo, uint16_t hi,
                                    Filter filter, uint8_t proto,
                                    uint32_t in_ip, uint16_t in_port,
                                    uint32_t remote_ip, uint16_t remote_port,
                                    uint8_t tcp_flags, int64_t now_ms)
{
    Mapping *m = nullptr;
    if (Mapping **pm = by_in_.find(InKey{ext, in_ip, in_port, proto})) {
        m = *pm;
        if (!alive(*m, now_ms)) {
            erase(m);
            stats_.mappings_expired++;
            m = nullptr;
        }
    }
    if (!m) {
        External *e = external(ext, true);
        if (!e || by_ext_.size() >= kMaxMappings) {
            return {nullptr, Event::kDropTableFull};
        }
        Pool &p = pool(*e, proto);
        bool any = proto == net::kProtoIcmp;
        uint16_t port;
        if (!allocate(p, in_port, lo, hi, any, port)) {
            if (now_ms - p.last_reclaim_ms < kReclaimIntervalMs) {
                return {nullptr, Event::kDropExhausted};
            }
            p.last_reclaim_ms = now_ms;
            reclaim(ext, proto, now_ms);
            if (!allocate(p, in_port, lo, hi, any, port)) {
                return {nullptr, Event::kDropExhausted};
            }
        }
        p.set(port);
        m = insert(ext, proto, port, in_ip, in_port, filter, false, now_ms);
    }
    touch(*m, true, remote_ip, remote_port, tcp_flags, now_ms);
    return {m, Event::kTranslatedOut};
}

NatTable::Result NatTable::inbound(uint32_t ext, uint8_t proto,
                                   uint16_t ext_port, uint32_t remote_ip,
                                   uint16_t remote_port, uint8_t tcp_flags,
                                   int64_t now_ms)
{
    Mapping *m = live_external(ext, proto, ext_port, now_ms);
    if (!m) {
        return {nullptr, Event::kDropNoMapping};
    }
    if (!permits(*m, remote_ip, remote_port, now_ms)) {
        return {nullptr, Event::kDropFiltered};
    }
    touch(*m, false, remote_ip, remote_port, tcp_flags, now_ms);
    return {m, Event::kTranslatedIn};
}

NatTable::Result NatTable::forward(uint32_t ext, uint8_t proto,
                                   uint16_t ext_port, uint32_t to_ip,
                                   uint16_t to_port, uint32_t remote_ip,
                                   uint16_t remote_port, uint8_t tcp_flags,
                                   int64_t now_ms)
{
    Mapping *m = live_external(ext, proto, ext_port, now_ms);
    if (m && (!m->forwarded || m->in_ip != to_ip || m->in_port != to_port)) {
        if (!m->forwarded) {
            return {nullptr, Event::kDropForwardBusy};
        }
        erase(m);  // The forward now points elsewhere.
        m = nullptr;
    }
    if (!m) {
        External *e = external(ext, true);
        if (!e || by_ext_.size() >= kMaxMappings) {
            return {nullptr, Event::kDropTableFull};
        }
        pool(*e, proto).set(ext_port);
        m = insert(ext, proto, ext_port, to_ip, to_port,
                   Filter::kEndpointIndependent, true, now_ms);
    }
    touch(*m, false, remote_ip, remote_port, tcp_flags, now_ms);
    return {m, Event::kTranslatedIn};
}

void NatTable::maybe_sweep(int64_t now_ms)
{
    if (now_ms - last_sweep_ms_ < kSweepIntervalMs || !by_ext_.size()) {
        return;
    }
    last_sweep_ms_ = now_ms;
    size_t n_slots = by_ext_.capacity();
    size_t budget = std::max<size_t>(64, n_slots / kSweepSlices);
    std::vector<Mapping *> dead;
    for (size_t i = 0; i < budget && i < n_slots; i++) {
        size_t slot = (sweep_slot_ + i) % n_slots;
        if (!by_ext_.used(slot)) {
            continue;
        }
        Mapping *m = by_ext_.value(slot);
        if (!alive(*m, now_ms)) {
            dead.push_back(m);
        } else {
            m->sessions.erase_if(
                [&](const Session &s) { return !alive(s, m->proto, now_ms); });
        }
    }
    sweep_slot_ = (sweep_slot_ + budget) % n_slots;
    for (Mapping *m : dead) {
        erase(m);
        stats_.mappings_expired++;
    }
}

void NatTable::clear()
{
    for (size_t i = 0; i < by_ext_.capacity(); i++) {
        if (by_ext_.used(i)) {
            delete by_ext_.value(i);
        }
    }
    by_in_.clear();
    by_ext_.clear();
    externals_.clear();
}

std::string NatTable::show(int64_t now_ms, size_t max_mappings) const
{
    std::ostringstream out;
    const Timeouts &t = timeouts_;
    out << "  timeouts: tcp_established=" << t.tcp_established_s
        << "s tcp_transitory=" << t.tcp_transitory_s << "s udp=" << t.udp_s
        << "s icmp=" << t.icmp_s << "s\n";
    out << "  mappings: " << by_ext_.size() << " (limit " << kMaxMappings
        << "), created " << stats_.mappings_created << ", expired "
        << stats_.mappings_expired << ", sessions evicted "
        << stats_.sessions_evicted << "\n";
    for (const auto &e : externals_) {
        out << "  external " << format_ipv4(e->addr) << ": ports in use tcp "
            << e->tcp.n_used << ", udp " << e->udp.n_used << ", icmp ids "
            << e->icmp.n_used << "\n";
    }
    std::vector<const Mapping *> shown;
    for (size_t i = 0; i < by_ext_.capacity(); i++) {
        if (shown.size() >= max_mappings) {
            break;
        }
        if (by_ext_.used(i)) {
            shown.push_back(by_ext_.value(i));
        }
    }
    std::sort(shown.begin(), shown.end(), [](auto *a, auto *b) {
        return std::tie(a->ext, a->proto, a->ext_port)
               < std::tie(b->ext, b->proto, b->ext_port);
    });
    for (const Mapping *m : shown) {
        out << "  " << proto_name(m->proto) << " " << format_ipv4(m->in_ip)
            << ":" << m->in_port << " -> " << format_ipv4(m->ext) << ":"
            << m->ext_port << (m->forwarded ? " forwarded" : "")
            << " filter=" << filter_name(m->filter)
            << " age=" << seconds(now_ms - m->created_ms)
            << " out=" << m->packets_out << " in=" << m->packets_in
            << (alive(*m, now_ms) ? "" : " expired") << "\n";
        for (const Session &s : m->sessions) {
            out << "    " << format_ipv4(s.remote_ip);
            if (m->proto != net::kProtoIcmp) {
                out << ":" << s.remote_port;
            }
            if (m->proto == net::kProtoTcp) {
                out << " " << tcp_state_name(s.tcp_state());
            }
            out << " idle=" << seconds(now_ms - s.last_ms) << " expires_in="
                << seconds(int64_t(timeout_ms(s, m->proto))
                           - (now_ms - s.last_ms))
                << "\n";
        }
    }
    if (shown.size() < by_ext_.size()) {
        out << "  (" << by_ext_.size() - shown.size()
            << " more mappings not shown)\n";
    }
    out << "  counters:";
    for (size_t i = 0; i < size_t(Event::kCount); i++) {
        out << " " << event_name(Event(i)) << "=" << events_[i];
    }
    out << "\n";
    return out.str();
}

}  // namespace cxxa::nat
