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

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'mininet-topos'))

import ovs_sandbox  # noqa: E402


def main():
    demo = '--demo' in sys.argv
    ovs_sandbox.start(os.path.join(TOP, 'build', 'sandbox-mininet'))
    from mininet.log import setLogLevel
    from mininet.net import Mininet
    from mininet.node import OVSSwitch
    from two_switches import TwoSwitches

    setLogLevel('warning')
    net = Mininet(topo=TwoSwitches(), switch=OVSSwitch, controller=None,
                  autoSetMacs=False)
    failures = []
    try:
        net.start()
        s1, s2, h1, h2 = net['s1'], net['s2'], net['h1'], net['h2']
        for h in (h1, h2):
            ovs_sandbox.disable_offload(h)
        of = 'ovs-ofctl -O OpenFlow13 '
        for cmd in [
                of + 'add-flow s1 "priority=10,udp,tp_dst=9999,actions=paxos:onclient,output:2"',
                of + 'add-flow s1 "priority=1,in_port=1,actions=output:2"',
                of + 'add-flow s1 "priority=1,in_port=2,actions=output:1"',
                of + 'add-flow s2 "priority=1,in_port=1,actions=output:2"',
                of + 'add-flow s2 "priority=1,in_port=2,actions=output:1"']:
            out = s1.cmd(cmd + ' 2>&1; echo rc=$?')
            if 'rc=0' not in out:
                failures.append('%s: %s' % (cmd, out.strip()))

        flows = s1.cmd(of + '--no-stats --no-names dump-flows s1')
        if demo:
            print('flows on s1:\n' + flows.strip())
        if 'actions=paxos:onclient,output:2' not in flows:
            failures.append('dump-flows s1 lacks the paxos flow:\n' + flows)

        loss = net.ping([h1, h2], timeout=2)
        print('ping h1<->h2 loss: %s%%' % loss)
        if loss > 0:
            failures.append('ping loss %s%%' % loss)

        # Capture on h2 what the paxos flow emits.
        capture = os.path.join(TOP, 'build', 'smoke-tcpdump.txt')
        h2.cmd('tcpdump -i h2-eth0 -n -e -U -c 3 ether proto 0x7a01 '
               '> %s 2>/dev/null &' % capture)
        time.sleep(1)
        for i in range(3):
            h1.cmd("python3 -c \"import socket;s=socket.socket(socket.AF_INET,"
                   "socket.SOCK_DGRAM);s.sendto(b'hello%d',('10.0.0.2',9999))\"" % i)
        time.sleep(2)
        h2.cmd('kill %tcpdump 2>/dev/null')
        time.sleep(0.5)
        captured = open(capture).read()
        accepts = re.findall(r'ethertype Unknown \(0x7a01\)', captured)
        if demo:
            print('h2 captured (tcpdump):\n' + captured.strip())
            print('datapath flows:\n' + s1.cmd('ovs-appctl dpctl/dump-flows').strip())
        print('ACCEPT frames seen by h2: %d' % len(accepts))
        if len(accepts) < 3:
            failures.append('expected 3 ACCEPT frames at h2, got:\n' + captured)
        counters = s1.cmd('ovs-appctl cxx-action/list')
        print(counters.strip())
        if not re.search(r'bridge s1: in=\d+ out=\d+', counters):
            failures.append('no paxos counters for s1:\n' + counters)
    finally:
        # Not mininet.clean.cleanup(): it also deletes /tmp/*.log and
        # /tmp/*.out of whoever runs the test.
        net.stop()
        ovs_sandbox.stop()

    if failures:
        print('FAILED:\n' + '\n'.join(failures))
        return 1
    print('mininet smoke: OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
