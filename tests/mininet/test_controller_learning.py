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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'mininet-topos'))

import harness  # noqa: E402
from paths import BUILD  # noqa: E402

WORK = os.path.join(BUILD, 'mininet-learning')


def run_mode(mode, c):
    from two_switches import TwoSwitches
    deployment = {'switches': [
        {'name': 's1', 'dpid': '1', 'mode': mode},
        {'name': 's2', 'dpid': '2', 'mode': mode}]}
    with harness.Network(WORK, TwoSwitches(), deployment,
                         name='controller-%s' % mode, ports='learning',
                         sync=['s1', 's2'], sync_timeout=20) as n:
        net, switches = n.net, n.ctl.switches
        h1, h2, s1 = net['h1'], net['h2'], net['s1']
        loss = net.ping([h1, h2], timeout=2)
        c.check('%s: ping h1<->h2' % mode, loss == 0, 'loss %s%%' % loss)
        before = switches()
        out = h1.cmd('ping -c 20 -i 0.05 -W 1 10.0.0.2')
        print('%s: %s' % (mode, out.strip().splitlines()[-2]))
        c.check('%s: ping -c 20 loses nothing' % mode,
                ' 0% packet loss' in out, out)
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
            c.check('learning: learned flows on s1', learned >= 2,
                    '%d learned flows' % learned)
            hits = re.search(r'n_packets=(\d+),.*dl_dst=00:00:00:00:00:02',
                             flows)
            c.check('learning: the learned flow to h2 forwards',
                    hits and int(hits.group(1)) > 0)
            # 20 requests and 20 replies cross two switches: 80 packet-ins
            # without flows (the other mode); with them, only what came
            # before a flow was in place (an add resets its counters, so
            # n_packets above is a lower bound).
            c.check('learning: fewer than 20 packet-ins for 20 pings',
                    pin < 20, '%d packet-ins' % pin)
        else:
            c.check('learning-no-flows: no learned flows', not learned,
                    '%d learned flows' % learned)
            # 20 requests + 20 replies, through 2 switches.
            c.check('learning-no-flows: every packet is a packet-in',
                    pin >= 80, '%d packet-ins' % pin)
            c.check('learning-no-flows: a packet-out for each packet-in',
                    pout >= pin, '%d packet-outs for %d packet-ins'
                    % (pout, pin))


def run(args):
    c = harness.Checks('mininet controller learning modes')
    for mode in ('learning', 'learning-no-flows'):
        run_mode(mode, c)
    return c.done()


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-mininet-learning', run))
