#!/usr/bin/python3
"""Mininet: the controller's two learning-switch baselines pass traffic.

h1 -- s1 -- s2 -- h2 (mininet-topos/two_switches.py), switches connect to
cxxa-controller (passive, ptcp:16653) which knows them by datapath id.

  learning           installs a flow per learned destination: after the
                     first exchange, pings no longer reach the controller.
  learning-no-flows  installs only the table-miss flow: every packet is a
                     packet-in and a packet-out (the thesis' "no flows"
                     baseline).

Exit status 0 on success.  Needs root (network namespaces)."""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'mininet-topos'))

import ovs_sandbox  # noqa: E402
from controller_proc import BUILD, Controller, remote_controller  # noqa: E402

WORK = os.path.join(BUILD, 'mininet-learning')
REST = 18199
OF_PORT = 16653


def run_mode(mode, failures):
    from mininet.net import Mininet
    from mininet.node import OVSSwitch
    from two_switches import TwoSwitches

    ctl = Controller(WORK, 'controller-%s' % mode, {'switches': [
        {'name': 's1', 'dpid': '1', 'mode': mode},
        {'name': 's2', 'dpid': '2', 'mode': mode}]}, REST, OF_PORT)
    ctl.start()
    switches = ctl.switches
    net = Mininet(topo=TwoSwitches(), switch=OVSSwitch, controller=None,
                  autoSetMacs=False)
    net.addController(remote_controller('c0', OF_PORT))
    try:
        net.start()
        h1, h2, s1 = net['h1'], net['h2'], net['s1']
        for h in (h1, h2):
            ovs_sandbox.disable_offload(h)
            # No IPv6 chatter (router solicitations, MLD) in the counts.
            h.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
        ctl.wait_in_sync(['s1', 's2'], timeout=20)
        loss = net.ping([h1, h2], timeout=2)
        print('%s: ping h1<->h2 loss %s%%' % (mode, loss))
        if loss > 0:
            failures.append('%s: ping loss %s%%' % (mode, loss))
        before = switches()
        out = h1.cmd('ping -c 20 -i 0.05 -W 1 10.0.0.2')
        print('%s: %s' % (mode, out.strip().splitlines()[-2]))
        if ' 0% packet loss' not in out:
            failures.append('%s: ping -c 20 lost packets:\n%s' % (mode, out))
        after = switches()
        pin = sum(after[s]['counters']['packet_in']
                  - before[s]['counters']['packet_in'] for s in after)
        pout = sum(after[s]['counters']['packet_out'] for s in after)
        flows = s1.cmd('ovs-ofctl -O OpenFlow13 dump-flows s1 | '
                       'sed "s/duration=[^,]*, //"')
        print('%s: %d packet-ins for 20 pings; flows on s1:\n%s'
              % (mode, pin, flows.rstrip()))
        learned = flows.count('cookie=0x6378786100000001')
        if mode == 'learning':
            if learned < 2:
                failures.append('learning: expected learned flows on s1')
            hits = re.search(r'n_packets=(\d+),.*dl_dst=00:00:00:00:00:02',
                             flows)
            if not hits or int(hits.group(1)) == 0:
                failures.append('learning: the learned flow to h2 forwarded '
                                'nothing')
            # 20 requests and 20 replies cross two switches: 80 packet-ins
            # without flows (the other mode); with them, only what came
            # before a flow was in place (an add resets its counters, so
            # n_packets above is a lower bound).
            if pin >= 20:
                failures.append('learning: %d packet-ins for 20 pings' % pin)
        else:
            if learned:
                failures.append('learning-no-flows: found learned flows')
            if pin < 80:   # 20 requests + 20 replies, through 2 switches.
                failures.append('learning-no-flows: only %d packet-ins' % pin)
            if pout < pin:
                failures.append('learning-no-flows: %d packet-outs for %d '
                                'packet-ins' % (pout, pin))
    finally:
        net.stop()
        ctl.stop()


def main():
    ovs_sandbox.start(os.path.join(BUILD, 'sandbox-mininet-learning'))
    from mininet.log import setLogLevel
    setLogLevel('warning')
    failures = []
    try:
        for mode in ('learning', 'learning-no-flows'):
            run_mode(mode, failures)
    finally:
        # Not mininet.clean.cleanup(): it also deletes /tmp/*.log.
        ovs_sandbox.stop()
    if failures:
        print('FAILED:\n' + '\n'.join(failures))
        return 1
    print('mininet controller learning modes: OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
