"""The harness every Mininet driver and end-to-end test uses.

    Network   the patched ovs-vswitchd's Mininet network, with
              cxxa-controller beside it; started and torn down as a
              context manager
    Checks    named checks: a PASS or FAIL line each, a JSON record, the
              exit status
    cli()     a driver's command line: --out, the sandbox, the run

Paths and ports: paths.py.  Needs root (network namespaces) and
/usr/bin/python3 (Debian's, which has Mininet)."""
import argparse
import contextlib
import json
import os
import re
import select
import subprocess
import time

import ovs_sandbox
from controller_proc import Controller, remote_controller
from paths import BUILD, PORTS, RESULTS


def wait_ready(p, timeout, what):
    """Waits until process p prints 'ready' on its stdout (a pipe); raises
    if it exits or stays silent for timeout seconds."""
    deadline = time.monotonic() + timeout
    fd = p.stdout.fileno()   # Read unbuffered: select() sees the fd only.
    line = b''
    while not line.endswith(b'\n'):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise RuntimeError('not ready after %d s: %s' % (timeout, what))
        c = os.read(fd, 64)
        if not c:
            raise RuntimeError('exited before it was ready: %s' % what)
        line += c
    if line.strip() != b'ready':
        raise RuntimeError('%s: expected "ready", got %r' % (what, line))


class Network:
    """A Mininet network on the sandbox's ovs-vswitchd.

    With a deployment, cxxa-controller runs beside it (passive, on the
    ports of PORTS[ports]) and Mininet's switches connect to it; `sync`
    names the switches it must have set up before the network is used.
    Entering starts the controller, Mininet, then turns TX/RX checksum
    offload (which the userspace datapath does not complete) and IPv6
    (router solicitations, MLD) off on every host and calls setup().
    Leaving stops what popen() started, calls teardown(), stops Mininet,
    then the controller, each waited for until it is gone.  switch is
    Mininet's switch class (default OVSSwitch, all switches on the
    sandbox's vswitchd; ovs_sandbox.member_switch_class(): some on
    daemons of their own); controller_unix, unix sockets the controller
    also listens on (for switches in namespaces of their own)."""

    def __init__(self, work, topo, deployment=None, name='controller',
                 ports=None, sync=(), sync_timeout=30, switch=None,
                 controller_unix=None):
        from mininet.net import Mininet
        from mininet.node import OVSSwitch
        self.work = work
        os.makedirs(work, exist_ok=True)
        self.sync = list(sync)
        self.sync_timeout = sync_timeout
        self.procs = []
        self.ctl = None
        if deployment is not None:
            self.ports = PORTS[ports]
            self.ctl = Controller(work, name, deployment,
                                  self.ports['rest'], self.ports['of'],
                                  unix=controller_unix)
            self.ctl.start()   # Before Mininet looks for it.
        self.net = None
        try:
            self.net = Mininet(topo=topo, switch=switch or OVSSwitch,
                               controller=None,
                               autoSetMacs=False, build=False)
            if self.ctl:
                self.net.addController(
                    remote_controller('c0', self.ports['of']))
            self.net.build()
        except BaseException:
            # Nothing left behind: no half-built network (interfaces,
            # host shells), no controller.
            self.stop_network()
            raise

    def __enter__(self):
        try:
            self.net.start()
            for h in self.net.hosts:
                ovs_sandbox.disable_offload(h)
                h.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=1')
            self.setup()
            if self.ctl and self.sync:
                self.ctl.wait_in_sync(self.sync, timeout=self.sync_timeout)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        try:
            self.stop_procs()
            self.teardown()
        finally:
            self.stop_network()

    def stop_network(self):
        """Stops Mininet (switches, links, host shells), then the
        controller, even if stopping Mininet fails."""
        try:
            if self.net:
                self.net.stop()
        finally:
            if self.ctl:
                self.ctl.stop()

    def setup(self):
        """Runs after Mininet started, before waiting for the controller."""

    def teardown(self):
        """Runs after the popen() processes stopped, before Mininet does."""

    def __getitem__(self, name):
        return self.net[name]

    def popen(self, host, cmd, **kwargs):
        """host.popen(cmd), stopped when the network is."""
        p = host.popen(cmd, **kwargs)
        self.procs.append(p)
        return p

    def popen_ready(self, host, cmd, timeout=10):
        """popen(), then waits until the program prints its 'ready' line
        on stdout (a receiver once its socket is bound)."""
        p = self.popen(host, cmd)
        wait_ready(p, timeout, ' '.join(cmd))
        return p

    def stop_procs(self, timeout=5):
        """Terminates what popen() started and waits for it; SIGKILL
        what does not exit within timeout seconds."""
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []


class Checks:
    """Named checks of one run.  Each prints a PASS or FAIL line at once;
    results holds {'ok', 'detail'} per name (and whatever else a driver
    records) for the results JSON; done() prints the verdict and returns
    the exit status."""

    def __init__(self, title):
        self.title = title
        self.failures = []
        self.results = {}

    def check(self, name, ok, detail=''):
        ok = bool(ok)
        print('%s %s %s' % ('PASS' if ok else 'FAIL', name, detail),
              flush=True)
        self.results[name] = {'ok': ok, 'detail': detail}
        if not ok:
            self.failures.append(name)
        return ok

    def fail(self, name, detail=''):
        return self.check(name, False, detail)

    def done(self):
        if self.failures:
            print('%s: FAILED: %s' % (self.title, ', '.join(self.failures)))
            return 1
        print('%s: OK' % self.title)
        return 0


def ping_rtts(host, dst, count, interval=0.05, wait=2):
    """The RTTs (ms) of count pings from host to dst, lost ones left out."""
    out = host.cmd('ping -n -c %d -i %s -W %d %s'
                   % (count, interval, wait, dst))
    return [float(x) for x in re.findall(r'time=([\d.]+) ms', out)]


def write_json(out, name, data):
    """Writes data to out/name, indented; returns the path."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, name)
    with open(path, 'w') as f:
        json.dump(data, f, indent=1)
    return path


@contextlib.contextmanager
def sandbox(name):
    """The patched ovsdb-server and ovs-vswitchd in BUILD/name, stopped
    (and waited for) on the way out."""
    ovs_sandbox.start(os.path.join(BUILD, name))
    try:
        yield
    finally:
        # Not mininet.clean.cleanup(): it also deletes /tmp/*.log.
        ovs_sandbox.stop()


def cli(doc, sandbox_name, run, arguments=None, out=True, argv=None):
    """The command line of a driver: the description is doc; --out DIR
    (results, default TOP/results) unless out is false; arguments(parser)
    adds the driver's own.  Runs run(args) with Mininet's log at warnings
    and, unless sandbox_name is None, the sandbox in BUILD/sandbox_name
    up; returns run's exit status."""
    p = argparse.ArgumentParser(description=doc,
                                formatter_class=argparse.RawTextHelpFormatter)
    if out:
        p.add_argument('--out', default=RESULTS,
                       help='results directory (default: %(default)s)')
    if arguments:
        arguments(p)
    args = p.parse_args(argv)
    if out:
        os.makedirs(args.out, exist_ok=True)
    from mininet.log import setLogLevel
    setLogLevel('warning')
    if sandbox_name is None:
        return run(args)
    with sandbox(sandbox_name):
        return run(args)
