// linkdelay: Ethernet links with latency and faults for Mininet without
// sch_netem.
//
// Relays frames between the two interfaces of each pair given on the
// command line (AF_PACKET sockets), each frame leaving DELAY after it
// arrived (kernel receive timestamp), in arrival order unless reordering
// is asked for.  This is what TCLink(delay=..., loss=...) does with netem;
// the kernels we run on are built without sch_netem, so
// mininet-topos/delayed_link.py puts this process in the middle of every
// delayed link instead.
//
//   linkdelay [--delay-us=N] [--queue=N] [--stats=FILE] [--seed=N]
//             [--control=PATH] [--loss=P[/CORR]] [--loss-ge=p/r[/h[/k]]]
//             [--dup=P] [--reorder=P[/EXTRA_US]] [--jitter-us=N]
//             [--fault=A->B:SPEC | --fault=A:B:SPEC ...]
//             A:B[:DELAY_US[:SPEC]] ...
//
// The fault options apply to every direction; a pair's SPEC to both
// directions of that link, --fault to one direction (A->B) or both (A:B),
// later ones over earlier ones.  SPEC: "loss=0.2/0.75,dup=0.01,
// reorder=0.05/2000,jitter=500" (faults.h: parse_faults(), and the model).
//
// Each direction keeps at most --queue frames (default 65536); a frame
// that finds its queue full is dropped and counted.  --control=PATH opens
// a unix datagram socket that answers text commands (cut, heal, set,
// stats: see control()).  On SIGTERM/SIGINT (exit), SIGUSR1 and the stats
// command it writes the counters of every direction as JSON to FILE
// (default stderr).
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "faults.h"

namespace {

using linkdelay::Counters;
using linkdelay::Fate;
using linkdelay::FaultModel;
using linkdelay::Faults;
using linkdelay::Nanos;

Nanos now(clockid_t clock)
{
    timespec ts;
    clock_gettime(clock, &ts);
    return Nanos(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct Frame {
    Nanos due;
    uint64_t seq;
    int copies;
    std::vector<uint8_t> bytes;
};

struct Direction {
    Direction(std::string from, std::string to, uint64_t seed, uint64_t n,
              const Faults &f)
        : from(std::move(from)), to(std::move(to)), model(seed, n, f)
    {
    }
    std::string name() const { return from + "->" + to; }
    std::string from, to;
    int in_fd = -1, out_fd = -1;
    FaultModel model;
    std::deque<Frame> queue[2];  // The link's path and the reordering one.
    size_t queued() const { return queue[0].size() + queue[1].size(); }
};

volatile sig_atomic_t exit_requested, stats_requested;

void on_signal(int sig)
{
    if (sig == SIGUSR1) {
        stats_requested = 1;
    } else {
        exit_requested = 1;
    }
}

[[noreturn]] void bad_arg(const std::string &what)
{
    fprintf(stderr, "linkdelay: %s\n", what.c_str());
    exit(2);
}

int open_port(const std::string &ifname)
{
    unsigned idx = if_nametoindex(ifname.c_str());
    if (!idx) {
        fprintf(stderr, "linkdelay: %s: no such interface\n", ifname.c_str());
        exit(1);
    }
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
    if (fd < 0) {
        perror("linkdelay: socket(AF_PACKET)");
        exit(1);
    }
    sockaddr_ll sll = {};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int) idx;
    if (bind(fd, (sockaddr *) &sll, sizeof sll) < 0) {
        perror("linkdelay: bind");
        exit(1);
    }
    int one = 1, big = 16 << 20;
    /* Not the frames we send ourselves; room for bursts; kernel receive
     * times, so that our own scheduling delay is not added to the link's. */
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    return fd;
}

int open_control(const std::string &path)
{
    sockaddr_un sun = {};
    sun.sun_family = AF_UNIX;
    if (path.size() >= sizeof sun.sun_path) {
        bad_arg("--control: path too long: " + path);
    }
    memcpy(sun.sun_path, path.data(), path.size());
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    unlink(path.c_str());
    if (fd < 0 || bind(fd, (sockaddr *) &sun, sizeof sun) < 0) {
        fprintf(stderr, "linkdelay: --control=%s: %s\n", path.c_str(),
                strerror(errno));
        exit(1);
    }
    return fd;
}

void receive_all(Direction &d, size_t queue_limit)
{
    uint8_t buf[65536];
    char ctrl[256];
    for (;;) {
        iovec iov = {buf, sizeof buf};
        msghdr msg = {};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl;
        msg.msg_controllen = sizeof ctrl;
        ssize_t n = recvmsg(d.in_fd, &msg, MSG_TRUNC);
        if (n < 0) {
            return;  // EAGAIN, or an error we cannot act on.
        }
        Nanos arrived = now(CLOCK_MONOTONIC);
        for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET
                && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec ts;
                memcpy(&ts, CMSG_DATA(c), sizeof ts);
                Nanos rx = Nanos(ts.tv_sec) * 1000000000 + ts.tv_nsec;
                Nanos age = now(CLOCK_REALTIME) - rx;
                if (age > 0 && age < 1000000000) {
                    arrived -= age;
                }
            }
        }
        bool room = (size_t) n <= sizeof buf && d.queued() < queue_limit;
        Fate f = d.model.arrive(arrived, room);
        if (f.verdict != Fate::kSend) {
            continue;
        }
        d.queue[f.path].push_back(
            {f.due, f.seq, f.copies, std::vector<uint8_t>(buf, buf + n)});
        d.model.note_queue(d.queued());
    }
}

// How long before a frame is due the emulator stops sleeping and spins:
// waking up from a timer takes longer than that in a VM.
constexpr Nanos kSpin = 100000;

// Sends the frame at the head of d.queue[path] once it is due.
void send_head(Direction &d, int path)
{
    Frame &f = d.queue[path].front();
    Nanos t = now(CLOCK_MONOTONIC);
    while (f.due > t) {
        t = now(CLOCK_MONOTONIC);
    }
    for (int i = 0; i < f.copies; i++) {
        bool ok = send(d.out_fd, f.bytes.data(), f.bytes.size(), 0) >= 0;
        d.model.sent(f.seq, i > 0, ok, f.due, t);
        if (!ok) {
            break;
        }
    }
    d.queue[path].pop_front();
}

// Sends every frame due within kSpin, earliest first across all
// directions and paths; returns when to look again, or 0 if nothing waits.
Nanos send_due(std::vector<Direction> &dirs)
{
    for (;;) {
        Direction *first = nullptr;
        int first_path = 0;
        for (Direction &d : dirs) {
            for (int p = 0; p < 2; p++) {
                if (d.queue[p].empty()) {
                    continue;
                }
                const Frame &f = d.queue[p].front();
                if (!first) {
                    first = &d;
                    first_path = p;
                    continue;
                }
                const Frame &g = first->queue[first_path].front();
                if (f.due < g.due
                    || (f.due == g.due && &d == first && f.seq < g.seq)) {
                    first = &d;
                    first_path = p;
                }
            }
        }
        if (!first) {
            return 0;
        }
        Nanos due = first->queue[first_path].front().due;
        if (due > now(CLOCK_MONOTONIC) + kSpin) {
            return due - kSpin;
        }
        send_head(*first, first_path);
    }
}

std::string stats_json(const std::vector<Direction> &dirs, uint64_t seed)
{
    std::string s;
    char buf[2048];
    snprintf(buf, sizeof buf, "{\"seed\": %llu, \"directions\": [\n",
             (unsigned long long) seed);
    s = buf;
    for (size_t i = 0; i < dirs.size(); i++) {
        const Direction &d = dirs[i];
        const Faults &f = d.model.faults();
        const Counters &c = d.model.counters();
        snprintf(
            buf, sizeof buf,
            " {\"direction\": \"%s\", \"from\": \"%s\", \"to\": \"%s\", "
            "\"cut\": %s, \"faults\": \"%s\", \"delay_us\": %lld, "
            "\"loss\": %.6g, \"loss_corr\": %.6g, \"loss_ge\": %s, "
            "\"ge_p\": %.6g, \"ge_r\": %.6g, \"ge_h\": %.6g, \"ge_k\": %.6g, "
            "\"dup\": %.6g, \"reorder\": %.6g, \"reorder_extra_us\": %lld, "
            "\"jitter_us\": %lld, "
            "\"received\": %llu, \"forwarded\": %llu, \"dropped\": %llu, "
            "\"dropped_loss\": %llu, \"dropped_cut\": %llu, "
            "\"dropped_full\": %llu, \"dropped_send\": %llu, "
            "\"duplicated\": %llu, \"reordered\": %llu, "
            "\"delayed_path\": %llu, \"queued\": %zu, \"max_queue\": %llu, "
            "\"max_late_ms\": %.3f}%s\n",
            d.name().c_str(), d.from.c_str(), d.to.c_str(),
            d.model.is_cut() ? "true" : "false", f.to_string().c_str(),
            (long long) (f.delay / 1000), f.loss, f.loss_corr,
            f.loss_ge ? "true" : "false", f.ge_p, f.ge_r, f.ge_h, f.ge_k,
            f.dup, f.reorder, (long long) (f.reorder_extra / 1000),
            (long long) (f.jitter / 1000), (unsigned long long) c.received,
            (unsigned long long) c.forwarded, (unsigned long long) c.dropped(),
            (unsigned long long) c.dropped_loss,
            (unsigned long long) c.dropped_cut,
            (unsigned long long) c.dropped_full,
            (unsigned long long) c.dropped_send,
            (unsigned long long) c.duplicated,
            (unsigned long long) c.reordered,
            (unsigned long long) c.delayed_path, d.queued(),
            (unsigned long long) c.max_queue, c.max_late / 1e6,
            i + 1 < dirs.size() ? "," : "");
        s += buf;
    }
    return s + "]}\n";
}

// Writes the stats to file (atomically: readers never see half of it), or
// to stderr.
void write_stats(const std::vector<Direction> &dirs, uint64_t seed,
                 const char *file)
{
    std::string json = stats_json(dirs, seed);
    if (!file) {
        fputs(json.c_str(), stderr);
        return;
    }
    std::string tmp = std::string(file) + ".tmp";
    FILE *out = fopen(tmp.c_str(), "w");
    if (!out) {
        return;
    }
    fputs(json.c_str(), out);
    if (fclose(out) == 0) {
        rename(tmp.c_str(), file);
    }
}

// The directions a command or option names: "A->B" one direction, "A:B"
// (or "B:A") both directions of that link, "all" every direction.
std::vector<Direction *> select_dirs(std::vector<Direction> &dirs,
                                     const std::string &target)
{
    std::vector<Direction *> out;
    size_t arrow = target.find("->");
    size_t colon = target.find(':');
    for (Direction &d : dirs) {
        bool match;
        if (target == "all") {
            match = true;
        } else if (arrow != std::string::npos) {
            match = d.from == target.substr(0, arrow)
                    && d.to == target.substr(arrow + 2);
        } else if (colon != std::string::npos) {
            std::string a = target.substr(0, colon);
            std::string b = target.substr(colon + 1);
            match = (d.from == a && d.to == b) || (d.from == b && d.to == a);
        } else {
            match = false;
        }
        if (match) {
            out.push_back(&d);
        }
    }
    return out;
}

std::string names(const std::vector<Direction *> &sel)
{
    std::string s;
    for (const Direction *d : sel) {
        s += " " + d->name();
    }
    return s;
}

// One control command; returns the reply.
//   cut TARGET          drop every frame of TARGET's directions, queued
//                       ones included, until healed
//   heal TARGET         forward again
//   set TARGET SPEC     change the faults (and delay) SPEC names
//   stats               the stats JSON (also written to --stats)
// TARGET: A->B, A:B (both directions) or all.  Replies start with "ok" or
// "error:"; an error changes nothing.
std::string control(std::vector<Direction> &dirs, uint64_t seed,
                    const char *stats_file, const std::string &line)
{
    std::vector<std::string> w;
    size_t i = 0;
    while (w.size() < 2) {
        while (i < line.size() && isspace((unsigned char) line[i])) {
            i++;
        }
        size_t j = i;
        while (j < line.size() && !isspace((unsigned char) line[j])) {
            j++;
        }
        if (j == i) {
            break;
        }
        w.push_back(line.substr(i, j - i));
        i = j;
    }
    std::string rest = line.substr(std::min(i, line.size()));
    rest.erase(0, rest.find_first_not_of(" \t\r\n"));
    rest.erase(rest.find_last_not_of(" \t\r\n") + 1);
    if (w.empty()) {
        return "error: empty command (cut, heal, set, stats)";
    }
    const std::string &cmd = w[0];
    if (cmd == "stats") {
        if (w.size() > 1) {
            return "error: stats takes no argument";
        }
        write_stats(dirs, seed, stats_file);
        return "ok\n" + stats_json(dirs, seed);
    }
    if (cmd != "cut" && cmd != "heal" && cmd != "set") {
        return "error: unknown command '" + cmd + "' (cut, heal, set, stats)";
    }
    if (w.size() < 2) {
        return "error: " + cmd + ": which link? (A->B, A:B or all)";
    }
    std::vector<Direction *> sel = select_dirs(dirs, w[1]);
    if (sel.empty()) {
        return "error: " + cmd + ": no such link or direction '" + w[1] + "'";
    }
    if (cmd == "set") {
        if (rest.empty()) {
            return "error: set: no faults given (e.g. loss=0.2/0.75,dup=0.01)";
        }
        std::vector<Faults> next;
        for (Direction *d : sel) {
            Faults f = d->model.faults();
            if (auto err = linkdelay::parse_faults(rest, f)) {
                return "error: set: " + *err;
            }
            next.push_back(f);
        }
        for (size_t k = 0; k < sel.size(); k++) {
            sel[k]->model.set(next[k]);
        }
        return "ok set" + names(sel);
    }
    if (!rest.empty()) {
        return "error: " + cmd + ": unexpected '" + rest + "'";
    }
    for (Direction *d : sel) {
        if (cmd == "cut") {
            d->model.cut();
            d->model.count_cut(d->queued());
            d->queue[0].clear();
            d->queue[1].clear();
        } else {
            d->model.heal();
        }
    }
    return "ok " + cmd + names(sel);
}

void serve_control(int fd, std::vector<Direction> &dirs, uint64_t seed,
                   const char *stats_file)
{
    for (;;) {
        char buf[4096];
        sockaddr_un from = {};
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (sockaddr *) &from,
                             &len);
        if (n < 0) {
            return;
        }
        std::string reply = control(dirs, seed, stats_file,
                                    std::string(buf, (size_t) n));
        if (len > sizeof(sa_family_t)) {
            sendto(fd, reply.data(), reply.size(), 0, (sockaddr *) &from, len);
        }
    }
}

[[noreturn]] void usage()
{
    fprintf(stderr,
            "usage: linkdelay [--delay-us=N] [--queue=N] [--stats=FILE] "
            "[--seed=N] [--control=PATH]\n"
            "                 [--loss=P[/CORR]] [--loss-ge=p/r[/h[/k]]] "
            "[--dup=P] [--reorder=P[/EXTRA_US]]\n"
            "                 [--jitter-us=N] [--fault=A->B:SPEC | "
            "--fault=A:B:SPEC ...]\n"
            "                 IF_A:IF_B[:DELAY_US[:SPEC]] ...\n"
            "SPEC: loss=P[/CORR],loss-ge=p/r[/h[/k]],dup=P,"
            "reorder=P[/EXTRA_US],jitter=US,delay=US,none\n");
    exit(2);
}

// An integer option's value, or exit 2 naming it.
long long int_arg(const std::string &opt, const std::string &v, long long lo)
{
    char *end;
    errno = 0;
    long long x = strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || errno || x < lo) {
        bad_arg(opt + ": '" + v
                + "' is not an integer >= " + std::to_string(lo));
    }
    return x;
}

void apply(const std::string &opt, const std::string &spec, Faults &f)
{
    if (auto err = linkdelay::parse_faults(spec, f)) {
        bad_arg(opt + ": " + *err);
    }
}

}  // namespace

int main(int argc, char *argv[])
{
    long long delay_us = 5000;
    size_t queue_limit = 65536;
    const char *stats_file = nullptr;
    std::string control_path;
    uint64_t seed = (uint64_t) now(CLOCK_REALTIME)
                    ^ ((uint64_t) getpid() << 32);
    std::vector<std::pair<std::string, std::string>> global;  // opt, spec.
    std::vector<std::string> pairs, per_dir;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        size_t eq = a.find('=');
        std::string opt = a.substr(0, eq);
        std::string v = eq == std::string::npos ? "" : a.substr(eq + 1);
        auto slashes = [](std::string s) {
            for (char &c : s) {
                c = c == ',' ? '/' : c;
            }
            return s;
        };
        if (a == "-h" || a == "--help") {
            usage();
        } else if (!a.starts_with("-")) {
            pairs.push_back(a);
        } else if (eq == std::string::npos) {
            bad_arg(a + ": unknown option (or missing =VALUE); see --help");
        } else if (opt == "--delay-us") {
            delay_us = int_arg(opt, v, 0);
        } else if (opt == "--queue") {
            queue_limit = (size_t) int_arg(opt, v, 1);
        } else if (opt == "--stats") {
            stats_file = argv[i] + 8;
        } else if (opt == "--control") {
            control_path = v;
        } else if (opt == "--seed") {
            char *end;
            errno = 0;
            seed = strtoull(v.c_str(), &end, 0);
            if (v.empty() || *end || errno || v[0] == '-') {
                bad_arg("--seed: '" + v + "' is not an unsigned integer");
            }
        } else if (opt == "--loss" || opt == "--loss-ge" || opt == "--dup"
                   || opt == "--reorder") {
            global.push_back({opt, opt.substr(2) + "=" + slashes(v)});
        } else if (opt == "--jitter-us") {
            global.push_back({opt, "jitter=" + v});
        } else if (opt == "--fault") {
            per_dir.push_back(v);
        } else {
            bad_arg(opt + ": unknown option; see --help");
        }
    }
    if (pairs.empty()) {
        bad_arg("no link given (IF_A:IF_B[:DELAY_US[:SPEC]]); see --help");
    }
    Faults base;
    base.delay = delay_us * 1000;
    for (const auto &[opt, spec] : global) {
        apply(opt, spec, base);
    }
    std::vector<Direction> dirs;
    for (const std::string &p : pairs) {
        // A:B[:DELAY_US[:SPEC]]: at most four fields, the SPEC last.
        std::vector<std::string> part;
        size_t start = 0;
        for (;;) {
            size_t c = part.size() < 3 ? p.find(':', start) : p.npos;
            part.push_back(p.substr(start, c - start));
            if (c == std::string::npos) {
                break;
            }
            start = c + 1;
        }
        if (part.size() < 2 || part[0].empty() || part[1].empty()) {
            bad_arg("'" + p + "': a link is IF_A:IF_B[:DELAY_US[:SPEC]]");
        }
        if (part[0] == part[1]) {
            bad_arg("'" + p + "': a link joins two interfaces");
        }
        Faults f = base;
        if (part.size() >= 3) {
            f.delay = int_arg("'" + p + "': DELAY_US", part[2], 0) * 1000;
        }
        if (part.size() == 4) {
            apply("'" + p + "'", part[3], f);
        }
        for (const std::string &n : {part[0], part[1]}) {
            for (const Direction &d : dirs) {
                if (d.from == n) {
                    bad_arg("'" + p + "': interface " + n
                            + " is in two links");
                }
            }
        }
        dirs.emplace_back(part[0], part[1], seed, dirs.size(), f);
        dirs.emplace_back(part[1], part[0], seed, dirs.size(), f);
    }
    for (const std::string &v : per_dir) {
        // A->B:SPEC or A:B:SPEC.
        size_t arrow = v.find("->");
        size_t colon = v.find(':');
        size_t sep = colon;
        if (arrow == std::string::npos
            || (colon != std::string::npos && colon < arrow)) {
            sep = colon == std::string::npos ? colon : v.find(':', colon + 1);
        }
        if (sep == std::string::npos) {
            bad_arg("--fault=" + v + ": expected A->B:SPEC or A:B:SPEC");
        }
        std::vector<Direction *> sel = select_dirs(dirs, v.substr(0, sep));
        if (sel.empty()) {
            bad_arg("--fault=" + v + ": no such link or direction '"
                    + v.substr(0, sep) + "'");
        }
        for (Direction *d : sel) {
            Faults f = d->model.faults();
            apply("--fault=" + v, v.substr(sep + 1), f);
            d->model.set(f);
        }
    }
    for (size_t i = 0; i < dirs.size(); i += 2) {
        dirs[i].in_fd = dirs[i + 1].out_fd = open_port(dirs[i].from);
        dirs[i].out_fd = dirs[i + 1].in_fd = open_port(dirs[i].to);
    }
    int ctl = control_path.empty() ? -1 : open_control(control_path);
    fprintf(stderr, "linkdelay: seed %llu, %zu directions\n",
            (unsigned long long) seed, dirs.size());

    struct sigaction sa = {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGUSR1, &sa, nullptr);

    /* Wake up when a frame is due, not up to 50 us later (the default
     * timer slack), and stay ahead of other processes. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    sched_param sp = {};
    sp.sched_priority = 10;
    sched_setscheduler(0, SCHED_FIFO, &sp);

    constexpr uint64_t kTimer = UINT64_MAX, kControl = UINT64_MAX - 1;
    int ep = epoll_create1(0);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.u64 = kTimer;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    if (ctl >= 0) {
        ev.data.u64 = kControl;
        epoll_ctl(ep, EPOLL_CTL_ADD, ctl, &ev);
    }
    for (size_t i = 0; i < dirs.size(); i++) {
        ev.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, dirs[i].in_fd, &ev);
    }
    while (!exit_requested) {
        epoll_event events[64];
        int n = epoll_wait(ep, events, 64, 1000);
        for (int i = 0; i < n; i++) {
            if (events[i].data.u64 == kTimer) {
                uint64_t expirations;
                ssize_t r = read(tfd, &expirations, sizeof expirations);
                (void) r;
            } else if (events[i].data.u64 == kControl) {
                serve_control(ctl, dirs, seed, stats_file);
            } else {
                receive_all(dirs[events[i].data.u64], queue_limit);
            }
        }
        Nanos next = send_due(dirs);
        itimerspec its = {};
        if (next) {
            its.it_value.tv_sec = next / 1000000000;
            its.it_value.tv_nsec = next % 1000000000;
        }
        timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, nullptr);
        if (stats_requested) {
            stats_requested = 0;
            write_stats(dirs, seed, stats_file);
        }
    }
    write_stats(dirs, seed, stats_file);
    if (ctl >= 0) {
        unlink(control_path.c_str());
    }
    return 0;
}
