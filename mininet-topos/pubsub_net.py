r"""Publish/subscribe: a tree of 7 switches set up by cxxa-controller's
pubsub application.

    s1 at the top; s2 (port 11 of s1) and s3 (port 12); s4, s5 below s2
    and s6, s7 below s3 (ports 11, 12 of their parent; port 10 of every
    switch but s1 goes up).  Host hSP on port P (1 or 2) of switch sS:
    10.0.0.SP/24, MAC 00:00:00:00:00:SP (hex digits of SP, e.g. h42 is
    10.0.0.42, 00:00:00:00:00:42).

The switches have no flow of their own: the controller's pubsub section
gives each the control-message flow (to the controller), the drop flow of
the event prefix, and the event flows that follow from the control
messages the hosts send (pubsub_host.py).  PubsubNetwork is this network
running, with helpers to call the REST API, run the host tool and read
the switches' counters.  Used by tests/mininet/test_pubsub.py and
experiments/pubsub_experiment.py."""
import json
import os
import subprocess
import urllib.error
import urllib.request

from controller_proc import wait_until
from harness import Network
from paths import HERE, PY

TOOL = os.path.join(HERE, 'pubsub_host.py')
SWITCHES = ['s%d' % i for i in range(1, 8)]


def host_ip(name):
    return '10.0.0.%d' % int(name[1:])


def topo(hosts):
    """hosts: names hSP."""
    from mininet.topo import Topo

    class PubsubTopo(Topo):
        def build(self):
            opts = dict(datapath='user', failMode='secure',
                        protocols='OpenFlow13')
            for i in range(1, 8):
                self.addSwitch('s%d' % i, **opts)
            for i in range(2, 8):
                self.addLink('s%d' % (i // 2), 's%d' % i,
                             port1=11 + i % 2, port2=10)
            for h in hosts:
                sw, port = int(h[1]), int(h[2])
                self.addHost(h, ip=host_ip(h) + '/24',
                             mac='00:00:00:00:00:%02d' % int(h[1:]))
                self.addLink(h, 's%d' % sw, port2=port)
    return PubsubTopo()


def deployment(section):
    switches = []
    for i in range(1, 8):
        ports = {'h1': 1, 'h2': 2}
        if i > 1:
            ports['up'] = 10
        if i <= 3:
            ports.update(a=11, b=12)
        switches.append({'name': 's%d' % i, 'dpid': '%x' % i,
                         'ports': ports})
    links = [{'a': 's%d:%s' % (i // 2, 'b' if i % 2 else 'a'),
              'b': 's%d:up' % i} for i in range(2, 8)]
    return {'description': 'pubsub: a tree of 7 switches',
            'switches': switches, 'links': links, 'pubsub': section}


class PubsubNetwork(Network):
    def __init__(self, work, hosts, section):
        Network.__init__(self, work, topo(hosts), deployment(section),
                         name='controller-pubsub', ports='pubsub',
                         sync=SWITCHES)
        self.n_control = 0   # Control messages sent by the hosts.

    def setup(self):
        for h in self.net.hosts:
            h.cmd('ip route add 224.0.0.0/4 dev %s' % h.defaultIntf())

    # REST.
    def call(self, method, path, body=None):
        req = urllib.request.Request(
            'http://127.0.0.1:%d%s' % (self.ports['rest'], path),
            method=method,
            data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def state(self):
        return self.call('GET', '/pubsub')[1]

    def reconfigure(self, section):
        """PUT /deployment with a new pubsub section; waits for sync."""
        code, r = self.call('PUT', '/deployment', deployment(section))
        if code != 200:
            raise RuntimeError('PUT /deployment: %s' % r)
        self.wait_synced()

    def wait_synced(self, timeout=30):
        """Waits until every switch has the flows the controller wants (a
        change the controller has answered or shown in GET /pubsub has
        already started the switches' resynchronisation)."""
        def ok():
            sws = self.ctl.switches()
            return all(sws[s]['in_sync'] for s in SWITCHES)
        wait_until(ok, timeout, 'pubsub switches in sync')

    # The host tool.
    def control(self, host, *ops, gap=0):
        """Sends control messages from host (adv:DZ, sub:DZ, raw:HEX...);
        counts them."""
        h = self[host]
        out = h.cmd(PY, TOOL, 'control', '--src', host_ip(host),
                    '--gap', str(gap), *ops)
        if out.strip():
            raise RuntimeError('%s control: %s' % (host, out))
        self.n_control += len(ops)

    def wait_hosts(self, expect, timeout=20):
        """Waits until GET /pubsub shows expect = {ip: (subs, ads)}."""
        def ok():
            got = {h['ip']: (sorted(h['subscriptions']),
                             sorted(h['advertisements']))
                   for h in self.state()['hosts']}
            want = {ip: (sorted(s), sorted(a))
                    for ip, (s, a) in expect.items()}
            return got == want
        wait_until(ok, timeout, 'the controller has the hosts %s' % expect)
        self.wait_synced()

    def receiver(self, host, log):
        return self.popen_ready(self[host], [PY, TOOL, 'receive',
                                             '--log', log])

    def publisher(self, host, pub_id, dzs, count, rate, log):
        return self.popen(self[host], [
            PY, TOOL, 'publish', '--src', host_ip(host), '--id', str(pub_id),
            '--dz', ','.join(dzs), '--count', str(count), '--rate',
            str(rate), '--log', log])

    # The switches.
    def packet_ins(self):
        """Packet-ins the controller received from the pubsub switches."""
        sws = self.ctl.switches()
        return sum(sws[s]['counters']['packet_in'] for s in SWITCHES)

    def filter_counters(self):
        """pubsub/show per bridge: {bridge: {passed, filtered, malformed}}."""
        out = subprocess.run(['ovs-appctl', 'pubsub/show'],
                             capture_output=True, text=True).stdout
        res = {}
        for line in out.splitlines():
            if line.startswith('bridge '):
                name, rest = line[7:].split(': ', 1)
                res[name] = {k: int(v) for k, v in
                             (kv.split(' ') for kv in rest.split(', '))}
        return res


def stop_receiver(proc, log):
    """Stops a receiver; returns (summary, [(pub, seq, dz)])."""
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    summary = json.loads(out.decode().strip().splitlines()[-1])
    rows = []
    with open(log) as f:
        for line in f:
            pub, seq, dz = line.split()
            rows.append((int(pub), int(seq), dz))
    return summary, rows


def read_publisher_log(log):
    with open(log) as f:
        return [(int(s), d) for s, d in (line.split() for line in f)]


def covers(sub, dz):
    """An independent covering check on the dz texts ('*' is empty)."""
    sub = '' if sub == '*' else sub
    dz = '' if dz == '*' else dz
    return dz.startswith(sub)


def expected_deliveries(published, subscriptions):
    """published: {pub: [(seq, dz)]}; subscriptions: {host: [dz]}.
    Returns {host: set of (pub, seq)} the hosts are entitled to."""
    out = {}
    for host, subs in subscriptions.items():
        out[host] = {(pub, seq) for pub, evs in published.items()
                     for seq, dz in evs if any(covers(s, dz) for s in subs)}
    return out
