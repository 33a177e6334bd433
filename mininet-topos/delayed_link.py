"""Mininet links with latency and faults, without sch_netem.

TCLink(delay=..., loss=...) needs the kernel's netem qdisc, which the
kernels we run on do not have.  DelayedLink instead builds each link as
two veth pairs with the link emulator (mininet-topos/linkdelay, built as
build/linkdelay) relaying frames between their root-namespace ends, each
frame leaving 'delay' after it arrived, in order unless reordering is
asked for, with the link's faults (loss, duplication, reordering, jitter;
see mininet-topos/README.md, "The link emulator").  Usage:

    net = Mininet(topo, link=DelayedLink, ...)   # or addLink(cls=...,
                                                 #   loss=(0.2, 0.75))
    net.start(); emulator = LinkDelay(stats_file).start()
    emulator.cut('s1', 's2'); emulator.heal('s1', 's2')
    emulator.set_faults('s1', 's2', loss=0.05, dup=0.01)
    emulator.stats()      # the counters of every direction (a dict)
    ...; emulator.stop()  # the final counters (a dict)

Every delayed link of the process shares one emulator.
"""
import json
import os
import socket
import subprocess
import time

from mininet.link import Link
from mininet.util import quietRun
from paths import LINKDELAY


def fault_spec(loss=None, loss_ge=None, dup=None, reorder=None,
               jitter_us=None, delay_us=None):
    """The emulator's SPEC ("loss=0.2/0.75,dup=0.01") of these faults,
    '' if none is given.  loss: P or (P, CORR); loss_ge: (p, r[, h[, k]])
    (Gilbert-Elliott); dup: P; reorder: P or (P, EXTRA_US); jitter_us and
    delay_us: integers."""
    def joined(v):
        if isinstance(v, (tuple, list)):
            return '/'.join(str(x) for x in v)
        return str(v)
    items = []
    for key, v in (('loss', loss), ('loss-ge', loss_ge), ('dup', dup),
                   ('reorder', reorder), ('jitter', jitter_us),
                   ('delay', delay_us)):
        if v is not None:
            items.append('%s=%s' % (key, joined(v)))
    return ','.join(items)


class DelayedLink(Link):
    """A link whose frames cross build/linkdelay (see LinkDelay), with
    delay_us each way and the faults of fault_spec() in both
    directions."""
    pairs = []          # (root-namespace end 1, end 2, delay in us, spec).
    links = {}          # (node1 name, node2 name) -> (end 1, end 2).
    _count = 0

    def __init__(self, node1, node2, delay_us=5000, loss=None, loss_ge=None,
                 dup=None, reorder=None, jitter_us=None, **kwargs):
        self.delay_us = delay_us
        self.spec = fault_spec(loss, loss_ge, dup, reorder, jitter_us)
        Link.__init__(self, node1, node2, **kwargs)

    def makeIntfPair(self, intfname1, intfname2, addr1=None, addr2=None,
                     node1=None, node2=None, deleteIntfs=True):
        n = DelayedLink._count
        DelayedLink._count += 1
        ends = ('ldA%d' % n, 'ldB%d' % n)
        for intf, addr, node, end in ((intfname1, addr1, node1, ends[0]),
                                      (intfname2, addr2, node2, ends[1])):
            run = node.cmd if node else quietRun
            if deleteIntfs:
                run('ip link del ' + intf)
            quietRun('ip link del ' + end)
            out = run('ip link add name %s %s type veth peer name %s '
                      'netns 1' % (intf, 'address ' + addr if addr else '',
                                   end))
            if out:
                raise Exception('cannot create %s/%s: %s' % (intf, end, out))
            # Only the nodes speak on the link: no IPv6 autoconfiguration
            # (router solicitations, MLD) from the relay's ends or from the
            # switches' ports, which live in the root namespace.
            quietRun('sysctl -qw net.ipv6.conf.%s.disable_ipv6=1' % end)
            run('sysctl -qw net.ipv6.conf.%s.disable_ipv6=1' % intf)
            quietRun('ip link set %s up' % end)
            quietRun('ethtool -K %s tx off rx off tso off gso off gro off'
                     % end)
        DelayedLink.pairs.append((ends[0], ends[1], self.delay_us,
                                  self.spec))
        if node1 and node2:
            DelayedLink.links.setdefault((node1.name, node2.name), ends)


class LinkDelayError(Exception):
    """The emulator refused a command (its 'error:' reply)."""


class LinkDelay:
    """The emulator process for every DelayedLink made so far, and its
    control socket.  Links are named by their two nodes ('s1', 's2'; the
    first link between them) or by the emulator's ends ('ldA0',
    'ldB0')."""

    def __init__(self, stats_file, control=None, seed=None, args=()):
        self.stats_file = stats_file
        self.control = control or os.path.splitext(stats_file)[0] + '.ctl'
        self.seed = seed
        self.args = list(args)
        self.proc = None
        self.sock = None
        self.pairs = []
        self.links = {}

    def start(self, timeout=10):
        self.pairs = list(DelayedLink.pairs)
        self.links = dict(DelayedLink.links)
        args = [LINKDELAY, '--stats=' + self.stats_file,
                '--control=' + self.control] + self.args
        if self.seed is not None:
            args.append('--seed=%d' % self.seed)
        for a, b, delay, spec in self.pairs:
            args.append('%s:%s:%d' % (a, b, delay) + (':' + spec
                                                      if spec else ''))
        for f in (self.control, self.stats_file):
            if os.path.exists(f):
                os.unlink(f)
        self.proc = subprocess.Popen(args)
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.control):
            if self.proc.poll() is not None:
                raise RuntimeError('linkdelay exited (%d): %s'
                                   % (self.proc.returncode, ' '.join(args)))
            if time.monotonic() > deadline:
                raise RuntimeError('linkdelay: no control socket after %d s'
                                   % timeout)
            time.sleep(0.01)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind('\0linkdelay-client-%d-%d' % (os.getpid(), id(self)))
        self.sock.settimeout(5)
        return self

    def command(self, line):
        """Sends one control command; returns the reply after 'ok', raises
        LinkDelayError on an error reply."""
        self.sock.sendto(line.encode(), self.control)
        reply = self.sock.recv(1 << 20).decode()
        if not reply.startswith('ok'):
            raise LinkDelayError('%s: %s' % (line, reply))
        return reply[2:].strip()

    def target(self, a, b, oneway=False):
        """The emulator's name of link a-b: 'END1:END2' (both directions)
        or, oneway, 'END1->END2' (frames from a to b)."""
        if (a, b) in self.links:
            ends = self.links[(a, b)]
        elif (b, a) in self.links:
            ends = tuple(reversed(self.links[(b, a)]))
        else:
            ends = (a, b)   # The emulator's own names.
        return ('%s->%s' if oneway else '%s:%s') % ends

    def cut(self, a, b, oneway=False):
        """Cuts link a-b (only a -> b if oneway): every frame dropped,
        those in flight included, until heal()."""
        return self.command('cut ' + self.target(a, b, oneway))

    def heal(self, a, b, oneway=False):
        return self.command('heal ' + self.target(a, b, oneway))

    def set_faults(self, a, b, oneway=False, none=False, **faults):
        """Changes the faults fault_spec() takes (loss=, dup=, ...) of
        link a-b; the others stay, unless none (all off first)."""
        spec = fault_spec(**faults)
        if none or not spec:
            spec = 'none' + (',' + spec if spec else '')
        return self.command('set %s %s' % (self.target(a, b, oneway), spec))

    def stats(self):
        """The counters now: {'seed', 'directions': [{...}, ...]}."""
        return json.loads(self.command('stats'))

    def stop(self):
        """Stops the emulator; returns its final counters (as stats()), or
        {} if there are none."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self.sock:
            self.sock.close()
            self.sock = None
        DelayedLink.pairs = []
        DelayedLink.links = {}
        try:
            with open(self.stats_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    @staticmethod
    def dropped(stats):
        """Frames dropped, for any reason, in stats (a stats() dict)."""
        return sum(d['dropped'] for d in stats.get('directions', []))

    @staticmethod
    def summary(stats):
        """Totals over every direction of stats, and the rates the
        emulator measured: loss_rate (lost / arrived while not cut),
        dup_rate (copies / frames sent once), reorder_rate (frames sent
        out of arrival order / sent)."""
        keys = ('received', 'forwarded', 'dropped', 'dropped_loss',
                'dropped_cut', 'dropped_full', 'dropped_send', 'duplicated',
                'reordered')
        dirs = stats.get('directions', [])
        t = {k: sum(d[k] for d in dirs) for k in keys}
        offered = t['received'] - t['dropped_cut'] - t['dropped_full']
        once = t['forwarded'] - t['duplicated']
        t['loss_rate'] = t['dropped_loss'] / offered if offered else 0.0
        t['dup_rate'] = t['duplicated'] / once if once > 0 else 0.0
        t['reorder_rate'] = (t['reordered'] / t['forwarded']
                             if t['forwarded'] else 0.0)
        t['seed'] = stats.get('seed')
        return t
