#!/usr/bin/python3
"""cxxa-controller against the real patched ovs-vswitchd (scripts/sandbox).

Each test starts its own controller on fresh netdev bridges; the sandbox
(ovsdb-server + ovs-vswitchd) is shared by the module and restarted by the
restart test.  Needs the build (OVS_BUILD, CONTROLLER) and root only for
the --user test.

    /usr/bin/python3 tests/controller/test_controller.py [-v] [Test.name]
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))
OVS_BUILD = os.environ.get('OVS_BUILD', os.path.join(BUILD, 'ovs'))
CONTROLLER = os.environ.get('CONTROLLER', os.path.join(
    BUILD, 'controller', 'cxxa-controller'))
SANDBOX = os.path.join(BUILD, 'controller-test-sandbox')
WORK = os.path.join(BUILD, 'controller-test')
OWNED = '0x6378786100000000'
LEARNED = '0x6378786100000001'


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True,
                       env=os.environ)
    if check and r.returncode:
        raise AssertionError('%s: rc=%d\n%s%s'
                             % (cmd, r.returncode, r.stdout, r.stderr))
    return r.stdout


def start_sandbox():
    env = dict(os.environ, SANDBOX_DIR=SANDBOX, OVS_BUILD=OVS_BUILD)
    out = subprocess.run([os.path.join(TOP, 'scripts', 'sandbox'), 'start'],
                         env=env, check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        if line.startswith('export '):
            for a in line[len('export '):].split():
                k, v = a.split('=', 1)
                os.environ[k] = v.replace('$PATH', os.environ['PATH'])


def stop_sandbox():
    env = dict(os.environ, SANDBOX_DIR=SANDBOX, OVS_BUILD=OVS_BUILD)
    subprocess.run([os.path.join(TOP, 'scripts', 'sandbox'), 'stop'], env=env,
                   capture_output=True)


def restart_vswitchd(kill_signal=signal.SIGKILL):
    pid = int(open(os.path.join(SANDBOX, 'ovs-vswitchd.pid')).read())
    os.kill(pid, kill_signal)
    for _ in range(100):
        try:
            os.kill(pid, 0)
            time.sleep(0.05)
        except ProcessLookupError:
            break
    sh('ovs-vswitchd --detach --no-chdir --pidfile --log-file=%s '
       '-vconsole:off unix:%s' % (os.path.join(SANDBOX, 'ovs-vswitchd.log'),
                                  os.path.join(SANDBOX, 'db.sock')))


def wait_until(pred, timeout=15.0, what='condition'):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError('timed out after %.0f s waiting for %s'
                         % (timeout, what))


def flows(bridge, version='OpenFlow13'):
    """Flows of 'bridge' as 'cookie=... table=... match actions=...' lines,
    without statistics."""
    out = sh('ovs-ofctl -O %s --no-stats --no-names '
             'dump-flows %s' % (version, bridge))
    return sorted(f.strip() for f in out.splitlines() if 'actions=' in f)


def owned(bridge, version='OpenFlow13'):
    return [f for f in flows(bridge, version) if 'cookie=%s' % OWNED in f]


class Controller:
    """One cxxa-controller process with its own files and ports."""
    n = 0

    def __init__(self, deployment, listen=(), extra=(), rest_port=None,
                 expect_start=True):
        Controller.n += 1
        self.dir = os.path.join(WORK, 'c%d' % Controller.n)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o777)     # For --user: log, pidfile, socket.
        self.file = os.path.join(self.dir, 'deployment.json')
        self.write(deployment)
        self.rest_port = rest_port or 18100 + Controller.n
        self.ctl = os.path.join(self.dir, 'ctl')
        self.log = os.path.join(self.dir, 'controller.log')
        self.pidfile = os.path.join(self.dir, 'controller.pid')
        cmd = [CONTROLLER, '--deployment=' + self.file,
               '--rest=127.0.0.1:%d' % self.rest_port,
               '--unixctl=' + self.ctl, '--log-file=' + self.log,
               '--pidfile=' + self.pidfile, '--detach', '--no-chdir',
               '-vconsole:off'] + list(extra) + list(listen)
        self.start = subprocess.run(cmd, capture_output=True, text=True)
        if expect_start and self.start.returncode:
            raise AssertionError('controller did not start: %s%s'
                                 % (self.start.stdout, self.start.stderr))
        self.pid = None
        if self.start.returncode == 0:
            with open(self.pidfile) as f:
                self.pid = int(f.read())

    def write(self, deployment):
        with open(self.file, 'w') as f:
            f.write(deployment if isinstance(deployment, str)
                    else json.dumps(deployment, indent=1))

    def request(self, method, path, body=None):
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(
            'http://127.0.0.1:%d%s' % (self.rest_port, path), data=data,
            method=method)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def get(self, path):
        status, body = self.request('GET', path)
        assert status == 200, (path, status, body)
        return body

    def switch(self, name):
        for s in self.get('/switches'):
            if s['name'] == name:
                return s
        return None

    def wait_in_sync(self, names, timeout=15.0):
        def ok():
            sws = {s['name']: s for s in self.get('/switches')}
            return all(n in sws and sws[n]['in_sync'] for n in names)
        wait_until(ok, timeout, 'switches %s in sync' % names)

    def appctl(self, cmd, check=True):
        return sh('ovs-appctl -t %s %s' % (self.ctl, cmd), check)

    def stop(self):
        if self.pid:
            subprocess.run(['ovs-appctl', '-t', self.ctl, 'exit'],
                           capture_output=True)
            for _ in range(100):
                try:
                    os.kill(self.pid, 0)
                    time.sleep(0.05)
                except ProcessLookupError:
                    break
            else:
                os.kill(self.pid, signal.SIGKILL)
            self.pid = None


def add_bridges(names, ptcp_base=None, extra=''):
    """Fresh netdev bridges; with 'ptcp_base', bridge i listens for the
    controller on 127.0.0.1:ptcp_base+i."""
    for i, b in enumerate(names):
        sh('ovs-vsctl --if-exists del-br %s -- add-br %s -- set bridge %s '
           'datapath_type=netdev fail-mode=secure %s' % (b, b, b, extra))
        if ptcp_base:
            sh('ovs-vsctl set-controller %s ptcp:%d:127.0.0.1'
               % (b, ptcp_base + i))


class ControllerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)
        start_sandbox()

    @classmethod
    def tearDownClass(cls):
        stop_sandbox()

    def setUp(self):
        self.controllers = []

    def tearDown(self):
        for c in self.controllers:
            c.stop()
        for b in sh('ovs-vsctl list-br').split():
            sh('ovs-vsctl del-br %s' % b)

    def controller(self, *args, **kwargs):
        c = Controller(*args, **kwargs)
        self.controllers.append(c)
        return c

    @staticmethod
    def three_bridges(base):
        return {
            'description': 'three bridges, one per mode',
            'switches': [
                {'name': 'br1', 'connect': 'tcp:127.0.0.1:%d' % base,
                 'ports': {'p1': 1, 'p2': 2},
                 'flows': [
                     'priority=100,in_port=p1,actions=paxos:onclient,'
                     'output:p2',
                     'priority=50,udp,tp_dst=53,actions=output:p1',
                     'table=1,priority=5,ip,nw_dst=10.0.0.0/8,actions=drop']},
                {'name': 'br2', 'connect': 'tcp:127.0.0.1:%d' % (base + 1),
                 'mode': 'learning'},
                {'name': 'br3', 'connect': 'tcp:127.0.0.1:%d' % (base + 2),
                 'mode': 'learning-no-flows', 'openflow': ['OpenFlow10'],
                 'flows': ['priority=9,arp,actions=NORMAL']},
            ]}

    # ---- Deployment applied to three bridges. ----
    def test_deployment_applied_to_three_bridges(self):
        add_bridges(['br1', 'br2', 'br3'], ptcp_base=16601)
        c = self.controller(self.three_bridges(16601))
        c.wait_in_sync(['br1', 'br2', 'br3'])
        self.assertEqual(len(owned('br1')), 3)
        self.assertIn('priority=100,in_port=1 actions=paxos:onclient,output:2',
                      ' '.join(owned('br1')))
        self.assertEqual([f.split(' ', 1)[1] for f in owned('br2')],
                         ['priority=0 actions=CONTROLLER:65535'])
        self.assertEqual(len(owned('br3')), 2)
        sws = {s['name']: s for s in c.get('/switches')}
        self.assertEqual(sws['br1']['openflow_version'], 'OpenFlow13')
        self.assertEqual(sws['br3']['openflow_version'], 'OpenFlow10')
        self.assertEqual(sws['br1']['flows_owned'], 3)
        self.assertEqual(sws['br1']['last_sync']['added'], 3)
        health = c.get('/health')
        self.assertEqual(health['switches_in_sync'], 3)
        self.assertEqual(health['status'], 'ok')
        self.assertIn('br2: in sync, OpenFlow13', c.appctl('status'))
        self.assertEqual(c.get('/deployment'), self.three_bridges(16601))

    # ---- A restarted ovs-vswitchd is restored. ----
    def test_restarted_vswitchd_is_restored(self):
        add_bridges(['br1', 'br2', 'br3'], ptcp_base=16611)
        c = self.controller(self.three_bridges(16611))
        c.wait_in_sync(['br1', 'br2', 'br3'])
        before = {b: owned(b) for b in ('br1', 'br2')}
        t0 = time.time()
        restart_vswitchd()
        wait_until(lambda: all(c.switch(n)['counters']['connects'] == 2
                               and c.switch(n)['in_sync']
                               for n in ('br1', 'br2', 'br3')),
                   20, 'reconnect and resync after restart')
        print('\n  vswitchd restart -> flows restored in %.2f s'
              % (time.time() - t0), file=sys.stderr)
        self.assertEqual({b: owned(b) for b in ('br1', 'br2')}, before)
        self.assertEqual(len(owned('br3', 'OpenFlow10')), 2)

    # ---- Never touches flows it does not own. ----
    def test_foreign_flows_untouched(self):
        add_bridges(['br1'], ptcp_base=16621)
        foreign = ['cookie=0x1,priority=100,in_port=1,actions=drop',
                   'priority=7,udp,actions=drop',
                   'cookie=0x6378786000000000,priority=8,tcp,actions=drop',
                   'cookie=0x63787861,priority=9,icmp,actions=drop']
        for f in foreign:
            sh('ovs-ofctl -O OpenFlow13 add-flow br1 "%s"' % f)
        theirs = flows('br1')
        d = {'switches': [{'name': 'br1', 'connect': 'tcp:127.0.0.1:16621',
                           'flows': ['priority=1,actions=drop']}]}
        c = self.controller(d)
        c.wait_in_sync(['br1'])
        self.assertEqual(sorted(set(flows('br1')) - set(owned('br1'))), theirs)
        # Changing and then emptying the deployment leaves them alone too.
        d['switches'][0]['flows'] = ['priority=2,actions=drop',
                                     'priority=3,arp,actions=NORMAL']
        self.assertEqual(c.request('PUT', '/deployment', json.dumps(d))[0],
                         200)
        wait_until(lambda: len(owned('br1')) == 2, 10, 'new flows')
        self.assertEqual(sorted(set(flows('br1')) - set(owned('br1'))), theirs)
        d['switches'][0]['flows'] = []
        self.assertEqual(c.request('PUT', '/deployment', json.dumps(d))[0],
                         200)
        wait_until(lambda: not owned('br1'), 10, 'owned flows removed')
        self.assertEqual(flows('br1'), theirs)

    # ---- Reconcile: differences only; restart of the controller. ----
    def test_reconcile_applies_only_the_difference(self):
        add_bridges(['br1'], ptcp_base=16631)
        sh('ovs-ofctl -O OpenFlow13 add-flow br1 '
           '"cookie=%s,priority=77,actions=drop"' % OWNED)      # Stale.
        d = {'switches': [{'name': 'br1', 'connect': 'tcp:127.0.0.1:16631',
                           'flows': ['priority=1,actions=drop',
                                     'priority=2,in_port=1,actions='
                                     'mod_dl_src:00:00:00:00:00:01,'
                                     'output:2']}]}
        c = self.controller(d)
        c.wait_in_sync(['br1'])
        s = c.switch('br1')['last_sync']
        self.assertEqual((s['added'], s['removed'], s['kept']), (2, 1, 0))
        c.stop()
        # A new controller finds everything in place: nothing sent.
        c2 = self.controller(d)
        c2.wait_in_sync(['br1'])
        s = c2.switch('br1')['last_sync']
        self.assertEqual((s['added'], s['removed'], s['kept']), (0, 0, 2))
        # A flow deleted behind its back comes back on the next reconnect.
        sh('ovs-ofctl -O OpenFlow13 --strict del-flows br1 "priority=1"')
        sh('ovs-vsctl del-controller br1')
        sh('ovs-vsctl set-controller br1 ptcp:16631:127.0.0.1')
        wait_until(lambda: len(owned('br1')) == 2, 15, 'flow restored')
        self.assertEqual(c2.switch('br1')['counters']['connects'], 2)
        c2.stop()
        # ... or at the next audit (every 'audit_interval' seconds).
        d['switches'][0]['audit_interval'] = 1
        c3 = self.controller(d)
        c3.wait_in_sync(['br1'])
        sh('ovs-ofctl -O OpenFlow13 --strict del-flows br1 "priority=1"')
        wait_until(lambda: len(owned('br1')) == 2, 15,
                   'flow restored by audit')
        s = c3.switch('br1')
        self.assertEqual(s['counters']['connects'], 1)
        self.assertGreaterEqual(s['counters']['syncs_with_changes'], 1)

    # ---- Reload by SIGHUP and unixctl; invalid file keeps old state. ----
    def test_reload_sighup_and_invalid_file(self):
        add_bridges(['br1', 'br2'], ptcp_base=16641)
        d = {'switches': [{'name': 'br1', 'connect': 'tcp:127.0.0.1:16641',
                           'flows': ['priority=1,actions=drop']}]}
        c = self.controller(d)
        c.wait_in_sync(['br1'])
        d['switches'].append({'name': 'br2', 'connect': 'tcp:127.0.0.1:16642',
                              'flows': ['priority=5,ip,actions=drop']})
        d['switches'][0]['flows'] = ['priority=3,actions=drop']
        c.write(d)
        os.kill(c.pid, signal.SIGHUP)
        wait_until(lambda: c.get('/health')['deployment_generation'] == 2, 10,
                   'generation 2')
        c.wait_in_sync(['br1', 'br2'])
        self.assertIn('priority=3', ' '.join(owned('br1')))
        self.assertEqual(len(owned('br1')), 1)
        self.assertEqual(len(owned('br2')), 1)
        # Invalid file: rejected whole, old deployment and flows stay.
        before = (owned('br1'), owned('br2'))
        c.write('{"switches": [{"name": "br1", '
                '"connect": "tcp:127.0.0.1:16641",'
                ' "flows": ["priority=4,actions=drop"]}, {"name": "br2"}]}')
        os.kill(c.pid, signal.SIGHUP)
        wait_until(lambda: c.get('/health')['reload_failures'] == 1, 10,
                   'reload failure counted')
        self.assertEqual(c.get('/health')['deployment_generation'], 2)
        self.assertEqual((owned('br1'), owned('br2')), before)
        log = open(c.log).read()
        self.assertIn('switches[1]: needs "connect"', log)
        self.assertIn('rejected; generation 2 stays in place', log)
        out = subprocess.run(['ovs-appctl', '-t', c.ctl, 'deployment/reload'],
                             capture_output=True, text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('switches[1]: needs "connect"', out.stderr)
        # Removing a switch from the deployment deletes its flows.
        del d['switches'][1]
        c.write(d)
        self.assertEqual(c.appctl('deployment/reload').strip(), 'generation 3')
        wait_until(lambda: not owned('br2'), 10, 'br2 flows deleted')
        self.assertEqual(len(owned('br1')), 1)

    # ---- REST: bad bodies rejected with reasons, nothing half-applied. ----
    def test_rest_rejects_bad_bodies(self):
        add_bridges(['br1'], ptcp_base=16651)
        d = {'switches': [{'name': 'br1', 'connect': 'tcp:127.0.0.1:16651',
                           'flows': ['priority=1,actions=drop']}]}
        c = self.controller(d)
        c.wait_in_sync(['br1'])
        file_before = open(c.file).read()
        flows_before = owned('br1')
        cases = [
            ('{"switches": [', 'malformed JSON'),
            ('"just a string"', '(document): must be a JSON object'),
            ('{"switches": [{"name": "br1", "connect": "tcp:127.0.0.1:16651",'
             ' "flows": ["priority=2,actions=drop"]}, {"name": "x", '
             '"connect": "udp:1"}]}', 'switches[1].connect: must be'),
            ('{"switches": [{"name": "br1", "connect": "tcp:127.0.0.1:16651",'
             ' "flows": ["priority=2,actions=paxos:sideways"]}]}',
             "switches[0].flows[0]: paxos: unknown role 'sideways'"),
            ('{"switches": [{"name": "br1", "connect": "tcp:127.0.0.1:16651",'
             ' "flows": ["actions=output:nosuchport"]}]}',
             'switches[0].flows[0]:'),
            ('{"switches": [], "amd": {"servers": []}}',
             'amd.servers: unknown field'),
            ('{"switches": [], "nat": {"x": 1}}', 'nat.x: unknown field'),
        ]
        for body, why in cases:
            status, reply = c.request('PUT', '/deployment', body)
            self.assertEqual(status, 400, body)
            self.assertEqual(reply['status'], 'error')
            self.assertTrue(any(why in e for e in reply['errors']),
                            '%s: %s' % (why, reply))
        self.assertEqual(c.get('/health')['deployment_generation'], 1)
        self.assertEqual(open(c.file).read(), file_before)
        self.assertEqual(owned('br1'), flows_before)
        status, reply = c.request('GET', '/nothing-here')
        self.assertEqual(status, 404)
        self.assertIn('no such resource', reply['errors'][0])
        status, reply = c.request('PUT', '/deployment', 'x' * (5 << 20))
        self.assertEqual(status, 413)
        # A good one is applied and saved.
        d['switches'][0]['flows'] = ['priority=2,actions=drop']
        status, reply = c.request('PUT', '/deployment', json.dumps(d))
        self.assertEqual((status, reply['generation']), (200, 2))
        self.assertEqual(json.load(open(c.file)), d)
        wait_until(lambda: 'priority=2' in ' '.join(owned('br1')), 10, 'PUT')

    # ---- Bad files at start: clear error, no daemon. ----
    def test_bad_file_at_start(self):
        c = Controller('{"switches": [{"name": "s", '
                       '"connect": "tcp:1.2.3.4:1",'
                       ' "mode": "hub"}]}', expect_start=False)
        self.assertNotEqual(c.start.returncode, 0)
        self.assertIn('switches[0].mode: must be', c.start.stderr)
        c = Controller('{', expect_start=False)
        self.assertNotEqual(c.start.returncode, 0)
        self.assertIn('malformed JSON', c.start.stderr)

    # ---- Passive: switches that set-controller to us; versions. ----
    def test_passive_switches_and_version_negotiation(self):
        add_bridges(['br1', 'br2', 'br3'])
        sh('ovs-vsctl set bridge br1 other-config:datapath-id=00000000000000a1'
           ' -- set bridge br2 other-config:datapath-id=00000000000000a2'
           ' protocols=OpenFlow10'
           ' -- set bridge br3 other-config:datapath-id=00000000000000a3')
        d = {'switches': [
            {'name': 'br1', 'dpid': 'a1',
             'flows': ['priority=1,actions=drop']},
            {'name': 'br2', 'dpid': '0xa2',
             'flows': ['priority=2,actions=drop']},
            {'name': 'later', 'dpid': 'b0'}]}
        c = self.controller(d, listen=['ptcp:16661:127.0.0.1'])
        for b in ('br1', 'br2', 'br3'):
            sh('ovs-vsctl set-controller %s tcp:127.0.0.1:16661' % b)
        c.wait_in_sync(['br1', 'br2'])
        # (Giving a bridge its first controller flushes its flows: add the
        # foreign flow after.)
        sh('ovs-ofctl add-flow br3 "priority=3,actions=drop"')
        wait_until(lambda: any(s['name'] == 'dpid:00000000000000a3'
                               for s in c.get('/switches')), 10, 'br3')
        c.request('POST', '/deployment/reload')
        sws = {s['name']: s for s in c.get('/switches')}
        self.assertEqual(sws['br1']['openflow_version'], 'OpenFlow13')
        self.assertEqual(sws['br2']['openflow_version'], 'OpenFlow10')
        self.assertEqual(sws['br1']['connection'], 'passive')
        self.assertEqual(sws['later']['state'], 'waiting for the switch')
        self.assertEqual(sws['dpid:00000000000000a3']['state'], 'unmanaged')
        self.assertEqual(len(owned('br1')), 1)
        self.assertEqual(len(owned('br2', 'OpenFlow10')), 1)
        self.assertEqual(flows('br3'),
                         ['reset_counts priority=3 actions=drop'])
        # The switch reconnects after a vswitchd restart by itself.
        restart_vswitchd()
        wait_until(lambda: len(owned('br2', 'OpenFlow10')) == 1
                   and len(owned('br1')) == 1, 30, 'passive restore')

    # ---- SSL, with certificates from ovs-pki; a wrong one is refused. ----
    def test_ssl(self):
        pki = os.path.join(WORK, 'pki')
        other = os.path.join(WORK, 'other-pki')
        ovs_pki = os.path.join(OVS_BUILD, 'utilities', 'ovs-pki')
        for d in (pki, other):
            shutil.rmtree(d, ignore_errors=True)
            sh('cd %s && sh %s --dir=%s init --force' % (WORK, ovs_pki, d))
        os.chdir(WORK)
        sh('sh %s --dir=%s req+sign ctl controller --force' % (ovs_pki, pki))
        sh('sh %s --dir=%s req+sign sw switch --force' % (ovs_pki, pki))
        sh('sh %s --dir=%s req+sign bad controller --force' % (ovs_pki, other))
        sh('ovs-vsctl set-ssl %s/sw-privkey.pem %s/sw-cert.pem '
           '%s/controllerca/cacert.pem' % (WORK, WORK, pki))
        add_bridges(['br1'])
        sh('ovs-vsctl set-controller br1 pssl:16671:127.0.0.1')
        d = {'switches': [{'name': 'br1', 'connect': 'ssl:127.0.0.1:16671',
                           'flows': ['priority=1,actions=drop']}]}
        good = self.controller(d, extra=[
            '--private-key=%s/ctl-privkey.pem' % WORK,
            '--certificate=%s/ctl-cert.pem' % WORK,
            '--ca-cert=%s/switchca/cacert.pem' % pki])
        good.wait_in_sync(['br1'])
        self.assertEqual(len(owned('br1')), 1)
        good.stop()
        # Passive: the switch connects to our pssl: listener.
        add_bridges(['br2'])
        sh('ovs-vsctl set bridge br2 '
           'other-config:datapath-id=00000000000000b2')
        dp = {'switches': [{'name': 'br2', 'dpid': 'b2',
                            'flows': ['priority=2,actions=drop']}]}
        passive = self.controller(dp, listen=['pssl:16672:127.0.0.1'], extra=[
            '--private-key=%s/ctl-privkey.pem' % WORK,
            '--certificate=%s/ctl-cert.pem' % WORK,
            '--ca-cert=%s/switchca/cacert.pem' % pki])
        sh('ovs-vsctl set-controller br2 ssl:127.0.0.1:16672')
        passive.wait_in_sync(['br2'])
        self.assertEqual(len(owned('br2')), 1)
        self.assertEqual(passive.switch('br2')['target'][:4], 'ssl:')
        passive.stop()
        sh('ovs-ofctl del-flows br1')
        bad = self.controller(d, extra=[
            '--private-key=%s/bad-privkey.pem' % WORK,
            '--certificate=%s/bad-cert.pem' % WORK,
            '--ca-cert=%s/switchca/cacert.pem' % pki])
        time.sleep(3)
        s = bad.switch('br1')
        self.assertFalse(s['connected'])
        self.assertEqual(flows('br1'), [])
        vlog = open(os.path.join(SANDBOX, 'ovs-vswitchd.log')).read()
        self.assertRegex(vlog, r'SSL_accept: .*(certificate|unknown ca)')
        sh('ovs-vsctl del-ssl')

    # ---- Durable state: a restarted controller has the REST changes. ----
    @staticmethod
    def amd_nat(base):
        return {
            'description': 'AMD on br1, br2; a NAT router on r1',
            'switches': [
                {'name': 'br1', 'connect': 'tcp:127.0.0.1:%d' % base,
                 'ports': {'h1': 1, 's2': 2}},
                {'name': 'br2', 'connect': 'tcp:127.0.0.1:%d' % (base + 1),
                 'ports': {'srv': 1, 's1': 2}},
                {'name': 'r1', 'connect': 'tcp:127.0.0.1:%d' % (base + 2),
                 'ports': {'inside-a': 1, 'inside-b': 2, 'outside': 3,
                           'spare': 4}}],
            'links': [{'a': 'br1:s2', 'b': 'br2:s1'}],
            'amd': {'switches': ['br1', 'br2'],
                    'pool': {'cidr': '10.0.0.192/29',
                             'mac_prefix': '02:a0'}},
            'nat': {'routers': [{
                'switch': 'r1',
                'interfaces': [
                    {'port': 'inside-a', 'address': '10.0.1.1/24'},
                    {'port': 'inside-b', 'address': '10.0.2.1/24'},
                    {'port': 'outside', 'address': '198.51.100.1/24',
                     'gateway': '198.51.100.2', 'outside': True}],
                'ports': '16384-61439'}]}}

    @staticmethod
    def durable_replies(c):
        nat = c.get('/nat/routers')
        for r in nat['routers']:
            del r['counters']          # They start again at zero,
            del r['gateway']['arp_requests']   # so do the ARP retries.
        info = c.get('/amd/server/info/json')
        for s in info['availableServices']:
            for rep in s['switches'].values():
                rep.pop('report_age_ms', None)
        return {'amd': info, 'nat': nat}

    def test_state_survives_restart(self):
        bridges = ['br1', 'br2', 'r1']
        add_bridges(bridges, ptcp_base=16691)
        d = self.amd_nat(16691)
        state = os.path.join(WORK, 'durable-state.json')
        if os.path.exists(state):
            os.unlink(state)
        a = self.controller(d, extra=['--state=' + state])
        a.wait_in_sync(bridges)
        for i in (10, 11, 12):
            st, r = a.request('POST', '/amd/server/subscription/json',
                              json.dumps({'ip': '10.0.0.%d' % i,
                                          'mac': '00:00:00:00:00:%d' % i,
                                          'services': [{'port': '9000',
                                                        'description':
                                                        'echo'}]}))
            self.assertEqual(st, 200, r)
        for method, path, body in (
                ('DELETE', '/amd/server/subscription/json',
                 {'virtualIp': '10.0.0.193'}),
                ('PUT', '/amd/server/status/json',
                 {'newStatus': 'offline', 'virtualIp': '10.0.0.194'}),
                ('POST', '/nat/router/interface',
                 {'router': 'r1', 'port': 'spare',
                  'address': '10.0.3.1/24'}),
                ('POST', '/nat/router/host',
                 {'router': 'r1', 'ip': '10.0.3.7',
                  'mac': '00:00:00:00:03:07'}),
                ('POST', '/nat/router/forward',
                 {'router': 'r1', 'proto': 'udp', 'to': '10.0.3.7:53'})):
            st, r = a.request(method, path, json.dumps(body))
            self.assertEqual(st, 200, (path, r))
        a.wait_in_sync(bridges)
        before = self.durable_replies(a)
        installed = {b: owned(b) for b in bridges}
        self.assertEqual(a.get('/health')['state']['saves'], 8)
        with open(state) as f:
            saved = f.read()
        a.stop()                       # The flows stay on the switches.

        # The restart: same deployment, same state file.
        b = self.controller(d, extra=['--state=' + state])
        b.wait_in_sync(bridges)
        self.maxDiff = None
        self.assertEqual(self.durable_replies(b), before)
        self.assertEqual({br: owned(br) for br in bridges}, installed)
        for br in bridges:
            sync = b.switch(br)['last_sync']
            self.assertEqual((sync['added'], sync['removed']), (0, 0),
                             '%s: %s' % (br, sync))
        # The pool's order came back: the freed .193 is handed out last.
        st, r = b.request('POST', '/amd/server/subscription/json',
                          json.dumps({'ip': '10.0.0.20',
                                      'mac': '00:00:00:00:00:20'}))
        self.assertEqual(r.get('virtualIp'), '10.0.0.196', r)
        b.stop()

        # A damaged file: refused, the controller does not start, the file
        # is left as it is.
        damaged = saved.replace('10.0.0.194', '10.0.0.195', 1)
        with open(state, 'w') as f:
            f.write(damaged)
        c = self.controller(d, extra=['--state=' + state],
                            expect_start=False)
        self.assertNotEqual(c.start.returncode, 0)
        self.assertIn('sha1: does not match', c.start.stderr)
        self.assertIn('not starting', c.start.stderr)
        with open(state) as f:
            self.assertEqual(f.read(), damaged)

    # ---- Daemon habits: --user drops root and capabilities. ----
    def test_runs_unprivileged_with_user(self):
        if os.geteuid() != 0:
            self.skipTest('needs root to switch user')
        add_bridges(['br1'], ptcp_base=16681)
        d = {'switches': [{'name': 'br1', 'connect': 'tcp:127.0.0.1:16681',
                           'flows': ['priority=1,actions=drop']}]}
        c = self.controller(d, extra=['--user=nobody:nogroup'],
                            listen=['ptcp:16682:127.0.0.1'])
        c.wait_in_sync(['br1'])
        status = open('/proc/%d/status' % c.pid).read()
        lines = status.splitlines()
        uid = [x for x in lines if x.startswith('Uid:')][0]
        cap = [x for x in lines if x.startswith('CapEff:')][0]
        self.assertEqual(uid.split()[1:], ['65534'] * 4)
        # Only CAP_NET_BIND_SERVICE (10) and CAP_IPC_LOCK (14) remain.
        self.assertEqual(int(cap.split()[1], 16) & ~((1 << 10) | (1 << 14)), 0)


if __name__ == '__main__':
    unittest.main(verbosity=2)
