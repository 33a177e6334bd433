#!/usr/bin/python3
"""The Paxos experiments, on mininet-topos/paxos_line.py.

  paxos_experiment.py rtt   [--samples N] [--out DIR]
      The thesis' Tables 5.1 and 5.2: ICMP h1 -> h9 through the L2 learning
      switch with flows and without (every packet through the controller),
      then UDP c1 -> service, ordered by Paxos in the switches, with h5, h8
      and h9 echoing.  Writes DIR/paxos-rtt.json, .md and .png.

  paxos_experiment.py order [--clients N] [--messages M] [--rate R]
      Several clients send UDP to the service at once; every replica logs
      what it receives; the controller is stopped half-way.  Writes
      DIR/paxos-order.json: messages, replicas, distinct_digests (1 when
      all nine logs are identical), packet-ins, per-client FIFO, ...

Needs root.  Uses the patched vswitchd of BUILD (scripts/sandbox) and
cxxa-controller, which sets every switch up from the deployment of
paxos_line.deployment()."""
import hashlib
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import harness  # noqa: E402
import paxos_line  # noqa: E402
from paths import BUILD, PY  # noqa: E402
from paxos_line import APPS, PaxosNetwork  # noqa: E402

THESIS = {'flows_median_ms': 43.90, 'noflows_median_ms': 76.10,
          'paxos_median_ms': 117.90}


def table_miss_delta(before, after):
    return sum(after.get(k, 0) - before.get(k, 0) for k in after)


def summary(samples):
    s = sorted(samples)
    if not s:
        return {}
    q = statistics.quantiles(s, n=4) if len(s) > 1 else [s[0]] * 3
    return {'n': len(s), 'min': s[0], 'q1': q[0],
            'median': statistics.median(s), 'mean': statistics.fmean(s),
            'q3': q[2], 'max': s[-1],
            'stdev': statistics.stdev(s) if len(s) > 1 else 0.0}


def run_rtt(args):
    work = os.path.join(BUILD, 'experiment-paxos-rtt')
    samples = {}
    for mode, key in (('learning', 'flows'),
                      ('learning-no-flows', 'noflows')):
        with PaxosNetwork(work, mode, paxos=False,
                          separate=not args.one_vswitchd) as n:
            n.warm_up()
            samples[key] = harness.ping_rtts(n['h1'], '10.0.0.9',
                                             args.samples)
            print('%s: %d pings, median %.2f ms' % (
                key, len(samples[key]), statistics.median(samples[key])))
    with PaxosNetwork(work, 'learning', paxos=True,
                      separate=not args.one_vswitchd) as n:
        n.warm_up()
        n.start_replicas(echo=('h5', 'h8', 'h9'))
        out = os.path.join(work, 'rtt-c1.jsonl')
        before = n.table_miss_packets()
        c1 = n.net['c1']
        expect = ['10.0.0.5', '10.0.0.8', '10.0.0.9']
        c1.cmd('%s %s rtt --to %s:%d --expect %s --count %d --out %s' % (
            PY, APPS, paxos_line.SERVICE_IP, paxos_line.SERVICE_PORT,
            ','.join(expect), args.samples, out))
        packet_ins = table_miss_delta(before, n.table_miss_packets())
        show = n.net['s1'].cmd('ovs-appctl paxos/show')
        n.stop_replicas()
    per_host = {'h5': [], 'h8': [], 'h9': []}
    combined, lost = [], 0
    with open(out) as f:
        for line in f:
            r = json.loads(line)['rtt_ms']
            vals = [r[ip] for ip in expect]
            for h, v in zip(('h5', 'h8', 'h9'), vals):
                if v is not None:
                    per_host[h].append(v)
            if None in vals:
                lost += 1
            else:
                combined.append(max(vals))
    res = {
        'flows_median_ms': statistics.median(samples['flows']),
        'noflows_median_ms': statistics.median(samples['noflows']),
        'paxos_median_ms': statistics.median(combined),
        'paxos_bound_ms': paxos_line.BOUND_MS['all'],
        'flows_bound_ms': 40.0,
        'samples': {'flows': len(samples['flows']),
                    'noflows': len(samples['noflows']),
                    'paxos': len(combined)},
        'paxos_lost_messages': lost,
        'paxos_packet_ins': packet_ins,
        'link_frames_dropped': n.links_dropped(),
        'links': n.links_summary(),
        'summary': {'flows': summary(samples['flows']),
                    'noflows': summary(samples['noflows']),
                    'paxos_all_three': summary(combined),
                    'paxos_h5': summary(per_host['h5']),
                    'paxos_h8': summary(per_host['h8']),
                    'paxos_h9': summary(per_host['h9'])},
        'bounds_ms': paxos_line.BOUND_MS,
        'thesis_ms': THESIS,
        'raw_ms': {'flows': samples['flows'], 'noflows': samples['noflows'],
                   'paxos_all_three': combined, **{
                       'paxos_' + h: v for h, v in per_host.items()}},
    }
    res['paxos_ratio_to_bound'] = (res['paxos_median_ms']
                                   / res['paxos_bound_ms'])
    harness.write_json(args.out, 'paxos-rtt.json', res)
    with open(os.path.join(args.out, 'paxos-rtt-show.txt'), 'w') as f:
        f.write(show)
    write_markdown(res, os.path.join(args.out, 'paxos-rtt.md'))
    plot(res, os.path.join(args.out, 'paxos-rtt.png'))
    print(open(os.path.join(args.out, 'paxos-rtt.md')).read())
    # What must hold whatever the timing: every message answered by all
    # three replicas, no packet reached the controller, no frame lost.
    c = harness.Checks('paxos-rtt')
    c.check('every message answered by all three replicas', not lost,
            '%d messages without all three replies' % lost)
    c.check('no packet-in during the Paxos run', not packet_ins,
            '%d packet-ins' % packet_ins)
    c.check('no frame dropped by the link emulator',
            not res['link_frames_dropped'],
            '%d dropped' % res['link_frames_dropped'])
    return c.done()


def write_markdown(res, path):
    s = res['summary']
    rows = [('Table 5.1 flows (ICMP h1->h9)', 'flows', 43.90, 40.0),
            ('Table 5.1 no flows (ICMP h1->h9)', 'noflows', 76.10, 40.0),
            ('Table 5.2 Paxos (UDP c1->h5,h8,h9, all three)',
             'paxos_all_three', 117.90, res['paxos_bound_ms']),
            ('  Paxos, h5 only', 'paxos_h5', 135.06,
             res['bounds_ms']['h5']),
            ('  Paxos, h8 only', 'paxos_h8', 139.16,
             res['bounds_ms']['h8']),
            ('  Paxos, h9 only', 'paxos_h9', 97.44,
             res['bounds_ms']['h9'])]
    lines = ['# Paxos RTT: this repository vs the thesis (medians, ms)', '',
             '| measurement | samples | thesis median | our median | '
             'our min | our q3 | link-latency bound | ours / bound |',
             '|---|---|---|---|---|---|---|---|']
    for label, key, thesis, bound in rows:
        x = s[key]
        lines.append('| %s | %d | %.2f | %.2f | %.2f | %.2f | %.1f | %.3f |'
                     % (label, x['n'], thesis, x['median'], x['min'],
                        x['q3'], bound, x['median'] / bound))
    lines += ['', 'Thesis: POX controller, Paxos on the controller; ours: '
              'Paxos in the switch datapath (cxx actions), same topology '
              'and 5 ms links.  "all three" is the time until the client has '
              'the replies of h5, h8 and h9 (it waits for all three, as the '
              'thesis\' client did).', '']
    with open(path, 'w') as f:
        f.write('\n'.join(lines))


def plot(res, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    raw = res['raw_ms']
    for key, label in (('flows', 'L2 flows (ICMP h1->h9)'),
                       ('noflows', 'controller forwards (ICMP h1->h9)'),
                       ('paxos_all_three',
                        'Paxos in switch (UDP c1->h5,h8,h9)')):
        xs = sorted(raw[key])
        ys = [(i + 1) / len(xs) for i in range(len(xs))]
        ax.step(xs, ys, where='post', label='%s, median %.1f ms'
                % (label, statistics.median(xs)))
    for v, name in ((43.9, 'thesis flows'), (76.1, 'thesis no flows'),
                    (117.9, 'thesis Paxos')):
        ax.axvline(v, linestyle=':', color='grey')
        ax.text(v, 0.02, ' ' + name, rotation=90, color='grey')
    ax.axvline(res['paxos_bound_ms'], linestyle='--', color='black')
    ax.set_xlabel('RTT (ms)')
    ax.set_ylabel('CDF')
    ax.set_xlim(0, 130)
    ax.set_title('RTT CDF, thesis topology (5 ms links); dashed: Paxos bound')
    ax.legend(loc='lower right', fontsize='small')
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def run_order(args):
    work = os.path.join(BUILD, 'experiment-paxos-order')
    per_client = args.messages // args.clients
    total = per_client * args.clients
    with PaxosNetwork(work, 'learning', paxos=True,
                      n_clients=args.clients,
                      separate=not args.one_vswitchd) as n:
        n.warm_up()
        logs = n.start_replicas()
        before = n.table_miss_packets()
        at = time.time() + 1.0
        senders = []
        for c in n.clients():
            senders.append(n.popen(c, [
                PY, APPS, 'send', '--to', '%s:%d' % (
                    paxos_line.SERVICE_IP, paxos_line.SERVICE_PORT),
                '--name', c.name, '--count', str(per_client),
                '--rate', str(args.rate), '--at', str(at)]))
        duration = per_client / args.rate
        stopped_at = None
        if not args.keep_controller:
            time.sleep(1.0 + duration / 2)
            n.ctl.stop()
            stopped_at = round(duration / 2, 2)
        for s in senders:
            s.wait()
        # Everything sent; wait until the logs stop growing.
        last, still = -1, 0
        while still < 10:
            time.sleep(0.3)
            now = sum(os.path.getsize(p) for p in logs.values())
            still = still + 1 if now == last else 0
            last = now
        packet_ins = table_miss_delta(before, n.table_miss_packets())
        show = n.net['s1'].cmd('ovs-appctl paxos/show')
        n.stop_replicas()
    digests, counts, fifo_ok, complete = {}, {}, True, True
    sent = {'c%d %d' % (k, i) for k in range(1, args.clients + 1)
            for i in range(per_client)}
    for name, path in sorted(logs.items()):
        data = open(path, 'rb').read()
        digests[name] = hashlib.sha256(data).hexdigest()
        lines = data.decode().splitlines()
        counts[name] = len(lines)
        complete = complete and set(lines) == sent and len(lines) == total
        last_seq = {}
        for line in lines:
            c, i = line.split()
            if int(i) <= last_seq.get(c, -1):
                fifo_ok = False
            last_seq[c] = int(i)
    first = open(logs['h1']).read().splitlines()
    switches = sum(1 for a, b in zip(first, first[1:])
                   if a.split()[0] != b.split()[0])
    res = {
        'messages': total, 'clients': args.clients,
        'rate_per_client': args.rate, 'replicas': len(logs),
        'distinct_digests': len(set(digests.values())),
        'digests': digests, 'received': counts,
        'all_received_exactly_once': complete,
        'per_client_fifo': fifo_ok,
        'client_switches_in_order': switches,
        'packet_ins': packet_ins,
        'controller_stopped_after_s': stopped_at,
        'link_frames_dropped': n.links_dropped(),
        'links': n.links_summary(),
    }
    harness.write_json(args.out, 'paxos-order.json', res)
    with open(os.path.join(args.out, 'paxos-order-show.txt'), 'w') as f:
        f.write(show)
    print(json.dumps({k: v for k, v in res.items() if k != 'digests'},
                     indent=1))
    print(show)
    c = harness.Checks('paxos-order')
    c.check('all replica logs identical', res['distinct_digests'] == 1,
            '%d distinct digests' % res['distinct_digests'])
    c.check('every message received exactly once', complete)
    c.check('each client\'s messages in its own order', fifo_ok)
    c.check('no packet-in', packet_ins == 0, '%d packet-ins' % packet_ins)
    c.check('no frame dropped by the link emulator',
            res['link_frames_dropped'] == 0,
            '%d dropped' % res['link_frames_dropped'])
    return c.done()


def arguments(p):
    p.add_argument('experiment', choices=['rtt', 'order'])
    p.add_argument('--samples', type=int, default=200)
    p.add_argument('--clients', type=int, default=4)
    p.add_argument('--messages', type=int, default=10000)
    p.add_argument('--rate', type=float, default=500.0,
                   help='messages per second per client')
    p.add_argument('--one-vswitchd', action='store_true',
                   help='all switches on one ovs-vswitchd (as before the '
                   'members had their own)')
    p.add_argument('--keep-controller', action='store_true',
                   help='order: do not stop the controller half-way')


def run(args):
    return run_rtt(args) if args.experiment == 'rtt' else run_order(args)


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-experiment', run, arguments))
