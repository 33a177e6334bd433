#!/usr/bin/python3
"""Benchmark: the datapath's per-packet cost of nat:out against OVS's own
conntrack NAT, ct(commit,nat(src=198.51.100.1:1024-65535)), on the same
userspace-datapath code with the same packets, side by side.

    scripts/bench-nat.py [--packets N] [--flows F] [--rounds R] [--out DIR]

build/nat-datapath-bench (bench/nat-datapath-bench.c) runs
batches of 32 packets through lib/cxx-action.c (nat:out) or through
lib/conntrack.c's conntrack_execute() with the NAT dpif-netdev passes for
that ct action, in one process, timing N packets; "baseline" only restores
and parses the packets (what every kind does first), so
    added = kind - baseline   is what each NAT costs per packet.
Cases: established (one UDP flow), many_flows (F UDP flows, entries made
by an untimed pass, then N packets spread over them), new_conns (N TCP
SYNs, every one a new mapping / conntrack entry; 1/cost = new connections
per second of one core).  Kinds run interleaved, R rounds, medians.

Writes DIR/nat-bench-datapath.json.  The end-to-end half (ping through the
router vs plain forwarding) is in mininet-topos/experiments/nat_bench.py,
which runs this script first (scripts/experiment nat-bench)."""
import argparse
import json
import os
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))
KINDS = ('baseline', 'nat', 'ct_nat')


def run_one(case, kind, packets, flows):
    out = subprocess.run([os.path.join(BUILD, 'nat-datapath-bench'), case,
                          kind, str(packets), str(flows)], check=True,
                         capture_output=True, text=True).stdout
    res = json.loads(out)
    if res['dropped']:
        raise SystemExit('%s/%s dropped %d packets' % (case, kind,
                                                       res['dropped']))
    return res['ns_per_pkt']


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--packets', type=int, default=640000)
    p.add_argument('--flows', type=int, default=10000)
    p.add_argument('--new-conns', type=int, default=50000,
                   help='new_conns packets (<= 64,512: one external '
                   'address has that many ports)')
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--out', default=os.path.join(TOP, 'results'))
    args = p.parse_args()
    cases = {'established': (args.packets, 1),
             'many_flows': (args.packets, args.flows),
             'new_conns': (args.new_conns, 1)}
    samples = {c: {k: [] for k in KINDS} for c in cases}
    for r in range(args.rounds):
        for case, (n, f) in cases.items():
            for kind in KINDS:
                ns = run_one(case, kind, n, f)
                samples[case][kind].append(ns)
                print('round %d %-11s %-8s %8.1f ns/packet'
                      % (r + 1, case, kind, ns), flush=True)
    res = {'packets': args.packets, 'flows': args.flows,
           'new_conns': args.new_conns, 'rounds': args.rounds, 'cases': {}}
    print('\n| case | parse only | nat: | ct(nat) | nat: adds | ct(nat) adds '
          '| nat:/ct(nat), added | nat:/ct(nat), total |')
    print('|---|---|---|---|---|---|---|---|')
    for case, row in samples.items():
        ns = {k: statistics.median(v) for k, v in row.items()}
        add_nat = ns['nat'] - ns['baseline']
        add_ct = ns['ct_nat'] - ns['baseline']
        c = res['cases'][case] = {
            'ns_per_pkt_baseline': ns['baseline'],
            'ns_per_pkt_nat': add_nat, 'ns_per_pkt_ct_nat': add_ct,
            'ns_per_pkt_nat_total': ns['nat'],
            'ns_per_pkt_ct_nat_total': ns['ct_nat'],
            'ratio': add_nat / add_ct, 'ratio_total': ns['nat'] / ns['ct_nat'],
            'samples_ns': row}
        if case == 'new_conns':
            c['new_conns_per_s_nat'] = 1e9 / add_nat
            c['new_conns_per_s_ct_nat'] = 1e9 / add_ct
        print('| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f |' % (
            case, ns['baseline'], ns['nat'], ns['ct_nat'], add_nat, add_ct,
            add_nat / add_ct, ns['nat'] / ns['ct_nat']))
    # The headline figures: the established-flow case, cost added per packet.
    res['ns_per_pkt_nat'] = res['cases']['established']['ns_per_pkt_nat']
    res['ns_per_pkt_ct_nat'] = res['cases']['established'][
        'ns_per_pkt_ct_nat']
    res['worst_ratio'] = max(c['ratio'] for c in res['cases'].values())
    print('\nworst nat:/ct(nat) ratio over the cases: %.2f (target <= 0.5)'
          % res['worst_ratio'])
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'nat-bench-datapath.json'), 'w') as f:
        json.dump(res, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
