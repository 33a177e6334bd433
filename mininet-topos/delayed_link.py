"""Mininet links with a fixed latency, without sch_netem.

TCLink(delay=...) needs the kernel's netem qdisc, which the kernels we run
on do not have.  DelayedLink instead builds each link as two veth pairs
with the link-delay emulator (mininet-topos/linkdelay, built as
build/linkdelay) relaying frames between their root-namespace ends, each
frame leaving 'delay' after it arrived, in order.  Usage:

    net = Mininet(topo, link=DelayedLink, ...)   # or addLink(cls=...)
    net.start(); emulator = LinkDelay(stats_file).start()
    ...; emulator.stop()   # prints per-direction counters

Every delayed link of the process shares one emulator.
"""
import re
import subprocess

from mininet.link import Link
from mininet.util import quietRun
from paths import LINKDELAY


class DelayedLink(Link):
    """A link whose frames cross build/linkdelay (see LinkDelay)."""
    pairs = []          # (root-namespace end 1, end 2, delay in us).
    _count = 0

    def __init__(self, node1, node2, delay_us=5000, **kwargs):
        self.delay_us = delay_us
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
        DelayedLink.pairs.append((ends[0], ends[1], self.delay_us))


class LinkDelay:
    """The emulator process for every DelayedLink made so far."""

    def __init__(self, stats_file):
        self.stats_file = stats_file
        self.proc = None

    def start(self):
        args = [LINKDELAY, '--stats=' + self.stats_file]
        args += ['%s:%s:%d' % p for p in DelayedLink.pairs]
        self.proc = subprocess.Popen(args)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        DelayedLink.pairs = []
        try:
            with open(self.stats_file) as f:
                return f.read()
        except OSError:
            return ''

    def dropped(self, stats):
        """Frames dropped, from stop()'s counters."""
        return sum(int(x) for x in re.findall(r'dropped (\d+)', stats))
