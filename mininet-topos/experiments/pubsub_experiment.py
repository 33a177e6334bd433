#!/usr/bin/python3
"""Publish/subscribe with dz-expressions on mininet-topos/pubsub_net.py (a
tree of 7 switches set up by cxxa-controller's pubsub application):
4 publishers (on s4, s5, s6, s7: dz 0, 01, 1, 11) and 24 subscribers (3
or 4 on every switch) with random dz of lengths 1..23.  Events are
published at a fixed rate; half of them under a random subscription, the
others anywhere in the publisher's dz.  Every expected delivery is
computed here from the subscriptions (a dz covers an event if it is a
prefix of the event's dz), never from the flows.

  main      filter and covering on: deliveries, false negatives, false
            positives (with the filter); flows per switch
  nofilter  the same events, the filter off: false positives without it
  first     10 subscriptions while events flow: time from the control
            message to the subscriber's first event
  churn     1,000 subscribe/un-subscribe (4 subscribers add and remove
            extra dz) while events flow: events of the subscriptions held
            throughout that were lost
  curve     false-positive rate (filter off) and flow count against the
            longest dz used, 4..23 (and 32, 48, 64: IPv4 destinations cut
            to 23 bits; the filter keeps delivery exact), with and without
            covering
  scale     10,000 subscriptions (REST, on 160 hosts that exist only in
            the controller): flows after covering, with and without it
  broker    the same publishers, subscribers and events through Debian's
            mosquitto (on h15, s1 port 5; one topic level per dz bit, a
            subscriber subscribed to pubsub/ITS/BITS/#, QoS 0; its TCP
            forwarded by NORMAL flows) against the switches' flows:
            rising rates, events per second until the first loss, median
            and p99 latency at the lowest rate

Results: OUT/pubsub.json, OUT/pubsub.png.  --short: fewer events, churn
and curve points (about a minute).  Needs root."""
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import harness  # noqa: E402
from paths import BUILD  # noqa: E402
from pubsub_net import (SWITCHES, PubsubNetwork, compare,  # noqa: E402
                        covers, expected_deliveries, host_body, host_ip,
                        run_phase)

PUBLISHERS = {'h41': '0', 'h51': '01', 'h61': '1', 'h71': '11'}
SUBSCRIBERS = ['h%d%d' % (s, p) for s in range(1, 8) for p in (2, 3, 4)] \
    + ['h45', 'h55', 'h65']
CHURNERS = ['h12', 'h22', 'h32', 'h42']


def rand_bits(rng, n):
    return ''.join(rng.choice('01') for _ in range(n))


def random_subs(rng, max_len, lo=1):
    return {h: [rand_bits(rng, rng.randint(lo, max_len))]
            for h in SUBSCRIBERS}


def events_for(rng, adv, subs, n, bits):
    """n event dz of 'bits' bits under adv, in turn: under a random
    subscription that overlaps adv; under the first 23 bits of one (what
    the IPv4 address keeps of a longer dz); anywhere under adv."""
    under = [s for ss in subs.values() for s in ss
             if covers(s, adv) or covers(adv, s)]
    out = []
    for i in range(n):
        base = adv
        if i % 3 < 2 and under:
            s = rng.choice(under)
            s = s if i % 3 == 0 else s[:23]
            base = s if len(s) > len(adv) else adv
        out.append(base + rand_bits(rng, bits - len(base)))
    return out


def pub_events(rng, subs, n, bits):
    return {h: events_for(rng, adv, subs, n, bits)
            for h, adv in PUBLISHERS.items()}


def flow_stats(nw):
    per = nw.state()['counters']['flows_per_switch']
    vals = [per[s] for s in SWITCHES]
    return {'max': max(vals), 'mean': round(statistics.mean(vals), 2),
            'total': sum(vals)}


def replace_subscriptions(nw, old, new):
    """Through REST: removes old {host: [dz]}, adds new in one request."""
    for h, ds in old.items():
        for d in ds:
            code, r = nw.call('DELETE', '/pubsub/subscription',
                              {'ip': host_ip(h), 'dz': d or '*'})
            if code != 200:
                raise RuntimeError('DELETE %s %s: %s' % (h, d, r))
    body = {'subscriptions': [host_body(h, d) for h, ds in new.items()
                              for d in ds]}
    code, r = nw.call('POST', '/pubsub/subscriptions', body)
    if code != 200:
        raise RuntimeError('POST /pubsub/subscriptions: %s' % r)
    nw.wait_synced()


def run_first(nw, args, rng, subs):
    """Time from a subscription's control message to its first event."""
    trials = []

    def during():
        time.sleep(0.3)
        for k in range(args.first_trials):
            h = SUBSCRIBERS[-1 - k]
            # A dz the host does not hold (un-subscribing must leave its
            # own subscriptions alone).
            d = '0' if k % 2 == 0 else '1'
            if d in subs[h]:
                d = '1' if d == '0' else '0'
            t0 = nw.control(h, 'sub:' + d)[0]
            time.sleep(0.3)
            nw.control(h, 'unsub:' + d)
            time.sleep(0.15)
            trials.append((h, d, t0))
    n = int(args.rate * (0.5 + 0.45 * args.first_trials))
    pubs = {'h41': ['0' + rand_bits(rng, 22) for _ in range(200)],
            'h61': ['1' + rand_bits(rng, 22) for _ in range(200)]}
    _, received, _ = run_phase(nw, args.work, 'first', SUBSCRIBERS, pubs, n,
                               args.rate, during)
    delays = []
    for h, d, t0 in trials:
        firsts = [r[3] for r in received[h] if r[3] >= t0
                  and covers(d, r[2]) and not any(covers(s, r[2])
                                                  for s in subs[h])]
        if firsts:
            delays.append((min(firsts) - t0) * 1000.0)
    return delays, len(trials)


def run_churn(nw, args, rng, subs, c):
    """args.churn subscribe/un-subscribe changes while events flow."""
    per_host = args.churn // len(CHURNERS)
    ops = {}
    for h in CHURNERS:
        seq = []
        for _ in range(per_host // 2):
            d = rand_bits(rng, rng.randint(1, 23))
            while d in subs[h]:
                d = rand_bits(rng, rng.randint(1, 23))
            seq += ['sub:' + d, 'unsub:' + d]
        ops[h] = seq
    gap_ms = args.churn_gap
    duration = per_host * (gap_ms + 8) / 1000.0 + 2
    before = nw.state()['counters']['messages']

    def during():
        time.sleep(0.5)
        procs = [nw.control_popen(h, seq, gap_ms) for h, seq in ops.items()]
        for p in procs:
            p.wait(timeout=600)
    n = int(args.rate * duration)
    published, received, _ = run_phase(
        nw, args.work, 'churn', SUBSCRIBERS, pub_events(rng, subs, 500, 23),
        n, args.rate, during)
    after = nw.state()['counters']['messages']
    changes = sum(after.get(k, 0) - before.get(k, 0)
                  for k in ('subscribe', 'unsubscribe'))
    want = expected_deliveries(published, subs)
    lost = sum(len(want[h] - {(r[0], r[1]) for r in received[h]})
               for h in SUBSCRIBERS)
    entitled = sum(len(w) for w in want.values())
    c.check('churn: %d changes accepted' % changes,
            changes == len(CHURNERS) * (per_host // 2) * 2, changes)
    c.check('churn: events of the held subscriptions arrived',
            entitled > 0, entitled)
    return changes, lost, entitled, sum(len(p) for p in published.values())


def run_curve(nw, args, rng, current):
    """Per longest dz L: the same subscriptions and events, with and
    without covering."""
    points = []
    for L in args.curve:
        bits = max(L, 23)
        subs = random_subs(rng, L)
        events = pub_events(rng, subs, args.curve_events, bits)
        for covering in (True, False):
            nw.reconfigure({'covering': covering, 'filter': False,
                            'max_dz_bits': 64})
            replace_subscriptions(nw, current, subs)
            current = subs
            fl = flow_stats(nw)
            published, received, _ = run_phase(
                nw, args.work, 'curve', SUBSCRIBERS, events,
                args.curve_events, args.rate)
            fn, fp, got = compare(published, received, subs)
            points.append({'longest_dz': L, 'covering': covering,
                           'ipv4_cut': L > 23, 'flows_total': fl['total'],
                           'flows_max': fl['max'], 'deliveries': got,
                           'false_positives': fp, 'false_negatives': fn,
                           'false_positive_rate':
                           round(fp / (fp + got), 4) if fp + got else 0})
            print('curve: longest %2d covering %-5s flows %4d fp rate %.3f '
                  '(fn %d)' % (L, covering, fl['total'],
                               points[-1]['false_positive_rate'], fn))
    return points, current


def run_scale(nw, args, rng, c):
    """args.scale subscriptions on hosts known only to the controller."""
    nw.reconfigure({'covering': True, 'max_hosts': 4096,
                    'max_entries': 100000})
    subs = []
    n_hosts = (args.scale + 62) // 63
    for i in range(n_hosts):
        sw = 1 + i % 7
        for k in range(min(63, args.scale - 63 * i)):
            subs.append({'switch': 's%d' % sw, 'port': 20 + i % 40,
                         'ip': '10.1.%d.%d' % (i // 250, 1 + i % 250),
                         'mac': '02:00:00:01:%02x:%02x' % (i // 256, i % 256),
                         'dz': rand_bits(rng, rng.randint(1, 23))})
    t0 = time.monotonic()
    refused = []
    for i in range(0, len(subs), args.scale_batch):
        code, r = nw.call('POST', '/pubsub/subscriptions',
                          {'subscriptions': subs[i:i + args.scale_batch]})
        if code != 200:
            refused.append(r)
    nw.wait_synced(timeout=300)
    took = time.monotonic() - t0
    c.check('scale: %d subscriptions accepted' % len(subs), not refused,
            refused[:1])
    st = nw.state()['counters']
    with_cov = flow_stats(nw)
    nw.reconfigure({'covering': False, 'max_hosts': 4096,
                    'max_entries': 100000})
    nw.wait_synced(timeout=300)
    without = flow_stats(nw)
    print('scale: %d subscriptions on %d hosts: %d flows with covering, %d '
          'without' % (st['subscriptions'], st['hosts'], with_cov['total'],
                       without['total']))
    return {'subscriptions': st['subscriptions'], 'hosts': st['hosts'],
            'install_s': round(took, 2), 'flows_with_covering': with_cov,
            'flows_without_covering': without}


BROKER = 'h15'
MOSQUITTO_CONF = 'listener 1883 0.0.0.0\nallow_anonymous true\n' \
    'max_queued_messages 100000\n'


def latencies(received):
    return sorted((r[3] - r[4]) * 1000.0 for rows in received.values()
                  for r in rows)


def pct(sorted_vals, q):
    if not sorted_vals:
        return None
    return round(sorted_vals[min(len(sorted_vals) - 1,
                                 int(len(sorted_vals) * q))], 3)


def run_ramp(nw, args, rng, subs, broker):
    """Rising rates through one path: per rate, losses and latencies."""
    steps = []
    for rate in args.ramp:
        count = int(rate * args.ramp_seconds)
        published, received, _ = run_phase(
            nw, args.work, 'ramp', SUBSCRIBERS,
            pub_events(rng, subs, 500, 23), count, rate,
            broker=(host_ip(BROKER), subs) if broker else None)
        fn, fp, got = compare(published, received, subs)
        lat = latencies(received)
        steps.append({'rate_per_publisher': rate,
                      'events_per_s': rate * len(PUBLISHERS),
                      'deliveries': got, 'lost': fn, 'false_positives': fp,
                      'latency_ms_median': pct(lat, 0.5),
                      'latency_ms_p99': pct(lat, 0.99)})
        print('%s: %5d events/s: %d delivered, %d lost, median %s ms, p99 '
              '%s ms' % ('broker' if broker else 'switch',
                         steps[-1]['events_per_s'], got, fn,
                         steps[-1]['latency_ms_median'],
                         steps[-1]['latency_ms_p99']))
    until = 0
    for st in steps:
        if st['lost']:
            break
        until = st['events_per_s']
    return {'steps': steps, 'events_per_s_until_first_loss': until,
            'latency_ms_median': steps[0]['latency_ms_median'],
            'latency_ms_p99': steps[0]['latency_ms_p99']}


def run_broker(nw, args, rng, subs):
    conf = os.path.join(args.work, 'mosquitto.conf')
    with open(conf, 'w') as f:
        f.write(MOSQUITTO_CONF)
    nw.popen(nw[BROKER], ['mosquitto', '-c', conf])
    deadline = time.monotonic() + 10
    while 'LISTEN' not in nw[BROKER].cmd('ss -ltn sport = :1883'):
        if time.monotonic() > deadline:
            raise RuntimeError('mosquitto did not listen on 1883')
        time.sleep(0.1)
    broker = run_ramp(nw, args, rng, subs, True)
    switch = run_ramp(nw, args, rng, subs, False)

    def ratio(a, b):
        return round(a / b, 2) if a and b else None
    return broker, switch, {
        'events_per_s_until_first_loss_switch_over_broker': ratio(
            switch['events_per_s_until_first_loss'],
            broker['events_per_s_until_first_loss']),
        'latency_median_broker_over_switch': ratio(
            broker['latency_ms_median'], switch['latency_ms_median']),
        'latency_p99_broker_over_switch': ratio(
            broker['latency_ms_p99'], switch['latency_ms_p99'])}


def run(args):
    args.work = os.path.join(BUILD, 'mininet-pubsub-experiment')
    os.makedirs(args.work, exist_ok=True)
    if args.short:
        args.events, args.churn, args.first_trials = 200, 200, 4
        args.curve, args.curve_events = [4, 12, 23, 64], 100
        args.scale = 2000
        args.ramp, args.ramp_seconds = [100, 400, 1600], 1.5
    c = harness.Checks('pubsub experiment')
    rng = random.Random(args.seed)
    subs = random_subs(rng, 23)
    hosts = sorted(set(PUBLISHERS) | set(SUBSCRIBERS) | {BROKER})
    res = {'publishers': len(PUBLISHERS), 'subscribers': len(SUBSCRIBERS),
           'switches': len(SWITCHES), 'rate_per_publisher': args.rate,
           'short': args.short}
    normal = ['priority=1,actions=NORMAL']   # The broker's TCP.
    with PubsubNetwork(args.work, hosts, {}, normal) as nw:
        for h, d in sorted(PUBLISHERS.items()):
            nw.control(h, 'adv:' + d)
        for h, ds in sorted(subs.items()):
            nw.control(h, *['sub:' + d for d in ds])
        expect = {host_ip(h): (subs.get(h, []),
                               [PUBLISHERS[h]] if h in PUBLISHERS else [])
                  for h in hosts if h != BROKER}
        nw.wait_hosts(expect)
        fl = flow_stats(nw)
        events = pub_events(rng, subs, args.events, 23)

        published, received, summ = run_phase(
            nw, args.work, 'main', SUBSCRIBERS, events, args.events,
            args.rate)
        fn, fp_with, got = compare(published, received, subs)
        want = expected_deliveries(published, subs)
        lat = sorted(x for h in SUBSCRIBERS for x in
                     ([summ[h]['latency_ms_median']]
                      if summ[h]['latency_ms_median'] is not None else []))
        res.update({
            'events_published': sum(len(p) for p in published.values()),
            'deliveries_expected': sum(len(w) for w in want.values()),
            'deliveries': got, 'false_negatives': fn,
            'false_positives_with_filter': fp_with,
            'flows_per_switch': {'max': fl['max'], 'mean': fl['mean']},
            'switch_latency_ms_median_of_subscribers':
            statistics.median(lat) if lat else None})
        print('main: %d events, %d deliveries of %d expected, fn %d, fp %d'
              % (res['events_published'], got, res['deliveries_expected'],
                 fn, fp_with))

        nw.reconfigure({'filter': False})
        published, received, _ = run_phase(
            nw, args.work, 'nofilter', SUBSCRIBERS, events, args.events,
            args.rate)
        fn_off, fp_off, _ = compare(published, received, subs)
        res['false_positives_without_filter'] = fp_off
        res['false_negatives_without_filter'] = fn_off
        print('no filter: fp %d, fn %d' % (fp_off, fn_off))
        nw.reconfigure({})

        delays, trials = run_first(nw, args, rng, subs)
        nw.wait_hosts(expect)   # Every trial withdrawn, nothing else.
        res['subscribe_to_first_event_ms'] = (
            round(statistics.median(delays), 2) if delays else None)
        res['subscribe_to_first_event_trials'] = trials
        res['subscribe_to_first_event_all_ms'] = [round(d, 2)
                                                  for d in delays]
        print('first event after subscribing: median %s ms over %d'
              % (res['subscribe_to_first_event_ms'], len(delays)))

        changes, lost, entitled, n_ev = run_churn(nw, args, rng, subs, c)
        res.update({'churn_changes': changes, 'churn_false_negatives': lost,
                    'churn_deliveries_expected': entitled,
                    'churn_events_published': n_ev})
        print('churn: %d changes, %d of %d entitled events lost'
              % (changes, lost, entitled))

        res['broker'], res['switch'], res['ratios'] = run_broker(
            nw, args, rng, subs)

        points, subs = run_curve(nw, args, rng, subs)
        res['curve'] = points

        st = nw.state()['counters']
        pins = nw.packet_ins()
        res['controller_event_packets'] = st['event_packet_ins']
        res['packet_ins'] = pins
        res['control_messages_sent'] = nw.n_control
        res['scale'] = run_scale(nw, args, rng, c)
    c.check('false_negatives 0', res['false_negatives'] == 0,
            res['false_negatives'])
    c.check('false_positives_with_filter 0',
            res['false_positives_with_filter'] == 0,
            res['false_positives_with_filter'])
    c.check('false positives without the filter (negative control)',
            res['false_positives_without_filter'] > 0,
            res['false_positives_without_filter'])
    c.check('churn_false_negatives 0', res['churn_false_negatives'] == 0,
            res['churn_false_negatives'])
    c.check('controller_event_packets 0',
            res['controller_event_packets'] == 0
            and res['packet_ins'] == res['control_messages_sent'],
            (res['controller_event_packets'], res['packet_ins'],
             res['control_messages_sent']))
    plot(res, os.path.join(args.out, 'pubsub.png'))
    print('wrote', harness.write_json(args.out, 'pubsub.json', res))
    return c.done()


def plot(res, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for covering, style in ((True, 'o-'), (False, 's--')):
        pts = [p for p in res['curve'] if p['covering'] == covering]
        xs = [p['longest_dz'] for p in pts]
        label = 'covering' if covering else 'no covering'
        axes[0].plot(xs, [p['false_positive_rate'] for p in pts], style,
                     label=label)
        axes[1].plot(xs, [p['flows_total'] for p in pts], style,
                     label=label)
    axes[0].set_title('false-positive rate without the filter', fontsize=10)
    axes[1].set_title('event flows in the 7 switches', fontsize=10)
    for ax in axes:
        ax.set_xlabel('longest subscription dz (bits; > 23: IPv4 cut)')
        ax.axvline(23, color='grey', lw=0.5)
        ax.legend(fontsize=8)
    fig.suptitle('pubsub: %d publishers, %d subscribers (with the filter: '
                 '%d false positives)' % (res['publishers'],
                                          res['subscribers'],
                                          res['false_positives_with_filter']))
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def arguments(p):
    p.add_argument('--short', action='store_true',
                   help='fewer events, churn and curve points')
    p.add_argument('--seed', type=int, default=18)
    p.add_argument('--rate', type=float, default=200,
                   help='events per second per publisher')
    p.add_argument('--events', type=int, default=1000,
                   help='events per publisher (main, nofilter)')
    p.add_argument('--churn', type=int, default=1000)
    p.add_argument('--churn-gap', type=float, default=20,
                   help='ms between a churning host\'s changes')
    p.add_argument('--first-trials', type=int, default=10)
    p.add_argument('--curve', type=lambda s: [int(x) for x in s.split(',')],
                   default=[4, 8, 12, 16, 20, 23, 32, 48, 64])
    p.add_argument('--curve-events', type=int, default=200)
    p.add_argument('--scale', type=int, default=10000)
    p.add_argument('--scale-batch', type=int, default=250,
                   help='subscriptions per POST /pubsub/subscriptions')
    p.add_argument('--ramp', type=lambda s: [int(x) for x in s.split(',')],
                   default=[100, 200, 400, 800, 1600, 3200],
                   help='events/s per publisher, broker and switch')
    p.add_argument('--ramp-seconds', type=float, default=3)


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-pubsub', run, arguments))
