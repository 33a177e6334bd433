// amd_journal.cc: see amd_journal.h.
#include "amd_journal.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge/bytes.h"
#include "bridge/host.h"
#include "util/crc32c.h"

namespace cxxa::amd {

namespace {

constexpr char kMagic[8] = {'C', 'X', 'X', 'A', 'A', 'M', 'D', 'J'};

enum RecordType : uint8_t { kStore = 1, kRemove = 2, kMode = 3, kForget = 4 };

void put16(std::vector<uint8_t> &b, uint16_t v)
{
    b.push_back(v >> 8);
    b.push_back(v);
}
void put32(std::vector<uint8_t> &b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b, v);
}
void put64(std::vector<uint8_t> &b, uint64_t v)
{
    put32(b, v >> 32);
    put32(b, v);
}

uint64_t get64(const uint8_t *p)
{
    return uint64_t(get32(p)) << 32 | get32(p + 4);
}

// A record is written in place: open_record() leaves room for its length
// and checksum, the fields follow, close_record() fills them in.
size_t open_record(std::vector<uint8_t> &out, uint8_t type)
{
    size_t at = out.size();
    out.resize(at + 8);
    out.push_back(type);
    return at;
}

void close_record(std::vector<uint8_t> &out, size_t at)
{
    const uint8_t *body = out.data() + at + 8;
    const size_t len = out.size() - at - 8;
    uint32_t crc = crc32c(body, len);
    uint8_t *h = out.data() + at;
    for (int k = 0; k < 4; k++) {
        h[k] = uint8_t(len >> (24 - 8 * k));
        h[4 + k] = uint8_t(crc >> (24 - 8 * k));
    }
}

void encode_store(std::vector<uint8_t> &out, uint32_t vip,
                  const StoredPacket &p)
{
    size_t at = open_record(out, kStore);
    put32(out, vip);
    put64(out, p.seq);
    put64(out, p.wall_ms);
    put64(out, p.wall_ms + (p.deadline_ms - p.arrived_ms));
    out.insert(out.end(), p.frame.begin(), p.frame.end());
    close_record(out, at);
}

void encode_mode(std::vector<uint8_t> &out, uint32_t vip, uint64_t seq,
                 Mode mode, const Pace &pace)
{
    size_t at = open_record(out, kMode);
    put32(out, vip);
    put64(out, seq);
    out.push_back(mode == Mode::kHeld ? 1 : 0);
    out.push_back(pace.table);
    put32(out, pace.rate);
    put32(out, pace.burst);
    close_record(out, at);
}

// kRemove and kForget: a server and a sequence number.
void encode_through(std::vector<uint8_t> &out, RecordType type, uint32_t vip,
                    uint64_t seq)
{
    size_t at = open_record(out, type);
    put32(out, vip);
    put64(out, seq);
    close_record(out, at);
}

std::string errno_text(const std::string &what, const std::string &path)
{
    return what + " " + path + ": " + std::strerror(errno);
}

bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        p += w;
        n -= w;
    }
    return true;
}

int64_t wall_now_ms()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void encode_server(std::vector<uint8_t> &out, uint32_t vip,
                   const JournalServer &s)
{
    if (s.has_mode) {
        encode_mode(out, vip, s.mode_seq, s.mode, s.pace);
    }
    for (const auto &kv : s.packets) {
        encode_store(out, vip, kv.second);
    }
}

}  // namespace

Journal::Journal(std::string path, std::string bridge)
    : path_(std::move(path)), bridge_(std::move(bridge))
{
}

Journal::~Journal() { close(); }

std::vector<uint8_t> Journal::header(const std::string &bridge)
{
    std::vector<uint8_t> h(kMagic, kMagic + sizeof kMagic);
    put32(h, kVersion);
    put16(h, bridge.size());
    h.insert(h.end(), bridge.begin(), bridge.end());
    put32(h, crc32c(h.data(), h.size()));
    return h;
}

template <class Encode>
void Journal::append(Encode encode)
{
    if (stale_.load(std::memory_order_relaxed)) {
        return;  // compact() will write the whole state.
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.empty()) {
        first_pending_ms_ = now_ms();
    }
    encode(pending_);
}

void Journal::append_store(uint32_t vip, const StoredPacket &p)
{
    append([&](std::vector<uint8_t> &out) { encode_store(out, vip, p); });
}

void Journal::append_remove(uint32_t vip, uint64_t through)
{
    append([&](std::vector<uint8_t> &out) {
        encode_through(out, kRemove, vip, through);
    });
}

void Journal::append_mode(uint32_t vip, uint64_t seq, Mode mode,
                          const Pace &pace)
{
    append([&](std::vector<uint8_t> &out) {
        encode_mode(out, vip, seq, mode, pace);
    });
}

void Journal::append_forget(uint32_t vip, uint64_t seq)
{
    append([&](std::vector<uint8_t> &out) {
        encode_through(out, kForget, vip, seq);
    });
}

bool Journal::pending() const
{
    std::lock_guard<std::mutex> lock(mu_);
    return !pending_.empty();
}

int64_t Journal::first_pending_ms() const
{
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.empty() ? kNever : first_pending_ms_;
}

JournalLoad Journal::parse(const std::vector<uint8_t> &image,
                           const std::string &bridge)
{
    JournalLoad out;
    const uint8_t *p = image.data();
    const size_t n = image.size();
    if (n == 0) {
        return out;
    }
    if (n < sizeof kMagic + 10 || std::memcmp(p, kMagic, sizeof kMagic)) {
        out.error = "not an AMD journal (bad magic)";
        return out;
    }
    uint32_t version = get32(p + 8);
    if (version != kVersion) {
        out.error = "version " + std::to_string(version)
                    + " is not this build's (" + std::to_string(kVersion)
                    + ")";
        return out;
    }
    size_t name_len = get16(p + 12);
    size_t head = 14 + name_len + 4;
    if (n < head) {
        out.error = "truncated header";
        return out;
    }
    if (crc32c(p, head - 4) != get32(p + head - 4)) {
        out.error = "header checksum mismatch";
        return out;
    }
    std::string name(reinterpret_cast<const char *>(p + 14), name_len);
    if (name != bridge) {
        out.error = "bridge '" + name + "' is not this bridge ('" + bridge
                    + "')";
        return out;
    }

    const int64_t wall = wall_now_ms();
    const int64_t now = now_ms();
    size_t off = head;
    while (off < n) {
        if (n - off < 8) {
            out.error = "truncated record at byte " + std::to_string(off);
            break;
        }
        uint32_t len = get32(p + off);
        uint32_t crc = get32(p + off + 4);
        if (len == 0 || len > kMaxRecord || n - off - 8 < len) {
            out.error = "truncated or bad record length at byte "
                        + std::to_string(off);
            break;
        }
        const uint8_t *b = p + off + 8;
        if (crc32c(b, len) != crc) {
            out.error = "record checksum mismatch at byte "
                        + std::to_string(off);
            break;
        }
        const uint8_t type = b[0];
        const size_t need = type == kStore    ? 29
                            : type == kMode   ? 23
                            : type == kRemove ? 13
                            : type == kForget ? 13
                                              : 0;
        if (!need || len < need) {
            out.error = "bad record type or size at byte "
                        + std::to_string(off);
            break;
        }
        uint32_t vip = get32(b + 1);
        uint64_t seq = get64(b + 5);
        JournalServer &s = out.servers[vip];
        out.max_seq = std::max(out.max_seq, seq);
        if (type == kStore) {
            if (seq > s.removed_through) {
                int64_t arrived = get64(b + 13);
                int64_t deadline = get64(b + 21);
                StoredPacket sp;
                sp.frame.assign(b + 29, b + len);
                sp.seq = seq;
                sp.wall_ms = arrived;
                sp.arrived_ms = now - (wall - arrived);
                sp.deadline_ms = now + (deadline - wall);
                s.packets[seq] = std::move(sp);
            }
        } else if (type == kRemove || type == kForget) {
            s.removed_through = std::max(s.removed_through, seq);
            s.packets.erase(s.packets.begin(),
                            s.packets.upper_bound(s.removed_through));
            if (type == kForget && s.mode_seq < seq) {
                s.has_mode = false;
                s.mode_seq = seq;
                s.mode = Mode::kOnline;
                s.pace = Pace();
            }
        } else if (seq > s.mode_seq) {
            s.has_mode = true;
            s.mode_seq = seq;
            s.mode = b[13] ? Mode::kHeld : Mode::kOnline;
            s.pace.table = b[14];
            s.pace.rate = get32(b + 15);
            s.pace.burst = get32(b + 19);
        }
        out.records++;
        off += 8 + len;
    }
    for (auto it = out.servers.begin(); it != out.servers.end();) {
        if (!it->second.has_mode && it->second.packets.empty()) {
            it = out.servers.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

JournalLoad Journal::load()
{
    std::vector<uint8_t> image;
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        JournalLoad out;
        if (errno != ENOENT) {
            out.error = errno_text("cannot open", path_);
        }
        return out;
    }
    uint8_t buf[65536];
    ssize_t r;
    while ((r = ::read(fd, buf, sizeof buf)) != 0) {
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            JournalLoad out;
            out.error = errno_text("cannot read", path_);
            ::close(fd);
            return out;
        }
        image.insert(image.end(), buf, buf + r);
    }
    ::close(fd);
    JournalLoad out = parse(image, bridge_);
    if (!out.error.empty()) {
        std::string aside = path_ + ".corrupt";
        if (::rename(path_.c_str(), aside.c_str()) == 0) {
            out.error += " (file kept as " + aside + ")";
        }
    }
    return out;
}

bool Journal::open_append(std::string &error)
{
    if (fd_ >= 0) {
        return true;
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                 0600);
    if (fd_ < 0) {
        error = errno_text("cannot open", path_);
        return false;
    }
    struct stat st;
    if (fstat(fd_, &st) == 0) {
        file_bytes_ = st.st_size;
    }
    if (file_bytes_ == 0) {
        std::vector<uint8_t> h = header(bridge_);
        if (!write_all(fd_, h.data(), h.size())) {
            error = errno_text("cannot write", path_);
            return false;
        }
        file_bytes_ = h.size();
    }
    return true;
}

bool Journal::flush(std::string &error)
{
    std::vector<uint8_t> out;
    {
        std::lock_guard<std::mutex> lock(mu_);
        out.swap(pending_);
    }
    if (out.empty()) {
        return true;
    }
    if (!open_append(error) || !write_all(fd_, out.data(), out.size())) {
        if (error.empty()) {
            error = errno_text("cannot write", path_);
        }
        /* The file may now end in part of a record.  What is stored is
         * in memory: the caller rewrites the whole file (compact()) once
         * it can, rather than keeping records here without bound. */
        close();
        stale_ = true;
        std::lock_guard<std::mutex> lock(mu_);
        pending_.clear();
        return false;
    }
    file_bytes_ += out.size();
    return true;
}

bool Journal::sync(std::string &error)
{
    if (fd_ >= 0 && ::fsync(fd_) != 0) {
        error = errno_text("cannot fsync", path_);
        return false;
    }
    return true;
}

void Journal::begin_snapshot() { stale_ = false; }

bool Journal::compact(const std::map<uint32_t, JournalServer> &live,
                      std::string &error)
{
    /* Records appended while the caller took its snapshot are in
     * 'pending_': the snapshot may or may not reflect them, and replaying
     * them after it is harmless (amd_journal.h). */
    std::vector<uint8_t> image = header(bridge_);
    for (const auto &[vip, s] : live) {
        encode_server(image, vip, s);
    }
    std::vector<uint8_t> tail;
    {
        std::lock_guard<std::mutex> lock(mu_);
        tail.swap(pending_);
    }
    image.insert(image.end(), tail.begin(), tail.end());

    std::string tmp = path_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0600);
    bool ok = fd >= 0 && write_all(fd, image.data(), image.size())
              && ::fsync(fd) == 0;
    if (fd >= 0) {
        ::close(fd);
    }
    if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
        error = errno_text("cannot rewrite", path_);
        ::unlink(tmp.c_str());
        stale_ = true;  // Retry the whole rewrite later.
        std::lock_guard<std::mutex> lock(mu_);
        pending_.clear();
        return false;
    }
    close();
    std::string dir = path_.substr(0, path_.rfind('/') + 1);
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    file_bytes_ = image.size();
    return open_append(error);
}

void Journal::remove_file()
{
    close();
    {
        std::lock_guard<std::mutex> lock(mu_);
        pending_.clear();
    }
    ::unlink(path_.c_str());
    file_bytes_ = 0;
}

void Journal::close()
{
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

}  // namespace cxxa::amd
