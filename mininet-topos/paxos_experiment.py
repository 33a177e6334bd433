#!/usr/bin/python3
"""The Paxos experiments of issue #4, on mininet-topos/paxos_line.py.

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

Needs root.  Uses the patched vswitchd of build/ (scripts/sandbox) and
build/controller/cxxa-controller, which sets every switch up from the
deployment of paxos_line.deployment()."""
import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import ovs_sandbox  # noqa: E402
import paxos_line  # noqa: E402
from controller_proc import BUILD, Controller, remote_controller  # noqa: E402
from delayed_link import LinkDelay  # noqa: E402

APPS = os.path.join(HERE, 'paxos_apps.py')
PY = '/usr/bin/python3'
REST_PORT = 18299
OF_PORT = 16753
THESIS = {'flows_median_ms': 43.90, 'noflows_median_ms': 76.10,
          'paxos_median_ms': 117.90}


class Network:
    """PaxosLine + the controller in one mode, started and stopped."""

    def __init__(self, work, mode, paxos, n_clients=1, window=1024,
                 delay_us=paxos_line.DELAY_US):
        from mininet.net import Mininet
        from mininet.node import OVSSwitch
        self.work = work
        self.ctl = Controller(work, 'controller-%s%s' % (
            mode, '-paxos' if paxos else ''),
            paxos_line.deployment(mode, n_clients, paxos, window),
            REST_PORT, OF_PORT)
        self.ctl.start()   # Before Mininet looks for it.
        try:
            self.net = Mininet(topo=paxos_line.PaxosLine(
                n_clients=n_clients, delay_us=delay_us),
                switch=OVSSwitch, controller=None, autoSetMacs=False)
            self.net.addController(remote_controller('c0', OF_PORT))
        except BaseException:
            self.ctl.stop()   # No controller left behind.
            raise
        self.procs = []
        self.links = LinkDelay(os.path.join(work, 'linkdelay-stats.txt'))
        self.link_stats = ''

    def __enter__(self):
        self.net.start()
        self.links.start()
        for h in self.net.hosts:
            ovs_sandbox.disable_offload(h)
            # No IPv6 chatter (router solicitations, MLD).
            h.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
        self.net.staticArp()
        for c in self.clients():
            c.cmd('arp -s %s %s' % (paxos_line.SERVICE_IP,
                                    paxos_line.SERVICE_MAC))
        self.ctl.wait_in_sync(paxos_line.MEMBERS + ['s4'])
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        self.link_stats = self.links.stop()
        self.net.stop()
        self.ctl.stop()

    def clients(self):
        return [h for h in self.net.hosts if h.name.startswith('c')]

    def replicas(self):
        return [self.net['h%d' % i] for i in range(1, 10)]

    def warm_up(self):
        """Lets the learning switch learn every host: each client pings
        the far end, each replica pings c1."""
        for c in self.clients():
            c.cmd('ping -c 2 -i 0.2 -W 1 10.0.0.9')
        for h in self.replicas():
            h.cmd('ping -c 2 -i 0.2 -W 1 %s' % paxos_line.client_ip(1))

    def start_replicas(self, echo=()):
        logs = {}
        for h in self.replicas():
            logs[h.name] = os.path.join(self.work, 'replica-%s.log' % h.name)
            cmd = [PY, APPS, 'replica', '--log', logs[h.name],
                   '--port', str(paxos_line.SERVICE_PORT)]
            if h.name in echo:
                cmd.append('--echo')
            self.procs.append(h.popen(cmd))
        time.sleep(0.5)
        return logs

    def stop_replicas(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait(timeout=10)
        self.procs = []

    def table_miss_packets(self):
        """Packets that hit a table-miss (to-controller) flow, on all
        switches: counted by the switches, so it holds while the controller
        is down too."""
        counts = {}
        for sw in self.net.switches:
            out = sw.cmd('ovs-ofctl -O OpenFlow13 dump-flows %s' % sw.name)
            for line in out.splitlines():
                if 'actions=CONTROLLER' in line:
                    m = re.search(r'n_packets=(\d+)', line)
                    counts[sw.name] = int(m.group(1)) if m else 0
        return counts


def table_miss_delta(before, after):
    return sum(after.get(k, 0) - before.get(k, 0) for k in after)


def ping_rtts(host, dst, count):
    out = host.cmd('ping -n -c %d -i 0.05 -W 2 %s' % (count, dst))
    return [float(x) for x in re.findall(r'time=([\d.]+) ms', out)]


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
    os.makedirs(work, exist_ok=True)
    samples = {}
    for mode, key in (('learning', 'flows'), ('learning-no-flows',
                                             'noflows')):
        with Network(work, mode, paxos=False) as n:
            n.warm_up()
            samples[key] = ping_rtts(n.net['h1'], '10.0.0.9', args.samples)
            print('%s: %d pings, median %.2f ms' % (
                key, len(samples[key]), statistics.median(samples[key])))
    with Network(work, 'learning', paxos=True) as n:
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
        'link_frames_dropped': n.links.dropped(n.link_stats),
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
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'paxos-rtt.json'), 'w') as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(args.out, 'paxos-rtt-show.txt'), 'w') as f:
        f.write(show)
    write_markdown(res, os.path.join(args.out, 'paxos-rtt.md'))
    plot(res, os.path.join(args.out, 'paxos-rtt.png'))
    print(open(os.path.join(args.out, 'paxos-rtt.md')).read())
    # What must hold whatever the timing: every message answered by all
    # three replicas, no packet reached the controller, no frame lost.
    problems = []
    if lost:
        problems.append('%d messages without all three replies' % lost)
    if packet_ins:
        problems.append('%d packet-ins during the Paxos run' % packet_ins)
    if res['link_frames_dropped']:
        problems.append('%d frames dropped by the link emulator'
                        % res['link_frames_dropped'])
    print('paxos-rtt: %s' % ('; '.join(problems) or 'OK'))
    return 1 if problems else 0


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
    os.makedirs(work, exist_ok=True)
    per_client = args.messages // args.clients
    total = per_client * args.clients
    with Network(work, 'learning', paxos=True,
                 n_clients=args.clients) as n:
        n.warm_up()
        logs = n.start_replicas()
        before = n.table_miss_packets()
        at = time.time() + 1.0
        senders = []
        for c in n.clients():
            senders.append(c.popen([PY, APPS, 'send', '--to', '%s:%d' % (
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
    sent = {'%s %d' % (c, i) for c in ['c%d' % k
                                        for k in range(1, args.clients + 1)]
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
        'link_frames_dropped': n.links.dropped(n.link_stats),
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'paxos-order.json'), 'w') as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(args.out, 'paxos-order-show.txt'), 'w') as f:
        f.write(show)
    print(json.dumps({k: v for k, v in res.items() if k != 'digests'},
                     indent=1))
    print(show)
    ok = (res['distinct_digests'] == 1 and complete and fifo_ok
          and packet_ins == 0 and res['link_frames_dropped'] == 0)
    print('paxos-order: %s' % ('OK' if ok else 'FAILED'))
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('experiment', choices=['rtt', 'order'])
    p.add_argument('--out', default=os.path.join(TOP, 'results'))
    p.add_argument('--samples', type=int, default=200)
    p.add_argument('--clients', type=int, default=4)
    p.add_argument('--messages', type=int, default=10000)
    p.add_argument('--rate', type=float, default=500.0,
                   help='messages per second per client')
    p.add_argument('--keep-controller', action='store_true',
                   help='order: do not stop the controller half-way')
    args = p.parse_args()
    from mininet.log import setLogLevel
    setLogLevel('warning')
    ovs_sandbox.start(os.path.join(BUILD, 'sandbox-experiment'))
    try:
        return run_rtt(args) if args.experiment == 'rtt' else run_order(args)
    finally:
        # Not mininet.clean.cleanup(): it also deletes /tmp/*.log.
        ovs_sandbox.stop()


if __name__ == '__main__':
    sys.exit(main())
