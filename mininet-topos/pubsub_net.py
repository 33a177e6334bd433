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
import time
import urllib.error
import urllib.request

from controller_proc import wait_until
from harness import Network
from paths import HERE, PY

TOOL = os.path.join(HERE, 'pubsub_host.py')
SWITCHES = ['s%d' % i for i in range(1, 8)]


def host_ip(name):
    return '10.0.0.%d' % int(name[1:])


def host_mac(name):
    return '00:00:00:00:00:%02d' % int(name[1:])


def host_body(name, dz):
    """A POST /pubsub/subscription body for Mininet host name."""
    return {'switch': 's' + name[1], 'port': int(name[2]),
            'ip': host_ip(name), 'mac': host_mac(name), 'dz': dz or '*'}


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
                             mac=host_mac(h))
                self.addLink(h, 's%d' % sw, port2=port)
    return PubsubTopo()


def deployment(section, flows=()):
    switches = []
    for i in range(1, 8):
        ports = {'h1': 1, 'h2': 2}
        if i > 1:
            ports['up'] = 10
        if i <= 3:
            ports.update(a=11, b=12)
        switches.append({'name': 's%d' % i, 'dpid': '%x' % i,
                         'ports': ports, 'flows': list(flows)})
    links = [{'a': 's%d:%s' % (i // 2, 'b' if i % 2 else 'a'),
              'b': 's%d:up' % i} for i in range(2, 8)]
    return {'description': 'pubsub: a tree of 7 switches',
            'switches': switches, 'links': links, 'pubsub': section}


class PubsubNetwork(Network):
    """flows: the switches' own flows besides the pubsub ones (the
    experiment's broker baseline forwards its TCP with NORMAL)."""

    def __init__(self, work, hosts, section, flows=()):
        self.flows = list(flows)
        Network.__init__(self, work, topo(hosts),
                         deployment(section, self.flows),
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
            data=None if body is None else json.dumps(body).encode(),
            # Not urllib's default form type, whose bodies cpp-httplib
            # limits to 8 KiB.
            headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def state(self):
        return self.call('GET', '/pubsub')[1]

    def reconfigure(self, section):
        """PUT /deployment with a new pubsub section; waits for sync."""
        code, r = self.call('PUT', '/deployment',
                            deployment(section, self.flows))
        if code != 200:
            raise RuntimeError('PUT /deployment: %s' % r)
        self.wait_synced()

    def wait_synced(self, timeout=30):
        """Waits until every switch has the flows the controller wants and
        no flow is retiring (a change the controller has answered or shown
        in GET /pubsub has already started the switches'
        resynchronisation)."""
        def ok():
            if self.state()['retiring']:
                return False
            sws = self.ctl.switches()
            return all(sws[s]['in_sync'] for s in SWITCHES)
        try:
            wait_until(ok, timeout, 'pubsub switches in sync')
        except RuntimeError:
            sws = self.ctl.switches()
            raise RuntimeError('switches not in sync: %s; retiring: %s' % (
                [s for s in SWITCHES if not sws[s]['in_sync']],
                self.state()['retiring']))

    # The host tool.
    def control(self, host, *ops, gap=0):
        """Sends control messages from host (adv:DZ, sub:DZ, raw:HEX...);
        counts them.  Returns when each was sent (time.time())."""
        h = self[host]
        out = h.cmd(PY, TOOL, 'control', '--src', host_ip(host),
                    '--gap', str(gap), '--print-times', *ops)
        lines = out.split()
        if len(lines) != 2 * len(ops):
            raise RuntimeError('%s control: %s' % (host, out))
        self.n_control += len(ops)
        return [float(t) for t in lines[1::2]]

    def control_popen(self, host, ops, gap):
        """control() in the background: the process."""
        self.n_control += len(ops)
        return self.popen(self[host], [PY, TOOL, 'control', '--src',
                                       host_ip(host), '--gap', str(gap)]
                          + list(ops))

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
    """Stops a receiver; returns (summary, [(pub, seq, dz, time received,
    time sent)])."""
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    summary = json.loads(out.decode().strip().splitlines()[-1])
    rows = []
    with open(log) as f:
        for line in f:
            pub, seq, dz, t, sent = line.split()
            rows.append((int(pub), int(seq), dz, float(t), float(sent)))
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


def run_phase(nw, work, tag, subscribers, pubs, count, rate, during=None,
              broker=None):
    """Receivers on every host of subscribers, the publishers of pubs
    {host: dz list} at rate events/s each; during() is called while they
    send.  With broker (address, {host: [dz]}), through the MQTT broker
    instead of the switches' flows.  Returns (published {pub_id: [(seq,
    dz)]}, received {host: rows}, summaries {host: receiver summary})."""
    recv = {}
    for h in subscribers:
        log = os.path.join(work, '%s-%s.recv' % (tag, h))
        cmd = [PY, TOOL, 'receive', '--log', log]
        if broker:
            cmd = [PY, TOOL, 'mqtt-receive', '--broker', broker[0], '--dz',
                   ','.join(d or '*' for d in broker[1][h]), '--log', log]
        recv[h] = (nw.popen_ready(nw[h], cmd), log)
    procs = {}
    for i, (h, dzs) in enumerate(sorted(pubs.items())):
        log = os.path.join(work, '%s-%s.pub' % (tag, h))
        if broker:
            p = nw.popen(nw[h], [
                PY, TOOL, 'mqtt-publish', '--broker', broker[0], '--id',
                str(i + 1), '--dz', ','.join(dzs), '--count', str(count),
                '--rate', str(rate), '--log', log])
        else:
            p = nw.publisher(h, i + 1, dzs, count, rate, log)
        procs[i + 1] = (p, log)
    if during:
        during()
    for p, _ in procs.values():
        p.wait(timeout=600)
    time.sleep(0.5)
    published = {i: read_publisher_log(log) for i, (p, log) in procs.items()}
    received, summaries = {}, {}
    for h, (p, log) in recv.items():
        summaries[h], received[h] = stop_receiver(p, log)
    return published, received, summaries


def compare(published, received, subscriptions):
    """(false negatives, false positives, deliveries) over all hosts,
    against the deliveries computed from subscriptions {host: [dz]}."""
    want = expected_deliveries(published, subscriptions)
    fn = fp = got = 0
    for h, rows in received.items():
        have = {(r[0], r[1]) for r in rows}
        fn += len(want[h] - have)
        fp += len(have - want[h])
        got += len(have & want[h])
    return fn, fp, got
