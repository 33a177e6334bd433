#!/usr/bin/python3
"""NAT router end to end, set up by cxxa-controller (the deployment's "nat"
section, controller/examples/mininet-nat.json):

    h1 10.0.1.11, h2 10.0.1.12 -- s1 -- r1 port 1 (10.0.1.1/24)
    h3 10.0.2.13, h4 10.0.2.14 -- s2 -- r1 port 2 (10.0.2.1/24)
    remote 198.51.100.2        ------- r1 port 3 (198.51.100.1/24, NAPT)

r1 is the router (nat:, router:, dec_ttl; ARP answered in the switch);
s1 and s2 are plain L2 switches (NORMAL).  h4 serves TCP port 80, which
remote reaches as 198.51.100.1:8080.

  test   every end-to-end claim, each a check that fails the run:
         ping the router's addresses; ping, TCP (iperf3) and UDP (iperf3)
         from every subnet to remote; three inside hosts ping remote with
         the same ICMP id at once and all get their replies; traceroute
         lists the router; the port unreachable remote sends reaches the
         inside host that caused it (two hosts, same source port); remote
         reaches h4's server through the forwarded port, and h1 through
         hairpinning; finally the same three-host ping with OVS's
         ct(commit,nat(src=...)) in place of nat: shows the collision.
  bench  ping RTT h1 -> remote through the router against the same path
         with plain routing flows (no NAT, no controller), interleaved
         rounds, medians; writes OUT/nat-bench-rtt.json.

Needs root."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ovs_sandbox  # noqa: E402
from controller_proc import Controller, remote_controller, wait_until  # noqa: E402,E501

TOP = os.path.dirname(HERE)
PY = '/usr/bin/python3'
APPS = os.path.join(HERE, 'nat_apps.py')
REST_PORT = 18398
OF_PORT = 16854
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


class Network:
    def __init__(self, work):
        from mininet.net import Mininet
        from mininet.node import OVSSwitch
        self.work = work
        self.ctl = Controller(work, 'controller-nat', deployment(),
                              REST_PORT, OF_PORT)
        self.ctl.start()
        try:
            self.net = Mininet(topo=topo(), switch=OVSSwitch,
                               controller=None, autoSetMacs=False)
            self.net.addController(remote_controller('c0', OF_PORT))
        except BaseException:
            self.ctl.stop()
            raise
        self.procs = []

    def __enter__(self):
        self.net.start()
        for h in self.net.hosts:
            ovs_sandbox.disable_offload(h)
            h.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
        for name, (_, gw, _) in HOSTS.items():
            self.net[name].cmd('ip route add default via ' + gw)
        self.ctl.wait_in_sync(['r1', 's1', 's2'])
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        self.net.stop()
        self.ctl.stop()

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
        p = self.h(host).popen([PY, APPS] + list(args),
                               stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def nat_show(self):
        return subprocess.run(['ovs-appctl', 'nat/show', 'r1'],
                              capture_output=True, text=True).stdout


class Checks:
    def __init__(self):
        self.failures = []
        self.results = {}

    def check(self, name, ok, detail=''):
        print('%s %s %s' % ('PASS' if ok else 'FAIL', name, detail),
              flush=True)
        self.results[name] = {'ok': bool(ok), 'detail': detail}
        if not ok:
            self.failures.append(name)


def same_id_pings(n, hosts, count=20):
    procs = [n.apps(h, 'ping', '--dst', REMOTE, '--id', '0x1234',
                    '--count', str(count)) for h in hosts]
    return {h: json.loads(p.communicate(timeout=60)[0]) for h, p in
            zip(hosts, procs)}


def iperf(n, client, udp):
    srv = n.h('remote').popen(['iperf3', '-s', '-1', '-p', '5201'],
                              stdout=subprocess.DEVNULL)
    n.procs.append(srv)
    time.sleep(0.5)
    args = 'iperf3 -c %s -p 5201 -t 2 -J' % REMOTE
    if udp:
        args += ' -u -b 10M'
    out = n.h(client).cmd(args)
    srv.wait(timeout=10)
    try:
        end = json.loads(out)['end']
    except (ValueError, KeyError):
        return None, out[-300:]
    if udp:
        s = end['sum']
        return s['lost_percent'] < 5 and s['packets'] > 0, \
            '%d packets, %.1f%% lost, %.1f Mbit/s' % (
                s['packets'], s['lost_percent'], s['bits_per_second'] / 1e6)
    r = end['sum_received']
    return r['bytes'] > 0, '%.1f Mbit/s received' % (
        r['bits_per_second'] / 1e6)


def to_ct_nat(flow):
    """The router's flow with OVS's conntrack NAT in place of nat:."""
    m = re.search(r'nat:out\(ext=([\d.]+),ports=(\d+)-(\d+)[^)]*\)', flow)
    if m and 'nat:in' not in flow and 'nat:forward' not in flow:
        return flow.replace(m.group(0), 'ct(commit,nat(src=%s:%s-%s))'
                            % m.groups())
    m = re.search(r'nat:in\(ext=[\d.]+\),resubmit\(,(\d+)\)', flow)
    if m and 'nat:out' not in flow:
        return flow.replace(m.group(0), 'ct(nat,table=%s)' % m.group(1))
    return flow


def run_test(args):
    c = Checks()
    with Network(args.work) as n:
        for h in HOSTS:
            n.wait_reachable(h, HOSTS[h][1])
        c.check('ping router inside addresses', all(
            n.ping_ok(h, HOSTS[h][1]) for h in HOSTS))
        c.check('ping router outside address from inside',
                n.ping_ok('h1', EXT))
        c.check('ping router from remote', n.ping_ok('remote', EXT))
        n.wait_reachable('h1', REMOTE)
        c.check('ping remote from every inside host', all(
            n.ping_ok(h, REMOTE) for h in HOSTS))
        ok, detail = iperf(n, 'h1', udp=False)
        c.check('iperf3 TCP h1 -> remote', ok, detail)
        ok, detail = iperf(n, 'h3', udp=True)
        c.check('iperf3 UDP h3 -> remote', ok, detail)

        res = same_id_pings(n, ['h1', 'h2', 'h3'])
        c.check('three hosts, one ICMP id, all replies (nat:)', all(
            r['replies'] == r['sent'] for r in res.values()), json.dumps(res))

        out = n.h('h1').cmd('traceroute -n -q 1 -w 2 -m 3 %s' % REMOTE)
        hops = re.findall(r'^\s*(\d+)\s+([\d.]+)', out, re.M)
        c.check('traceroute lists the router', hops[:2] == [
            ('1', '10.0.1.1'), ('2', REMOTE)], out.strip().replace('\n', ' | '))

        ps = [n.apps(h, 'unreach', '--dst', REMOTE, '--port', '9',
                     '--sport', '40000') for h in ('h2', 'h4')]
        got = [json.loads(p.communicate(timeout=30)[0]) for p in ps]
        c.check('port unreachable reaches the inside host that sent',
                all(g['refused'] for g in got), json.dumps(got))

        www = tempfile.mkdtemp(prefix='nat-www-')
        with open(os.path.join(www, 'index.html'), 'w') as f:
            f.write('served by h4\n')
        srv = n.h('h4').popen([PY, '-m', 'http.server', '80', '-d', www],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        n.procs.append(srv)
        time.sleep(1)
        got = n.h('remote').cmd('curl -s --max-time 5 http://%s:8080/' % EXT)
        c.check('TCP server inside reached through the forwarded port',
                'served by h4' in got, got.strip()[:80])
        got = n.h('h1').cmd('curl -s --max-time 5 http://%s:8080/' % EXT)
        c.check('hairpin: h1 reaches the forwarded port', 'served by h4'
                in got, got.strip()[:80])
        show = n.nat_show()
        print(show)
        c.results['nat_show'] = show

        # Baseline: the same router with ct(nat) instead of nat:, no
        # controller (its flows frozen, nat: swapped for conntrack).
        flows = subprocess.run(
            ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', '--no-stats',
             'r1'], capture_output=True, text=True, check=True).stdout
        subprocess.run(['ovs-vsctl', 'del-controller', 'r1'], check=True)
        subprocess.run(['ovs-ofctl', '-O', 'OpenFlow13', 'del-flows', 'r1'],
                       check=True)
        ct_flows = [to_ct_nat(f.strip()) for f in flows.splitlines()
                    if 'actions=' in f]
        with open(os.path.join(args.work, 'r1-ct-nat.flows'), 'w') as f:
            f.write('\n'.join(ct_flows) + '\n')
        subprocess.run(['ovs-ofctl', '-O', 'OpenFlow13', 'add-flows', 'r1',
                        os.path.join(args.work, 'r1-ct-nat.flows')],
                       check=True)
        subprocess.run(['ovs-appctl', 'dpctl/flush-conntrack'],
                       capture_output=True)
        c.check('ct(nat) baseline: ping still works for one host',
                n.ping_ok('h1', REMOTE))
        time.sleep(1)
        res = same_id_pings(n, ['h1', 'h2', 'h3'])
        full = [h for h, r in res.items() if r['replies'] == r['sent']]
        c.check('ct(nat) baseline shows the ICMP id collision',
                len(full) < 3, json.dumps(res))
        c.results['ct_nat_same_id'] = res
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'nat-test.json'), 'w') as f:
        json.dump(c.results, f, indent=1)
    if c.failures:
        print('FAILED: ' + ', '.join(c.failures))
        return 1
    print('all NAT end-to-end checks passed')
    return 0


def rtts(host, dst, count):
    out = host.cmd('ping -c %d -i 0.01 -W 1 %s' % (count, dst))
    return [float(x) for x in re.findall(r'time=([\d.]+) ms', out)]


def plain_routing(n):
    """r1 as a router without NAT or controller: static flows between h1
    and remote (remote routes 10.0.1.0/24 via 198.51.100.1)."""
    mac = {h: n.h(h).MAC() for h in ('h1', 'remote')}
    r1 = {p: n.h('r1').intfs[p].MAC() for p in (1, 3)}
    subprocess.run(['ovs-vsctl', 'del-controller', 'r1'], check=True)
    flows = [
        'priority=10,ip,in_port=1,nw_dst=%s,actions=dec_ttl,mod_dl_src:%s,'
        'mod_dl_dst:%s,output:3' % (REMOTE, r1[3], mac['remote']),
        'priority=10,ip,in_port=3,nw_dst=10.0.1.11,actions=dec_ttl,'
        'mod_dl_src:%s,mod_dl_dst:%s,output:1' % (r1[1], mac['h1']),
    ]
    return flows


def run_bench(args):
    res = {'samples_ms': {'nat': [], 'plain': []}}
    with Network(args.work) as n:
        n.wait_reachable('h1', '10.0.1.1')
        n.wait_reachable('h1', REMOTE)
        nat_flows = subprocess.run(
            ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', '--no-stats',
             'r1'], capture_output=True, text=True, check=True).stdout
        nat_flows = [f.strip() for f in nat_flows.splitlines()
                     if 'actions=' in f]
        plain = plain_routing(n)
        # The same ARP entries in both: the router's MACs as learned.
        n.h('remote').cmd('ip route add 10.0.1.0/24 via ' + EXT)
        path = os.path.join(args.work, 'r1-%s.flows')
        for name, flows in (('nat', nat_flows), ('plain', plain)):
            with open(path % name, 'w') as f:
                f.write('\n'.join(flows) + '\n')
        for r in range(args.rounds):
            for name in ('nat', 'plain'):
                subprocess.run(['ovs-ofctl', '-O', 'OpenFlow13',
                                'replace-flows', 'r1', path % name],
                               check=True)
                rtts(n.h('h1'), REMOTE, 20)   # Warm the caches.
                xs = rtts(n.h('h1'), REMOTE, args.pings)
                res['samples_ms'][name] += xs
                print('round %d %-5s median %.3f ms (%d replies)'
                      % (r + 1, name, statistics.median(xs) if xs else -1,
                         len(xs)), flush=True)
    nat = statistics.median(res['samples_ms']['nat'])
    plain = statistics.median(res['samples_ms']['plain'])
    res.update({'rtt_ms_nat': nat, 'rtt_ms_forwarding': plain,
                'rtt_ratio_vs_forwarding': nat / plain,
                'pings': args.pings, 'rounds': args.rounds})
    print('ping RTT median: through the NAT router %.3f ms, plain routing '
          '%.3f ms, ratio %.3f (target <= 1.1)' % (nat, plain, nat / plain))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'nat-bench-rtt.json'), 'w') as f:
        json.dump(res, f, indent=1)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('mode', choices=['test', 'bench'])
    p.add_argument('--work', default=os.path.join(TOP, 'build', 'nat-work'))
    p.add_argument('--out', default=os.path.join(TOP, 'results'))
    p.add_argument('--pings', type=int, default=200)
    p.add_argument('--rounds', type=int, default=5)
    args = p.parse_args()
    from mininet.log import setLogLevel
    setLogLevel('warning')
    ovs_sandbox.start(os.path.join(TOP, 'build', 'sandbox-nat'))
    try:
        return {'test': run_test, 'bench': run_bench}[args.mode](args)
    finally:
        ovs_sandbox.stop()


if __name__ == '__main__':
    sys.exit(main())
