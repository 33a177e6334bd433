// nat_table.h: the NAPT state of one bridge: mappings, their sessions, the
// port pools, timers and counters.  No packet parsing here (nat_translate.h
// does that); every call takes the time, so tests drive the clock.
//
// Rules (RFC 4787 UDP, RFC 5382 TCP, RFC 5508 ICMP; the conformance table
// is in cxx-actions/nat/CONFORMANCE.md):
//   - Mapping: endpoint-independent.  One mapping per (external address,
//     protocol, inside address, inside port or ICMP query id), whatever the
//     remote endpoint; it gets an external port (or query id) of its own.
//   - Port assignment: the inside port itself if it is free and in range
//     (port preservation); otherwise the next free one after a rotating
//     cursor.  An inside port >= 1024 never gets an external port < 1024;
//     one < 1024 gets one < 1024 if the range has a free one.  ICMP query
//     ids use the whole 0-65535 space.
//   - Sessions: each mapping records the remote endpoints it talked to (at
//     most kMaxSessions, least recently used evicted and counted), with
//     TCP state for the timers.  Filtering of inbound packets uses them:
//     endpoint-independent (any remote), address-dependent (a remote
//     address the mapping sent to), address-and-port-dependent (a remote
//     address and port it sent to).
//   - Timers: a session lives for its timeout after its last packet, either
//     direction (TCP established, TCP transitory = opening or closing or
//     reset, UDP, ICMP query); a mapping lives while one of its sessions
//     does.  Expired state is removed when next touched, by a sweep that
//     visits the whole table about every 10 s, and before a pool is
//     declared exhausted.
//   - Bounds: per external address and protocol, at most the range's
//     ports (<= 65,536); at most kMaxExternal addresses and kMaxMappings
//     mappings per bridge.  Beyond them the packet is dropped and counted.
#ifndef CXXA_NAT_TABLE_H
#define CXXA_NAT_TABLE_H

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/flat_map.h"

namespace cxxa::nat {

enum class Filter : uint8_t {
    kEndpointIndependent,
    kAddress,
    kAddressAndPort
};
const char *filter_name(Filter);

struct Timeouts {
    uint32_t tcp_established_s = 7440;  // RFC 5382 REQ-5: >= 2 h 4 min.
    uint32_t tcp_transitory_s = 240;    // RFC 5382 REQ-5: >= 4 min.
    uint32_t udp_s = 300;               // RFC 4787 REQ-5: >= 2 min, 5 min
                                        // recommended.
    uint32_t icmp_s = 60;               // RFC 5508 REQ-2: >= 60 s.
};

enum class TcpState : uint8_t { kOpening, kEstablished, kClosing, kReset };
const char *tcp_state_name(TcpState);

// TCP flags as in the header.
constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04;

struct Session {
    uint32_t remote_ip = 0;
    uint16_t remote_port = 0;  // 0 for ICMP queries.
    uint8_t seen = 0;          // kSeen* bits below.
    int64_t last_ms = 0;

    static constexpr uint8_t kSeenOut = 0x01, kSeenIn = 0x02, kFinOut = 0x04,
                             kFinIn = 0x08, kRst = 0x10;
    TcpState tcp_state() const;
};

struct Mapping {
    uint32_t ext = 0;
    uint8_t proto = 0;
    uint16_t ext_port = 0;  // Or ICMP query id.
    uint32_t in_ip = 0;
    uint16_t in_port = 0;  // Or ICMP query id.
    Filter filter = Filter::kEndpointIndependent;
    bool forwarded = false;  // Made by nat:forward.
    int64_t created_ms = 0;
    uint64_t packets_out = 0, packets_in = 0;
    SmallVec<Session, 2> sessions;  // Most mappings have one or two.
};

// What happened to a packet; each has a counter.  The first ones are
// successes, the others drops.
enum class Event : uint8_t {
    kTranslatedOut,  // TCP/UDP/ICMP query, inside -> outside.
    kTranslatedIn,   // ... outside -> inside (incl. forwarded).
    kIcmpErrorOut,   // ICMP error translated inside -> outside.
    kIcmpErrorIn,    // ... outside -> inside.
    kLastSuccess = kIcmpErrorIn,
    kDropNotIpv4,
    kDropMalformed,
    kDropTruncated,
    kDropFragment,
    kDropBadChecksum,  // ICMP message whose checksum does not verify.
    kDropUnsupported,  // Protocol or ICMP type NAT does not translate.
    kDropNotExternal,  // nat:in/forward packet not to the external address.
    kDropNoMapping,
    kDropFiltered,
    kDropExhausted,    // No free external port for a new mapping.
    kDropTableFull,    // kMaxMappings or kMaxExternal reached.
    kDropForwardBusy,  // Forwarded port held by a dynamic mapping.
    kCount
};
const char *event_name(Event);
inline bool is_success(Event e) { return e <= Event::kLastSuccess; }

// Other counters (not packet fates).
struct Stats {
    uint64_t mappings_created = 0;
    uint64_t mappings_expired = 0;
    uint64_t sessions_evicted = 0;
};

class NatTable {
  public:
    static constexpr size_t kMaxSessions = 64;        // Per mapping.
    static constexpr size_t kMaxExternal = 16;        // Per bridge.
    static constexpr size_t kMaxMappings = 1u << 20;  // Per bridge.

    NatTable();
    ~NatTable();
    NatTable(const NatTable &) = delete;
    NatTable &operator=(const NatTable &) = delete;

    // The lock the caller holds around every call below.
    std::mutex &mutex() { return mu_; }

    struct Result {
        Mapping *mapping = nullptr;  // Set when event is a success.
        Event event = Event::kDropNoMapping;
    };

    // An outbound packet of (proto, in_ip, in_port) to (remote_ip,
    // remote_port): finds or makes its mapping on 'ext' (ports lo-hi for
    // TCP/UDP, all ids for ICMP), records the session.
    Result outbound(uint32_t ext, uint16_t lo, uint16_t hi, Filter filter,
                    uint8_t proto, uint32_t in_ip, uint16_t in_port,
                    uint32_t remote_ip, uint16_t remote_port,
                    uint8_t tcp_flags, int64_t now_ms);

    // An inbound packet to ext:ext_port from remote: its mapping, if there
    // is one and the filter lets the remote in; records the session.
    Result inbound(uint32_t ext, uint8_t proto, uint16_t ext_port,
                   uint32_t remote_ip, uint16_t remote_port, uint8_t tcp_flags,
                   int64_t now_ms);

    // An inbound packet to the forwarded port ext:ext_port: the forwarded
    // mapping to to_ip:to_port (made on first use), records the session.
    Result forward(uint32_t ext, uint8_t proto, uint16_t ext_port,
                   uint32_t to_ip, uint16_t to_port, uint32_t remote_ip,
                   uint16_t remote_port, uint8_t tcp_flags, int64_t now_ms);

    // Live mappings, no side effect (for ICMP errors).
    const Mapping *find_inside(uint32_t ext, uint8_t proto, uint32_t in_ip,
                               uint16_t in_port, int64_t now_ms) const;
    const Mapping *find_external(uint32_t ext, uint8_t proto,
                                 uint16_t ext_port, int64_t now_ms) const;
    // True if 'm''s filter lets a packet from the remote in.
    bool permits(const Mapping &m, uint32_t remote_ip, uint16_t remote_port,
                 int64_t now_ms) const;

    // Removes expired state from a slice of the table, at most every
    // 100 ms; the slices cover the whole table in about 10 s.
    void maybe_sweep(int64_t now_ms);
    // Removes everything (nat/flush).
    void clear();

    void count(Event e) { events_[size_t(e)]++; }
    uint64_t events(Event e) const { return events_[size_t(e)]; }
    const Stats &stats() const { return stats_; }

    Timeouts timeouts() const { return timeouts_; }
    void set_timeouts(const Timeouts &t) { timeouts_ = t; }

    bool alive(const Mapping &m, int64_t now_ms) const;
    bool alive(const Session &s, uint8_t proto, int64_t now_ms) const;
    size_t size() const { return by_ext_.size(); }

    // Text for nat/show: summary, up to 'max_mappings' mappings (sorted),
    // counters.
    std::string show(int64_t now_ms, size_t max_mappings) const;

  private:
    struct Pool;
    struct External;
    struct InKey {
        uint32_t ext, in_ip;
        uint16_t in_port;
        uint8_t proto;
        bool operator==(const InKey &) const = default;
    };
    struct InKeyHash {
        size_t operator()(const InKey &k) const;
    };
    struct ExtKeyHash {
        size_t operator()(uint64_t k) const;
    };
    static uint64_t ext_key(uint32_t ext, uint8_t proto, uint16_t port)
    {
        return uint64_t(ext) << 32 | uint64_t(proto) << 16 | port;
    }

    External *external(uint32_t ext, bool create);
    Pool &pool(External &, uint8_t proto);
    Mapping *live_external(uint32_t ext, uint8_t proto, uint16_t port,
                           int64_t now_ms);
    void erase(Mapping *m);
    void reclaim(uint32_t ext, uint8_t proto, int64_t now_ms);
    bool allocate(Pool &p, uint16_t want, uint16_t lo, uint16_t hi, bool any,
                  uint16_t &out);
    Mapping *insert(uint32_t ext, uint8_t proto, uint16_t ext_port,
                    uint32_t in_ip, uint16_t in_port, Filter filter,
                    bool forwarded, int64_t now_ms);
    void touch(Mapping &m, bool outbound, uint32_t remote_ip,
               uint16_t remote_port, uint8_t tcp_flags, int64_t now_ms);
    uint32_t timeout_ms(const Session &s, uint8_t proto) const;

    std::mutex mu_;
    Timeouts timeouts_;
    std::vector<std::unique_ptr<External>> externals_;
    // Both index the same mappings, which by_ext_ owns (new/delete).
    FlatMap<uint64_t, Mapping *, ExtKeyHash> by_ext_;
    FlatMap<InKey, Mapping *, InKeyHash> by_in_;
    std::array<uint64_t, size_t(Event::kCount)> events_{};
    Stats stats_;
    int64_t last_sweep_ms_ = 0;
    size_t sweep_slot_ = 0;
};

}  // namespace cxxa::nat

#endif  // CXXA_NAT_TABLE_H
