"""cxxa-controller as a process beside a Mininet network.

Starts build/controller/cxxa-controller detached, passive (switches
connect to it by datapath id), with its REST API on 127.0.0.1, and reads
its view of the switches over REST."""
import json
import os
import subprocess
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))
BINARY = os.environ.get('CONTROLLER',
                        os.path.join(BUILD, 'controller', 'cxxa-controller'))


def wait_until(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise RuntimeError('timed out waiting for ' + what)


class Controller:
    def __init__(self, work, name, deployment, rest_port, of_port):
        self.work = work
        self.name = name
        self.rest_port = rest_port
        self.of_port = of_port
        self.deployment = os.path.join(work, name + '.json')
        self.ctl = os.path.join(work, name + '.ctl')
        self.log = os.path.join(work, name + '.log')
        os.makedirs(work, exist_ok=True)
        with open(self.deployment, 'w') as f:
            json.dump(deployment, f, indent=1)

    def start(self):
        subprocess.run([BINARY, '--deployment=' + self.deployment,
                        '--rest=127.0.0.1:%d' % self.rest_port,
                        '--unixctl=' + self.ctl, '--log-file=' + self.log,
                        '--pidfile=' + os.path.join(self.work,
                                                    self.name + '.pid'),
                        '--detach', '--no-chdir', '-vconsole:off',
                        'ptcp:%d:127.0.0.1' % self.of_port], check=True)

    def stop(self):
        subprocess.run(['ovs-appctl', '-t', self.ctl, 'exit'],
                       capture_output=True)
        time.sleep(0.3)

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
