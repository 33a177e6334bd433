#!/usr/bin/python3
"""Mininet smoke test: ping through two switches of the patched vswitchd
(userspace datapath) with a paxos: flow installed, and check that the flow
really runs in the datapath: a UDP packet to port 9999 leaves s1 as a Paxos
ACCEPT frame (Ethernet type 0x7a01) that h2 captures.

Exit status 0 on success.  Needs root (network namespaces)."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'mininet-topos'))

import harness  # noqa: E402
from paths import BUILD  # noqa: E402

OF = 'ovs-ofctl -O OpenFlow13 '
FLOWS = [
    ('s1', 'priority=10,udp,tp_dst=9999,actions=paxos:onclient,output:2'),
    ('s1', 'priority=1,in_port=1,actions=output:2'),
    ('s1', 'priority=1,in_port=2,actions=output:1'),
    ('s2', 'priority=1,in_port=1,actions=output:2'),
    ('s2', 'priority=1,in_port=2,actions=output:1'),
]
SEND = ("python3 -c \"import socket;s=socket.socket(socket.AF_INET,"
        "socket.SOCK_DGRAM);s.sendto(b'hello%d',('10.0.0.2',9999))\"")


def run(args):
    from two_switches import TwoSwitches
    c = harness.Checks('mininet smoke')
    with harness.Network(os.path.join(BUILD, 'mininet-smoke'),
                         TwoSwitches()) as n:
        s1, h1, h2 = n['s1'], n['h1'], n['h2']
        for sw, flow in FLOWS:
            cmd = OF + 'add-flow %s "%s"' % (sw, flow)
            out = s1.cmd(cmd + ' 2>&1; echo rc=$?')
            c.check(cmd, 'rc=0' in out, out.strip())

        flows = s1.cmd(OF + '--no-stats --no-names dump-flows s1')
        if args.demo:
            print('flows on s1:\n' + flows.strip())
        c.check('dump-flows s1 shows the paxos flow',
                'actions=paxos:onclient,output:2' in flows, flows)

        loss = n.net.ping([h1, h2], timeout=2)
        c.check('ping h1<->h2', loss == 0, 'loss %s%%' % loss)

        # Capture on h2 what the paxos flow emits.
        capture = os.path.join(BUILD, 'smoke-tcpdump.txt')
        h2.cmd('tcpdump -i h2-eth0 -n -e -U -c 3 ether proto 0x7a01 '
               '> %s 2>/dev/null &' % capture)
        time.sleep(1)
        for i in range(3):
            h1.cmd(SEND % i)
        time.sleep(2)
        h2.cmd('kill %tcpdump 2>/dev/null')
        time.sleep(0.5)
        captured = open(capture).read()
        accepts = re.findall(r'ethertype Unknown \(0x7a01\)', captured)
        if args.demo:
            print('h2 captured (tcpdump):\n' + captured.strip())
            print('datapath flows:\n'
                  + s1.cmd('ovs-appctl dpctl/dump-flows').strip())
        c.check('3 ACCEPT frames at h2', len(accepts) >= 3,
                '%d seen:\n%s' % (len(accepts), captured))
        counters = s1.cmd('ovs-appctl cxx-action/list')
        print(counters.strip())
        c.check('paxos counters for s1',
                re.search(r'bridge s1: in=\d+ out=\d+', counters), counters)
    return c.done()


def arguments(p):
    p.add_argument('--demo', action='store_true',
                   help='also print the flows, the capture and the '
                   'datapath flows')


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-mininet', run, arguments))
