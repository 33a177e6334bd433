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


def vswitchd_pid():
    with open(os.path.join(os.environ['OVS_RUNDIR'],
                           'ovs-vswitchd.pid')) as f:
        return int(f.read())


def restart_vswitchd(kill=False, timeout=20):
    """Stops the sandbox's ovs-vswitchd as "ovs-appctl exit" (ovs-ctl,
    systemctl) does, or with SIGKILL, waits until it is gone and starts it
    again on the same database.  Returns how long it was down (s)."""
    import signal
    import time
    pid = vswitchd_pid()
    t0 = time.monotonic()
    fd = os.pidfd_open(pid)
    try:
        if kill:
            os.kill(pid, signal.SIGKILL)
        else:
            subprocess.run(['ovs-appctl', '-t', 'ovs-vswitchd', 'exit'],
                           check=True, capture_output=True)
        import select
        if not select.select([fd], [], [], timeout)[0]:
            raise RuntimeError('ovs-vswitchd %d did not exit' % pid)
    finally:
        os.close(fd)
    env = dict(os.environ, OVS_BUILD=OVS_BUILD,
               SANDBOX_DIR=os.environ['OVS_RUNDIR'])
    subprocess.run([SANDBOX_SCRIPT, 'start-vswitchd'], env=env, check=True,
                   capture_output=True)
    return time.monotonic() - t0


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
