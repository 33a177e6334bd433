#!/usr/bin/python3
"""AMD end to end: the seed document's testing section with real curl
calls, on mininet-topos/amd_net.py (clients -- s1 -- s2 -- server).

Subscription -> virtual address; info; the switch answers h1's ARP for it
and replies come from it; bad JSON, duplicate subscription, unknown
virtual IP -> errors; offline; N UDP requests -> info reports N stored;
unsubscribing the offline server refused; online -> the server receives
all N in order; offline again, the server changes IP and MAC, 50
requests, online with the new address, 50 more -> 100 of 100 in order at
the new address; unsubscription; no drop in any switch counter.

Exit status 0 on success.  Needs root."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'mininet-topos'))

import harness  # noqa: E402
from amd_net import (APPS, PORT, SERVER_IP, SERVER_MAC,  # noqa: E402
                     AmdNetwork, amd_counter_drops, check_order,
                     stop_and_read)
from paths import BUILD, PY  # noqa: E402


def amd_reports(nw):
    """Report frames the controller's AMD application has received."""
    out = subprocess.run(['curl', '-s', 'http://127.0.0.1:%d/health'
                          % nw.ports['rest']], capture_output=True,
                         text=True, timeout=20).stdout
    return json.loads(out)['amd']['reports']


def run_seed(args):
    c = harness.Checks('mininet amd seed')
    n = args.requests
    work = os.path.join(BUILD, 'mininet-amd')
    with AmdNetwork(os.path.join(work, 'seed')) as nw:
        h1 = nw['h1']
        srv_log = os.path.join(work, 'seed-server.log')
        server = nw.start_server(srv_log)
        r = nw.curl('POST', 'subscription', {
            'ip': SERVER_IP, 'mac': SERVER_MAC,
            'services': [{'port': PORT, 'description': 'UDP echo'}]})
        if not c.check('subscription', r.get('status') == 'Success', r):
            return c.done()
        vip, vmac = r['virtualIp'], r['virtualMac']
        nw.ctl.wait_in_sync(['s1', 's2'])
        info = nw.curl('GET', 'info')
        svc = info['availableServices']
        c.check('info after subscription', len(svc) == 1
                and svc[0]['virtualIp'] == vip
                and svc[0]['services'] == ['%d: UDP echo' % PORT]
                and svc[0]['serviceList'][0]['port'] == PORT, info)
        # The switch answers ARP for the virtual address; replies come
        # from it (rewritten back by the switch).
        src = h1.cmd('%s %s probe --dst %s --port %d'
                     % (PY, APPS, vip, PORT)).strip()
        neigh = h1.cmd('ip neigh show %s' % vip)
        print('probe answered from %s; h1 neighbour: %s'
              % (src, neigh.strip()))
        c.check('the reply to the probe comes from the virtual address',
                src == vip, 'from %s, not %s' % (src, vip))
        c.check('h1 learned the virtual MAC', vmac in neigh,
                '%s for %s: %s' % (vmac, vip, neigh))

        # Errors: no state change.
        for body, want in (('{"ip": ', 'bad JSON'),
                           ({'ip': SERVER_IP, 'mac': SERVER_MAC},
                            'already subscribed'),
                           ({'newStatus': 'offline',
                             'virtualIp': '10.0.0.250'},
                            'No such subscribed server')):
            path = 'status' if 'newStatus' in str(body) else 'subscription'
            method = 'PUT' if path == 'status' else 'POST'
            r = nw.curl(method, path, body)
            c.check('%s %s: an error about %r' % (method, path, want),
                    r.get('status') == 'Error'
                    and want in r.get('reason', ''), r)

        r = nw.curl('PUT', 'status', {'newStatus': 'offline',
                                      'virtualIp': vip})
        c.check('offline', r.get('status') == 'Success', r)
        reports_before = amd_reports(nw)
        sent = os.path.join(work, 'seed-sent')
        nw.send(h1, vip, n, 500, 'h1', sent=sent).wait(timeout=60)
        time.sleep(0.5)
        # Before anyone asks (no GET info since going offline): the switch
        # the requests entered told the controller of the first one.
        got = amd_reports(nw) - reports_before
        c.check('the switch reported the first stored request on its own, '
                'once', got == 1, '%d reports' % got)
        info = nw.curl('GET', 'info')
        stored = info['availableServices'][0]['storedPackets']
        print('while offline: %d requests stored in the switches' % stored)
        c.check('info counts the stored requests', stored == n,
                '%s stored, expected %d' % (stored, n))
        r = nw.curl('DELETE', 'subscription', {'virtualIp': vip})
        c.check('unsubscribing an offline server is refused',
                r.get('status') == 'Error'
                and 'offline' in r.get('reason', ''), r)

        r = nw.curl('PUT', 'status', {'newStatus': 'online', 'virtualIp': vip,
                                      'ip': SERVER_IP, 'mac': SERVER_MAC})
        time.sleep(1.0)
        rows = stop_and_read(server, srv_log)
        received, lost, reordered, dup = check_order(rows, {'h1': n})
        print('online: server received %d of %d, lost %d, reordered %d, '
              'duplicates %d' % (received, n, lost, reordered, dup))
        c.check('release: all received in order, once',
                (received, lost, reordered, dup) == (n, 0, 0, 0),
                'received %d of %d, %d lost, %d reordered, %d duplicates'
                % (received, n, lost, reordered, dup))

        # The server moves while offline: new IP and MAC, given when it
        # comes back; stored requests and the flows follow.
        nw.curl('PUT', 'status', {'newStatus': 'offline', 'virtualIp': vip})
        srv = nw['srv']
        srv.setIP('10.0.0.11', 24)
        srv.setMAC('00:00:00:00:00:11')
        srv_log2 = os.path.join(work, 'seed-server-moved.log')
        server = nw.start_server(srv_log2)
        nw.send(h1, vip, 50, 500, 'h1').wait(timeout=60)
        nw.curl('PUT', 'status', {'newStatus': 'online', 'virtualIp': vip,
                                  'ip': '10.0.0.11',
                                  'mac': '00:00:00:00:00:11'})
        time.sleep(0.5)
        nw.send(h1, vip, 50, 500, 'h2').wait(timeout=60)
        time.sleep(0.5)
        rows = stop_and_read(server, srv_log2)
        got = check_order(rows, {'h1': 50, 'h2': 50})
        print('after the move: received %d of 100, lost %d, reordered %d'
              % got[:3])
        c.check('after the address change: all 100 in order',
                got == (100, 0, 0, 0), got)

        r = nw.curl('DELETE', 'subscription', {'virtualIp': vip})
        c.check('unsubscription', r.get('status') == 'Success', r)
        info = nw.curl('GET', 'info')
        c.check('info after unsubscription is empty',
                not info['availableServices'], info)
        show = nw.amd_show()
        print(show)
        c.check('the switches dropped no request',
                not amd_counter_drops(show), show)
    return c.done()


def arguments(p):
    p.add_argument('--requests', type=int, default=100,
                   help='requests stored while the server is offline')


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-amd', run_seed, arguments))
