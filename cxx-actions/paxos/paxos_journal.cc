// paxos_journal.cc: see paxos_journal.h.
#include "paxos_journal.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "bridge/bytes.h"
#include "util/crc32c.h"

namespace cxxa::paxos {

namespace {

constexpr char kMagic[8] = {'C', 'X', 'X', 'A', 'P', 'X', 'J', '1'};

class Writer {
  public:
    void u8(uint8_t v) { buf.push_back(v); }
    void u16(uint16_t v)
    {
        buf.push_back(uint8_t(v >> 8));
        buf.push_back(uint8_t(v));
    }
    void u32(uint32_t v)
    {
        u16(uint16_t(v >> 16));
        u16(uint16_t(v));
    }
    void u64(uint64_t v)
    {
        u32(uint32_t(v >> 32));
        u32(uint32_t(v));
    }
    void bytes(const Value &v) { buf.insert(buf.end(), v.begin(), v.end()); }

    // Starts a record: room for its length and checksum.
    size_t begin()
    {
        size_t at = buf.size();
        buf.resize(at + 8);
        return at;
    }
    void end(size_t at)
    {
        uint32_t len = uint32_t(buf.size() - at - 8);
        put32(buf.data() + at, len);
        put32(buf.data() + at + 4, crc32c(buf.data() + at + 8, len));
    }

    std::vector<uint8_t> buf;
};

void encode_op(Writer &w, const Node::JournalOp &op)
{
    size_t at = w.begin();
    switch (op.kind) {
    case Node::JournalOp::kPromise:
        w.u8('P');
        w.u32(op.round);
        break;
    case Node::JournalOp::kAccepted:
        w.u8('A');
        w.u32(op.seq);
        w.u32(op.round);
        w.u8(op.decided);
        w.bytes(op.value);
        break;
    case Node::JournalOp::kTrim:
        w.u8('T');
        w.u32(op.seq);
        break;
    case Node::JournalOp::kDelivered:
        w.u8('D');
        w.u32(op.seq);
        w.u16(op.origin);
        w.u64(op.id);
        break;
    }
    w.end(at);
}

void encode_config(Writer &w, const NodeConfig &c, uint8_t table)
{
    size_t at = w.begin();
    w.u8('C');
    w.u16(c.group);
    w.u16(c.node);
    w.u16(c.members);
    w.u32(c.window);
    w.u32(c.start);
    w.u32(c.heartbeat_ms);
    w.u32(c.timeout_ms);
    w.u32(c.log_slots);
    w.u64(c.log_bytes);
    w.u8(table);
    w.end(at);
}

bool read_file(const std::string &path, std::vector<uint8_t> &data)
{
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) {
        return false;
    }
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        data.insert(data.end(), buf, buf + n);
    }
    std::fclose(f);
    return true;
}

uint64_t get64(const uint8_t *p)
{
    return uint64_t(get32(p)) << 32 | get32(p + 4);
}

// Walks the records of 'data' after the magic; calls 'fn(body, len)' for
// each good one; stops at the first bad one (returns false, 'where' set).
template <class Fn>
bool walk(const std::vector<uint8_t> &data, Fn fn, size_t &where)
{
    size_t off = sizeof kMagic;
    while (off < data.size()) {
        where = off;
        if (data.size() - off < 8) {
            return false;
        }
        uint32_t len = get32(data.data() + off);
        uint32_t crc = get32(data.data() + off + 4);
        if (len == 0 || data.size() - off - 8 < len
            || crc32c(data.data() + off + 8, len) != crc) {
            return false;
        }
        if (!fn(data.data() + off + 8, size_t(len))) {
            return false;
        }
        off += 8 + len;
    }
    return true;
}

}  // namespace

Journal::~Journal() { close(); }

void Journal::close()
{
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void Journal::remove()
{
    close();
    std::remove(path_.c_str());
}

bool Journal::read_config(const std::string &path, NodeConfig &cfg,
                          uint8_t &table, std::string &error)
{
    std::vector<uint8_t> data;
    if (!read_file(path, data)) {
        error = "cannot read: " + std::string(std::strerror(errno));
        return false;
    }
    if (data.size() < sizeof kMagic
        || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
        error = "not a Paxos journal (bad magic)";
        return false;
    }
    bool found = false;
    size_t where = 0;
    walk(
        data,
        [&](const uint8_t *b, size_t len) {
            if (b[0] != 'C' || len != 36) {
                return false;
            }
            cfg.group = get16(b + 1);
            cfg.node = get16(b + 3);
            cfg.members = get16(b + 5);
            cfg.window = get32(b + 7);
            cfg.start = get32(b + 11);
            cfg.heartbeat_ms = get32(b + 15);
            cfg.timeout_ms = get32(b + 19);
            cfg.log_slots = get32(b + 23);
            cfg.log_bytes = get64(b + 27);
            table = b[35];
            found = true;
            return false;  // Only the first record.
        },
        where);
    if (!found || cfg.members == 0 || cfg.node == 0
        || cfg.node > cfg.members) {
        error = "no valid config record";
        return false;
    }
    return true;
}

size_t Journal::replay(Node &node, std::string &error)
{
    std::vector<uint8_t> data;
    if (!read_file(path_, data)) {
        return 0;
    }
    size_t applied = 0;
    size_t where = 0;
    bool first = true;
    bool ok = walk(
        data,
        [&](const uint8_t *b, size_t len) {
            if (first) {
                first = false;
                return b[0] == 'C';
            }
            switch (b[0]) {
            case 'P':
                if (len != 5) {
                    return false;
                }
                node.restore_promise(get32(b + 1));
                break;
            case 'A':
                if (len < 10) {
                    return false;
                }
                node.restore_accepted(get32(b + 1), get32(b + 5),
                                      Value(b + 10, b + len), b[9] != 0);
                break;
            case 'T':
                if (len != 5) {
                    return false;
                }
                node.restore_trim(get32(b + 1));
                break;
            case 'D':
                if (len != 15) {
                    return false;
                }
                node.restore_delivered(get32(b + 1), get16(b + 5),
                                       get64(b + 7));
                break;
            default:
                return false;
            }
            applied++;
            return true;
        },
        where);
    if (!ok) {
        error = "record at byte " + std::to_string(where)
                + " is cut short or damaged: replay stopped there ("
                + std::to_string(applied) + " records applied)";
    }
    return applied;
}

bool Journal::rewrite(const Node &node, uint8_t table)
{
    Writer w;
    w.buf.assign(kMagic, kMagic + sizeof kMagic);
    encode_config(w, node.config(), table);
    std::vector<Node::JournalOp> ops;
    ops.emplace_back(Node::JournalOp::kPromise, 0, node.promised());
    ops.emplace_back(Node::JournalOp::kTrim, node.trim_point());
    for (const auto &[seq, e] : node.log()) {
        ops.emplace_back(Node::JournalOp::kAccepted, seq, e.vround, 0, 0,
                         e.value, e.decided);
    }
    ops.emplace_back(Node::JournalOp::kDelivered, node.delivered_next());
    for (const auto &[origin, win] : node.origins()) {
        if (win.max == 0) {
            continue;
        }
        uint64_t low = win.max >= kDedupWindow ? win.max - kDedupWindow + 1
                                               : 1;
        for (uint64_t id = low; id <= win.max; id++) {
            if (win.seen.test(id % kDedupWindow)) {
                ops.emplace_back(Node::JournalOp::kDelivered,
                                 node.delivered_next(), origin, id);
            }
        }
    }
    for (const auto &op : ops) {
        encode_op(w, op);
    }
    std::string tmp = path_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0600);
    if (fd < 0) {
        last_error_ = tmp + ": " + std::strerror(errno);
        write_errors_++;
        return false;
    }
    size_t off = 0;
    while (off < w.buf.size()) {
        ssize_t n = ::write(fd, w.buf.data() + off, w.buf.size() - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            last_error_ = tmp + ": " + std::strerror(errno);
            write_errors_++;
            ::close(fd);
            std::remove(tmp.c_str());
            return false;
        }
        off += size_t(n);
    }
    if (::rename(tmp.c_str(), path_.c_str()) != 0) {
        last_error_ = path_ + ": " + std::strerror(errno);
        write_errors_++;
        ::close(fd);
        return false;
    }
    close();
    fd_ = fd;
    bytes_ = w.buf.size();
    return true;
}

bool Journal::append(const std::vector<Node::JournalOp> &ops)
{
    if (ops.empty()) {
        return true;
    }
    if (fd_ < 0) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd_ < 0) {
            last_error_ = path_ + ": " + std::strerror(errno);
            write_errors_++;
            return false;
        }
    }
    Writer w;
    for (const auto &op : ops) {
        encode_op(w, op);
    }
    size_t off = 0;
    while (off < w.buf.size()) {
        ssize_t n = ::write(fd_, w.buf.data() + off, w.buf.size() - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            last_error_ = path_ + ": " + std::strerror(errno);
            write_errors_++;
            return false;
        }
        off += size_t(n);
    }
    bytes_ += w.buf.size();
    return true;
}

bool Journal::wants_compaction(const Node &node) const
{
    return bytes_
           > kCompactBytes + 2 * (node.log_bytes() + 64 * node.log_size());
}

}  // namespace cxxa::paxos
