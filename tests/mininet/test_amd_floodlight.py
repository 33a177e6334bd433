#!/usr/bin/python3
"""AMD as the Floodlight module is tested, in its own network
(mininet-topos/amd_floodlight_net.py: s1 in the centre of a star with s2,
s3, s4; clients h1, h2 on s1; servers h3-h8, two on each outer switch),
with cxxa-controller and a client that speaks exactly the module's REST
bodies (values as strings, as the module reads them with asText(), and
only the reply's "status"/"reason" read).

Subscription of the six servers (ports as strings and as numbers) -> six
virtual addresses; a seventh -> Error (the pool has six, as the module's);
info lists them with the module's fields; the switch answers ARP for a
virtual address and replies come from it; three servers (one per outer
switch) go offline at once; a repeated offline, an unknown virtual
address, an invalid status -> Error, nothing changed; both clients send N
requests to each of the six servers; the online ones receive theirs at
once; the three come back online at once (a repeated online -> Error) and
receive all of theirs, in order, once; unsubscription of all -> info
empty, a second unsubscription -> Error; no switch dropped a request.

Exit status 0 on success.  Needs root."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), 'mininet-topos'))

import harness  # noqa: E402
from amd_floodlight_net import (CLIENTS, PORT, SERVERS,  # noqa: E402
                                FloodlightAmdNetwork, ip, log_path)
from amd_net import amd_counter_drops, check_order, stop_and_read  # noqa: E402
from paths import BUILD  # noqa: E402

OFFLINE = ['h3', 'h5', 'h7']   # One on each of s2, s3, s4.


def error(r, want):
    return r.get('status') == 'Error' and want in r.get('reason', '')


def run_test(args):
    c = harness.Checks('mininet amd floodlight')
    n = args.requests
    work = os.path.join(BUILD, 'mininet-amd-floodlight')
    with FloodlightAmdNetwork(work) as nw:
        fl = nw.client
        procs = {h: nw.start_server(h, log_path(work, h)) for h in SERVERS}

        # Subscription: the module's body, "port" as a string (asText())
        # for some servers, as a number for the others.
        vips = {}
        for i, h in enumerate(SERVERS):
            r = fl.subscribe(h, 'echo on %s' % h,
                             port=str(PORT) if i % 2 == 0 else PORT)
            if c.check('subscription of %s' % h,
                       r.get('status') == 'Success' and 'virtualIp' in r, r):
                vips[h] = r['virtualIp']
        if len(vips) != len(SERVERS):
            return c.done()
        c.check('six distinct virtual addresses',
                len(set(vips.values())) == 6, vips)
        r = fl.subscribe('h1', 'one too many')
        c.check('a seventh subscription: no available addresses',
                error(r, 'no available addresses'), r)
        nw.ctl.wait_in_sync(['s1', 's2', 's3', 's4'])

        info = fl.info()
        got = {s['virtualIp']: s['services']
               for s in info.get('availableServices', [])}
        c.check('info: the six servers and their services, as the module '
                'lists them', got == {v: ['%d: echo on %s' % (PORT, h)]
                                      for h, v in vips.items()}, info)

        # The switch answers ARP for each virtual address; the replies
        # come from it.
        for h in CLIENTS:
            for s, v in vips.items():
                src = nw.probe(h, v)
                c.check('%s -> %s (%s): the answer comes from the virtual '
                        'address' % (h, s, v), src == v, src)

        # Several servers offline at once.
        for h in OFFLINE:
            r = fl.offline(vips[h])
            c.check('%s offline' % h, r.get('status') == 'Success', r)
        before = fl.info()
        r = fl.offline(vips['h3'])
        c.check('a second offline: Error, already offline',
                error(r, 'is already offline'), r)
        r = fl.offline('10.0.0.250')
        c.check('an unknown virtual address: Error',
                error(r, 'No such subscribed server'), r)
        r = fl.call('PUT', '/server/status/json',
                    {'newStatus': 'sleeping', 'virtualIp': vips['h4']})
        c.check('an invalid status: Error', error(r, 'Invalid new status'),
                r)
        after = fl.info()
        c.check('the refused requests changed nothing',
                [(s['virtualIp'], s['status'])
                 for s in before['availableServices']]
                == [(s['virtualIp'], s['status'])
                    for s in after['availableServices']], after)

        # Both clients send n requests to every server.
        senders = [nw.send(cl, vips[h], n, 500, cl)
                   for cl in CLIENTS for h in SERVERS]
        for p in senders:
            p.wait(timeout=120)
        time.sleep(1.0)
        info = fl.info()
        stored = {s['virtualIp']: s['storedPackets']
                  for s in info['availableServices']}
        c.check('info: each offline server has both clients\' requests '
                'stored', all(stored[vips[h]] == 2 * n for h in OFFLINE),
                stored)

        # Back online at once; a repeated online is refused.
        for h in OFFLINE:
            r = fl.online(vips[h], h)
            c.check('%s online' % h, r.get('status') == 'Success', r)
        r = fl.online(vips['h3'], 'h3')
        c.check('a second online: Error, already online',
                error(r, 'is already online'), r)
        time.sleep(1.5)

        for h in SERVERS:
            rows = stop_and_read(procs[h], log_path(work, h))
            got = check_order(rows, {cl: n for cl in CLIENTS})
            c.check('%s (%s): received %d of %d, lost %d, reordered %d, '
                    'duplicates %d'
                    % ((h, 'was offline' if h in OFFLINE else 'online')
                       + got[:1] + (2 * n,) + got[1:]),
                    got == (2 * n, 0, 0, 0), got)

        for h in SERVERS:
            r = fl.unsubscribe(vips[h])
            c.check('unsubscription of %s' % h, r.get('status') == 'Success',
                    r)
        info = fl.info()
        c.check('info after unsubscription is empty',
                info.get('availableServices') == [], info)
        r = fl.unsubscribe(vips['h3'])
        c.check('a second unsubscription: Error',
                error(r, 'no such subscribed server'), r)
        show = nw.amd_show()
        c.check('the switches dropped no request',
                not amd_counter_drops(show), show)
        print('server addresses: %s'
              % ', '.join('%s %s -> %s' % (h, ip(h), v)
                          for h, v in sorted(vips.items())))
    return c.done()


def arguments(p):
    p.add_argument('--requests', type=int, default=200,
                   help='requests each client sends to each server')


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-amd-floodlight', run_test,
                         arguments))
