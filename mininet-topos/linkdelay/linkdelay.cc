// linkdelay: fixed-latency Ethernet links for Mininet without sch_netem.
//
// Relays frames between the two interfaces of each pair given on the
// command line (AF_PACKET sockets), each frame leaving DELAY after it
// arrived (kernel receive timestamp), in arrival order.  This is what
// TCLink(delay=...) does with netem; the kernels we run on are built
// without sch_netem, so mininet-topos/delayed_link.py puts this process
// in the middle of every delayed link instead.
//
//   linkdelay [--delay-us=N] [--queue=N] [--stats=FILE] A:B[:DELAY_US] ...
//
// Each direction keeps at most --queue frames (default 65536); a frame
// that finds its queue full is dropped and counted.  On SIGTERM/SIGINT
// (exit) and SIGUSR1 it writes per-direction counters to FILE (default
// stderr): frames forwarded, dropped (queue full, send errors), the
// largest queue, the largest lateness of a send past its due time.
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

namespace {

using Nanos = int64_t;

Nanos now(clockid_t clock)
{
    timespec ts;
    clock_gettime(clock, &ts);
    return Nanos(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct Frame {
    Nanos due;
    std::vector<uint8_t> bytes;
};

struct Direction {
    std::string name;  // "A->B".
    int in_fd = -1, out_fd = -1;
    Nanos delay = 0;
    std::deque<Frame> queue;
    uint64_t forwarded = 0, dropped_full = 0, dropped_send = 0;
    size_t max_queue = 0;
    Nanos max_late = 0;
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
        if ((size_t) n > sizeof buf || d.queue.size() >= queue_limit) {
            d.dropped_full++;
            continue;
        }
        d.queue.push_back(
            {arrived + d.delay, std::vector<uint8_t>(buf, buf + n)});
        if (d.queue.size() > d.max_queue) {
            d.max_queue = d.queue.size();
        }
    }
}

// How long before a frame is due the emulator stops sleeping and spins:
// waking up from a timer takes longer than that in a VM.
constexpr Nanos kSpin = 100000;

// Sends the frame at the head of 'd' once it is due.
void send_head(Direction &d)
{
    Frame &f = d.queue.front();
    Nanos t = now(CLOCK_MONOTONIC);
    while (f.due > t) {
        t = now(CLOCK_MONOTONIC);
    }
    if (send(d.out_fd, f.bytes.data(), f.bytes.size(), 0) < 0) {
        d.dropped_send++;
    } else {
        d.forwarded++;
        if (t - f.due > d.max_late) {
            d.max_late = t - f.due;
        }
    }
    d.queue.pop_front();
}

// Sends every frame due within kSpin, earliest first across all
// directions; returns when to look again, or 0 if nothing waits.
Nanos send_due(std::vector<Direction> &dirs)
{
    for (;;) {
        Direction *first = nullptr;
        for (Direction &d : dirs) {
            if (!d.queue.empty()
                && (!first
                    || d.queue.front().due < first->queue.front().due)) {
                first = &d;
            }
        }
        if (!first) {
            return 0;
        }
        Nanos due = first->queue.front().due;
        if (due > now(CLOCK_MONOTONIC) + kSpin) {
            return due - kSpin;
        }
        send_head(*first);
    }
}

void write_stats(const std::vector<Direction> &dirs, const char *file)
{
    FILE *out = file ? fopen(file, "w") : stderr;
    if (!out) {
        return;
    }
    for (const Direction &d : dirs) {
        fprintf(out,
                "%s: delay %.3f ms, forwarded %llu, dropped %llu "
                "(queue full %llu, send errors %llu), max queue %zu, "
                "max late %.3f ms\n",
                d.name.c_str(), d.delay / 1e6,
                (unsigned long long) d.forwarded,
                (unsigned long long) (d.dropped_full + d.dropped_send),
                (unsigned long long) d.dropped_full,
                (unsigned long long) d.dropped_send, d.max_queue,
                d.max_late / 1e6);
    }
    if (file) {
        fclose(out);
    }
}

[[noreturn]] void usage()
{
    fprintf(stderr, "usage: linkdelay [--delay-us=N] [--queue=N] "
                    "[--stats=FILE] IF_A:IF_B[:DELAY_US] ...\n");
    exit(2);
}

}  // namespace

int main(int argc, char *argv[])
{
    long long delay_us = 5000;
    size_t queue_limit = 65536;
    const char *stats_file = nullptr;
    std::vector<Direction> dirs;
    std::vector<std::string> pairs;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a.starts_with("--delay-us=")) {
            delay_us = atoll(a.c_str() + 11);
        } else if (a.starts_with("--queue=")) {
            queue_limit = strtoull(a.c_str() + 8, nullptr, 10);
        } else if (a.starts_with("--stats=")) {
            stats_file = argv[i] + 8;
        } else if (a.starts_with("-")) {
            usage();
        } else {
            pairs.push_back(a);
        }
    }
    if (pairs.empty() || delay_us < 0 || !queue_limit) {
        usage();
    }
    for (const std::string &p : pairs) {
        size_t c1 = p.find(':');
        size_t c2 = c1 == std::string::npos ? c1 : p.find(':', c1 + 1);
        if (c1 == std::string::npos || c1 == 0) {
            usage();
        }
        std::string a = p.substr(0, c1);
        std::string b = p.substr(
            c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
        long long us = c2 == std::string::npos ? delay_us
                                               : atoll(p.c_str() + c2 + 1);
        int fa = open_port(a), fb = open_port(b);
        Direction ab, ba;
        ab.name = a + "->" + b;
        ab.in_fd = fa;
        ab.out_fd = fb;
        ab.delay = us * 1000;
        ba.name = b + "->" + a;
        ba.in_fd = fb;
        ba.out_fd = fa;
        ba.delay = us * 1000;
        dirs.push_back(std::move(ab));
        dirs.push_back(std::move(ba));
    }

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

    int ep = epoll_create1(0);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.u64 = UINT64_MAX;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    for (size_t i = 0; i < dirs.size(); i++) {
        ev.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, dirs[i].in_fd, &ev);
    }
    while (!exit_requested) {
        epoll_event events[64];
        int n = epoll_wait(ep, events, 64, 1000);
        for (int i = 0; i < n; i++) {
            if (events[i].data.u64 == UINT64_MAX) {
                uint64_t expirations;
                ssize_t r = read(tfd, &expirations, sizeof expirations);
                (void) r;
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
            write_stats(dirs, stats_file);
        }
    }
    write_stats(dirs, stats_file);
    return 0;
}
