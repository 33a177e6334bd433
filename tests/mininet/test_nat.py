#!/usr/bin/python3
"""NAT router end to end, on mininet-topos/nat_net.py (r1 between two
private subnets and remote, set up by cxxa-controller).

Every end-to-end claim is a check that fails the run: ping the router's
addresses; ping, TCP (iperf3) and UDP (iperf3) from every subnet to
remote; three inside hosts ping remote with the same ICMP id at once and
all get their replies; traceroute lists the router; the port unreachable
remote sends reaches the inside host that caused it (two hosts, same
source port); remote reaches h4's server through the forwarded port, and
h1 through hairpinning; finally the same three-host ping with OVS's
ct(commit,nat(src=...)) in place of nat: shows the collision.

Writes OUT/nat-test.json (each check's result).  Exit status 0 on
success.  Needs root."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'mininet-topos'))

import harness  # noqa: E402
from nat_net import EXT, HOSTS, REMOTE, NatNetwork  # noqa: E402
from paths import BUILD, PY  # noqa: E402


def same_id_pings(n, hosts, count=20):
    procs = [n.apps(h, 'ping', '--dst', REMOTE, '--id', '0x1234',
                    '--count', str(count)) for h in hosts]
    return {h: json.loads(p.communicate(timeout=60)[0]) for h, p in
            zip(hosts, procs)}


def iperf(n, client, udp):
    srv = n.popen(n.h('remote'), ['iperf3', '-s', '-1', '-p', '5201'],
                  stdout=subprocess.DEVNULL)
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
    c = harness.Checks('mininet nat')
    with NatNetwork(args.work) as n:
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
        c.check('traceroute lists the router',
                hops[:2] == [('1', '10.0.1.1'), ('2', REMOTE)],
                out.strip().replace('\n', ' | '))

        ps = [n.apps(h, 'unreach', '--dst', REMOTE, '--port', '9',
                     '--sport', '40000') for h in ('h2', 'h4')]
        got = [json.loads(p.communicate(timeout=30)[0]) for p in ps]
        c.check('port unreachable reaches the inside host that sent',
                all(g['refused'] for g in got), json.dumps(got))

        www = tempfile.mkdtemp(prefix='nat-www-')
        with open(os.path.join(www, 'index.html'), 'w') as f:
            f.write('served by h4\n')
        n.popen(n.h('h4'), [PY, '-m', 'http.server', '80', '-d', www],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    harness.write_json(args.out, 'nat-test.json', c.results)
    return c.done()


def arguments(p):
    p.add_argument('--work', default=os.path.join(BUILD, 'nat-work'))


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-nat', run_test, arguments))
