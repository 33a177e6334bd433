#!/usr/bin/python3
"""Benchmark: how fast cxxa-controller installs a deployment, and how fast it
restores a restarted ovs-vswitchd, against `ovs-ofctl add-flows` of the
same flows on the same vswitchd (the baseline, run side by side).

    scripts/bench-controller.py [--flows N]      (default 20000)

Prints the figures and the ratio, writes results/controller-bench.json.
Needs the build (scripts/setup)."""
import argparse
import json
import os
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests', 'controller'))
import test_controller as t  # noqa: E402  (sandbox and controller helpers)

t.SANDBOX = os.path.join(t.BUILD, 'bench-sandbox')
t.WORK = os.path.join(t.BUILD, 'bench-controller')
PORT = 16701


def flow_lines(n):
    lines = []
    for i in range(n):
        action = 'paxos:onclient,output:2' if i % 10 == 0 else 'output:2'
        lines.append('priority=10,ip,in_port=1,nw_dst=10.%d.%d.%d,actions=%s'
                     % (i >> 16 & 255, i >> 8 & 255, i & 255, action))
    return lines


def count_flows(bridge):
    out = t.sh('ovs-ofctl -O OpenFlow13 dump-aggregate %s' % bridge)
    return int(out.split('flow_count=')[1].split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--flows', type=int, default=20000)
    n = ap.parse_args().flows
    os.makedirs(t.WORK, exist_ok=True)
    t.start_sandbox()
    result = {'flows': n}
    try:
        t.add_bridges(['bench'], ptcp_base=PORT)
        lines = flow_lines(n)
        path = os.path.join(t.WORK, 'flows.txt')
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')

        # Baseline: ovs-ofctl add-flows (one connection, flow mods and a
        # barrier, exactly like the controller's reconcile).
        t0 = time.time()
        t.sh('ovs-ofctl -O OpenFlow13 add-flows bench %s' % path)
        base = time.time() - t0
        assert count_flows('bench') == n
        t.sh('ovs-ofctl -O OpenFlow13 del-flows bench')

        deployment = {'switches': [{'name': 'bench',
                                    'connect': 'tcp:127.0.0.1:%d' % PORT,
                                    'audit_interval': 0, 'flows': lines}]}
        t0 = time.time()
        c = t.Controller(deployment, rest_port=18290)
        c.wait_in_sync(['bench'], timeout=600)
        wall = time.time() - t0
        sync = c.switch('bench')['last_sync']['seconds']
        assert count_flows('bench') == n

        # A restarted vswitchd: from the restart to all flows back.
        t0 = time.time()
        t.restart_vswitchd()
        t.wait_until(lambda: c.switch('bench')['counters']['connects'] == 2
                     and c.switch('bench')['in_sync'], 600, 'resync')
        restore = time.time() - t0
        resync = c.switch('bench')['last_sync']['seconds']
        assert count_flows('bench') == n
        c.stop()

        result.update({
            'ofctl_seconds': round(base, 3),
            'ofctl_flows_per_second': round(n / base),
            'controller_sync_seconds': round(sync, 3),
            'controller_flows_per_second': round(n / sync),
            'controller_start_to_in_sync_seconds': round(wall, 3),
            'ratio_controller_vs_ofctl': round((n / sync) / (n / base), 3),
            'restart_restore_seconds': round(restore, 3),
            'restart_resync_seconds': round(resync, 3),
        })
    finally:
        t.stop_sandbox()
    os.makedirs(os.path.join(TOP, 'results'), exist_ok=True)
    with open(os.path.join(TOP, 'results', 'controller-bench.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print('flows: %d' % n)
    print('ovs-ofctl add-flows:        %7.3f s  %8d flows/s  (baseline)'
          % (result['ofctl_seconds'], result['ofctl_flows_per_second']))
    print('controller connect->sync:   %7.3f s  %8d flows/s  ratio %.2f'
          % (result['controller_sync_seconds'],
             result['controller_flows_per_second'],
             result['ratio_controller_vs_ofctl']))
    print('controller start->in sync:  %7.3f s (process start, validation, '
          'connect, reconcile)'
          % result['controller_start_to_in_sync_seconds'])
    print('vswitchd restart->restored: %7.3f s (of which resync %.3f s; the '
          'rest is vswitchd start and reconnect backoff)'
          % (result['restart_restore_seconds'],
             result['restart_resync_seconds']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
