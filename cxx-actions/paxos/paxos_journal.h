// paxos_journal.h: the file that keeps a fault-tolerant Paxos member's
// durable state across a crash of ovs-vswitchd (README.md, "Fault
// tolerance"): the acceptor's promise, log and trim point, the learner's
// delivered point and the origin ids it delivered.
//
// STATE_DIR/cxxa-paxos.BRIDGE.GROUP.journal, big-endian: "CXXAPXJ1", then
// records: body length u32, crc32c u32 of the body, body = kind u8, then
//   'C' config    group u16, node u16, members u16, window u32, start u32,
//                 heartbeat u32, timeout u32, log slots u32, log bytes u64,
//                 table u8 (always the first record)
//   'P' promise   round u32
//   'A' accepted  seq u32, vround u32, decided u8, value
//   'T' trim      first kept slot u32
//   'D' delivered next u32, origin node u16, origin id u64
// Replaying records in order rebuilds the state (Node::restore_*).
//
// Records are written with write(2) before the frames that depend on them
// leave the switch (a LEARN after its acceptance, a PROMISE after the
// promise, a delivery after the delivered point), so what a SIGKILL loses
// was never seen by anyone.  No fsync: a power loss is not covered.  A
// record cut short or with a bad checksum ends the replay there (a write
// cut by the kill, whose frames never left); the file is then rewritten
// from what was kept.  The main loop rewrites it from a snapshot when it
// has grown past kCompactBytes plus twice what is live.
#ifndef CXXA_PAXOS_JOURNAL_H
#define CXXA_PAXOS_JOURNAL_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "paxos_node.h"

namespace cxxa::paxos {

constexpr uint64_t kCompactBytes = 8u << 20;

class Journal {
  public:
    // A journal for 'path' (not opened yet).
    explicit Journal(std::string path) : path_(std::move(path)) {}
    ~Journal();
    Journal(const Journal &) = delete;
    Journal &operator=(const Journal &) = delete;

    const std::string &path() const { return path_; }

    // Reads the config record of 'path'; false (and 'error') if there is
    // none or it is damaged.
    static bool read_config(const std::string &path, NodeConfig &cfg,
                            uint8_t &table, std::string &error);
    // Replays the records after the config into 'node'; returns how many
    // were applied and sets 'error' if the replay stopped early.
    size_t replay(Node &node, std::string &error);

    // Writes a fresh file: config and a snapshot of 'node'.  False on
    // failure (the error is in last_error()).
    bool rewrite(const Node &node, uint8_t table);
    // Appends 'ops' with one write(2).  False on failure.
    bool append(const std::vector<Node::JournalOp> &ops);
    // True when the file has grown enough that rewrite() should run.
    bool wants_compaction(const Node &node) const;

    uint64_t bytes() const { return bytes_; }
    uint64_t write_errors() const { return write_errors_; }
    const std::string &last_error() const { return last_error_; }
    void close();
    void remove();

  private:
    std::string path_;
    int fd_ = -1;
    uint64_t bytes_ = 0;
    uint64_t write_errors_ = 0;
    std::string last_error_;
};

}  // namespace cxxa::paxos

#endif  // CXXA_PAXOS_JOURNAL_H
