r"""AMD: clients -- s1 -- s2 -- server, set up by cxxa-controller.

    h1..hN (10.0.0.1..) on s1 ports 1..N; s1 port 10 -- s2 port 10;
    srv (10.0.0.10, 00:00:00:00:00:10) on s2 port 1.

Both switches are AMD access switches (deployment section "amd", pool
10.0.0.192/26, MACs 02:a0:00:00:xx:xx) and otherwise forward with NORMAL.
The server subscribes over the controller's REST API and gets a virtual
address; clients send UDP requests to it (amd_apps.py).  AmdNetwork is
this network running; the helpers read what the server received and what
the switches report.  Used by tests/mininet/test_amd_seed.py and
experiments/amd_experiment.py."""
import http.client
import json
import os
import re
import socket
import subprocess

from harness import Network
from paths import HERE, PY

APPS = os.path.join(HERE, 'amd_apps.py')
SERVER_IP, SERVER_MAC = '10.0.0.10', '00:00:00:00:00:10'
PORT = 9000


def topo(n_clients):
    from mininet.topo import Topo

    class AmdTopo(Topo):
        def build(self):
            opts = dict(datapath='user', failMode='secure',
                        protocols='OpenFlow13')
            s1 = self.addSwitch('s1', **opts)
            s2 = self.addSwitch('s2', **opts)
            for i in range(1, n_clients + 1):
                h = self.addHost('h%d' % i, ip='10.0.0.%d/24' % i,
                                 mac='00:00:00:00:00:%02x' % i)
                self.addLink(h, s1, port2=i)
            self.addLink(s1, s2, port1=10, port2=10)
            srv = self.addHost('srv', ip=SERVER_IP + '/24', mac=SERVER_MAC)
            self.addLink(srv, s2, port2=1)
    return AmdTopo()


def deployment(store, release=None):
    normal = ['priority=0,actions=NORMAL']
    return {
        'description': 'AMD: clients on s1, the server on s2',
        'switches': [
            {'name': 's1', 'dpid': '1', 'ports': {'s2': 10}, 'flows': normal},
            {'name': 's2', 'dpid': '2', 'ports': {'s1': 10, 'srv': 1},
             'flows': normal}],
        'links': [{'a': 's1:s2', 'b': 's2:s1'}],
        'amd': {'switches': ['s1', 's2'],
                'pool': {'cidr': '10.0.0.192/26', 'mac_prefix': '02:a0:00:00'},
                'store': store,
                **({'release': release} if release else {})},
    }


class AmdNetwork(Network):
    """The AMD topology with the controller storing in `store`."""

    def __init__(self, work, store='switch', n_clients=2, release=None):
        Network.__init__(self, work, topo(n_clients),
                         deployment(store, release),
                         name='controller-amd-' + store, ports='amd',
                         sync=['s1', 's2'])
        self.http = None

    def teardown(self):
        if self.http is not None:
            self.http.close()

    def clients(self):
        return [h for h in self.net.hosts if h.name.startswith('h')]

    # REST, with a kept-alive connection (the flips issue thousands).
    def call(self, method, path, body=None):
        for attempt in (0, 1):
            try:
                if self.http is None:
                    self.http = http.client.HTTPConnection(
                        '127.0.0.1', self.ports['rest'], timeout=10)
                    self.http.connect()
                    # Header and body go out as two writes: without this,
                    # Nagle + delayed ACK add ~40 ms to every request.
                    self.http.sock.setsockopt(socket.IPPROTO_TCP,
                                              socket.TCP_NODELAY, 1)
                self.http.request(method, '/amd/server/' + path + '/json',
                                  body=json.dumps(body) if body else None,
                                  headers={'Content-Type':
                                           'application/json'})
                r = self.http.getresponse()
                return r.status, json.loads(r.read())
            except (http.client.HTTPException, OSError):
                self.http = None
                if attempt:
                    raise

    def curl(self, method, path, body=None):
        """As the AMD API document tests it: curl on the command line."""
        cmd = ['curl', '-s', '-X', method,
               'http://127.0.0.1:%d/amd/server/%s/json'
               % (self.ports['rest'], path)]
        if body is not None:
            cmd += ['-H', 'Content-Type: application/json', '-d',
                    body if isinstance(body, str) else json.dumps(body)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        print('curl -X %s .../amd/server/%s/json %s\n  -> %s'
              % (method, path, '' if body is None else
                 (body if isinstance(body, str) else json.dumps(body)),
                 out.stdout.strip().replace('\n', ' ')[:300]))
        return json.loads(out.stdout)

    def start_server(self, log, echo=True, default_rcvbuf=False):
        srv = self.net['srv']
        cmd = [PY, APPS, 'recv', '--port', str(PORT), '--log', log]
        if echo:
            cmd.append('--echo')
        if default_rcvbuf:
            cmd.append('--default-rcvbuf')
        return self.popen_ready(srv, cmd)

    def send(self, host, vip, count, rate, client, sent=None, stop=None):
        cmd = [PY, APPS, 'send', '--dst', vip, '--port', str(PORT),
               '--client', client, '--count', str(count), '--rate',
               str(rate)]
        if sent:
            cmd += ['--sent', sent]
        if stop:
            cmd += ['--stop', stop]
        return self.popen(host, cmd)

    def subscribe_server(self):
        """Subscribes srv (no services) and warms every client's ARP
        entry and NORMAL's tables; returns the virtual IP."""
        _, r = self.call('POST', 'subscription',
                         {'ip': SERVER_IP, 'mac': SERVER_MAC, 'services': []})
        vip = r['virtualIp']
        self.ctl.wait_in_sync(['s1', 's2'])
        for h in self.clients():
            h.cmd('%s %s probe --dst %s --port 9' % (PY, APPS, vip))
        return vip

    def amd_show(self):
        return subprocess.run(['ovs-appctl', 'amd/show'], capture_output=True,
                              text=True).stdout


def stop_and_read(proc, log):
    proc.terminate()
    proc.wait(timeout=10)
    rows = []
    with open(log) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] != 'probe':
                rows.append((parts[0], int(parts[1]), float(parts[2])))
    return rows


def check_order(rows, sent):
    """sent: client -> count.  Returns (received, lost, reordered,
    duplicates), per-client sequence numbers expected 0..count-1."""
    last, seen = {}, {}
    reordered = duplicates = 0
    for client, seq, _ in rows:
        s = seen.setdefault(client, set())
        if seq in s:
            duplicates += 1
            continue
        s.add(seq)
        if seq < last.get(client, -1):
            reordered += 1
        last[client] = max(last.get(client, -1), seq)
    received = sum(len(s) for s in seen.values())
    lost = sum(max(0, n - len(seen.get(c, ()))) for c, n in sent.items())
    return received, lost, reordered, duplicates


def amd_stored_released(show):
    """Requests the switches stored and released, from amd/show."""
    stored = released = 0
    for m in re.finditer(r'stored (\d+), released (\d+)', show):
        stored += int(m.group(1))
        released += int(m.group(2))
    return stored, released


def amd_counter_drops(show):
    drops = 0
    for line in show.splitlines():
        if 'dropped:' in line:
            drops += sum(int(w) for w in line.split() if w.isdigit())
    return drops
