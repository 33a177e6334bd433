/*
 * nat-datapath-bench: the per-packet cost of the two NAT implementations of
 * the userspace datapath, on the same batches of 32 packets, in one
 * process: our nat:out (lib/cxx-action.c -> cxx-actions/nat) against OVS's
 * conntrack NAT as dpif-netdev runs ct(commit,nat(src=EXT:1024-65535))
 * (lib/conntrack.c, conntrack_execute()).  Written in C because it calls
 * OVS's internal datapath functions.
 *
 *   nat-datapath-bench CASE KIND N_PACKETS N_FLOWS
 *     CASE  established | many_flows | new_conns
 *     KIND  baseline | nat | ct_nat
 *
 * Every batch is first restored to its original bytes and parsed
 * (flow_extract(), which sets the offsets conntrack needs); "baseline" does
 * only that, so nat - baseline and ct_nat - baseline are what each NAT
 * adds.  Prints one JSON object: ns per packet over the timed packets.
 * scripts/bench-nat.py runs it side by side and takes medians.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conntrack.h"
#include "csum.h"
#include "cxx-action.h"
#include "dp-packet.h"
#include "flow.h"
#include "odp-util.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

#define BATCH 32
#define EXT_IP 0xc6336401    /* 198.51.100.1 */
#define REMOTE_IP 0xc6336402 /* 198.51.100.2 */

struct frame {
    uint8_t data[64];
    size_t size;
};

/* The i-th inside endpoint's frame: UDP (or a TCP SYN) from 10.a.b.c:port
 * to 198.51.100.2, checksums valid. */
static void make_frame(struct frame *f, uint32_t i, bool tcp)
{
    uint32_t host = i / 50000;
    uint32_t src = 0x0a000000 | ((1 + host / 65536) << 16) | (host & 0xffff);
    uint16_t sport = 10000 + i % 50000;
    size_t l4_len = tcp ? 20 : 8 + 18;
    uint8_t *p = f->data;
    struct ip_header *ip;
    uint32_t pseudo;

    memset(f, 0, sizeof *f);
    memcpy(p, "\x50\x54\x00\x00\x00\x02\x50\x54\x00\x00\x00\x01\x08\x00", 14);
    ip = (struct ip_header *) (p + 14);
    ip->ip_ihl_ver = IP_IHL_VER(5, 4);
    ip->ip_tot_len = htons(20 + l4_len);
    ip->ip_ttl = 64;
    ip->ip_proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, htonl(src));
    put_16aligned_be32(&ip->ip_dst, htonl(REMOTE_IP));
    ip->ip_csum = csum(ip, 20);
    pseudo = packet_csum_pseudoheader(ip);
    if (tcp) {
        struct tcp_header *th = (struct tcp_header *) (p + 34);

        th->tcp_src = htons(sport);
        th->tcp_dst = htons(80);
        th->tcp_ctl = TCP_CTL(TCP_SYN, 5);
        th->tcp_winsz = htons(65535);
        th->tcp_csum = csum_finish(csum_continue(pseudo, th, l4_len));
    } else {
        struct udp_header *uh = (struct udp_header *) (p + 34);

        uh->udp_src = htons(sport);
        uh->udp_dst = htons(53);
        uh->udp_len = htons(l4_len);
        memset(p + 42, 'x', 18);
        uh->udp_csum = csum_finish(csum_continue(pseudo, uh, l4_len));
    }
    f->size = 14 + 20 + l4_len;
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

enum kind { BASELINE, NAT, CT_NAT };

struct bench {
    enum kind kind;
    struct conntrack *ct;
    struct nat_action_info_t nat_info;
    struct ofpbuf cxx_action;
    struct dp_packet *pkts[BATCH];
    uint64_t dropped;
};

/* Runs 'n' frames (frames[idx[k]]) through the bench in batches. */
static void run_frames(struct bench *b, const struct frame *frames,
                       const uint32_t *idx, size_t n)
{
    for (size_t k = 0; k < n; k += BATCH) {
        struct dp_packet_batch batch;
        size_t cnt = MIN(BATCH, n - k);

        dp_packet_batch_init(&batch);
        for (size_t i = 0; i < cnt; i++) {
            const struct frame *f = &frames[idx[k + i]];
            struct dp_packet *p = b->pkts[i];
            struct flow flow;

            dp_packet_clear(p);
            dp_packet_put(p, f->data, f->size);
            pkt_metadata_init(&p->md, u32_to_odp(1));
            flow_extract(p, &flow);
            dp_packet_batch_add(&batch, p);
        }
        if (b->kind == CT_NAT) {
            conntrack_execute(b->ct, &batch, htons(ETH_TYPE_IP), false, true,
                              0, NULL, NULL, 0, 0, NULL, &b->nat_info,
                              time_msec(), 0);
        } else if (b->kind == NAT) {
            /* The packets are passed on, not freed: the batch comes back
             * with the same ones (a dropped one would be freed: refill). */
            cxx_action_execute(b->cxx_action.data, &batch, NULL, NULL);
            if (dp_packet_batch_size(&batch) != cnt) {
                b->dropped += cnt - dp_packet_batch_size(&batch);
                for (size_t i = 0; i < BATCH; i++) {
                    b->pkts[i] = dp_packet_new(128);
                }
            }
        }
    }
}

int main(int argc, char *argv[])
{
    struct bench b;
    const char *case_name, *kind_name;
    struct frame *frames;
    uint32_t *warm_idx = NULL, *idx;
    size_t n, n_flows, n_warm = 0, n_frames;
    double t0, t1;

    set_program_name(argv[0]);
    if (argc != 5) {
        ovs_fatal(0,
                  "usage: %s established|many_flows|new_conns "
                  "baseline|nat|ct_nat N_PACKETS N_FLOWS",
                  argv[0]);
    }
    case_name = argv[1];
    kind_name = argv[2];
    n = strtoul(argv[3], NULL, 10);
    n_flows = strtoul(argv[4], NULL, 10);
    if (!n || !n_flows) {
        ovs_fatal(0, "N_PACKETS and N_FLOWS must be positive");
    }

    memset(&b, 0, sizeof b);
    b.kind = (!strcmp(kind_name, "nat")      ? NAT
              : !strcmp(kind_name, "ct_nat") ? CT_NAT
                                             : BASELINE);
    for (size_t i = 0; i < BATCH; i++) {
        b.pkts[i] = dp_packet_new(128);
    }

    idx = xmalloc(n * sizeof *idx);
    if (!strcmp(case_name, "established")) {
        n_frames = 1;
        frames = xcalloc(n_frames, sizeof *frames);
        make_frame(&frames[0], 0, false);
        for (size_t i = 0; i < n; i++) {
            idx[i] = 0;
        }
        n_warm = BATCH;
        warm_idx = xcalloc(n_warm, sizeof *warm_idx);
    } else if (!strcmp(case_name, "many_flows")) {
        n_frames = n_flows;
        frames = xcalloc(n_frames, sizeof *frames);
        for (size_t i = 0; i < n_frames; i++) {
            make_frame(&frames[i], i, false);
        }
        n_warm = n_flows;
        warm_idx = xmalloc(n_warm * sizeof *warm_idx);
        for (size_t i = 0; i < n_warm; i++) {
            warm_idx[i] = i;
        }
        /* A spread-out order, so consecutive packets are different flows. */
        for (size_t i = 0; i < n; i++) {
            idx[i] = (i * 7919) % n_flows;
        }
    } else if (!strcmp(case_name, "new_conns")) {
        n_frames = n;
        frames = xcalloc(n_frames, sizeof *frames);
        for (size_t i = 0; i < n; i++) {
            make_frame(&frames[i], i, true);
            idx[i] = i;
        }
    } else {
        ovs_fatal(0, "unknown case %s", case_name);
    }

    if (b.kind == CT_NAT) {
        b.ct = conntrack_init();
        b.nat_info.min_addr.ipv4 = htonl(EXT_IP);
        b.nat_info.max_addr.ipv4 = htonl(EXT_IP);
        b.nat_info.min_port = 1024;
        b.nat_info.max_port = 65535;
        b.nat_info.nat_action = NAT_ACTION_SRC | NAT_ACTION_SRC_PORT;
    } else if (b.kind == NAT) {
        char bridge[64];

        /* A bridge name of its own: NAT state starts empty. */
        snprintf(bridge, sizeof bridge, "bench%ld", (long) getpid());
        ofpbuf_init(&b.cxx_action, 256);
        odp_put_cxx_action(&b.cxx_action, bridge, "nat",
                           "out(ext=198.51.100.1)");
    }

    if (n_warm) {
        run_frames(&b, frames, warm_idx, n_warm);
    }
    t0 = now_ns();
    run_frames(&b, frames, idx, n);
    t1 = now_ns();

    printf("{\"case\": \"%s\", \"kind\": \"%s\", \"packets\": %" PRIuSIZE
           ", \"flows\": %" PRIuSIZE ", \"ns_per_pkt\": %.1f, "
           "\"dropped\": %" PRIu64 "}\n",
           case_name, kind_name, n, case_name[0] == 'm' ? n_flows : n_frames,
           (t1 - t0) / n, b.dropped);
    if (b.ct) {
        conntrack_destroy(b.ct);
    }
    return 0;
}
