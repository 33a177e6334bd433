#!/usr/bin/python3
"""The link emulator's faults end to end: h1 -- h2 over one DelayedLink
(build/linkdelay) with Jepsen's flaky network and more, 1 ms each way:
loss 0.2 with correlation 0.75, duplication 0.01, reordering 0.05 over a
path 2 ms longer.

1. h1 sends 20,000 numbered UDP datagrams to h2 (5,000/s).  h2's counts
   must agree with linkdelay's own: linkdelay saw 20,000 arrive; h2
   received = 20,000 - dropped + duplicated = linkdelay's forwarded; h2's
   duplicates = duplicated; h2's late datagrams (number below one before
   them) = linkdelay's reordered, > 0; the rates near what was asked for,
   and the loss bursts h2 sees longer than independent loss would give.
2. Faults off (set ... none) and the link cut: 1,000 datagrams, 0 arrive,
   1,000 counted as cut.  Healed: 1,000 of 1,000 arrive, in order.  Cut
   for 0.3 s and healed under traffic (3,000 at 2,000/s): h2 misses the
   frames linkdelay counts as cut, in flight included, and gets the rest.
3. h1 -> h2 cut alone: h2 -> h1 still passes, h1 -> h2 does not.
4. Bad commands are refused with nothing changed; a bad option makes
   linkdelay exit 2 naming it.

No switch, no controller: only the emulator is under test.  Writes
OUT/linkdelay-test.json.  Needs root (network namespaces)."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'mininet-topos'))

import harness  # noqa: E402
from delayed_link import DelayedLink, LinkDelay, LinkDelayError  # noqa: E402
from paths import BUILD, HERE, LINKDELAY, PY  # noqa: E402

APPS = os.path.join(HERE, 'link_apps.py')
PORT = 9100
FAULTS = dict(loss=(0.2, 0.75), dup=0.01, reorder=(0.05, 2000))
DELAY_US = 1000
SEED = 20261201


def topo():
    from mininet.topo import Topo

    class Pair(Topo):
        def build(self):
            h1 = self.addHost('h1', ip='10.0.0.1/24', mac='00:00:00:00:00:01')
            h2 = self.addHost('h2', ip='10.0.0.2/24', mac='00:00:00:00:00:02')
            self.addLink(h1, h2, cls=DelayedLink, delay_us=DELAY_US,
                         **FAULTS)
    return Pair()


class PairNetwork(harness.Network):
    def __init__(self, work):
        harness.Network.__init__(self, work, topo())
        self.links = LinkDelay(os.path.join(work, 'linkdelay-stats.json'),
                               seed=SEED)

    def setup(self):
        # Static ARP: the only frames on the link are the test's.
        self.net.staticArp()
        # The layers of options: a global one the link's own spec
        # overrides (dup), and one direction's extra (jitter, h2 -> h1).
        back = self.links_target_of('h2', 'h1')
        self.links.args = ['--dup=0.5', '--fault=%s:jitter=100' % back]
        self.links.start()

    def links_target_of(self, a, b):
        ends = DelayedLink.links[(b, a)]
        return '%s->%s' % (ends[1], ends[0])

    def teardown(self):
        self.final = self.links.stop()


def direction(stats, name):
    return next(d for d in stats['directions'] if d['direction'] == name)


COUNTERS = ('received', 'forwarded', 'dropped', 'dropped_loss',
            'dropped_cut', 'dropped_full', 'dropped_send', 'duplicated',
            'reordered', 'delayed_path')


def delta(after, before):
    """The counters of a direction's stats, after - before."""
    return {k: after[k] - before[k] for k in COUNTERS}


def transfer(n, src, dst, count, first, rate=5000):
    """count datagrams src -> dst; returns the receiver's counts and
    the emulator's counters of src -> dst during the transfer."""
    out = os.path.join(n.work, 'recv-%s-%d.json' % (dst.name, first))
    name = n.links.target(src.name, dst.name, oneway=True).replace(':', '->')
    before = direction(n.links.stats(), name)
    r = n.popen_ready(dst, [PY, APPS, 'recv', '--port', str(PORT),
                            '--out', out])
    src.cmd('%s %s send --to %s:%d --count %d --rate %d --first %d' % (
        PY, APPS, dst.IP(), PORT, count, rate, first))
    time.sleep(0.5)   # Past the delay and the reordering path.
    r.terminate()
    r.wait(timeout=10)
    n.procs.remove(r)
    with open(out) as f:
        got = json.load(f)
    return got, delta(direction(n.links.stats(), name), before)


def run(args):
    c = harness.Checks('linkdelay')
    res = {'faults': {k: v for k, v in FAULTS.items()}, 'delay_us': DELAY_US,
           'seed': SEED}
    work = os.path.join(BUILD, 'mininet-linkdelay')
    with PairNetwork(work) as n:
        h1, h2 = n['h1'], n['h2']
        ab = n.links.target('h1', 'h2', oneway=True)

        # 0. The faults as configured, per direction.
        st = n.links.stats()
        ba = n.links.target('h2', 'h1', oneway=True)
        want = {ab: 'loss=0.2/0.75,dup=0.01,reorder=0.05/2000,jitter=0',
                ba: 'loss=0.2/0.75,dup=0.01,reorder=0.05/2000,jitter=100'}
        got = {d['direction']: d['faults'] for d in st['directions']}
        c.check('faults per direction: global, link, --fault', got == want,
                json.dumps(got))
        res['seed_in_stats'] = st['seed']
        c.check('the seed is in the stats', st['seed'] == SEED,
                str(st['seed']))

        # 1. The faults, counted at both ends.
        sent = 20000
        got, ld = transfer(n, h1, h2, sent, 0)
        res['faulty'] = {'sent': sent, 'receiver': got, 'linkdelay': ld}
        print(json.dumps(res['faulty']), flush=True)
        c.check('linkdelay saw every datagram arrive', ld['received'] == sent,
                '%d of %d' % (ld['received'], sent))
        expect = sent - ld['dropped'] + ld['duplicated']
        c.check('received = sent - dropped + duplicated',
                got['received'] == expect == ld['forwarded'],
                'h2 %d, %d - %d + %d = %d, forwarded %d' % (
                    got['received'], sent, ld['dropped'], ld['duplicated'],
                    expect, ld['forwarded']))
        c.check('duplicates at h2 = duplicated',
                got['duplicates'] == ld['duplicated'],
                '%d / %d' % (got['duplicates'], ld['duplicated']))
        c.check('late datagrams at h2 = reordered, > 0',
                got['reordered'] == ld['reordered'] > 0,
                '%d / %d' % (got['reordered'], ld['reordered']))
        loss = ld['dropped_loss'] / sent
        dup = ld['duplicated'] / (ld['forwarded'] - ld['duplicated'])
        reorder = ld['delayed_path'] / (sent - ld['dropped'])
        res['rates'] = {'loss': loss, 'dup': dup, 'reorder_path': reorder,
                        'reordered': ld['reordered'] / ld['forwarded'],
                        'mean_loss_burst': got['mean_loss_burst']}
        # Tolerances: ~4 standard deviations (loss in bursts of ~5).
        c.check('loss rate ~0.2', abs(loss - 0.2) < 0.03, '%.4f' % loss)
        c.check('dup rate ~0.01', abs(dup - 0.01) < 0.005, '%.4f' % dup)
        c.check('reordering path ~0.05', abs(reorder - 0.05) < 0.01,
                '%.4f' % reorder)
        c.check('loss in bursts (mean > 2; independent: 1.25)',
                got['mean_loss_burst'] > 2,
                '%.2f' % got['mean_loss_burst'])
        c.check('only the loss model dropped',
                ld['dropped'] == ld['dropped_loss'], json.dumps(ld))

        # 2. Cut, then healed.
        n.links.set_faults('h1', 'h2', none=True)
        n.links.cut('h1', 'h2')
        got, ld = transfer(n, h1, h2, 1000, 100000)
        res['cut'] = {'receiver': got, 'linkdelay': ld}
        c.check('cut: 0 of 1000 pass', got['received'] == 0,
                '%d received' % got['received'])
        c.check('cut: 1000 counted as cut', ld['dropped_cut'] == 1000,
                json.dumps(ld))
        n.links.heal('h1', 'h2')
        got, ld = transfer(n, h1, h2, 1000, 200000)
        res['healed'] = {'receiver': got, 'linkdelay': ld}
        c.check('healed: 1000 of 1000 pass, in order, once',
                got['received'] == got['distinct'] == 1000
                and got['reordered'] == 0 and got['missing'] == 0,
                json.dumps(got))

        # 2b. Cut and healed under traffic: a gap, and every datagram
        # either forwarded or counted as cut, those in flight included.
        out = os.path.join(n.work, 'recv-live.json')
        before = direction(n.links.stats(), ab)
        r = n.popen_ready(h2, [PY, APPS, 'recv', '--port', str(PORT),
                               '--out', out])
        s = n.popen(h1, [PY, APPS, 'send', '--to', '%s:%d' % (h2.IP(), PORT),
                         '--count', '3000', '--rate', '2000',
                         '--first', '250000'])
        time.sleep(0.5)
        n.links.cut('h1', 'h2')
        time.sleep(0.3)
        n.links.heal('h1', 'h2')
        s.wait(timeout=30)
        time.sleep(0.5)
        r.terminate()
        r.wait(timeout=10)
        n.procs.remove(r)
        n.procs.remove(s)
        with open(out) as f:
            got = json.load(f)
        ld = delta(direction(n.links.stats(), ab), before)
        res['live_cut'] = {'receiver': got, 'linkdelay': ld}
        c.check('live cut: a gap, received = forwarded = 3000 - cut',
                ld['received'] == 3000 and ld['dropped_cut'] > 0
                and got['received'] == ld['forwarded']
                == 3000 - ld['dropped_cut'] and got['missing'] > 0,
                '%d cut, %d received, %d missing' % (
                    ld['dropped_cut'], got['received'], got['missing']))

        # 3. One direction cut.
        n.links.cut('h1', 'h2', oneway=True)
        back, _ = transfer(n, h2, h1, 200, 300000)
        there, _ = transfer(n, h1, h2, 200, 400000)
        c.check('h1 -> h2 cut alone: h2 -> h1 passes, h1 -> h2 does not',
                back['received'] == 200 and there['received'] == 0,
                '%d / %d' % (back['received'], there['received']))
        n.links.heal('h1', 'h2')

        # 4. Bad commands change nothing.
        before = direction(n.links.stats(), ab.replace(':', '->'))
        for cmd in ('frobnicate', 'cut nosuch:link', 'set %s loss=2' % ab,
                    'set %s dup=0.5,bogus=1' % ab, 'heal', ''):
            try:
                reply = 'ok ' + n.links.command(cmd)
            except LinkDelayError as e:
                reply = str(e)
            c.check('refused: %r' % cmd, 'error:' in reply, reply)
        after = direction(n.links.stats(), ab.replace(':', '->'))
        c.check('refused commands changed nothing',
                after['faults'] == before['faults']
                and after['cut'] == before['cut'],
                after['faults'])
    res['linkdelay_final'] = n.final
    p = subprocess.run([LINKDELAY, '--loss=1.5', 'a:b'], capture_output=True,
                       text=True)
    c.check('bad option: exit 2 naming it',
            p.returncode == 2 and '--loss' in p.stderr, p.stderr.strip())
    harness.write_json(args.out, 'linkdelay-test.json', res)
    return c.done()


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, None, run))
