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
emulator (the harness' Network).  Each member switch (s1, s2, s3) has an
ovsdb-server and ovs-vswitchd of its own, in its own run directory, as if
on a host of its own (ovs_sandbox.start_daemons(), MemberSwitch), so one
member can be killed (PaxosNetwork.kill_member()) and restarted
(restart_member(): the same database, flows from the controller, the
primitives' durable state from the member's OVS_DBDIR) while the others
keep running; the client switches share the sandbox's vswitchd.

Clients at every member (client_members=('s1', 's2', 's3')): each member
then has a client switch, s4 on s1, s5 on s2 (s2 port 6), s6 on s3 (s3
port 5), with n_clients clients each: c1..cN on s4, cN+1..c2N on s5, ...
(port i of its switch for its i-th client, the member on port 10).

    c.. -- s4 -- s1 ----- s2 ----- s3 -- s6 -- c..
                 /|\      /|\ \    /|\
               h1 h2 h3  h4 h5 h6 s5 h7 h8 h9
                                   |
                                   c..

deployment(..., mirror=True) is the negative control: no Paxos, the
member switches copy every service frame along the member tree and to
each local replica (rewritten as Paxos delivers), so replicas get the
frames in whatever order the links give them.
"""
import functools
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import ovs_sandbox
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
# The client switch of each member: (name, the member's port to it).
CLIENT_SWITCH = {'s1': ('s4', 5), 's2': ('s5', 6), 's3': ('s6', 5)}
CLIENT_UPLINK = 10   # The member's port on a client switch.
MEMBER_LINKS = [('s1', 's2'), ('s2', 's3')]


def host_mac(i):
    return '00:00:00:00:00:%02x' % i


def client_mac(i):
    return '00:00:00:00:01:%02x' % i


def client_ip(i):
    return '10.0.1.%d' % i


def client_names(n_clients, client_members):
    """{client switch: [client host names]}, numbered in member order."""
    out, k = {}, 0
    for m in client_members:
        sw = CLIENT_SWITCH[m][0]
        out[sw] = ['c%d' % (k + i) for i in range(1, n_clients + 1)]
        k += n_clients
    return out


class PaxosLine(Topo):
    """member_faults: DelayedLink fault options (loss=, dup=, reorder=,
    ...) for the links between members, s1-s2 and s2-s3."""

    def build(self, n_clients=1, delay_us=DELAY_US, client_members=('s1',),
              member_faults=None):
        link = dict(cls=DelayedLink, delay_us=delay_us)
        faulty = dict(link, **(member_faults or {}))
        sw = {}
        client_sws = [CLIENT_SWITCH[m][0] for m in client_members]
        for i, name in enumerate(MEMBERS + ['s4', 's5', 's6'], 1):
            if name in MEMBERS or name in client_sws:
                sw[name] = self.addSwitch(name, dpid='%016x' % i,
                                          datapath='user',
                                          failMode='secure',
                                          protocols='OpenFlow13')
        for i in range(1, 10):
            h = self.addHost('h%d' % i, ip='10.0.0.%d/16' % i,
                             mac=host_mac(i))
            self.addLink(h, sw[MEMBERS[(i - 1) // 3]],
                         port2=(i - 1) % 3 + 1, **link)
        self.addLink(sw['s1'], sw['s2'], port1=4, port2=4, **faulty)
        self.addLink(sw['s2'], sw['s3'], port1=5, port2=4, **faulty)
        names = client_names(n_clients, client_members)
        for m in client_members:
            csw, port = CLIENT_SWITCH[m]
            self.addLink(sw[m], sw[csw], port1=port, port2=CLIENT_UPLINK,
                         **link)
            for i, name in enumerate(names[csw], 1):
                k = int(name[1:])
                c = self.addHost(name, ip=client_ip(k) + '/16',
                                 mac=client_mac(k))
                self.addLink(c, sw[csw], port2=i, **link)


def mirror_flows(member, ports, tree, client_port):
    """The negative control's flows on one member: a service frame from
    its client port or a tree port is copied to the other tree ports,
    then to each local replica with its MAC and IP; no ordering."""
    replicas = [(i, ports['h%d' % i]) for i in range(1, 10)
                if MEMBERS[(i - 1) // 3] == member]
    local = ','.join('mod_dl_dst:%s,mod_nw_dst:10.0.0.%d,output:%d'
                     % (host_mac(i), i, port) for i, port in replicas)
    flows = []
    for in_port in ([client_port] if client_port else []) + tree:
        out = ['output:%s' % p for p in tree if p != in_port]
        flows.append('priority=40000,in_port=%s,ip,dl_dst=%s,actions=%s'
                     % (in_port, SERVICE_MAC, ','.join(out + [local])))
    return flows


def deployment(mode, n_clients=1, paxos=True, window=1024,
               client_members=('s1',), mirror=False, fault_tolerance=None):
    """The controller's deployment file for this topology: Paxos orders
    the service frames (paxos), or the members mirror them (mirror: the
    negative control), or neither (the learning switch only).
    fault_tolerance ({"heartbeat_ms", "timeout_ms", "log_slots"}) goes
    into the Paxos group as is: the fault-tolerant protocol."""
    names = client_names(n_clients, client_members)
    ports = {
        's1': {'h1': 1, 'h2': 2, 'h3': 3, 's2': 4},
        's2': {'h4': 1, 'h5': 2, 'h6': 3, 's1': 4, 's3': 5},
        's3': {'h7': 1, 'h8': 2, 'h9': 3, 's2': 4},
    }
    links = [{'a': 's1:s2', 'b': 's2:s1'}, {'a': 's2:s3', 'b': 's3:s2'}]
    for m in client_members:
        csw, port = CLIENT_SWITCH[m]
        ports[m][csw] = port
        ports[csw] = dict({c: i for i, c in enumerate(names[csw], 1)},
                          **{m: CLIENT_UPLINK})
        links.append({'a': '%s:%s' % (m, csw), 'b': '%s:%s' % (csw, m)})
    switches = []
    for i, name in enumerate(MEMBERS + ['s4', 's5', 's6'], 1):
        if name in ports:
            switches.append({'name': name, 'dpid': str(i), 'mode': mode,
                             'openflow': ['OpenFlow13'],
                             'ports': ports[name]})
    doc = {
        'description': 'mininet-topos/paxos_line.py: thesis Figure 3.4 in '
                       'a line, clients on %s' % ', '.join(
                           CLIENT_SWITCH[m][0] for m in client_members),
        'switches': switches,
        'links': links,
    }
    by_name = {s['name']: s for s in switches}
    if paxos or mirror:
        # The client switches send service frames up to their member
        # without asking.
        for m in client_members:
            csw = CLIENT_SWITCH[m][0]
            by_name[csw]['flows'] = [
                'priority=100,dl_dst=%s,actions=output:%s' % (SERVICE_MAC, m)]
    if mirror:
        tree = {'s1': ['s2'], 's2': ['s1', 's3'], 's3': ['s2']}
        for m in MEMBERS:
            csw = CLIENT_SWITCH[m][0] if m in client_members else None
            by_name[m]['flows'] = mirror_flows(m, ports[m], tree[m], csw)
    elif paxos:
        group = {
            'group': 1, 'members': MEMBERS, 'leader': 's1',
            'window': window, 'service_mac': SERVICE_MAC,
            'clients': ['%s:%s' % (m, CLIENT_SWITCH[m][0])
                        for m in client_members],
            'replicas': [{'port': '%s:h%d' % (MEMBERS[(i - 1) // 3], i),
                          'mac': host_mac(i), 'ip': '10.0.0.%d' % i}
                         for i in range(1, 10)],
        }
        if fault_tolerance:
            group['fault_tolerance'] = dict(fault_tolerance)
        doc['paxos'] = {'groups': [group]}
    return doc


# Link-latency lower bound of c1 -> {h5, h8, h9} -> c1 with Paxos (see
# mininet-topos/README.md): c1 -> s4 -> s1 is 10 ms; s2 decides 5 ms
# later (the ACCEPT and s1's LEARN arrive together), s3 10 ms later; one
# more link to the replica, then the reply's way back (h5: 4 links, h8/h9:
# 5 links).  h5: 10+5+5+20 = 40 ms; h8, h9: 10+10+5+25 = 50 ms; the client
# has all three replies after 50 ms.
BOUND_MS = {'h5': 40.0, 'h8': 50.0, 'h9': 50.0, 'all': 50.0}


class PaxosNetwork(Network):
    """PaxosLine with the controller in one mode, and the link emulator.
    The members run on daemons of their own (separate, the default), each
    in a network namespace of its own, run directory OVS_RUNDIR/member-s1,
    ...; they reach the controller on its unix socket in their run
    directory; the client switches are on the sandbox's vswitchd.
    deployment_doc: the controller's deployment to start with, instead of
    deployment(mode, ...)."""

    def __init__(self, work, mode, paxos, n_clients=1, window=1024,
                 delay_us=DELAY_US, client_members=('s1',),
                 member_faults=None, mirror=False, fault_tolerance=None,
                 separate=True, seed=None, deployment_doc=None):
        self.client_members = tuple(client_members)
        self.rundirs = {}
        if separate:
            self.rundirs = {m: os.path.join(os.environ['OVS_RUNDIR'],
                                            'member-' + m) for m in MEMBERS}
        self.down = set()
        doc = deployment_doc or deployment(
            mode, n_clients, paxos, window, client_members, mirror,
            fault_tolerance)
        # ovs-vswitchd connects only to unix sockets in its own run
        # directory: the controller listens in each member's.
        socks = {m: os.path.join(d, 'controller.sock')
                 for m, d in self.rundirs.items()}
        for d in self.rundirs.values():
            os.makedirs(d, exist_ok=True)
        Network.__init__(
            self, work, PaxosLine(n_clients=n_clients, delay_us=delay_us,
                                  client_members=client_members,
                                  member_faults=member_faults),
            doc, name='controller-%s%s' % (mode, '-paxos' if paxos else ''),
            ports='paxos',
            sync=MEMBERS + [CLIENT_SWITCH[m][0] for m in client_members],
            switch=functools.partial(
                ovs_sandbox.member_switch_class(), rundirs=self.rundirs,
                controller_targets={m: 'unix:' + p for m, p in socks.items()}),
            controller_unix=list(socks.values()))
        self.links = LinkDelay(os.path.join(work, 'linkdelay-stats.json'),
                               seed=seed)
        self.link_stats = {}

    def setup(self):
        self.links.start()
        self.net.staticArp()
        for c in self.clients():
            c.cmd('arp -s %s %s' % (SERVICE_IP, SERVICE_MAC))

    def teardown(self):
        self.link_stats = self.links.stop()

    def kill_member(self, name, sig=signal.SIGKILL):
        """Kills member name's ovs-vswitchd with sig (as a host that dies:
        its ovsdb-server and run directory stay) and waits until it is
        gone.  Returns the time of the kill (time.time())."""
        t = time.time()
        ovs_sandbox.stop_vswitchd(self.rundirs[name], sig=sig)
        self.down.add(name)
        return t

    def restart_member(self, name):
        """Starts member name's ovs-vswitchd again on its database (its
        bridge and ports come back from it, its flows from the controller,
        which reconciles when the switch reconnects).  Returns the time it
        was started."""
        t = time.time()
        self.net[name].start_vswitchd()
        self.down.discard(name)
        return t

    def appctl(self, name, *args, timeout=2):
        """ovs-appctl to member name's ovs-vswitchd; '' if it is down."""
        if name in self.down:
            return ''
        try:
            pid = ovs_sandbox.vswitchd_pid(self.rundirs[name])
            target = os.path.join(self.rundirs[name],
                                  'ovs-vswitchd.%d.ctl' % pid)
            return subprocess.run(
                ['ovs-appctl', '--timeout=%d' % timeout, '-t', target]
                + list(args), capture_output=True, text=True,
                timeout=timeout + 1).stdout
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return ''

    def leader(self, default='s1', why=False):
        """The member that leads now, by the members' own word (paxos/show
        of the fault-tolerant protocol: "leader: node N round R active" on
        the leader itself, "leader: node N round R, heard ..." on the
        others; node N is MEMBERS[N-1]): the self-declared active leader
        of the highest round, else the leader of the highest round the
        others name; default when none says (the fixed-leader protocol
        prints no such line: its leader is the deployment's, s1).  why:
        (member, 'active' | 'named' | 'default')."""
        active, named = [], []
        for m in MEMBERS:
            for node, rnd, tail in re.findall(
                    r'leader: node (\d+) round (\d+)(.*)',
                    self.appctl(m, 'paxos/show')):
                if not 1 <= int(node) <= len(MEMBERS):
                    continue
                entry = (int(rnd), MEMBERS[int(node) - 1])
                (active if tail.startswith(' active') else named).append(
                    entry)
        for found, source in ((active, 'active'), (named, 'named')):
            if found:
                return (max(found)[1], source) if why else max(found)[1]
        return (default, 'default') if why else default

    def put_deployment(self, doc, members=MEMBERS, timeout=30):
        """Replaces the controller's deployment (PUT /deployment) and
        waits until each of members has been reconciled to it."""
        before = {n: s['counters']['syncs']
                  for n, s in self.ctl.switches().items()}
        req = urllib.request.Request(
            'http://127.0.0.1:%d/deployment' % self.ctl.rest_port,
            data=json.dumps(doc).encode(), method='PUT',
            headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise RuntimeError('PUT /deployment refused: %s'
                               % e.read().decode(errors='replace'))
        deadline = time.monotonic() + timeout
        while True:
            sws = self.ctl.switches()
            if all(n in sws and sws[n]['in_sync'] and
                   sws[n]['counters']['syncs'] > before.get(n, 0)
                   for n in members):
                return
            if time.monotonic() > deadline:
                raise RuntimeError('members not reconciled to the new '
                                   'deployment after %d s' % timeout)
            time.sleep(0.1)

    def links_dropped(self):
        """Frames the link emulator dropped (after the network stopped)."""
        return self.links.dropped(self.link_stats)

    def links_summary(self, pairs=None):
        """What the link emulator did, summed over every direction (after
        the network stopped), or over the links between the node pairs
        given: LinkDelay.summary()."""
        stats = self.link_stats
        if pairs is not None:
            ends = set()
            for a, b in pairs:
                ends.update(self.links.links.get((a, b)) or
                            self.links.links[(b, a)])
            stats = dict(stats, directions=[
                d for d in stats.get('directions', [])
                if d['from'] in ends and d['to'] in ends])
        return self.links.summary(stats)

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
