"""The NAT router's network, set up by cxxa-controller (the deployment's
"nat" section, controller/examples/mininet-nat.json):

    h1 10.0.1.11, h2 10.0.1.12 -- s1 -- r1 port 1 (10.0.1.1/24)
    h3 10.0.2.13, h4 10.0.2.14 -- s2 -- r1 port 2 (10.0.2.1/24)
    remote 198.51.100.2        ------- r1 port 3 (198.51.100.1/24, NAPT)

r1 is the router (nat:, router:, dec_ttl; ARP answered in the switch);
s1 and s2 are plain L2 switches (NORMAL).  h4 serves TCP port 80, which
remote reaches as 198.51.100.1:8080.  NatNetwork is this network running,
with every inside host's default route through r1.  Used by
tests/mininet/test_nat.py and experiments/nat_bench.py."""
import json
import os
import re
import subprocess

from controller_proc import wait_until
from harness import Network
from paths import HERE, PY, TOP

APPS = os.path.join(HERE, 'nat_apps.py')
EXT, REMOTE = '198.51.100.1', '198.51.100.2'
HOSTS = {'h1': ('10.0.1.11', '10.0.1.1', 's1'),
         'h2': ('10.0.1.12', '10.0.1.1', 's1'),
         'h3': ('10.0.2.13', '10.0.2.1', 's2'),
         'h4': ('10.0.2.14', '10.0.2.1', 's2')}


def deployment():
    with open(os.path.join(TOP, 'controller', 'examples',
                           'mininet-nat.json')) as f:
        d = json.load(f)
    normal = ['priority=0,actions=NORMAL']
    d['switches'] += [{'name': 's1', 'dpid': '2', 'flows': normal},
                      {'name': 's2', 'dpid': '3', 'flows': normal}]
    return d


def topo():
    from mininet.topo import Topo

    class NatTopo(Topo):
        def build(self):
            opts = dict(datapath='user', failMode='secure',
                        protocols='OpenFlow13')
            r1 = self.addSwitch('r1', dpid='1', **opts)
            s1 = self.addSwitch('s1', dpid='2', **opts)
            s2 = self.addSwitch('s2', dpid='3', **opts)
            self.addLink(s1, r1, port2=1)
            self.addLink(s2, r1, port2=2)
            for name, (ip, _, sw) in sorted(HOSTS.items()):
                self.addHost(name, ip=ip + '/24')
                self.addLink(name, sw)
            self.addHost('remote', ip=REMOTE + '/24')
            self.addLink('remote', r1, port2=3)
    return NatTopo()


class NatNetwork(Network):
    """The NAT topology, set up by the controller."""

    def __init__(self, work):
        Network.__init__(self, work, topo(), deployment(),
                         name='controller-nat', ports='nat',
                         sync=['r1', 's1', 's2'])

    def setup(self):
        for name, (_, gw, _) in HOSTS.items():
            self.net[name].cmd('ip route add default via ' + gw)

    def h(self, name):
        return self.net[name]

    def ping_ok(self, host, dst, count=3):
        out = self.h(host).cmd('ping -c %d -i 0.2 -W 1 %s' % (count, dst))
        m = re.search(r'(\d+) received', out)
        return bool(m and int(m.group(1)) > 0)

    def wait_reachable(self, host, dst, timeout=20):
        wait_until(lambda: self.ping_ok(host, dst, 1), timeout,
                   '%s reaches %s' % (host, dst))

    def apps(self, host, *args):
        return self.popen(self.h(host), [PY, APPS] + list(args),
                          stdout=subprocess.PIPE, text=True)

    def nat_show(self):
        return subprocess.run(['ovs-appctl', 'nat/show', 'r1'],
                              capture_output=True, text=True).stdout
