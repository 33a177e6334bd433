#!/usr/bin/python3
"""Publish/subscribe end to end on mininet-topos/pubsub_net.py (a tree of
7 switches), every host action through its control messages
(pubsub_host.py), every check against deliveries computed here from the
subscriptions, independently of the flows.

Three publishers (on s4, s6, s1: a merge of trees when the second
advertises a dz that covers the third's), seven subscribers on s1, s4,
s5, s6, s7 (one of 26 bits, cut to 23 in the address; one covering
another on the same switch; one with two subscriptions); malformed
control messages are counted and change nothing.

  A  filter on:  every entitled event arrives, no other one (0 false
     positives), the switches' filters dropped some;
  B  filter off (PUT /deployment): the same events bring false positives
     (> 0: the negative control of A) and still no loss;
  C  subscription changes while events flow: h51 subscribes and
     un-subscribes 00 ten times, h62 un-subscribes and subscribes again;
     no event of a subscription held throughout is lost, the changing
     subscription gets events while it holds;
  D  un-advertise and un-subscribe: the publisher's events reach no one,
     the controller has no host left.

Throughout: the controller got exactly the control messages as
packet-ins (so 0 events) and counted 0 event packet-ins.

Exit status 0 on success.  Needs root."""
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'mininet-topos'))

import harness  # noqa: E402
from paths import BUILD  # noqa: E402
from pubsub_net import (PubsubNetwork, compare,  # noqa: E402
                        expected_deliveries, host_ip, run_phase)

PUBLISHERS = {'h41': '0', 'h61': '1', 'h11': '10'}
LONG = '01101010101010101010101011'     # 26 bits.
SUBSCRIBERS = {'h42': ['0110', LONG], 'h51': ['01'], 'h52': ['0'],
               'h62': ['10'], 'h71': ['1011'], 'h72': ['0', '111'],
               'h12': ['1']}
HOSTS = sorted(set(PUBLISHERS) | set(SUBSCRIBERS))
SECTION = {'max_dz_bits': 30}


def random_dz(rng, prefix, bits=30):
    return prefix + ''.join(rng.choice('01')
                            for _ in range(bits - len(prefix)))


def events_for(rng, prefix, n):
    """n event dz under prefix, some forced under the subscriptions so
    that every subscriber is entitled to some (and LONG's 23-bit address
    twins, which only the filter tells apart)."""
    out = []
    for i in range(n):
        if prefix == '0' and i % 5 == 0:
            out.append(random_dz(rng, LONG[:23] if i % 10 else LONG))
        elif prefix == '1' and i % 4 == 0:
            out.append(random_dz(rng, '1011' if i % 8 else '111'))
        else:
            out.append(random_dz(rng, prefix))
    return out


def run(args):
    c = harness.Checks('mininet pubsub')
    work = os.path.join(BUILD, 'mininet-pubsub')
    rng = random.Random(18)
    with PubsubNetwork(work, HOSTS, SECTION) as nw:
        # Advertisements: h11's 10 first, then h61's 1 covers it (a new
        # tree, rooted at h61's switch s6, takes both), h41's 0 another.
        nw.control('h11', 'adv:10')
        nw.wait_hosts({host_ip('h11'): ([], ['10'])})
        for h, dz in sorted(PUBLISHERS.items()):
            if h != 'h11':
                nw.control(h, 'adv:' + dz)
        for h, subs in sorted(SUBSCRIBERS.items()):
            nw.control(h, *['sub:' + s for s in subs])
        expect = {host_ip(h): (SUBSCRIBERS.get(h, []),
                               [PUBLISHERS[h]] if h in PUBLISHERS else [])
                  for h in HOSTS}
        nw.wait_hosts(expect)
        st = nw.state()
        trees = {t['dz']: (t['root'], sorted(p['ip'] for p in t['publishers']))
                 for t in st['trees']}
        c.check('trees: 1 (root s6) took over 10, 0 (root s4)',
                trees == {'0': ('s4', [host_ip('h41')]),
                          '1': ('s6', sorted([host_ip('h11'),
                                              host_ip('h61')]))}, trees)
        c.check('every message type counted',
                st['counters']['messages'] == {'advertise': 3,
                                               'subscribe': 9},
                st['counters']['messages'])

        # Malformed control messages: counted, nothing changes.
        nw.control('h71', 'raw:0003000000', 'raw:000300000000000100',
                   'raw:0918000000000001', 'raw:00030100000000000000')
        time.sleep(1)
        st2 = nw.state()
        bad = st2['counters']['malformed']
        c.check('malformed control messages counted',
                bad == {'truncated': 2, 'bad_length': 1, 'bad_type': 1}, bad)
        c.check('malformed messages changed nothing',
                st2['hosts'] == st['hosts'] and st2['flows'] == st['flows'])

        pubs = {h: events_for(rng, dz, 60) for h, dz in PUBLISHERS.items()}
        # A: the filter on.
        before = nw.filter_counters()
        published, received, _ = run_phase(nw, work, 'a', SUBSCRIBERS, pubs,
                                           60, 100)
        fn, fp, got = compare(published, received, SUBSCRIBERS)
        print('A (filter): %d deliveries, %d false negatives, %d false '
              'positives' % (got, fn, fp))
        c.check('A: every subscriber got events',
                all(received[h] for h in SUBSCRIBERS),
                {h: len(r) for h, r in received.items()})
        c.check('A: no false negative', fn == 0, fn)
        c.check('A: no false positive with the filter', fp == 0, fp)
        after = nw.filter_counters()
        filtered = sum(after[b]['filtered'] - before.get(b, {}).get(
            'filtered', 0) for b in after)
        c.check('A: the switches\' filters dropped events', filtered > 0,
                after)

        # B: the filter off, the same events.
        nw.reconfigure(dict(SECTION, filter=False))
        published, received, _ = run_phase(nw, work, 'b', SUBSCRIBERS, pubs,
                                           60, 100)
        fn, fp_off, got = compare(published, received, SUBSCRIBERS)
        print('B (no filter): %d deliveries, %d false negatives, %d false '
              'positives' % (got, fn, fp_off))
        c.check('B: false positives without the filter (negative control)',
                fp_off > 0, fp_off)
        c.check('B: no false negative', fn == 0, fn)
        nw.reconfigure(SECTION)

        # C: changes while events flow.
        def churn():
            time.sleep(0.3)
            for _ in range(10):
                nw.control('h51', 'sub:00')
                time.sleep(0.15)
                nw.control('h51', 'unsub:00')
                time.sleep(0.1)
            nw.control('h62', 'unsub:10')
            time.sleep(0.2)
            nw.control('h62', 'sub:10')
        cpubs = {'h41': events_for(rng, '0', 900),
                 'h61': events_for(rng, '1', 900)}
        published, received, _ = run_phase(nw, work, 'c', SUBSCRIBERS,
                                           cpubs, 900, 150, churn)
        stable = dict(SUBSCRIBERS, h62=[])   # h62's 10 changed.
        want = expected_deliveries(published, stable)
        lost = sum(len(want[h] - {(r[0], r[1]) for r in received[h]})
                   for h in SUBSCRIBERS)
        print('C: %d events of subscriptions held throughout lost' % lost)
        c.check('C: no event of a subscription held throughout lost',
                lost == 0, lost)
        got00 = [r for r in received['h51'] if r[2].startswith('00')]
        c.check('C: the changing subscription got events', len(got00) > 0,
                len(got00))
        c.check('C: h51 is back to its one subscription',
                [h['subscriptions'] for h in nw.state()['hosts']
                 if h['ip'] == host_ip('h51')] == [['01']])

        # D: un-advertise, un-subscribe: nothing left.
        nw.control('h41', 'unadv:0')
        nw.wait_hosts({host_ip(h): (s, [PUBLISHERS[h]] if h in PUBLISHERS
                                    and h != 'h41' else [])
                       for h, s in list(SUBSCRIBERS.items())
                       + [('h61', []), ('h11', [])]})
        published, received, _ = run_phase(
            nw, work, 'd', SUBSCRIBERS, {'h41': events_for(rng, '0', 50)}, 50,
            100)
        c.check('D: an un-advertised publisher reaches no one',
                not any(received.values()),
                {h: len(r) for h, r in received.items()})
        for h, subs in SUBSCRIBERS.items():
            nw.control(h, *['unsub:' + s for s in subs])
        nw.control('h61', 'unadv:1')
        nw.control('h11', 'unadv:10')
        nw.wait_hosts({})
        st = nw.state()
        c.check('D: no host, tree or event flow left',
                not st['trees'] and all(len(f) == 2
                                        for f in st['flows'].values()),
                st['flows'])

        pins = nw.packet_ins()
        c.check('packet-ins: exactly the %d control messages (0 events)'
                % nw.n_control, pins == nw.n_control, pins)
        c.check('the controller counted 0 event packet-ins',
                st['counters']['event_packet_ins'] == 0,
                st['counters']['event_packet_ins'])
    return c.done()


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-pubsub', run))
