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
