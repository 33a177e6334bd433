"""cxxa-controller as a process beside a Mininet network.

Starts CONTROLLER (build/controller/cxxa-controller) detached, passive
(switches connect to it by datapath id), with its REST API on 127.0.0.1,
and reads its view of the switches over REST."""
import json
import os
import select
import signal
import subprocess
import time
import urllib.request

from paths import CONTROLLER


def wait_until(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise RuntimeError('timed out waiting for ' + what)


def listening(port):
    """True if a TCP socket (IPv4 or IPv6) listens on port, in this network
    namespace."""
    for path in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    # local_address is HEXADDR:HEXPORT; state 0A is LISTEN.
                    if (fields[3] == '0A' and
                            int(fields[1].rsplit(':', 1)[1], 16) == port):
                        return True
        except FileNotFoundError:
            pass
    return False


def assert_port_free(port):
    """Raises if a socket still listens on port.  Connections left in
    TIME_WAIT do not count: the next controller binds the port despite
    them."""
    if listening(port):
        raise RuntimeError('port %d still in use after the controller '
                           'exited' % port)


def remote_controller(name, port):
    """A Mininet controller node for cxxa-controller at 127.0.0.1:port.
    Mininet's RemoteController checks the port by running telnet in the
    node's shell; that can leave the shell's end-of-output marker unread
    and Mininet waiting for it forever (seen in amd-flips).  This one reads
    /proc/net/tcp instead: Controller.start() has already waited until the
    controller listens."""
    from mininet.log import warn
    from mininet.node import RemoteController

    class ListeningController(RemoteController):
        def checkListening(self):
            if not listening(self.port):
                warn('nothing listens on controller port %d\n' % self.port)

    return ListeningController(name, ip='127.0.0.1', port=port)


class Controller:
    def __init__(self, work, name, deployment, rest_port, of_port,
                 unix=None):
        self.work = work
        self.unix = list(unix or [])   # Also listens there (punix:).
        self.name = name
        self.rest_port = rest_port
        self.of_port = of_port
        self.deployment = os.path.join(work, name + '.json')
        self.ctl = os.path.join(work, name + '.ctl')
        self.log = os.path.join(work, name + '.log')
        self.pidfile = os.path.join(work, name + '.pid')
        self.pid = None
        os.makedirs(work, exist_ok=True)
        with open(self.deployment, 'w') as f:
            json.dump(deployment, f, indent=1)

    def start(self):
        for path in self.unix:
            if os.path.exists(path):
                os.unlink(path)   # Left by an earlier run.
        subprocess.run([CONTROLLER, '--deployment=' + self.deployment,
                        '--rest=127.0.0.1:%d' % self.rest_port,
                        '--unixctl=' + self.ctl, '--log-file=' + self.log,
                        '--pidfile=' + self.pidfile,
                        '--detach', '--no-chdir', '-vconsole:off',
                        'ptcp:%d:127.0.0.1' % self.of_port]
                       + ['punix:' + path for path in self.unix],
                       check=True)
        # --detach returns once the daemon is ready and its pidfile written.
        with open(self.pidfile) as f:
            self.pid = int(f.read().strip())

    def stop(self, timeout=10):
        """Asks the controller to exit and returns once the process is gone
        (so its listening sockets are closed); SIGTERM, then SIGKILL, if it
        does not exit within timeout seconds.  Raises if the OpenFlow or
        REST port is still taken afterwards."""
        if self.pid is None:
            return
        try:
            pidfd = os.pidfd_open(self.pid)
        except ProcessLookupError:
            self.pid = None
            return
        try:
            subprocess.run(['ovs-appctl', '-t', self.ctl, 'exit'],
                           capture_output=True, timeout=timeout)
            for sig in (None, signal.SIGTERM, signal.SIGKILL):
                if sig is not None:
                    try:
                        signal.pidfd_send_signal(pidfd, sig)
                    except ProcessLookupError:
                        break
                # A pidfd becomes readable when the process has exited.
                if select.select([pidfd], [], [], timeout)[0]:
                    break
            else:
                raise RuntimeError('controller %d did not exit' % self.pid)
        finally:
            os.close(pidfd)
        self.pid = None
        for port in (self.of_port, self.rest_port):
            assert_port_free(port)

    def rest(self, path):
        with urllib.request.urlopen('http://127.0.0.1:%d%s'
                                    % (self.rest_port, path),
                                    timeout=10) as r:
            return json.loads(r.read())

    def switches(self):
        return {s['name']: s for s in self.rest('/switches')}

    def wait_in_sync(self, names, timeout=30):
        def ok():
            sws = self.switches()
            return all(n in sws and sws[n]['in_sync'] for n in names)
        wait_until(ok, timeout, 'switches %s in sync' % ', '.join(names))
