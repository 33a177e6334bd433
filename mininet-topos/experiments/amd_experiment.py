#!/usr/bin/python3
"""AMD experiments on mininet-topos/amd_net.py: clients h1..hN on s1, the
server srv on s2, both switches AMD access switches set up by
cxxa-controller.

  flips     clients send continuously while the server flips offline/online
            (default 1000 times); counts sent, received, lost, reordered.
  release   10,000 requests stored while offline, then released: in the
            switch (amd:, one unpaced burst) against the controller (as the
            Floodlight AMD module does: packet-in, packet-out); per-request
            cost while storing, time to release, controller CPU.  Then the
            switch's paced release (the deployment default) with every
            socket buffer at the kernel default (212,992 bytes), beside the
            unpaced burst at that default (the control: it must lose), and
            paced releases at higher rates with the buffers raised (the
            fastest lossless drain).

  restart   10,000 requests stored for an offline server, then
            ovs-vswitchd restarted: gracefully ("ovs-appctl exit", as
            ovs-ctl and systemctl stop it) and, in the same run, with
            SIGKILL right after the last request; the server comes back and
            receives what the restarted switch restored (the journal,
            cxx-actions/amd/README.md): lost, reordered, duplicates.

Results: OUT/amd-NAME.json (+ amd-release.png, amd-restart.png).  Needs
root."""
import json
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import harness  # noqa: E402
import ovs_sandbox  # noqa: E402
from amd_net import (AmdNetwork, amd_counter_drops,  # noqa: E402
                     amd_stored_released, check_order, stop_and_read)
from paths import BUILD  # noqa: E402


def run_flips(args, c):
    with AmdNetwork(os.path.join(args.work, 'flips'), n_clients=2) as nw:
        srv_log = os.path.join(args.work, 'flips-server.log')
        server = nw.start_server(srv_log, echo=False)
        vip = nw.subscribe_server()
        stop = os.path.join(args.work, 'flips-stop')
        if os.path.exists(stop):
            os.remove(stop)
        sent_files = {}
        senders = []
        for h in nw.clients():
            sent_files[h.name] = os.path.join(args.work,
                                              'flips-sent-' + h.name)
            senders.append(nw.send(h, vip, 0, args.rate, h.name,
                                   sent=sent_files[h.name], stop=stop))
        time.sleep(0.5)
        rng = random.Random(1)
        t0 = time.time()
        changes = 0
        for _ in range(args.flips):
            for status in ('offline', 'online'):
                code, r = nw.call('PUT', 'status',
                                  {'newStatus': status, 'virtualIp': vip})
                if r.get('status') != 'Success':
                    c.fail('status %s' % status, r)
                    break
                changes += 1
                time.sleep(rng.uniform(0, 0.01))
        elapsed = time.time() - t0
        time.sleep(0.5)
        open(stop, 'w').close()
        for p in senders:
            p.wait(timeout=30)
        time.sleep(1.0)
        rows = stop_and_read(server, srv_log)
        sent = {c: int(open(f).read()) for c, f in sent_files.items()}
        received, lost, reordered, dup = check_order(rows, sent)
        show = nw.amd_show()
        stored, released = amd_stored_released(show)
        res = {'flips': args.flips, 'status_changes': changes,
               'flip_seconds': round(elapsed, 3),
               'rate_per_client': args.rate, 'clients': len(sent),
               'sent': sum(sent.values()), 'received': received,
               'lost': lost, 'reordered': reordered, 'duplicates': dup,
               'switch_drops': amd_counter_drops(show),
               'stored_in_switches': stored, 'released_by_switches': released,
               'amd_show': show}
        print(json.dumps({k: v for k, v in res.items() if k != 'amd_show'},
                         indent=1))
        c.check('flips: nothing lost, reordered, duplicated or dropped',
                not (lost or reordered or dup or res['switch_drops']),
                '%d lost, %d reordered, %d duplicates, %d switch drops'
                % (lost, reordered, dup, res['switch_drops']))
        c.check('flips: the switches stored some requests and released all',
                stored and stored == released,
                'stored %d, released %d' % (stored, released))
        c.check('flips: every status change succeeded',
                changes == 2 * args.flips,
                '%d of %d' % (changes, 2 * args.flips))
        return res


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def vswitchd_pid():
    rundir = os.environ['OVS_RUNDIR']
    return int(open(os.path.join(rundir, 'ovs-vswitchd.pid')).read())


def run_release_mode(args, store, release=None, default_rmem=False,
                     label=None):
    """One release of args.requests stored requests; 'release' is the
    deployment's amd.release; 'default_rmem': every socket (the switches'
    ports and the server's) with the kernel's default receive buffer."""
    if default_rmem:
        with ovs_sandbox.socket_buffers(ovs_sandbox.KERNEL_RMEM_DEFAULT):
            return run_release_mode(args, store, release, False,
                                    label or store)
    n = args.requests
    label = label or store
    with AmdNetwork(os.path.join(args.work, 'release-' + label),
                    store=store, n_clients=1, release=release) as nw:
        ctl_pid = nw.ctl.pid
        h1 = nw.net['h1']
        srv_log = os.path.join(nw.work, 'server.log')
        server = nw.start_server(
            srv_log, echo=False,
            default_rcvbuf=(release or {}).get('paced', True)
            and store == 'switch')
        vip = nw.subscribe_server()
        nw.call('PUT', 'status', {'newStatus': 'offline', 'virtualIp': vip})
        nw.ctl.wait_in_sync(['s1', 's2'])
        time.sleep(0.3)
        v0, c0 = cpu_seconds(vswitchd_pid()), cpu_seconds(ctl_pid)
        nw.send(h1, vip, n, args.rate, 'h1').wait(timeout=120)
        time.sleep(1.0)
        v1, c1 = cpu_seconds(vswitchd_pid()), cpu_seconds(ctl_pid)
        _, info = nw.call('GET', 'info')
        stored = info['availableServices'][0]['storedPackets']
        t0 = time.time()
        nw.call('PUT', 'status', {'newStatus': 'online', 'virtualIp': vip})
        time.sleep(3.0 if store == 'switch' else 6.0)
        v2, c2 = cpu_seconds(vswitchd_pid()), cpu_seconds(ctl_pid)
        rows = stop_and_read(server, srv_log)
        received, lost, reordered, dup = check_order(rows, {'h1': n})
        last = max((t for _, _, t in rows), default=t0)
        first = min((t for _, _, t in rows), default=t0)
        ports = {}
        for sw in ('s1', 's2'):
            out = subprocess.run(['ovs-ofctl', '-O', 'OpenFlow13',
                                  'dump-ports', sw], capture_output=True,
                                 text=True).stdout
            for m in re.finditer(r'port\s+"?([\w-]+)"?: rx pkts=(\d+), '
                                 r'bytes=\d+, drop=(\d+).*?\n\s+tx pkts=(\d+)'
                                 r', bytes=\d+, drop=(\d+)', out):
                ports['%s:%s' % (sw, m.group(1))] = {
                    'rx': int(m.group(2)), 'rx_drop': int(m.group(3)),
                    'tx': int(m.group(4)), 'tx_drop': int(m.group(5))}
        srv_drops = nw.net['srv'].cmd('cat /proc/net/udp | '
                                      'awk \'NR>1{s+=$NF} END{print s+0}\'')
        return {
            'requests': n, 'stored_reported': stored,
            'store_us_per_request_switch': round((v1 - v0) / n * 1e6, 2),
            'store_us_per_request_controller': round((c1 - c0) / n * 1e6, 2),
            'store_us_per_request': round(((v1 - v0) + (c1 - c0)) / n * 1e6,
                                          2),
            'release_ms': round((last - t0) * 1000, 1),
            'drain_ms': round((last - first) * 1000, 1),
            'release': release or {},
            'release_cpu_s_switch': round(v2 - v1, 3),
            'release_cpu_s_controller': round(c2 - c1, 3),
            'controller_cpu_s_total': round(c2 - c0, 3),
            'received': received, 'lost': lost, 'reordered': reordered,
            'duplicates': dup, 'ports': ports,
            'server_socket_drops': int(srv_drops.strip() or 0),
        }


def paced_summary(m, rate, burst):
    # The first burst leaves at once; the rest at the rate.
    expected = max(0, m['requests'] - burst) / rate * 1000
    return {'requests': m['requests'], 'received': m['received'],
            'lost': m['lost'], 'reordered': m['reordered'],
            'duplicates': m['duplicates'], 'drain_ms': m['drain_ms'],
            'rate': rate, 'burst': burst,
            'expected_drain_ms': round(expected, 1),
            'drain_vs_expected': round(m['drain_ms'] / expected, 3)
            if expected else None,
            'server_socket_drops': m['server_socket_drops']}


def run_release(args, c):
    res = {'requests': args.requests, 'rate': args.rate, 'modes': {}}
    unpaced = {'paced': False}
    for store in ('switch', 'controller'):
        m = run_release_mode(args, store,
                             unpaced if store == 'switch' else None)
        res['modes'][store] = m
        print(store, json.dumps(m))

    # The switch's paced release (the deployment's default rate and
    # burst) with every receive buffer at the kernel default, and in the
    # same run the unpaced burst with the same buffers: the control.
    paced = run_release_mode(args, 'switch', None, True, 'paced-default')
    res['paced_default_rmem'] = paced_summary(paced, 20000, 64)
    res['paced_default_rmem']['rmem_default'] = \
        ovs_sandbox.KERNEL_RMEM_DEFAULT
    control = run_release_mode(args, 'switch', unpaced, True,
                               'unpaced-default')
    res['unpaced_default_rmem'] = {
        k: control[k] for k in ('requests', 'received', 'lost', 'reordered',
                                'duplicates', 'drain_ms',
                                'server_socket_drops')}
    print('paced, default rmem', json.dumps(res['paced_default_rmem']))
    print('unpaced, default rmem', json.dumps(res['unpaced_default_rmem']))
    c.check('paced release, kernel-default buffers: all received, in '
            'order, once',
            paced['received'] == args.requests and not paced['lost']
            and not paced['reordered'] and not paced['duplicates'],
            '%d received, %d lost, %d reordered, %d duplicates'
            % (paced['received'], paced['lost'], paced['reordered'],
               paced['duplicates']))
    c.check('control: the unpaced burst with kernel-default buffers loses '
            '(else this run proved nothing about pacing)',
            control['lost'] > 0, '%d lost' % control['lost'])

    # Faster paced drains with the buffers raised; the unpaced burst
    # (modes.switch) is the line-rate end.
    sweep = []
    for rate in args.sweep:
        m = run_release_mode(args, 'switch', {'rate': rate, 'burst': 1024},
                             False, 'paced-%d' % rate)
        sweep.append(paced_summary(m, rate, 1024))
        print('paced %d, raised rmem' % rate, json.dumps(sweep[-1]))
    sw = res['modes']['switch']
    sweep.append({'rate': 'unpaced', 'lost': sw['lost'],
                  'reordered': sw['reordered'], 'drain_ms': sw['drain_ms'],
                  'requests': sw['requests']})
    res['raised_rmem_sweep'] = sweep
    lossless = [r for r in sweep if not r['lost'] and not r['reordered']]
    res['fastest_lossless_raised_rmem'] = min(
        lossless, key=lambda r: r['drain_ms']) if lossless else None
    sw, ct = res['modes']['switch'], res['modes']['controller']
    res['release_time_ratio'] = round(ct['release_ms'] / sw['release_ms'], 2) \
        if sw['release_ms'] > 0 else None
    res['store_cost_ratio'] = round(
        ct['store_us_per_request'] / sw['store_us_per_request'], 2) \
        if sw['store_us_per_request'] > 0 else None
    res['ratio'] = res['release_time_ratio']
    c.check('switch store: all received, in order',
            not (sw['lost'] or sw['reordered']
                 or sw['received'] != args.requests),
            '%d received, %d lost, %d reordered'
            % (sw['received'], sw['lost'], sw['reordered']))
    plot_release(res, os.path.join(args.out, 'amd-release.png'))
    return res


def stored_now(show, bridge):
    """Requests bridge's AMD store holds now, from amd/show."""
    part = show.split('bridge %s:' % bridge, 1)
    if len(part) < 2:
        return 0
    part = part[1].split('\nbridge ', 1)[0]
    return sum(int(m) for m in re.findall(r'stored now (\d+) packets', part))


def restored(show):
    return sum(int(m) for m in re.findall(r'restored (\d+)', show))


def run_restart_once(args, kill):
    n = args.requests
    how = 'kill' if kill else 'graceful'
    with AmdNetwork(os.path.join(args.work, 'restart-' + how),
                    store='switch', n_clients=1) as nw:
        h1 = nw.net['h1']
        srv_log = os.path.join(nw.work, 'server.log')
        server = nw.start_server(srv_log, echo=False)
        vip = nw.subscribe_server()
        nw.call('PUT', 'status', {'newStatus': 'offline', 'virtualIp': vip})
        nw.ctl.wait_in_sync(['s1', 's2'])
        time.sleep(0.3)
        nw.send(h1, vip, n, args.rate, 'h1').wait(timeout=120)
        if kill:
            # At once, after the last request: what the journal does not
            # have yet (and requests still on their way) is lost.
            stored = n
        else:
            time.sleep(0.5)
            stored = stored_now(nw.amd_show(), 's1')
        down_s = ovs_sandbox.restart_vswitchd(kill=kill)
        nw.ctl.wait_in_sync(['s1', 's2'], timeout=60)
        show = nw.amd_show()
        back = restored(show)
        t0 = time.time()
        nw.call('PUT', 'status', {'newStatus': 'online', 'virtualIp': vip})
        time.sleep(2.0 + n / 20000)
        rows = stop_and_read(server, srv_log)
        received, lost, reordered, dup = check_order(rows, {'h1': n})
        last = max((t for _, _, t in rows), default=t0)
        return {
            'restart': how, 'requests_sent': n, 'stored': stored,
            'restored': back, 'released_after_restart': received,
            'lost': lost, 'lost_vs_stored': max(0, stored - received),
            'reordered': reordered, 'duplicates': dup,
            'vswitchd_down_ms': round(down_s * 1000, 1),
            'release_ms': round((last - t0) * 1000, 1),
        }


def run_restart(args, c):
    runs = [run_restart_once(args, kill) for kill in (False, True)]
    for r in runs:
        print(r['restart'], json.dumps(r))
    g, k = runs
    res = dict(g)
    res.update({'runs': runs, 'sync_bound_ms': 10,
                'rate': args.rate})
    c.check('graceful restart: every stored request released once, in '
            'order',
            g['stored'] == args.requests and g['released_after_restart']
            == args.requests and not g['lost'] and not g['reordered']
            and not g['duplicates'],
            '%d stored, %d released, %d lost, %d reordered, %d duplicates'
            % (g['stored'], g['released_after_restart'], g['lost'],
               g['reordered'], g['duplicates']))
    c.check('SIGKILL: nothing reordered or twice; the loss is what was not '
            'yet written',
            not k['reordered'] and not k['duplicates']
            and k['restored'] == k['released_after_restart'],
            '%d stored, %d restored, %d released, %d lost'
            % (k['stored'], k['restored'], k['released_after_restart'],
               k['lost']))
    plot_restart(res, os.path.join(args.out, 'amd-restart.png'))
    return res


def plot_restart(res, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = [r['restart'] for r in res['runs']]
    keys = ['stored', 'released_after_restart', 'lost', 'duplicates']
    width = 0.2
    for i, key in enumerate(keys):
        vals = [r[key] for r in res['runs']]
        xs = [j + (i - 1.5) * width for j in range(len(labels))]
        ax.bar(xs, vals, width, label=key)
        for x, v in zip(xs, vals):
            ax.text(x, v, str(v), ha='center', va='bottom', fontsize=7)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(['ovs-appctl exit', 'SIGKILL'])
    ax.set_title('AMD: stored requests across an ovs-vswitchd restart')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def plot_release(res, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    modes = ['switch', 'controller']
    labels = ['in the switch (amd:)', 'in the controller (seed)']
    metrics = [('release_ms', 'time to release %d requests (ms)'
                % res['requests']),
               ('store_us_per_request', 'CPU per stored request (us)'),
               ('controller_cpu_s_total', 'controller CPU (s)')]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, (key, title) in zip(axes, metrics):
        vals = [res['modes'][m][key] for m in modes]
        ax.bar(labels, vals, color=['tab:blue', 'tab:orange'])
        ax.set_title(title, fontsize=10)
        ax.tick_params(axis='x', labelsize=8)
        for i, v in enumerate(vals):
            ax.text(i, v, str(v), ha='center', va='bottom', fontsize=8)
    fig.suptitle('AMD: storing requests for an offline server')
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def arguments(p):
    p.add_argument('what', choices=['flips', 'release', 'restart'])
    p.add_argument('--requests', type=int, default=10000,
                   help='release: requests stored while offline')
    p.add_argument('--flips', type=int, default=1000)
    p.add_argument('--sweep', type=lambda v: [int(x) for x in v.split(',')],
                   default=[100000, 1000000],
                   help='release: paced rates tried with raised buffers')
    p.add_argument('--rate', type=float, default=None,
                   help='requests per second per client (default: 500 for '
                   'flips, 5000 for release)')


def run(args):
    if args.rate is None:
        args.rate = 500 if args.what == 'flips' else 5000
    args.work = os.path.join(BUILD, 'mininet-amd')
    os.makedirs(args.work, exist_ok=True)
    c = harness.Checks('amd %s' % args.what)
    res = {'flips': run_flips, 'release': run_release,
           'restart': run_restart}[args.what](args, c)
    print('wrote', harness.write_json(args.out, 'amd-%s.json' % args.what,
                                      res))
    return c.done()


if __name__ == '__main__':
    sys.exit(harness.cli(__doc__, 'sandbox-amd', run, arguments))
