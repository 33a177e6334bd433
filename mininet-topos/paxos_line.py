r"""The thesis' Paxos topology (Figures 3.4 and 5.1), in a line.

    c1..cN -- s4 -- s1 ----- s2 ----- s3
                   /|\      /|\      /|\
                 h1 h2 h3  h4 h5 h6  h7 h8 h9

s1, s2, s3 are the Paxos members (node ids 1, 2, 3; s1 leads); the three
replica hosts behind each receive the ordered client frames.  Clients sit
on their own switch s4, attached to s1.  Every link has 5 ms of latency
each way, so h1 -> h9 crosses four links: 40 ms RTT.  The latency comes
from the link emulator of delayed_link.py: this kernel has no sch_netem,
so TCLink(delay=...) cannot work.

Clients send to the replicated service's address (SERVICE_IP/MAC); the
switches order every such frame with Paxos and deliver it to each replica
rewritten to the replica's own MAC and IP, as the thesis' mirroring did.
Replies go straight back through the L2 learning switch.

Port numbers: on s1, s2, s3 the replicas are ports 1-3; s1: s2=4, s4=5;
s2: s1=4, s3=5; s3: s2=4.  On s4, client i is port i and s1 is 10.

PaxosNetwork is this topology running, with the controller and the link
emulator (the harness' Network).
"""
import os
import re

from delayed_link import DelayedLink, LinkDelay
from harness import Network, wait_ready
from mininet.topo import Topo
from paths import HERE, PY

APPS = os.path.join(HERE, 'paxos_apps.py')
SERVICE_IP = '10.0.0.100'
SERVICE_MAC = '02:00:00:00:00:64'
SERVICE_PORT = 9000
DELAY_US = 5000
MEMBERS = ['s1', 's2', 's3']


def host_mac(i):
    return '00:00:00:00:00:%02x' % i


def client_mac(i):
    return '00:00:00:00:01:%02x' % i


def client_ip(i):
    return '10.0.1.%d' % i


class PaxosLine(Topo):
    def build(self, n_clients=1, delay_us=DELAY_US):
        link = dict(cls=DelayedLink, delay_us=delay_us)
        sw = {}
        for i, name in enumerate(MEMBERS + ['s4'], 1):
            sw[name] = self.addSwitch(name, dpid='%016x' % i, datapath='user',
                                      failMode='secure',
                                      protocols='OpenFlow13')
        for i in range(1, 10):
            h = self.addHost('h%d' % i, ip='10.0.0.%d/16' % i,
                             mac=host_mac(i))
            self.addLink(h, sw[MEMBERS[(i - 1) // 3]],
                         port2=(i - 1) % 3 + 1, **link)
        self.addLink(sw['s1'], sw['s2'], port1=4, port2=4, **link)
        self.addLink(sw['s2'], sw['s3'], port1=5, port2=4, **link)
        self.addLink(sw['s1'], sw['s4'], port1=5, port2=10, **link)
        for i in range(1, n_clients + 1):
            c = self.addHost('c%d' % i, ip=client_ip(i) + '/16',
                             mac=client_mac(i))
            self.addLink(c, sw['s4'], port2=i, **link)


def deployment(mode, n_clients=1, paxos=True, window=1024):
    """The controller's deployment file for this topology."""
    ports = {
        's1': {'h1': 1, 'h2': 2, 'h3': 3, 's2': 4, 's4': 5},
        's2': {'h4': 1, 'h5': 2, 'h6': 3, 's1': 4, 's3': 5},
        's3': {'h7': 1, 'h8': 2, 'h9': 3, 's2': 4},
        's4': dict({'c%d' % i: i for i in range(1, n_clients + 1)}, s1=10),
    }
    switches = []
    for i, name in enumerate(MEMBERS + ['s4'], 1):
        switches.append({'name': name, 'dpid': str(i), 'mode': mode,
                         'openflow': ['OpenFlow13'], 'ports': ports[name]})
    doc = {
        'description': 'mininet-topos/paxos_line.py: thesis Figure 3.4 in '
                       'a line, clients on s4',
        'switches': switches,
        'links': [{'a': 's1:s2', 'b': 's2:s1'}, {'a': 's2:s3', 'b': 's3:s2'},
                  {'a': 's1:s4', 'b': 's4:s1'}],
    }
    if paxos:
        # The client switch sends service frames up to s1 without asking.
        switches[3]['flows'] = ['priority=100,dl_dst=%s,actions=output:s1'
                                % SERVICE_MAC]
        doc['paxos'] = {'groups': [{
            'group': 1, 'members': MEMBERS, 'leader': 's1',
            'window': window, 'service_mac': SERVICE_MAC,
            'clients': ['s1:s4'],
            'replicas': [{'port': '%s:h%d' % (MEMBERS[(i - 1) // 3], i),
                          'mac': host_mac(i), 'ip': '10.0.0.%d' % i}
                         for i in range(1, 10)],
        }]}
    return doc


# Link-latency lower bound of c1 -> {h5, h8, h9} -> c1 with Paxos (see
# mininet-topos/README.md): c1 -> s4 -> s1 is 10 ms; s2 decides 5 ms
# later (the ACCEPT and s1's LEARN arrive together), s3 10 ms later; one
# more link to the replica, then the reply's way back (h5: 4 links, h8/h9:
# 5 links).  h5: 10+5+5+20 = 40 ms; h8, h9: 10+10+5+25 = 50 ms; the client
# has all three replies after 50 ms.
BOUND_MS = {'h5': 40.0, 'h8': 50.0, 'h9': 50.0, 'all': 50.0}


class PaxosNetwork(Network):
    """PaxosLine with the controller in one mode, and the link emulator."""

    def __init__(self, work, mode, paxos, n_clients=1, window=1024,
                 delay_us=DELAY_US):
        Network.__init__(
            self, work, PaxosLine(n_clients=n_clients, delay_us=delay_us),
            deployment(mode, n_clients, paxos, window),
            name='controller-%s%s' % (mode, '-paxos' if paxos else ''),
            ports='paxos', sync=MEMBERS + ['s4'])
        self.links = LinkDelay(os.path.join(work, 'linkdelay-stats.json'))
        self.link_stats = {}

    def setup(self):
        self.links.start()
        self.net.staticArp()
        for c in self.clients():
            c.cmd('arp -s %s %s' % (SERVICE_IP, SERVICE_MAC))

    def teardown(self):
        self.link_stats = self.links.stop()

    def links_dropped(self):
        """Frames the link emulator dropped (after the network stopped)."""
        return self.links.dropped(self.link_stats)

    def links_summary(self):
        """What the link emulator did, summed over every direction (after
        the network stopped): LinkDelay.summary()."""
        return self.links.summary(self.link_stats)

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
            h.cmd('ping -c 2 -i 0.2 -W 1 %s' % client_ip(1))

    def start_replicas(self, echo=()):
        """Starts the replica app on h1-h9 (echoing on those in echo);
        returns their log files by host name."""
        logs, procs = {}, []
        for h in self.replicas():
            logs[h.name] = os.path.join(self.work, 'replica-%s.log' % h.name)
            cmd = [PY, APPS, 'replica', '--log', logs[h.name],
                   '--port', str(SERVICE_PORT)]
            if h.name in echo:
                cmd.append('--echo')
            procs.append((self.popen(h, cmd), h.name))
        for p, name in procs:
            wait_ready(p, 10, 'replica on ' + name)
        return logs

    def stop_replicas(self):
        self.stop_procs(timeout=10)

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


topos = {'paxos_line': PaxosLine}
