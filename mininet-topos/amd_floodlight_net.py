r"""AMD in the Floodlight module's own test network, set up by
cxxa-controller:

            h1  h2
              \ /
        s2 -- s1 -- s3          h3, h4 on s2; h5, h6 on s3; h7, h8 on s4
               |
              s4

A star: switch s1 in the centre linked to s2, s3, s4 (s1 port 10+k --
sk port 10); the clients h1, h2 on s1 (ports 1, 2); six servers h3-h8,
two on each outer switch (ports 1, 2).  Hosts hN are 10.0.0.N/24 with MAC
00:00:00:00:00:0N, as in the module's Mininet script.  Every switch is an
AMD access switch (requests are stored where they enter, at s1; replies
are rewritten where they enter, at the servers' switch) and otherwise
forwards with NORMAL; the userspace datapath.  The pool has six
addresses, as the module's (10.0.0.192/29: .193-.198).

FloodlightClient speaks the module's REST API exactly as a client written
for it does: its bodies (values as strings, as the module reads them with
Jackson's asText()), its paths, and it reads only the "status" and
"reason" fields of the JSON reply, whatever the HTTP status.  Used by
tests/mininet/test_amd_floodlight.py."""
import json
import os
import subprocess
import urllib.error
import urllib.request

from amd_net import APPS
from harness import Network
from paths import PY

SERVERS = ['h%d' % i for i in range(3, 9)]
CLIENTS = ['h1', 'h2']
PORT = 5000


def ip(name):
    return '10.0.0.%d' % int(name[1:])


def mac(name):
    return '00:00:00:00:00:%02x' % int(name[1:])


def topo():
    from mininet.topo import Topo

    class FloodlightAmdTopo(Topo):
        def build(self):
            opts = dict(datapath='user', failMode='secure',
                        protocols='OpenFlow13')
            sw = {n: self.addSwitch(n, **opts)
                  for n in ('s1', 's2', 's3', 's4')}
            for i, h in enumerate(CLIENTS):
                self.addLink(self.addHost(h, ip=ip(h) + '/24', mac=mac(h)),
                             sw['s1'], port2=i + 1)
            for i, h in enumerate(SERVERS):
                self.addLink(self.addHost(h, ip=ip(h) + '/24', mac=mac(h)),
                             sw['s%d' % (2 + i // 2)], port2=1 + i % 2)
            for k in (2, 3, 4):
                self.addLink(sw['s1'], sw['s%d' % k], port1=10 + k,
                             port2=10)
    return FloodlightAmdTopo()


def deployment():
    normal = ['priority=0,actions=NORMAL']
    switches = [{'name': 's1', 'dpid': '1',
                 'ports': {'h1': 1, 'h2': 2, 's2': 12, 's3': 13, 's4': 14},
                 'flows': normal}]
    for k in (2, 3, 4):
        switches.append({'name': 's%d' % k, 'dpid': str(k),
                         'ports': {'a': 1, 'b': 2, 's1': 10},
                         'flows': normal})
    return {
        'description': "AMD: the Floodlight module's star network",
        'switches': switches,
        'links': [{'a': 's1:s%d' % k, 'b': 's%d:s1' % k} for k in (2, 3, 4)],
        'amd': {'switches': ['s1', 's2', 's3', 's4'],
                'pool': {'cidr': '10.0.0.192/29',
                         'mac_prefix': '02:a0:00:00'}},
    }


class FloodlightClient:
    """The module's REST API as its clients call it."""

    def __init__(self, rest_port):
        self.base = 'http://127.0.0.1:%d/amd' % rest_port

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                text = r.read()
        except urllib.error.HTTPError as e:
            text = e.read()     # The reply says why; the code is ours.
        reply = json.loads(text)
        print('%s /amd%s %s\n  -> %s' % (method, path,
                                         '' if body is None
                                         else json.dumps(body),
                                         json.dumps(reply)[:300]))
        return reply

    def subscribe(self, name, description, port=str(PORT)):
        return self.call('POST', '/server/subscription/json',
                         {'ip': ip(name), 'mac': mac(name),
                          'services': [{'port': port,
                                        'description': description}]})

    def unsubscribe(self, vip):
        return self.call('DELETE', '/server/subscription/json',
                         {'virtualIp': vip})

    def offline(self, vip):
        return self.call('PUT', '/server/status/json',
                         {'newStatus': 'offline', 'virtualIp': vip})

    def online(self, vip, name):
        return self.call('PUT', '/server/status/json',
                         {'newStatus': 'online', 'virtualIp': vip,
                          'ip': ip(name), 'mac': mac(name)})

    def info(self):
        return self.call('GET', '/server/info/json')


class FloodlightAmdNetwork(Network):
    def __init__(self, work):
        Network.__init__(self, work, topo(), deployment(),
                         name='controller-amd-floodlight',
                         ports='amd-floodlight',
                         sync=['s1', 's2', 's3', 's4'])
        self.client = FloodlightClient(self.ports['rest'])

    def start_server(self, name, log):
        return self.popen_ready(self.net[name],
                                [PY, APPS, 'recv', '--port', str(PORT),
                                 '--log', log, '--echo'])

    def send(self, host, vip, count, rate, client):
        return self.popen(self.net[host],
                          [PY, APPS, 'send', '--dst', vip, '--port',
                           str(PORT), '--client', client, '--count',
                           str(count), '--rate', str(rate)])

    def amd_show(self):
        return subprocess.run(['ovs-appctl', 'amd/show'], capture_output=True,
                              text=True).stdout

    def probe(self, host, vip):
        return self.net[host].cmd('%s %s probe --dst %s --port %d'
                                  % (PY, APPS, vip, PORT)).strip()


def log_path(work, name):
    return os.path.join(work, 'server-%s.log' % name)
