#!/usr/bin/python3
"""scripts/experiment nat-bench: the NAT targets, measured side by side.

 1. scripts/bench-nat.py: per-packet cost of nat:out against
    ct(commit,nat(src=...)) on the same userspace-datapath code and packets
    (established flow, many flows, new connections) -> the cost each adds
    to a packet, medians of interleaved rounds (OUT/nat-bench-datapath.json).
 2. ping RTT h1 -> remote through the controller-built NAT router
    (mininet-topos/nat_net.py) against the same path with plain routing
    flows (no NAT, no controller), interleaved rounds, medians
    (OUT/nat-bench-rtt.json).

Writes OUT/nat-bench.json (ns_per_pkt_nat, ns_per_pkt_ct_nat: the
established-flow case; ratio per case; rtt_ratio_vs_forwarding) and
OUT/nat-bench.png.  Targets: nat: <= 0.5x ct(nat); RTT <= 1.1x."""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import harness  # noqa: E402
from nat_net import EXT, REMOTE, NatNetwork  # noqa: E402
from paths import BUILD, PY, TOP  # noqa: E402


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


def rtts(host, dst, count):
    return harness.ping_rtts(host, dst, count, interval=0.01, wait=1)


def plain_routing(n):
    """r1 as a router without NAT or controller: static flows between h1
    and remote (remote routes 10.0.1.0/24 via 198.51.100.1)."""
    mac = {h: n.h(h).MAC() for h in ('h1', 'remote')}
    r1 = {p: n.h('r1').intfs[p].MAC() for p in (1, 3)}
    subprocess.run(['ovs-vsctl', 'del-controller', 'r1'], check=True)
    flows = [
        'priority=10,ip,in_port=1,nw_dst=%s,actions=dec_ttl,mod_dl_src:%s,'
        'mod_dl_dst:%s,output:3' % (REMOTE, r1[3], mac['remote']),
        'priority=10,ip,in_port=3,nw_dst=10.0.1.11,actions=dec_ttl,'
        'mod_dl_src:%s,mod_dl_dst:%s,output:1' % (r1[1], mac['h1']),
    ]
    return flows


def run_rtt(args):
    res = {'samples_ms': {'nat': [], 'plain': []}}
    with NatNetwork(args.work) as n:
        n.wait_reachable('h1', '10.0.1.1')
        n.wait_reachable('h1', REMOTE)
        nat_flows = subprocess.run(
            ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', '--no-stats',
             'r1'], capture_output=True, text=True, check=True).stdout
        nat_flows = [f.strip() for f in nat_flows.splitlines()
                     if 'actions=' in f]
        plain = plain_routing(n)
        # The same ARP entries in both: the router's MACs as learned.
        n.h('remote').cmd('ip route add 10.0.1.0/24 via ' + EXT)
        path = os.path.join(args.work, 'r1-%s.flows')
        for name, flows in (('nat', nat_flows), ('plain', plain)):
            with open(path % name, 'w') as f:
                f.write('\n'.join(flows) + '\n')
        for r in range(args.rounds):
            for name in ('nat', 'plain'):
                subprocess.run(['ovs-ofctl', '-O', 'OpenFlow13',
                                'replace-flows', 'r1', path % name],
                               check=True)
                rtts(n.h('h1'), REMOTE, 20)   # Warm the caches.
                xs = rtts(n.h('h1'), REMOTE, args.pings)
                res['samples_ms'][name] += xs
                print('round %d %-5s median %.3f ms (%d replies)'
                      % (r + 1, name, statistics.median(xs) if xs else -1,
                         len(xs)), flush=True)
    nat = statistics.median(res['samples_ms']['nat'])
    plain = statistics.median(res['samples_ms']['plain'])
    res.update({'rtt_ms_nat': nat, 'rtt_ms_forwarding': plain,
                'rtt_ratio_vs_forwarding': nat / plain,
                'pings': args.pings, 'rounds': args.rounds})
    print('ping RTT median: through the NAT router %.3f ms, plain routing '
          '%.3f ms, ratio %.3f (target <= 1.1)' % (nat, plain, nat / plain))
    harness.write_json(args.out, 'nat-bench-rtt.json', res)
    return res


def arguments(p):
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--pings', type=int, default=200)
    p.add_argument('--work', default=os.path.join(BUILD, 'nat-work'))


def run(args):
    subprocess.run([PY, os.path.join(TOP, 'scripts', 'bench-nat.py'),
                    '--rounds', str(args.rounds), '--out', args.out],
                   check=True)
    with open(os.path.join(args.out, 'nat-bench-datapath.json')) as f:
        dp = json.load(f)
    with harness.sandbox('sandbox-nat'):
        rtt = run_rtt(args)
    res = {
        'ns_per_pkt_nat': dp['ns_per_pkt_nat'],
        'ns_per_pkt_ct_nat': dp['ns_per_pkt_ct_nat'],
        'ratio_per_case': {c: v['ratio'] for c, v in dp['cases'].items()},
        'worst_ratio': dp['worst_ratio'],
        'rtt_ratio_vs_forwarding': rtt['rtt_ratio_vs_forwarding'],
        'targets': {'ratio_max': 0.5, 'rtt_ratio_max': 1.1},
        'datapath': dp, 'rtt': rtt,
    }
    harness.write_json(args.out, 'nat-bench.json', res)
    plot(res, os.path.join(args.out, 'nat-bench.png'))
    print('nat-bench: nat: %.0f ns/packet vs ct(nat) %.0f (established), '
          'worst ratio %.2f (target <= 0.5); RTT ratio %.3f (target <= 1.1); '
          '%s/nat-bench.{json,png}' % (
              res['ns_per_pkt_nat'], res['ns_per_pkt_ct_nat'],
              res['worst_ratio'], res['rtt_ratio_vs_forwarding'], args.out))
    return 0


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, None, run, arguments))
