"""Run Mininet against the patched Open vSwitch of this repository.

Starts OVS_BUILD's (build/ovs's) ovsdb-server and ovs-vswitchd in a
private run directory (scripts/sandbox) and points Mininet's
ovs-vsctl/ovs-ofctl at them through PATH and OVS_RUNDIR.  Switches use the
userspace datapath (there is no OVS kernel module here):
OVSSwitch(datapath='user').
"""
import contextlib
import os
import subprocess

from paths import OVS_BUILD, SANDBOX_SCRIPT


# ovs-vswitchd reads system ports through AF_PACKET sockets made with the
# kernel's default receive buffer: 212992 bytes by default, 256 small
# frames.  A burst larger than that from one switch to the next (an unpaced
# AMD release of thousands of stored requests) is dropped by the kernel
# before OVS sees it, counted nowhere in OVS.  The sandbox raises the
# default before ovs-vswitchd opens its ports; socket_buffers() sets it for
# the ports (and host sockets) made while it is in effect.
RMEM_DEFAULT = 32 << 20
KERNEL_RMEM_DEFAULT = 212992
RMEM_PATH = '/proc/sys/net/core/rmem_default'


def raise_socket_buffers():
    with open(RMEM_PATH) as f:
        if int(f.read()) >= RMEM_DEFAULT:
            return
    with open(RMEM_PATH, 'w') as f:
        f.write(str(RMEM_DEFAULT))


@contextlib.contextmanager
def socket_buffers(rmem_default):
    """net.core.rmem_default is 'rmem_default' inside the block (sockets
    keep the size they were made with), and what it was after it."""
    with open(RMEM_PATH) as f:
        before = int(f.read())
    with open(RMEM_PATH, 'w') as f:
        f.write(str(rmem_default))
    try:
        yield
    finally:
        with open(RMEM_PATH, 'w') as f:
            f.write(str(before))


def start(sandbox_dir=None):
    """Starts the sandbox and exports its environment into this process."""
    raise_socket_buffers()
    env = dict(os.environ, OVS_BUILD=OVS_BUILD)
    if sandbox_dir:
        env['SANDBOX_DIR'] = sandbox_dir
    out = subprocess.run([SANDBOX_SCRIPT, 'start'],
                         env=env, check=True, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if not line.startswith('export '):
            continue
        for assignment in line[len('export '):].split():
            key, value = assignment.split('=', 1)
            os.environ[key] = value.replace('$PATH', os.environ['PATH'])
    if sandbox_dir:
        os.environ['SANDBOX_DIR'] = sandbox_dir


def vswitchd_pid(rundir=None):
    """The pid of the ovs-vswitchd of rundir (default: this process'
    sandbox, OVS_RUNDIR)."""
    with open(os.path.join(rundir or os.environ['OVS_RUNDIR'],
                           'ovs-vswitchd.pid')) as f:
        return int(f.read())


def _sandbox(command, rundir, check=True):
    env = dict(os.environ, OVS_BUILD=OVS_BUILD, SANDBOX_DIR=rundir)
    return subprocess.run([SANDBOX_SCRIPT, command], env=env, check=check,
                          capture_output=True, text=True)


def stop_vswitchd(rundir=None, kill=False, sig=None, timeout=20):
    """Stops the ovs-vswitchd of rundir (default: this process' sandbox) as
    "ovs-appctl exit" (ovs-ctl, systemctl) does, or with SIGKILL (kill), or
    with signal sig, and waits until it is gone."""
    import select
    import signal
    rundir = rundir or os.environ['OVS_RUNDIR']
    pid = vswitchd_pid(rundir)
    fd = os.pidfd_open(pid)
    try:
        if kill or sig is not None:
            os.kill(pid, signal.SIGKILL if sig is None else sig)
        else:
            subprocess.run(['ovs-appctl', '-t', os.path.join(
                rundir, 'ovs-vswitchd.%d.ctl' % pid), 'exit'],
                check=True, capture_output=True)
        if not select.select([fd], [], [], timeout)[0]:
            raise RuntimeError('ovs-vswitchd %d did not exit' % pid)
    finally:
        os.close(fd)


def start_vswitchd(rundir=None):
    """Starts the ovs-vswitchd of rundir (default: this process' sandbox)
    again on its running database (scripts/sandbox start-vswitchd)."""
    _sandbox('start-vswitchd', rundir or os.environ['OVS_RUNDIR'])


def restart_vswitchd(kill=False, timeout=20, rundir=None):
    """Stops the sandbox's ovs-vswitchd (stop_vswitchd()) and starts it
    again on the same database.  Returns how long it was down (s)."""
    import time
    t0 = time.monotonic()
    stop_vswitchd(rundir, kill=kill, timeout=timeout)
    start_vswitchd(rundir)
    return time.monotonic() - t0


def member_switch_class():
    """MemberSwitch: Mininet's OVSSwitch, but a switch can be a host of its
    own: MemberSwitch(name, rundirs={NAME: RUNDIR, ...},
    controller_targets={NAME: 'unix:RUNDIR/FILE', ...}) makes each switch
    named in rundirs a node in a network namespace of its own, with an
    ovsdb-server and ovs-vswitchd of its own (scripts/sandbox in RUNDIR, fresh
    database, started inside that namespace by start()), connected to the
    controller at its controller target (a unix socket: the root
    namespace's 127.0.0.1 is not reachable from there, and ovs-vswitchd
    takes unix sockets in its own run directory only).  Its shell exports
    OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR, so Mininet's ovs-vsctl and ovs-ofctl
    and every sw.cmd('ovs-appctl ...') talk to its own daemons.  (One
    namespace each: the userspace datapath makes a tap device named
    ovs-netdev, which two vswitchds in one namespace cannot both have.)
    The other switches are OVSSwitches on this process' sandbox.  Use
    functools.partial(MemberSwitch, rundirs=..., controller_targets=...)
    as Mininet's switch class.  No batch start-up (one ovs-vsctl cannot
    talk to several databases); stop() does not wait for a vswitchd that
    is down (a killed member) and stops the member's daemons."""
    from mininet.node import OVSSwitch, Switch

    class MemberSwitch(OVSSwitch):
        def __init__(self, name, rundirs=None, controller_targets=None,
                     **params):
            params.pop('batch', None)
            self.rundir = (rundirs or {}).get(name)
            self.controller_target = (controller_targets or {}).get(name)
            if self.rundir:
                params['inNamespace'] = True
            OVSSwitch.__init__(self, name, batch=False, **params)
            if self.rundir:
                self.cmd('export OVS_RUNDIR={0} OVS_DBDIR={0} '
                         'OVS_LOGDIR={0} OVS_SYSCONFDIR={0}'
                         .format(self.rundir))

        def sandbox(self, command):
            """scripts/sandbox COMMAND for this member, in its namespace;
            raises with its output if it fails."""
            out = self.cmd('SANDBOX_DIR=%s OVS_BUILD=%s %s %s 2>&1 '
                           '>/dev/null; echo "rc=$?"'
                           % (self.rundir, OVS_BUILD, SANDBOX_SCRIPT,
                              command))
            if not out.rstrip().endswith('rc=0'):
                raise RuntimeError('%s: scripts/sandbox %s failed: %s'
                                   % (self.name, command, out.strip()))

        def start(self, controllers):
            if not self.rundir:
                return OVSSwitch.start(self, controllers)
            os.makedirs(self.rundir, exist_ok=True)
            self.cmd('ip link set lo up')
            self.sandbox('start')
            intfs = ''.join(' -- add-port %s %s' % (self, intf) +
                            self.intfOpts(intf)
                            for intf in self.intfList()
                            if self.ports[intf] and not intf.IP())
            target = self.controller_target
            self.vsctl('-- --id=@c create Controller target=\\"%s\\"'
                       ' max_backoff=%d' % (target, self.reconnectms or 1000)
                       + ' -- --if-exists del-br %s' % self
                       + ' -- add-br %s' % self
                       + ' -- set bridge %s controller=[@c]' % self
                       + self.bridgeOpts() + intfs)

        @classmethod
        def batchStartup(cls, switches, run=None):
            return switches   # Each started itself (batch=False).

        @classmethod
        def batchShutdown(cls, switches, run=None):
            return []         # Each stop()s itself, in its own shell.

        def stop(self, deleteIntfs=True):
            self.cmd('ovs-vsctl --timeout=5 --if-exists del-br', self)
            if self.datapath == 'user':
                self.cmd('ip link del', self)
            if self.rundir:
                self.cmd('SANDBOX_DIR=%s OVS_BUILD=%s %s stop >/dev/null '
                         '2>&1' % (self.rundir, OVS_BUILD, SANDBOX_SCRIPT))
            Switch.stop(self, deleteIntfs)

        def start_vswitchd(self):
            """Starts this member's ovs-vswitchd again on its database (in
            its namespace), after it exited or was killed."""
            self.sandbox('start-vswitchd')

    return MemberSwitch


def stop():
    """Stops the sandbox's daemons (scripts/sandbox stop waits for them)."""
    env = dict(os.environ, OVS_BUILD=OVS_BUILD)
    subprocess.run([SANDBOX_SCRIPT, 'stop'], env=env, check=False,
                   capture_output=True)


def disable_offload(host):
    """The userspace datapath does not fill in checksums that a veth left
    to offload: turn TX checksum offload off on every host interface."""
    for intf in host.intfList():
        host.cmd('ethtool -K %s tx off rx off >/dev/null 2>&1' % intf.name)
