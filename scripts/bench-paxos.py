#!/usr/bin/python3
"""Benchmark: the datapath's per-packet cost of each Paxos action against
a plain output action, on the same userspace datapath, side by side.

    scripts/bench-paxos.py [--packets N] [--rounds R]  (default 20000, 5)

One patched ovs-vswitchd (scripts/sandbox, --enable-dummy) with one PMD
thread (core 1); a fresh netdev bridge with two dummy-pmd ports per run.
A run installs one flow, injects N frames of the kind the role consumes
(netdev-dummy/receive) and reads the PMD thread's own counter of
processing cycles per packet
(`dpif-netdev/pmd-stats-show`: lookup, actions, recirculation, output).
For every role the same frames also go through `actions=output:2` in the
same round (the baseline), so

    ratio = cycles(role) / cycles(output, same frames)
    added = what the role costs on top of forwarding, in ns per packet
            (the primitive plus the recirculation after it: every role
            replaces the packet)

ns come from the TSC frequency OVS estimates.  Frames arrive one at a
time (injection is slower than the PMD), so each packet also pays a whole
PMD iteration: the figures are upper bounds of what a burst would cost,
and vary from round to round on a shared 2-vCPU VM (the PMD is preempted
by the injecting process); medians over R rounds, every sample in
results/paxos-bench.json.

  onclient   client UDP frame  -> ACCEPT, output:2
  onaccept   ACCEPT (new slot)  -> LEARN, output:2
  onlearn    LEARN from nodes 2 and 3 for each slot (members=3): every
             second LEARN chooses its slot -> delivered frame, output:2
  forward    client UDP frame  -> CLIENT, output:2"""
import argparse
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))
OVS_BUILD = os.environ.get('OVS_BUILD', os.path.join(BUILD, 'ovs'))
SANDBOX = os.path.join(BUILD, 'bench-paxos-sandbox')
PER_CALL = 50   # netdev-dummy queues at most 100 packets per port.

CLIENT = bytes.fromhex('505400000002505400000001' '0800'
                       '4500002e00004000401100000a0000010a000002'
                       '03e907d0001a0000') + b'x' * 18


def paxos_frame(ptype, seq, sender, payload):
    src = bytes([0x02, 0x7a, 0, 0, sender >> 8, sender & 0xff])
    return (b'\xff' * 6 + src + struct.pack('!HIIHH', ptype, 1, seq, 0, sender)
            + payload)


CASES = {
    'onclient': ('paxos:onclient,output:2', lambda i: [CLIENT]),
    'onaccept': ('paxos:onaccept(node=2),output:2',
                 lambda i: [paxos_frame(0x7a01, i + 1, 1, CLIENT)]),
    'onlearn': ('paxos:onlearn(node=1),output:2',
                lambda i: [paxos_frame(0x7a02, i + 1, 2, CLIENT),
                           paxos_frame(0x7a02, i + 1, 3, CLIENT)]),
    'forward': ('paxos:forward(node=2),output:2', lambda i: [CLIENT]),
}


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True,
                          **kw).stdout


def start_sandbox():
    env = dict(os.environ, SANDBOX_DIR=SANDBOX, OVS_BUILD=OVS_BUILD,
               SANDBOX_VSWITCHD_OPTS='--enable-dummy')
    out = run(os.path.join(TOP, 'scripts', 'sandbox'), 'start', env=env)
    for line in out.splitlines():
        if line.startswith('export '):
            for a in line[len('export '):].split():
                k, v = a.split('=', 1)
                os.environ[k] = v.replace('$PATH', os.environ['PATH'])


def stop_sandbox():
    subprocess.run([os.path.join(TOP, 'scripts', 'sandbox'), 'stop'],
                   env=dict(os.environ, SANDBOX_DIR=SANDBOX,
                            OVS_BUILD=OVS_BUILD),
                   capture_output=True)


def measure(bridge, actions, frames):
    """PMD processing cycles per packet."""
    run('ovs-vsctl', 'add-br', bridge, '--', 'set', 'bridge', bridge,
        'datapath_type=netdev', 'fail-mode=secure', '--',
        'add-port', bridge, bridge + 'p1', '--', 'set', 'interface',
        bridge + 'p1', 'type=dummy-pmd', 'ofport_request=1', '--',
        'add-port', bridge, bridge + 'p2', '--', 'set', 'interface',
        bridge + 'p2', 'type=dummy-pmd', 'ofport_request=2')
    run('ovs-ofctl', 'add-flow', bridge, 'in_port=1,actions=' + actions)
    # Warm the flow caches, then count only what follows.
    run('ovs-appctl', 'netdev-dummy/receive', bridge + 'p1',
        *[f.hex() for f in frames[:4]])
    frames = frames[4:]
    hexes = [f.hex() for f in frames]
    run('ovs-appctl', 'dpif-netdev/pmd-stats-clear')
    for k in range(0, len(hexes), PER_CALL):
        run('ovs-appctl', 'netdev-dummy/receive', bridge + 'p1',
            *hexes[k:k + PER_CALL])
    time.sleep(0.1)
    stats = run('ovs-appctl', 'dpif-netdev/pmd-stats-show')
    # A fresh bridge per run: Paxos state starts empty (every ACCEPT a new
    # slot, every LEARN pair chooses one), and the PMD polls only two ports.
    run('ovs-vsctl', 'del-br', bridge)
    pmd = stats.split('pmd thread', 1)[1].split('main thread', 1)[0]
    cycles = float(re.search(r'avg processing cycles per packet: ([\d.]+)',
                             pmd).group(1))
    received = int(re.search(r'packets received: (\d+)', pmd).group(1))
    return cycles, received


def tsc_hz():
    log = open(os.path.join(SANDBOX, 'ovs-vswitchd.log')).read()
    m = re.search(r'Estimated TSC frequency: (\d+) KHz', log)
    return int(m.group(1)) * 1000.0 if m else None


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--packets', type=int, default=20000)
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--out', default=os.path.join(TOP, 'results'))
    args = p.parse_args()
    stop_sandbox()
    start_sandbox()
    try:
        run('ovs-vsctl', 'set', 'Open_vSwitch', '.',
            'other_config:pmd-perf-metrics=true',
            'other_config:pmd-cpu-mask=0x2')
        samples = {name: {'output': [], 'role': []} for name in CASES}
        for r in range(args.rounds):
            for name, (actions, make) in CASES.items():
                frames = []
                i = 0
                while len(frames) < args.packets + 4:
                    frames += make(i)
                    i += 1
                base, n1 = measure('b%dout%s' % (r, name[:4]), 'output:2',
                                   frames)
                role, n2 = measure('b%d%s' % (r, name), actions, frames)
                samples[name]['output'].append(base)
                samples[name]['role'].append(role)
                print('round %d %-9s output %6.0f cycles/packet (%d), %s '
                      '%6.0f cycles/packet (%d)' % (r + 1, name, base, n1,
                                                    name, role, n2),
                      flush=True)
        hz = tsc_hz() or 1e9
    finally:
        stop_sandbox()
    res = {'packets': args.packets, 'rounds': args.rounds, 'tsc_hz': hz,
           'cases': {}}
    print('\n| action | output ns/packet | action ns/packet | added ns/packet '
          '| ratio to output |')
    print('|---|---|---|---|---|')
    for name, xs in samples.items():
        b = statistics.median(xs['output']) / hz * 1e9
        c = statistics.median(xs['role']) / hz * 1e9
        res['cases'][name] = {'output_ns_per_packet': b,
                              'ns_per_packet': c, 'added_ns_per_packet': c - b,
                              'ratio_to_output': c / b,
                              'samples_cycles': xs}
        print('| %s | %.0f | %.0f | %.0f | %.2f |'
              % (name, b, c, c - b, c / b))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'paxos-bench.json'), 'w') as f:
        json.dump(res, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
