#!/usr/bin/python3
"""scripts/experiment nat-bench: the NAT targets, measured side by side.

 1. scripts/bench-nat.py: per-packet cost of nat:out against
    ct(commit,nat(src=...)) on the same userspace-datapath code and packets
    (established flow, many flows, new connections) -> the cost each adds
    to a packet, medians of interleaved rounds.
 2. mininet-topos/nat_experiment.py bench: ping RTT h1 -> remote through
    the controller-built NAT router against the same path with plain
    routing flows, interleaved rounds.

Writes OUT/nat-bench.json (ns_per_pkt_nat, ns_per_pkt_ct_nat: the
established-flow case; ratio per case; rtt_ratio_vs_forwarding) and
OUT/nat-bench.png.  Targets: nat: <= 0.5x ct(nat); RTT <= 1.1x."""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def plot(res, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    cases = list(res['datapath']['cases'])
    nat = [res['datapath']['cases'][c]['ns_per_pkt_nat'] for c in cases]
    ct = [res['datapath']['cases'][c]['ns_per_pkt_ct_nat'] for c in cases]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4),
                               gridspec_kw={'width_ratios': [3, 1.3]})
    x = range(len(cases))
    a.bar([i - 0.2 for i in x], nat, 0.4, label='nat:out')
    a.bar([i + 0.2 for i in x], ct, 0.4, label='ct(commit,nat(src=...))')
    for i in x:
        a.text(i, max(nat[i], ct[i]) * 1.02, '%.2fx' % (nat[i] / ct[i]),
               ha='center')
    a.set_xticks(list(x))
    a.set_xticklabels(cases)
    a.set_ylabel('ns added per packet (median)')
    a.set_title('Datapath cost of NAT, same packets')
    a.legend()
    rtt = res['rtt']
    b.bar(['plain routing', 'NAT router'], [rtt['rtt_ms_forwarding'],
                                            rtt['rtt_ms_nat']],
          color=['grey', 'tab:blue'])
    b.set_ylabel('ping RTT median (ms)')
    b.set_title('h1 -> remote: %.2fx' % rtt['rtt_ratio_vs_forwarding'])
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--out', default=os.path.join(TOP, 'results'))
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--pings', type=int, default=200)
    args = p.parse_args()
    subprocess.run(['/usr/bin/python3',
                    os.path.join(TOP, 'scripts', 'bench-nat.py'),
                    '--rounds', str(args.rounds), '--out', args.out],
                   check=True)
    subprocess.run(['/usr/bin/python3', os.path.join(HERE,
                                                     'nat_experiment.py'),
                    'bench', '--rounds', str(args.rounds), '--pings',
                    str(args.pings), '--out', args.out], check=True)
    with open(os.path.join(args.out, 'nat-bench-datapath.json')) as f:
        dp = json.load(f)
    with open(os.path.join(args.out, 'nat-bench-rtt.json')) as f:
        rtt = json.load(f)
    res = {
        'ns_per_pkt_nat': dp['ns_per_pkt_nat'],
        'ns_per_pkt_ct_nat': dp['ns_per_pkt_ct_nat'],
        'ratio_per_case': {c: v['ratio'] for c, v in dp['cases'].items()},
        'worst_ratio': dp['worst_ratio'],
        'rtt_ratio_vs_forwarding': rtt['rtt_ratio_vs_forwarding'],
        'targets': {'ratio_max': 0.5, 'rtt_ratio_max': 1.1},
        'datapath': dp, 'rtt': rtt,
    }
    with open(os.path.join(args.out, 'nat-bench.json'), 'w') as f:
        json.dump(res, f, indent=1)
    plot(res, os.path.join(args.out, 'nat-bench.png'))
    print('nat-bench: nat: %.0f ns/packet vs ct(nat) %.0f (established), '
          'worst ratio %.2f (target <= 0.5); RTT ratio %.3f (target <= 1.1); '
          '%s/nat-bench.{json,png}' % (
              res['ns_per_pkt_nat'], res['ns_per_pkt_ct_nat'],
              res['worst_ratio'], res['rtt_ratio_vs_forwarding'], args.out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
