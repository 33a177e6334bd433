#!/usr/bin/python3
"""Paxos under faults (issue 16, items 3, 5, 6), on mininet-topos/paxos_line.py
with clients at every member.

  paxos_faults_experiment.py [--short] [--messages N] [--kills K]
      [--down S] [--no-faults] [--no-kills] [--no-partition]
      [--clients-per-member K] [--clients-at s1,s2,s3]
      [--fault-tolerance H,T,S] [--seed N] [--out DIR]

Clients (--clients-per-member, default 2) on client switches at s1, s2
and s3 send UDP to the service at once, at --rate each.  Every link
between members (s1-s2, s2-s3) has 5 % loss with correlation 0.5, 1 %
duplication and 1 % reordering (the link emulator's faults; the client
and replica links are clean: a frame duplicated before it enters the
group is two client messages, which no ordering protocol can tell apart).
Each member switch is an ovs-vswitchd of its own.  Two phases in one
network, the same clients, links and faults:

  1. the negative control: the members only mirror the service frames
     (deployment(..., mirror=True): no Paxos); the replicas must end up
     with at least 2 distinct logs, or this run proved nothing and fails;
  2. Paxos (the controller's deployment replaced, PUT /deployment): the
     leader's ovs-vswitchd (whoever paxos/show says leads; s1 with the
     fixed-leader protocol) is killed with SIGKILL --kills times and
     restarted after --down s; the s2-s3 link is cut for --cut s and
     healed, between the kills.

The replica logs are the UDP payloads captured (tcpdump -w) on h1..h9's
interfaces, in capture order, parsed after the run; no switch counter is
used.  Definitions (the same for both phases):

  distinct_digests  distinct SHA-256 of the nine logs (a log: its client
                    messages, in order, one a line)
  missing           messages delivered at some replica but not at all
  lost_at_entry     messages sent that no replica has (lost on the way in,
                    dropped by a leader that could not order them: window
                    full, no leader during a failover; UDP clients do not
                    retransmit).  Reported, not a target: it is not 0.
  duplicates        deliveries of a message a replica already had
  noops_delivered   anything else that reached a replica: a UDP payload to
                    the service port that is not a client message of this
                    run, a Paxos frame (EtherType 0x7a00-0x7a4f), a frame
                    of any EtherType but IPv4, ARP, IPv6 (other_frames:
                    the IPv4 not to the service, ARP and IPv6 frames,
                    reported)
  failover_ms       per kill: kill -> the next delivery at any replica of
                    a message sent after the kill (capture timestamps; a
                    message "cN SEQ" is sent at start + SEQ/rate or later:
                    the senders never send early).  Frames already in
                    flight reach replicas in the first milliseconds after
                    any kill, so the next delivery of any message
                    (first_delivery_after_kill_ms, also reported) says
                    nothing about the failover
  restart_in_sync_ms per restart: until the controller has the restarted
                    member connected and its flows reconciled

Checks: distinct_digests 1, missing 0, duplicates 0, noops_delivered 0,
negative_control_digests >= 2; the targets (every kill followed by a
delivery, failover_median_ms <= 200) are reported as TARGET lines and
liveness_target_met / failover_target_met, not asserted; the faults in effect
(loss_rate >= 0.045, dup_rate and reorder_rate > 0, as the emulator
measured them on the member links); no frame lost by the captures.
Full mode: >= 100,000 messages, 3 kills; --short (CI): a few thousand
messages, 1 kill.

--fault-tolerance H,T,S puts {"heartbeat_ms": H, "timeout_ms": T,
"log_slots": S} into the Paxos group: the fault-tolerant protocol
(default 20,100,16384).  --fixed-leader runs the thesis' fixed-leader
protocol instead: the checks then fail under kills and loss (nothing takes
over from a dead leader, lost LEARNs are never asked for again);
--fixed-leader --no-faults --no-kills --no-partition checks the rest of
the machinery with it.

Results: OUT/paxos-faults.json, OUT/paxos-faults.png (deliveries per
second at each replica, with the kills, restarts, cut and heal).  Needs
root."""
import hashlib
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import harness  # noqa: E402
import paxos_line  # noqa: E402
from paths import BUILD, PY, TOP  # noqa: E402
from paxos_line import APPS, MEMBERS, PaxosNetwork  # noqa: E402

FAULTS = {'loss': (0.05, 0.5), 'dup': 0.01, 'reorder': (0.01, 2000)}
PARTITION = ('s2', 's3')


# ---- Captures ----

def start_captures(n, work, phase):
    """tcpdump -w on every replica's interface (frames coming in); returns
    {host: (process, file)} once each listens."""
    caps = {}
    for h in n.replicas():
        path = os.path.join(work, 'capture-%s-%s.pcap' % (phase, h.name))
        if os.path.exists(path):
            os.unlink(path)
        p = h.popen(['tcpdump', '-i', h.defaultIntf().name, '-Q', 'in',
                     '-n', '-U', '-s', '256', '-B', '16384', '-w', path],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        n.procs.append(p)   # Stopped with the network if the run fails.
        caps[h.name] = (p, path)
    for name, (p, _) in caps.items():
        line = p.stderr.readline().decode()
        if 'listening on' not in line:
            raise RuntimeError('tcpdump on %s: %r' % (name, line))
    return caps


def start_link_capture(n, work):
    """tcpdump -w of the Paxos frames s2 receives from s1 (port 4), in
    s2's namespace, for the Wireshark dissector's check; returns (process,
    file)."""
    path = os.path.join(work, 'capture-member-link-s2-eth4.pcap')
    if os.path.exists(path):
        os.unlink(path)
    p = n.net['s2'].popen(['tcpdump', '-i', 's2-eth4', '-Q', 'in', '-n',
                           '-U', '-s', '256', '-c', '20000', '-w', path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    n.procs.append(p)
    line = p.stderr.readline().decode()
    if 'listening on' not in line:
        raise RuntimeError('tcpdump on s2-eth4: %r' % line)
    return p, path


def dissect(path):
    """cxx-actions/paxos/wireshark/check_capture.py on a capture: its JSON
    summary and whether every Paxos frame decoded (None: no tshark)."""
    import json
    tool = os.path.join(TOP, 'cxx-actions', 'paxos', 'wireshark',
                        'check_capture.py')
    r = subprocess.run([PY, tool, path], capture_output=True, text=True)
    if r.returncode == 77:
        return None, None
    try:
        summary = json.loads(r.stdout)
    except ValueError:
        summary = {'output': r.stdout[-2000:], 'errors': r.stderr[-2000:]}
    return summary, r.returncode == 0


def stop_captures(caps):
    """Stops the captures; returns the frames each kernel dropped."""
    dropped = {}
    for p, _ in caps.values():
        p.send_signal(signal.SIGINT)
    for name, (p, _) in caps.items():
        try:
            err = p.communicate(timeout=10)[1].decode()
        except subprocess.TimeoutExpired:
            p.kill()
            err = p.communicate()[1].decode()
        m = re.search(r'(\d+) packets? dropped by kernel', err)
        dropped[name] = int(m.group(1)) if m else None
    return dropped


def read_pcap(path):
    """[(timestamp, kind, payload)] of a tcpdump -w file, in order: kind
    'udp' (a UDP datagram to the service port: its payload), 'paxos' (a
    Paxos frame, EtherType 0x7a00-0x7a4f), 'unknown' (any EtherType but
    IPv4, ARP, IPv6: what a Paxos value delivered as a frame would look
    like), 'other' (IPv4 but not to the service port, ARP, IPv6)."""
    out = []
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return out
    magic = struct.unpack('<I', data[:4])[0]
    order = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    scale = 1e-9 if magic in (0xa1b23c4d, 0x4d3cb2a1) else 1e-6
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(order + 'IIII',
                                           data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ts = sec + frac * scale
        if len(frame) < 14:
            continue
        etype = struct.unpack('!H', frame[12:14])[0]
        if 0x7a00 <= etype <= 0x7a4f:
            out.append((ts, 'paxos', b''))
            continue
        if etype not in (0x0800, 0x0806, 0x86dd):
            out.append((ts, 'unknown', b''))
            continue
        if etype != 0x0800 or len(frame) < 34 or frame[23] != 17:
            out.append((ts, 'other', b''))
            continue
        ihl = (frame[14] & 0x0f) * 4
        udp = 14 + ihl
        dport = struct.unpack('!H', frame[udp + 2:udp + 4])[0]
        if dport != paxos_line.SERVICE_PORT:
            out.append((ts, 'other', b''))
            continue
        length = struct.unpack('!H', frame[udp + 4:udp + 6])[0]
        out.append((ts, 'udp', frame[udp + 8:udp + length]))
    return out


def analyse(caps, sent):
    """The replica logs of one phase and what the module docstring
    defines: digests, missing, lost_at_entry, duplicates,
    noops_delivered; plus each log's (timestamp, message) list."""
    logs, times, noops, other = {}, {}, 0, 0
    for name, (_, path) in sorted(caps.items()):
        log, stamps = [], []
        for ts, kind, payload in read_pcap(path):
            msg = payload.decode(errors='replace')
            if kind == 'udp' and msg in sent:
                log.append(msg)
                stamps.append((ts, msg))
            elif kind == 'other':
                other += 1
            else:
                noops += 1
        logs[name], times[name] = log, stamps
    digests = {h: hashlib.sha256('\n'.join(log).encode()).hexdigest()
               for h, log in logs.items()}
    sets = [set(log) for log in logs.values()]
    union = set().union(*sets) if sets else set()
    common = set.intersection(*sets) if sets else set()
    fifo = True
    for log in logs.values():
        last = {}
        for msg in log:
            c, i = msg.split()
            if int(i) <= last.get(c, -1):
                fifo = False
            last[c] = int(i)
    return {
        'replicas': len(logs),
        'digests': digests,
        'distinct_digests': len(set(digests.values())),
        'delivered': {h: len(log) for h, log in logs.items()},
        'missing': len(union - common),
        'lost_at_entry': len(sent) - len(union),
        'duplicates': sum(len(log) - len(set(log)) for log in logs.values()),
        'noops_delivered': noops,
        'other_frames': other,
        'per_client_fifo': fifo,
    }, times


# ---- One phase: captures, clients, the fault schedule ----

def run_phase(n, work, phase, clients, per_client, rate, events=()):
    """Captures, all clients at once (per_client messages each at rate),
    the events [(seconds after the start, function)] on the way; returns
    (sent, caps, capture drops, start time, event log)."""
    caps = start_captures(n, work, phase)
    at = time.time() + 1.0
    senders = []
    for c in clients:
        senders.append(n.popen(c, [
            PY, APPS, 'send', '--to', '%s:%d' % (
                paxos_line.SERVICE_IP, paxos_line.SERVICE_PORT),
            '--name', c.name, '--count', str(per_client),
            '--rate', str(rate), '--at', str(at)]))
    log = []
    for offset, action in sorted(events, key=lambda e: e[0]):
        time.sleep(max(0.0, at + offset - time.time()))
        log.append(action())
        print('%6.2f s  %s %s' % (log[-1]['t'] - at, log[-1]['what'],
                                  log[-1].get('member', '')), flush=True)
    for s in senders:
        s.wait()
    bad = [s.returncode for s in senders if s.returncode]
    if bad:
        raise RuntimeError('senders failed: %s' % bad)
    # Everything sent; wait until the captures stop growing.
    last, still = -1, 0
    while still < 8:
        time.sleep(0.25)
        size = sum(os.path.getsize(p) for _, p in caps.values())
        still = still + 1 if size == last else 0
        last = size
    drops = stop_captures(caps)
    sent = {'%s %d' % (c.name, i) for c in clients for i in range(per_client)}
    return sent, caps, drops, at, log


def schedule(n, duration, kills, down, partition, cut_s):
    """The events of the Paxos phase: kills of the leader (restarted down
    s later) and the partition, spread evenly over the run, never at the
    same time (a majority must stay reachable)."""
    slots = kills + (1 if partition else 0)
    times = [duration * (j + 1) / (slots + 1) for j in range(slots)]
    cut_at = times.pop(len(times) // 2) if partition else None
    events, killed = [], {}

    def kill(k):
        def act():
            m, source = n.leader(why=True)
            killed[k] = m
            t = n.kill_member(m, signal.SIGKILL)
            # source: how the leader was known ('active': it said so;
            # 'named': the others did; 'default': nobody, s1 killed).
            return {'t': t, 'what': 'kill', 'member': m,
                    'leader_source': source}
        return act

    def restart(k):
        def act():
            m = killed[k]
            t = n.restart_member(m)
            # Until the controller has it in sync again: its flows back.
            synced = None
            while time.time() < t + 10:
                sw = n.ctl.switches().get(m, {})
                if sw.get('connected') and sw.get('in_sync'):
                    synced = round((time.time() - t) * 1000.0, 1)
                    break
                time.sleep(0.01)
            return {'t': t, 'what': 'restart', 'member': m,
                    'in_sync_ms': synced}
        return act

    def cut():
        t = time.time()
        n.links.cut(*PARTITION)
        return {'t': t, 'what': 'cut', 'link': '-'.join(PARTITION)}

    def heal():
        t = time.time()
        n.links.heal(*PARTITION)
        return {'t': t, 'what': 'heal', 'link': '-'.join(PARTITION)}

    for k, t in enumerate(times):
        events += [(t, kill(k)), (t + down, restart(k))]
    if partition:
        events += [(cut_at, cut), (cut_at + cut_s, heal)]
    return events


def failovers(times, events, at, rate):
    """failover_ms and first_delivery_after_kill_ms of each kill (None: no
    such delivery)."""
    stamps = sorted(x for log in times.values() for x in log)
    after, sent_after = [], []
    for e in events:
        if e['what'] != 'kill':
            continue
        first = next((ts for ts, _ in stamps if ts > e['t']), None)
        after.append(None if first is None else (first - e['t']) * 1000.0)
        new = next((ts for ts, msg in stamps if ts > e['t'] and
                    at + int(msg.split()[1]) / rate > e['t']), None)
        sent_after.append(None if new is None else (new - e['t']) * 1000.0)
    return sent_after, after


def per_second(times, at):
    """Deliveries per second at each replica, from the start."""
    out = {}
    for h, log in times.items():
        counts = {}
        for ts, _ in log:
            s = int(ts - at)
            counts[s] = counts.get(s, 0) + 1
        top = max(counts) if counts else -1
        out[h] = [counts.get(s, 0) for s in range(max(0, top + 1))]
    return out


def plot(res, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(10, 5))
    for h, ys in sorted(res['deliveries_per_second'].items()):
        ax.plot(range(len(ys)), ys, label=h, linewidth=1)
    styles = {'kill': ('red', '-'), 'restart': ('green', '--'),
              'cut': ('orange', '-'), 'heal': ('blue', '--')}
    seen = set()
    for e in res['events']:
        color, ls = styles[e['what']]
        label = e['what'] if e['what'] not in seen else None
        seen.add(e['what'])
        ax.axvline(e['t_s'], color=color, linestyle=ls, label=label)
        if e['what'] != 'heal':   # Its link is the cut's, just before.
            ax.text(e['t_s'], ax.get_ylim()[1] * 0.98, ' ' + e.get(
                'member', e.get('link', '')), color=color, fontsize=7,
                va='top')
    ax.set_xlim(0, max(res['duration_s'], max(
        (len(ys) for ys in res['deliveries_per_second'].values()),
        default=0)))
    ax.set_xlabel('time since the clients started (s)')
    ax.set_ylabel('client messages delivered per second')
    ax.set_title('Paxos under faults: %d messages, %d kills, %s; '
                 '%d distinct digests (negative control: %d)'
                 % (res['messages'], res['leader_kills'],
                    'fault tolerance' if res['fault_tolerance']
                    else 'fixed leader', res['distinct_digests'],
                    res['negative_control_digests']), fontsize=9)
    ax.legend(loc='lower right', fontsize='small', ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def run(args):
    if args.short:
        defaults = dict(messages=4800, kills=1, rate=100.0, neg=1500)
    else:
        defaults = dict(messages=100002, kills=3, rate=300.0, neg=6000)
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.no_kills:
        args.kills = 0
    ft = None
    if args.fault_tolerance and not args.fixed_leader:
        h, t, s = (int(x) for x in args.fault_tolerance.split(','))
        ft = {'heartbeat_ms': h, 'timeout_ms': t, 'log_slots': s}
    faults = None if args.no_faults else FAULTS
    at_members = args.clients_at.split(',')
    if not at_members or any(m not in MEMBERS for m in at_members):
        raise SystemExit('--clients-at: members of %s' % ','.join(MEMBERS))
    n_clients = args.clients_per_member * len(at_members)
    per_client = -(-args.messages // n_clients)
    neg_per_client = -(-args.neg // n_clients)
    work = os.path.join(BUILD, 'experiment-paxos-faults')
    paxos_doc = paxos_line.deployment(
        'learning', args.clients_per_member, paxos=True,
        client_members=at_members, fault_tolerance=ft)
    with PaxosNetwork(work, 'learning', paxos=False, mirror=True,
                      n_clients=args.clients_per_member,
                      client_members=at_members, member_faults=faults,
                      seed=args.seed) as n:
        for h in n.replicas():
            n.popen_ready(h, [PY, APPS, 'sink', '--port',
                              str(paxos_line.SERVICE_PORT)])
        clients = sorted(n.clients(), key=lambda c: int(c.name[1:]))
        print('negative control: %d clients x %d, mirroring'
              % (len(clients), neg_per_client), flush=True)
        neg_sent, neg_caps, neg_drops, _, _ = run_phase(
            n, work, 'mirror', clients, neg_per_client, args.rate)
        neg, _ = analyse(neg_caps, neg_sent)
        print('negative control: %d distinct digests'
              % neg['distinct_digests'], flush=True)
        n.put_deployment(paxos_doc)
        duration = per_client / args.rate
        events = schedule(n, duration, args.kills, args.down,
                          not args.no_partition, args.cut)
        print('paxos: %d clients x %d at %g/s (%.0f s), %d kills'
              % (len(clients), per_client, args.rate, duration, args.kills),
              flush=True)
        link_cap = start_link_capture(n, work)
        sent, caps, drops, at, log = run_phase(
            n, work, 'paxos', clients, per_client, args.rate, events)
        stop_captures({'s2-eth4': link_cap})
        shows = {m: n.appctl(m, 'paxos/show') for m in MEMBERS}
        # A restarted member is back when the controller has it in sync
        # again (its flows reconciled).
        sws = n.ctl.switches()
        conns = {m: {'in_sync': sws[m]['in_sync'],
                     'last_sync': sws[m]['last_sync']} for m in MEMBERS}
    res, times = analyse(caps, sent)
    res['dissector'], res['dissector_ok'] = dissect(link_cap[1])
    links = n.links_summary(paxos_line.MEMBER_LINKS)
    fo, fo_any = failovers(times, log, at, args.rate)
    res.update({
        'messages': len(sent),
        'clients': len(clients),
        'clients_at': at_members,
        'rate_per_client': args.rate,
        'duration_s': round(per_client / args.rate, 2),
        'short': args.short,
        'fault_tolerance': ft,
        'faults_configured': faults,
        'loss_rate': links['loss_rate'],
        'dup_rate': links['dup_rate'],
        'reorder_rate': links['reorder_rate'],
        'leader_kills': sum(1 for e in log if e['what'] == 'kill'),
        'partitions': sum(1 for e in log if e['what'] == 'cut'),
        'negative_control_digests': neg['distinct_digests'],
        'negative_control': dict(neg, messages=len(neg_sent),
                                 capture_dropped=neg_drops),
        'failover_ms': fo,
        'failover_median_ms': median(fo),
        'restart_in_sync_ms': [e['in_sync_ms'] for e in log
                               if e['what'] == 'restart'],
        'first_delivery_after_kill_ms': fo_any,
        'capture_dropped': drops,
        'controller_view': conns,
        'events': [dict(e, t_s=round(e['t'] - at, 3)) for e in log],
        'deliveries_per_second': per_second(times, at),
        'member_links': links,
        'all_links': n.links_summary(),
        'seed': n.link_stats.get('seed'),
    })
    harness.write_json(args.out, 'paxos-faults.json', res)
    with open(os.path.join(args.out, 'paxos-faults-show.txt'), 'w') as f:
        for m, text in shows.items():
            f.write('== %s\n%s\n' % (m, text))
    plot(res, os.path.join(args.out, 'paxos-faults.png'))
    keys = ('messages', 'loss_rate', 'dup_rate', 'reorder_rate',
            'leader_kills', 'partitions', 'replicas', 'distinct_digests',
            'missing', 'lost_at_entry', 'duplicates', 'noops_delivered',
            'other_frames',
            'negative_control_digests', 'failover_ms', 'failover_median_ms',
            'first_delivery_after_kill_ms', 'restart_in_sync_ms',
            'delivered', 'capture_dropped',
            'controller_view')
    for k in keys:
        print('%-26s %s' % (k, res[k]))
    c = harness.Checks('paxos-faults')
    if not c.check('negative control: mirroring gives replicas that disagree',
                   neg['distinct_digests'] >= 2,
                   '%d distinct digests' % neg['distinct_digests']):
        print('the negative control agreed: this run proved nothing')
    c.check('all replica logs identical', res['distinct_digests'] == 1,
            '%d distinct digests' % res['distinct_digests'])
    c.check('missing 0 (delivered at some replica, not at all)',
            res['missing'] == 0, '%d missing' % res['missing'])
    c.check('duplicates 0', res['duplicates'] == 0,
            '%d duplicates' % res['duplicates'])
    c.check('noops_delivered 0', res['noops_delivered'] == 0,
            '%d non-client frames at replicas' % res['noops_delivered'])
    c.check('something delivered', min(res['delivered'].values()) > 0,
            '%s' % res['delivered'])
    if args.kills:
        c.check('leader killed %d times' % args.kills,
                res['leader_kills'] == args.kills, str(res['leader_kills']))
        if ft:
            sources = [e['leader_source'] for e in log
                       if e['what'] == 'kill']
            c.check('every kill hit the leader its members named',
                    all(x != 'default' for x in sources), str(sources))
        # Safety is checked (above); liveness under kills and the 200 ms
        # failover target are reported as targets (liveness_target_met,
        # failover_target_met) and printed as TARGET lines: on this shared
        # 2-vCPU machine the full run does not yet keep ordering after
        # every kill (cxx-actions/paxos/README.md, "What it does not").
        res['liveness_target_met'] = None not in fo
        res['failover_target_met'] = (
            res['failover_median_ms'] is not None
            and res['failover_median_ms'] <= 200)
        print('TARGET every kill followed by a delivery of a message sent '
              'after it: %s (%s)'
              % ('met' if res['liveness_target_met'] else 'NOT met', fo),
              flush=True)
        print('TARGET failover_median_ms <= 200: %s (%s ms)'
              % ('met' if res['failover_target_met'] else 'NOT met',
                 res['failover_median_ms']), flush=True)
    if faults:
        c.check('link faults in effect (member links: loss >= 0.045, '
                'duplication, reordering)',
                res['loss_rate'] >= 0.045 and res['dup_rate'] > 0 and
                res['reorder_rate'] > 0, 'loss %.4f dup %.4f reorder %.4f'
                % (res['loss_rate'], res['dup_rate'], res['reorder_rate']))
    c.check('every member connected to the controller and in sync at '
            'the end', all(v['in_sync'] for v in conns.values()),
            str({m: v['in_sync'] for m, v in conns.items()}))
    if res.get('dissector_ok') is not None:
        types = (res['dissector'] or {}).get('per_type', {})
        c.check('the Wireshark dissector decodes the member link capture '
                '(ACCEPT, LEARN, HEARTBEAT at least)',
                res['dissector_ok'] and all(
                    types.get(t) for t in ('ACCEPT', 'LEARN', 'HEARTBEAT')),
                str(types))
    c.check('captures complete (no frame dropped by tcpdump)',
            all(v == 0 for v in list(drops.values()) +
                list(neg_drops.values())), '%s %s' % (drops, neg_drops))
    return c.done()


def arguments(p):
    p.add_argument('--short', action='store_true',
                   help='CI: 4,800 messages, 1 kill (default: 100,002, 3)')
    p.add_argument('--messages', type=int, default=None)
    p.add_argument('--neg', type=int, default=None,
                   help='messages of the negative control (1,500 / 6,000)')
    p.add_argument('--clients-per-member', type=int, default=2)
    p.add_argument('--clients-at', default=','.join(MEMBERS),
                   help='the members with clients (default: %(default)s; '
                   'clients at s1 alone over clean links make the negative '
                   'control agree: the run then says it proved nothing)')
    p.add_argument('--rate', type=float, default=None,
                   help='messages per second per client (100 / 300)')
    p.add_argument('--kills', type=int, default=None)
    p.add_argument('--down', type=float, default=1.5,
                   help='seconds a killed leader stays down')
    p.add_argument('--cut', type=float, default=1.0,
                   help='seconds the s2-s3 link stays cut')
    p.add_argument('--no-faults', action='store_true',
                   help='no loss, duplication, reordering on member links')
    p.add_argument('--no-kills', action='store_true')
    p.add_argument('--no-partition', action='store_true')
    p.add_argument('--fault-tolerance', metavar='H,T,S',
                   default='20,100,16384',
                   help='heartbeat_ms,timeout_ms,log_slots of the '
                   'fault-tolerant protocol (deployment fault_tolerance)')
    p.add_argument('--fixed-leader', action='store_true',
                   help='the fixed-leader protocol instead')
    p.add_argument('--seed', type=int, default=20261201,
                   help='the link emulator\'s seed')


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-experiment', run, arguments))
