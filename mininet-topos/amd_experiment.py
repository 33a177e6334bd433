#!/usr/bin/python3
"""AMD end to end: clients -- s1 -- s2 -- server, set up by cxxa-controller.

    h1..hN (10.0.0.1..) on s1 ports 1..N; s1 port 10 -- s2 port 10;
    srv (10.0.0.10, 00:00:00:00:00:10) on s2 port 1.

Both switches are AMD access switches (deployment section "amd", pool
10.0.0.192/26, MACs 02:a0:00:00:xx:xx) and otherwise forward with NORMAL.
The server subscribes over the controller's REST API and gets a virtual
address; clients send UDP requests to it.

  seed      the seed's testing section with real curl calls: subscription,
            info, offline, N requests, online -> all N in order, address
            change while offline, unsubscription; and the error replies.
  flips     clients send continuously while the server flips offline/online
            (default 1000 times); counts sent, received, lost, reordered.
  release   10,000 requests stored while offline, then released: in the
            switch (amd:) against the controller (the seed's way: packet-in,
            packet-out); per-request cost while storing, time to release,
            controller CPU.

Results: OUT/amd-NAME.json (+ amd-release.png).  Needs root."""
import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ovs_sandbox  # noqa: E402
from controller_proc import BUILD, Controller, remote_controller  # noqa: E402

PY = '/usr/bin/python3'
APPS = os.path.join(HERE, 'amd_apps.py')
REST_PORT = 18399
OF_PORT = 16853
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


def deployment(store):
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
                'store': store},
    }


class Network:
    def __init__(self, work, store='switch', n_clients=2):
        from mininet.net import Mininet
        from mininet.node import OVSSwitch
        self.work = work
        self.ctl = Controller(work, 'controller-amd-' + store,
                              deployment(store), REST_PORT, OF_PORT)
        self.ctl.start()
        try:
            self.net = Mininet(topo=topo(n_clients), switch=OVSSwitch,
                               controller=None, autoSetMacs=False)
            self.net.addController(remote_controller('c0', OF_PORT))
        except BaseException:
            self.ctl.stop()
            raise
        self.procs = []
        self.http = None

    def __enter__(self):
        self.net.start()
        for h in self.net.hosts:
            ovs_sandbox.disable_offload(h)
            h.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
        self.ctl.wait_in_sync(['s1', 's2'])
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        self.net.stop()
        self.ctl.stop()

    def clients(self):
        return [h for h in self.net.hosts if h.name.startswith('h')]

    # REST, with a kept-alive connection (the flips issue thousands).
    def call(self, method, path, body=None):
        for attempt in (0, 1):
            try:
                if self.http is None:
                    self.http = http.client.HTTPConnection(
                        '127.0.0.1', REST_PORT, timeout=10)
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
        """The seed's way: curl on the command line."""
        cmd = ['curl', '-s', '-X', method,
               'http://127.0.0.1:%d/amd/server/%s/json' % (REST_PORT, path)]
        if body is not None:
            cmd += ['-H', 'Content-Type: application/json', '-d',
                    body if isinstance(body, str) else json.dumps(body)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        print('curl -X %s .../amd/server/%s/json %s\n  -> %s'
              % (method, path, '' if body is None else
                 (body if isinstance(body, str) else json.dumps(body)),
                 out.stdout.strip().replace('\n', ' ')[:300]))
        return json.loads(out.stdout)

    def start_server(self, log, echo=True):
        srv = self.net['srv']
        cmd = [PY, APPS, 'recv', '--port', str(PORT), '--log', log]
        if echo:
            cmd.append('--echo')
        p = srv.popen(cmd)
        self.procs.append(p)
        time.sleep(0.3)
        return p

    def send(self, host, vip, count, rate, client, sent=None, stop=None):
        cmd = [PY, APPS, 'send', '--dst', vip, '--port', str(PORT),
               '--client', client, '--count', str(count), '--rate',
               str(rate)]
        if sent:
            cmd += ['--sent', sent]
        if stop:
            cmd += ['--stop', stop]
        p = host.popen(cmd)
        self.procs.append(p)
        return p

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


def run_seed(args, failures):
    n = args.requests
    with Network(os.path.join(args.work, 'seed')) as nw:
        h1 = nw.net['h1']
        srv_log = os.path.join(args.work, 'seed-server.log')
        server = nw.start_server(srv_log)
        r = nw.curl('POST', 'subscription', {
            'ip': SERVER_IP, 'mac': SERVER_MAC,
            'services': [{'port': PORT, 'description': 'UDP echo'}]})
        if r.get('status') != 'Success':
            failures.append('subscription: %s' % r)
            return
        vip, vmac = r['virtualIp'], r['virtualMac']
        nw.ctl.wait_in_sync(['s1', 's2'])
        info = nw.curl('GET', 'info')
        svc = info['availableServices']
        if len(svc) != 1 or svc[0]['virtualIp'] != vip \
                or svc[0]['services'][0]['port'] != PORT:
            failures.append('info after subscription: %s' % info)
        # The switch answers ARP for the virtual address; replies come
        # from it (rewritten back by the switch).
        src = h1.cmd('%s %s probe --dst %s --port %d'
                     % (PY, APPS, vip, PORT)).strip()
        neigh = h1.cmd('ip neigh show %s' % vip)
        print('probe answered from %s; h1 neighbour: %s' % (src, neigh.strip()))
        if src != vip:
            failures.append('reply to the probe came from %s, not %s'
                            % (src, vip))
        if vmac not in neigh:
            failures.append('h1 did not learn %s for %s: %s'
                            % (vmac, vip, neigh))

        # Errors: no state change.
        for body, want in (('{"ip": ', 'bad JSON'),
                           ({'ip': SERVER_IP, 'mac': SERVER_MAC},
                            'already subscribed'),
                           ({'newStatus': 'offline', 'virtualIp': '10.0.0.250'},
                            'no server')):
            path = 'status' if 'newStatus' in str(body) else 'subscription'
            method = 'PUT' if path == 'status' else 'POST'
            r = nw.curl(method, path, body)
            if r.get('status') != 'Error' or want not in r.get('reason', ''):
                failures.append('%s %s: expected an error about %r, got %s'
                                % (method, path, want, r))

        r = nw.curl('PUT', 'status', {'newStatus': 'offline',
                                      'virtualIp': vip})
        if r.get('status') != 'Success':
            failures.append('offline: %s' % r)
        sent = os.path.join(args.work, 'seed-sent')
        nw.send(h1, vip, n, 500, 'h1', sent=sent).wait(timeout=60)
        time.sleep(0.5)
        info = nw.curl('GET', 'info')
        stored = info['availableServices'][0]['storedPackets']
        print('while offline: %d requests stored in the switches' % stored)
        if stored != n:
            failures.append('info says %s stored, expected %d' % (stored, n))
        r = nw.curl('DELETE', 'subscription', {'virtualIp': vip})
        if r.get('status') != 'Error' or 'offline' not in r.get('reason', ''):
            failures.append('unsubscribing an offline server: %s' % r)

        r = nw.curl('PUT', 'status', {'newStatus': 'online', 'virtualIp': vip,
                                      'ip': SERVER_IP, 'mac': SERVER_MAC})
        time.sleep(1.0)
        rows = stop_and_read(server, srv_log)
        received, lost, reordered, dup = check_order(rows, {'h1': n})
        print('online: server received %d of %d, lost %d, reordered %d, '
              'duplicates %d' % (received, n, lost, reordered, dup))
        if (received, lost, reordered, dup) != (n, 0, 0, 0):
            failures.append('release: received %d of %d, %d lost, %d '
                            'reordered, %d duplicates'
                            % (received, n, lost, reordered, dup))

        # The server moves while offline: new IP and MAC, given when it
        # comes back; stored requests and the flows follow.
        nw.curl('PUT', 'status', {'newStatus': 'offline', 'virtualIp': vip})
        srv = nw.net['srv']
        srv.setIP('10.0.0.11', 24)
        srv.setMAC('00:00:00:00:00:11')
        srv_log2 = os.path.join(args.work, 'seed-server-moved.log')
        server = nw.start_server(srv_log2)
        nw.send(h1, vip, 50, 500, 'h1').wait(timeout=60)
        nw.curl('PUT', 'status', {'newStatus': 'online', 'virtualIp': vip,
                                  'ip': '10.0.0.11',
                                  'mac': '00:00:00:00:00:11'})
        time.sleep(0.5)
        nw.send(h1, vip, 50, 500, 'h2').wait(timeout=60)
        time.sleep(0.5)
        rows = stop_and_read(server, srv_log2)
        got = check_order(rows, {'h1': 50, 'h2': 50})
        print('after the move: received %d of 100, lost %d, reordered %d'
              % got[:3])
        if got != (100, 0, 0, 0):
            failures.append('after the address change: %s' % (got,))

        r = nw.curl('DELETE', 'subscription', {'virtualIp': vip})
        if r.get('status') != 'Success':
            failures.append('unsubscription: %s' % r)
        info = nw.curl('GET', 'info')
        if info['availableServices']:
            failures.append('info after unsubscription: %s' % info)
        show = nw.amd_show()
        print(show)
        if amd_counter_drops(show):
            failures.append('the switches dropped requests:\n' + show)


def run_flips(args, failures):
    with Network(os.path.join(args.work, 'flips'), n_clients=2) as nw:
        srv_log = os.path.join(args.work, 'flips-server.log')
        server = nw.start_server(srv_log, echo=False)
        vip = nw.subscribe_server()
        stop = os.path.join(args.work, 'flips-stop')
        if os.path.exists(stop):
            os.remove(stop)
        sent_files = {}
        senders = []
        for h in nw.clients():
            sent_files[h.name] = os.path.join(args.work,
                                              'flips-sent-' + h.name)
            senders.append(nw.send(h, vip, 0, args.rate, h.name,
                                   sent=sent_files[h.name], stop=stop))
        time.sleep(0.5)
        rng = random.Random(1)
        t0 = time.time()
        changes = 0
        for _ in range(args.flips):
            for status in ('offline', 'online'):
                code, r = nw.call('PUT', 'status',
                                  {'newStatus': status, 'virtualIp': vip})
                if r.get('status') != 'Success':
                    failures.append('status %s: %s' % (status, r))
                    break
                changes += 1
                time.sleep(rng.uniform(0, 0.01))
        elapsed = time.time() - t0
        time.sleep(0.5)
        open(stop, 'w').close()
        for p in senders:
            p.wait(timeout=30)
        time.sleep(1.0)
        rows = stop_and_read(server, srv_log)
        sent = {c: int(open(f).read()) for c, f in sent_files.items()}
        received, lost, reordered, dup = check_order(rows, sent)
        show = nw.amd_show()
        stored, released = amd_stored_released(show)
        res = {'flips': args.flips, 'status_changes': changes,
               'flip_seconds': round(elapsed, 3),
               'rate_per_client': args.rate, 'clients': len(sent),
               'sent': sum(sent.values()), 'received': received,
               'lost': lost, 'reordered': reordered, 'duplicates': dup,
               'switch_drops': amd_counter_drops(show),
               'stored_in_switches': stored, 'released_by_switches': released,
               'amd_show': show}
        print(json.dumps({k: v for k, v in res.items() if k != 'amd_show'},
                         indent=1))
        if lost or reordered or dup or res['switch_drops']:
            failures.append('flips: %d lost, %d reordered, %d duplicates, '
                            '%d switch drops' % (lost, reordered, dup,
                                                 res['switch_drops']))
        if not stored or stored != released:
            failures.append('flips: the switches stored %d and released %d '
                            'requests (the run must store some, and release '
                            'all)' % (stored, released))
        if changes != 2 * args.flips:
            failures.append('only %d of %d status changes succeeded'
                            % (changes, 2 * args.flips))
        return res


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def vswitchd_pid():
    rundir = os.environ['OVS_RUNDIR']
    return int(open(os.path.join(rundir, 'ovs-vswitchd.pid')).read())


def run_release_mode(args, store):
    n = args.requests
    with Network(os.path.join(args.work, 'release-' + store), store=store,
                 n_clients=1) as nw:
        ctl_pid = int(open(os.path.join(nw.work, 'controller-amd-%s.pid'
                                        % store)).read())
        h1 = nw.net['h1']
        srv_log = os.path.join(nw.work, 'server.log')
        server = nw.start_server(srv_log, echo=False)
        vip = nw.subscribe_server()
        nw.call('PUT', 'status', {'newStatus': 'offline', 'virtualIp': vip})
        nw.ctl.wait_in_sync(['s1', 's2'])
        time.sleep(0.3)
        v0, c0 = cpu_seconds(vswitchd_pid()), cpu_seconds(ctl_pid)
        nw.send(h1, vip, n, args.rate, 'h1').wait(timeout=120)
        time.sleep(1.0)
        v1, c1 = cpu_seconds(vswitchd_pid()), cpu_seconds(ctl_pid)
        _, info = nw.call('GET', 'info')
        stored = info['availableServices'][0]['storedPackets']
        t0 = time.time()
        nw.call('PUT', 'status', {'newStatus': 'online', 'virtualIp': vip})
        time.sleep(3.0 if store == 'switch' else 6.0)
        v2, c2 = cpu_seconds(vswitchd_pid()), cpu_seconds(ctl_pid)
        rows = stop_and_read(server, srv_log)
        received, lost, reordered, dup = check_order(rows, {'h1': n})
        last = max((t for _, _, t in rows), default=t0)
        ports = {}
        for sw in ('s1', 's2'):
            out = subprocess.run(['ovs-ofctl', '-O', 'OpenFlow13',
                                  'dump-ports', sw], capture_output=True,
                                 text=True).stdout
            for m in re.finditer(r'port\s+"?([\w-]+)"?: rx pkts=(\d+), '
                                 r'bytes=\d+, drop=(\d+).*?\n\s+tx pkts=(\d+)'
                                 r', bytes=\d+, drop=(\d+)', out):
                ports['%s:%s' % (sw, m.group(1))] = {
                    'rx': int(m.group(2)), 'rx_drop': int(m.group(3)),
                    'tx': int(m.group(4)), 'tx_drop': int(m.group(5))}
        srv_drops = nw.net['srv'].cmd('cat /proc/net/udp | '
                                      'awk \'NR>1{s+=$NF} END{print s+0}\'')
        return {
            'requests': n, 'stored_reported': stored,
            'store_us_per_request_switch': round((v1 - v0) / n * 1e6, 2),
            'store_us_per_request_controller': round((c1 - c0) / n * 1e6, 2),
            'store_us_per_request': round(((v1 - v0) + (c1 - c0)) / n * 1e6,
                                          2),
            'release_ms': round((last - t0) * 1000, 1),
            'release_cpu_s_switch': round(v2 - v1, 3),
            'release_cpu_s_controller': round(c2 - c1, 3),
            'controller_cpu_s_total': round(c2 - c0, 3),
            'received': received, 'lost': lost, 'reordered': reordered,
            'duplicates': dup, 'ports': ports,
            'server_socket_drops': int(srv_drops.strip() or 0),
        }


def run_release(args, failures):
    res = {'requests': args.requests, 'rate': args.rate, 'modes': {}}
    for store in ('switch', 'controller'):
        m = run_release_mode(args, store)
        res['modes'][store] = m
        print(store, json.dumps(m))
    sw, ct = res['modes']['switch'], res['modes']['controller']
    res['release_time_ratio'] = round(ct['release_ms'] / sw['release_ms'], 2) \
        if sw['release_ms'] > 0 else None
    res['store_cost_ratio'] = round(
        ct['store_us_per_request'] / sw['store_us_per_request'], 2) \
        if sw['store_us_per_request'] > 0 else None
    res['ratio'] = res['release_time_ratio']
    if sw['lost'] or sw['reordered'] or sw['received'] != args.requests:
        failures.append('switch store: %d received, %d lost, %d reordered'
                        % (sw['received'], sw['lost'], sw['reordered']))
    plot_release(res, os.path.join(args.out, 'amd-release.png'))
    return res


def plot_release(res, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    modes = ['switch', 'controller']
    labels = ['in the switch (amd:)', 'in the controller (seed)']
    metrics = [('release_ms', 'time to release %d requests (ms)'
                % res['requests']),
               ('store_us_per_request', 'CPU per stored request (us)'),
               ('controller_cpu_s_total', 'controller CPU (s)')]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, (key, title) in zip(axes, metrics):
        vals = [res['modes'][m][key] for m in modes]
        ax.bar(labels, vals, color=['tab:blue', 'tab:orange'])
        ax.set_title(title, fontsize=10)
        ax.tick_params(axis='x', labelsize=8)
        for i, v in enumerate(vals):
            ax.text(i, v, str(v), ha='center', va='bottom', fontsize=8)
    fig.suptitle('AMD: storing requests for an offline server')
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('what', choices=['seed', 'flips', 'release'])
    p.add_argument('--out', default=os.path.join(os.path.dirname(HERE),
                                                  'results'))
    p.add_argument('--requests', type=int, default=None)
    p.add_argument('--flips', type=int, default=1000)
    p.add_argument('--rate', type=float, default=None,
                   help='requests per second per client')
    args = p.parse_args()
    if args.requests is None:
        args.requests = 10000 if args.what == 'release' else 100
    if args.rate is None:
        args.rate = 5000 if args.what == 'release' else 500
    os.makedirs(args.out, exist_ok=True)
    args.work = os.path.join(BUILD, 'mininet-amd')
    os.makedirs(args.work, exist_ok=True)
    ovs_sandbox.start(os.path.join(BUILD, 'sandbox-amd'))
    from mininet.log import setLogLevel
    setLogLevel('warning')
    failures = []
    try:
        res = {'seed': run_seed, 'flips': run_flips,
               'release': run_release}[args.what](args, failures)
    finally:
        ovs_sandbox.stop()
    if res is not None:
        name = 'amd-%s.json' % args.what
        with open(os.path.join(args.out, name), 'w') as f:
            json.dump(res, f, indent=1)
        print('wrote', os.path.join(args.out, name))
    if failures:
        print('FAILED:\n' + '\n'.join(failures))
        return 1
    print('amd %s: OK' % args.what)
    return 0


if __name__ == '__main__':
    sys.exit(main())
