// amd_journal.h: the file that keeps a bridge's stored requests across a
// restart of ovs-vswitchd (README.md, "Durable storage").
//
// STATE_DIR/cxxa-amd.BRIDGE.journal, big-endian:
//   header   "CXXAAMDJ", version u32 (kVersion), bridge name length u16,
//            the name, crc32c u32 of the header bytes before it
//   records  body length u32, crc32c u32 of the body, body = type u8, then
//     kStore   vip u32, seq u64, arrived u64, deadline u64 (wall clock,
//              ms since the epoch), the frame
//     kRemove  vip u32, seq u64: every packet of vip with seq <= it is gone
//     kMode    vip u32, seq u64, mode u8 (0 online, 1 offline), table u8,
//              rate u32, burst u32: the record with the highest seq wins
//     kForget  vip u32, seq u64: the server was discarded (its packets
//              with seq <= it are gone, its mode forgotten)
// Sequence numbers come from one counter per bridge, so replaying records
// is idempotent and needs no order between servers: compaction may write
// a snapshot followed by records that it already reflects.
//
// Writing: datapath threads append encoded records to memory (append_*),
// never touching the file; the main loop writes them out (flush()) at least
// every kFlushMs while any are pending, fsyncs on exit and at most once a
// second otherwise, and rewrites the file from a snapshot when it has grown
// past twice what is live plus kCompactSlack (compact()).  After a failed
// write the file is stale: the main loop retries a whole rewrite once a
// second instead of queueing records without bound.
//
// Reading (load()): a header from another version or bridge, or a bad
// header checksum, refuses the whole file; a record with a bad length or
// checksum ends the replay there: what came before is kept, the rest is
// reported.  Either way the file is renamed to *.corrupt for inspection and
// the caller writes a fresh one from what was kept.
#ifndef CXXA_AMD_JOURNAL_H
#define CXXA_AMD_JOURNAL_H

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "amd_store.h"

namespace cxxa::amd {

// A server as the journal knows it.
struct JournalServer {
    bool has_mode = false;
    uint64_t mode_seq = 0;
    Mode mode = Mode::kOnline;
    Pace pace;
    uint64_t removed_through = 0;
    std::map<uint64_t, StoredPacket> packets;  // By seq.
};

struct JournalLoad {
    std::map<uint32_t, JournalServer> servers;  // By vip.
    uint64_t max_seq = 0;
    uint64_t records = 0;
    std::string error;  // "" if the whole file was good (or absent).
};

class Journal {
  public:
    static constexpr uint32_t kVersion = 1;
    static constexpr int64_t kFlushMs = 10;
    static constexpr uint64_t kCompactSlack = 1u << 20;
    static constexpr uint32_t kMaxRecord = 1u << 20;

    Journal(std::string path, std::string bridge);
    ~Journal();
    Journal(const Journal &) = delete;
    Journal &operator=(const Journal &) = delete;

    const std::string &path() const { return path_; }

    // Any thread: records kept in memory until the next flush().
    void append_store(uint32_t vip, const StoredPacket &p);
    void append_remove(uint32_t vip, uint64_t through);
    void append_mode(uint32_t vip, uint64_t seq, Mode mode, const Pace &pace);
    void append_forget(uint32_t vip, uint64_t seq);
    bool pending() const;
    int64_t first_pending_ms() const;  // Host clock; kNever if none.

    // Main loop only.
    JournalLoad load();
    bool flush(std::string &error);
    bool sync(std::string &error);
    bool compact(const std::map<uint32_t, JournalServer> &live,
                 std::string &error);
    uint64_t file_bytes() const { return file_bytes_; }
    // A write failed: the file is behind what is stored until a compact()
    // succeeds.  Records appended meanwhile are not kept (the snapshot
    // compact() writes has them).
    bool stale() const { return stale_; }
    // Before the caller takes the snapshot it gives compact(): records
    // from now on are kept again (compact() writes them after it).
    void begin_snapshot();
    void remove_file();
    void close();

    // Parses a whole file image (for load() and the tests).
    static JournalLoad parse(const std::vector<uint8_t> &image,
                             const std::string &bridge);
    static std::vector<uint8_t> header(const std::string &bridge);

  private:
    // Encodes records straight into pending_ (no buffer of their own).
    template <class Encode>
    void append(Encode encode);
    bool open_append(std::string &error);

    const std::string path_, bridge_;
    mutable std::mutex mu_;
    std::vector<uint8_t> pending_;
    int64_t first_pending_ms_ = 0;
    int fd_ = -1;
    uint64_t file_bytes_ = 0;
    std::atomic<bool> stale_{false};
};

}  // namespace cxxa::amd

#endif  // CXXA_AMD_JOURNAL_H
