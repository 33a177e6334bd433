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
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'mininet-topos'))
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))
CONTROLLER = os.environ.get('CONTROLLER',
                            os.path.join(BUILD, 'controller', 'cxxa-controller'))
WORK = os.path.join(BUILD, 'mininet-learning')
REST = 18199
OF_PORT = 16653

import ovs_sandbox  # noqa: E402


def rest(path):
    with urllib.request.urlopen('http://127.0.0.1:%d%s' % (REST, path),
                                timeout=10) as r:
        return json.loads(r.read())


def switches():
    return {s['name']: s for s in rest('/switches')}


def wait_until(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise RuntimeError('timed out waiting for ' + what)


def run_mode(mode, failures):
    from mininet.net import Mininet
    from mininet.node import OVSSwitch, RemoteController
    from two_switches import TwoSwitches

    os.makedirs(WORK, exist_ok=True)
    deployment = os.path.join(WORK, 'deployment-%s.json' % mode)
    with open(deployment, 'w') as f:
        json.dump({'switches': [
            {'name': 's1', 'dpid': '1', 'mode': mode},
            {'name': 's2', 'dpid': '2', 'mode': mode}]}, f)
    ctl = os.path.join(WORK, 'ctl-%s' % mode)
    pidfile = os.path.join(WORK, 'controller-%s.pid' % mode)
    subprocess.run([CONTROLLER, '--deployment=' + deployment,
                    '--rest=127.0.0.1:%d' % REST, '--unixctl=' + ctl,
                    '--log-file=' + os.path.join(WORK, 'controller-%s.log' % mode),
                    '--pidfile=' + pidfile, '--detach', '--no-chdir',
                    '-vconsole:off', 'ptcp:%d:127.0.0.1' % OF_PORT], check=True)
    net = Mininet(topo=TwoSwitches(), switch=OVSSwitch, controller=None,
                  autoSetMacs=False)
    net.addController(RemoteController('c0', ip='127.0.0.1', port=OF_PORT))
    try:
        net.start()
        h1, h2, s1 = net['h1'], net['h2'], net['s1']
        for h in (h1, h2):
            ovs_sandbox.disable_offload(h)
            # No IPv6 chatter (router solicitations, MLD) in the counts.
            h.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
        wait_until(lambda: all(s['in_sync'] for s in switches().values())
                   and len(switches()) == 2, 20, 'both switches in sync')
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
            if not hits or int(hits.group(1)) < 18:
                # (The ping that installs it, if any, is a packet-out.)
                failures.append('learning: the learned flow to h2 did not '
                                'forward the pings')
            if pin >= 20:    # Background frames only, not one per ping.
                failures.append('learning: %d packet-ins after learning' % pin)
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
        subprocess.run(['ovs-appctl', '-t', ctl, 'exit'], capture_output=True)
        time.sleep(0.3)


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
