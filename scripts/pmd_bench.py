"""What scripts/bench-paxos and scripts/bench-nat share: one patched
ovs-vswitchd (scripts/sandbox, --enable-dummy) with one PMD thread, a fresh
netdev bridge with two dummy-pmd ports per measurement, frames injected
with netdev-dummy/receive, and the PMD thread's own count of processing
cycles per packet (`dpif-netdev/pmd-stats-show`: lookup, actions,
recirculation, output).  Frames arrive a few at a time (injection is
slower than the PMD), so each packet also pays part of a PMD iteration:
figures are upper bounds of what a burst would cost."""
import os
import re
import subprocess
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))
PER_CALL = 50   # netdev-dummy queues at most 100 packets per port.


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True,
                          **kw).stdout


class Sandbox:
    """The benchmark's ovs-vswitchd, its environment exported into this
    process."""

    def __init__(self, name):
        self.dir = os.path.join(BUILD, name)

    def start(self):
        self.stop()
        env = dict(os.environ, SANDBOX_DIR=self.dir,
                   SANDBOX_VSWITCHD_OPTS='--enable-dummy')
        out = run(os.path.join(TOP, 'scripts', 'sandbox'), 'start', env=env)
        for line in out.splitlines():
            if line.startswith('export '):
                for a in line[len('export '):].split():
                    k, v = a.split('=', 1)
                    os.environ[k] = v.replace('$PATH', os.environ['PATH'])
        run('ovs-vsctl', 'set', 'Open_vSwitch', '.',
            'other_config:pmd-perf-metrics=true',
            'other_config:pmd-cpu-mask=0x2')

    def stop(self):
        subprocess.run([os.path.join(TOP, 'scripts', 'sandbox'), 'stop'],
                       env=dict(os.environ, SANDBOX_DIR=self.dir),
                       capture_output=True)

    def tsc_hz(self):
        log = open(os.path.join(self.dir, 'ovs-vswitchd.log')).read()
        m = re.search(r'Estimated TSC frequency: (\d+) KHz', log)
        return int(m.group(1)) * 1000.0 if m else None


def inject(port, frames):
    hexes = [f.hex() for f in frames]
    for k in range(0, len(hexes), PER_CALL):
        run('ovs-appctl', 'netdev-dummy/receive', port,
            *hexes[k:k + PER_CALL])


def measure(bridge, flows, frames, warm=None, before_del=None):
    """PMD processing cycles per packet of 'frames' received on port 1 of a
    fresh bridge with 'flows' (ovs-ofctl add-flow syntax); 'warm' frames
    (default: the first 4 of 'frames', which are then not counted) go
    first, uncounted.  Returns (cycles, packets received)."""
    run('ovs-vsctl', 'add-br', bridge, '--', 'set', 'bridge', bridge,
        'datapath_type=netdev', 'fail-mode=secure', '--',
        'add-port', bridge, bridge + 'p1', '--', 'set', 'interface',
        bridge + 'p1', 'type=dummy-pmd', 'ofport_request=1', '--',
        'add-port', bridge, bridge + 'p2', '--', 'set', 'interface',
        bridge + 'p2', 'type=dummy-pmd', 'ofport_request=2')
    for flow in flows:
        run('ovs-ofctl', 'add-flow', bridge, flow)
    if warm is None:
        warm, frames = frames[:4], frames[4:]
    inject(bridge + 'p1', warm)
    time.sleep(0.05)
    run('ovs-appctl', 'dpif-netdev/pmd-stats-clear')
    inject(bridge + 'p1', frames)
    time.sleep(0.1)
    stats = run('ovs-appctl', 'dpif-netdev/pmd-stats-show')
    if before_del:
        before_del(bridge)
    run('ovs-vsctl', 'del-br', bridge)
    pmd = stats.split('pmd thread', 1)[1].split('main thread', 1)[0]
    cycles = float(re.search(r'avg processing cycles per packet: ([\d.]+)',
                             pmd).group(1))
    received = int(re.search(r'packets received: (\d+)', pmd).group(1))
    return cycles, received
