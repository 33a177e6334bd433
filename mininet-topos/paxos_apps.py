#!/usr/bin/python3
"""The programs the Paxos experiments run on Mininet hosts.

  replica --log FILE [--port P] [--echo]
      Appends every UDP payload it receives, one line each, to FILE (the
      replica's log, compared by SHA-256 across replicas).  With --echo it
      also sends each payload back to its sender (the RTT experiment).
      Exits on SIGTERM after flushing.

  rtt --to IP:PORT --expect IP,IP,... --count N --out FILE
      Sends N messages one after another; each waits for a reply from
      every expected replica (or 1 s) before the next, as the thesis'
      client did.  Writes one JSON object per message to FILE:
      {"seq", "rtt_ms": {IP: ms or null}}.

  sink [--port P]
      Binds the service port and never reads it: a replica whose log is
      taken from a capture of its interface (paxos-faults), with no
      "port unreachable" answers and no CPU spent on receiving.  Exits on
      SIGTERM.

  send --to IP:PORT --name NAME --count N --rate R [--at UNIX_TIME]
      Sends N messages "NAME SEQ" at R per second, starting at UNIX_TIME
      (several clients start together).
"""
import argparse
import json
import select
import signal
import socket
import struct
import sys
import time

SO_RCVBUFFORCE = 33   # <asm-generic/socket.h>; not in the socket module.
SO_TIMESTAMPNS = 35   # Ditto.


def replica(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Room for bursts: a replica must not lose what the network delivered.
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
    sock.bind(('0.0.0.0', args.port))
    log = open(args.log, 'wb', buffering=1 << 16)
    print('ready', flush=True)   # Bound: harness.Network.popen_ready().
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        try:
            ready, _, _ = select.select([sock], [], [], 0.2)
        except InterruptedError:
            continue
        if not ready:
            continue
        data, peer = sock.recvfrom(65535)
        log.write(data.replace(b'\n', b' ') + b'\n')
        if args.echo:
            sock.sendto(data, peer)
    log.close()


def sink(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('0.0.0.0', args.port))
    print('ready', flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


def split_target(text):
    host, port = text.rsplit(':', 1)
    return host, int(port)


def rtt(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Replies are timed by the kernel's receive timestamp, as ping does, so
    # that this process' own wake-up is not part of the network's RTT.
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    target = split_target(args.to)
    expect = args.expect.split(',')
    with open(args.out, 'w') as out:
        for seq in range(args.count):
            payload = ('%s %d %.6f' % (args.name, seq, time.time())).encode()
            start = time.time()
            sock.sendto(payload, target)
            got = {}
            deadline = start + 1.0
            while len(got) < len(expect):
                left = deadline - time.time()
                if left <= 0:
                    break
                ready, _, _ = select.select([sock], [], [], left)
                if not ready:
                    break
                data, anc, _, peer = sock.recvmsg(65535, 64)
                stamp = time.time()
                for level, kind, value in anc:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                        sec, nsec = struct.unpack('qq', value[:16])
                        stamp = sec + nsec / 1e9
                if data == payload and peer[0] in expect:
                    got.setdefault(peer[0], (stamp - start) * 1000.0)
            out.write(json.dumps({'seq': seq, 'rtt_ms': {
                ip: got.get(ip) for ip in expect}}) + '\n')
            time.sleep(args.gap)


def send(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target = split_target(args.to)
    if args.at:
        time.sleep(max(0.0, args.at - time.time()))
    start = time.perf_counter()
    for seq in range(args.count):
        due = start + seq / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sock.sendto(('%s %d' % (args.name, seq)).encode(), target)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('replica')
    r.add_argument('--log', required=True)
    r.add_argument('--port', type=int, default=9000)
    r.add_argument('--echo', action='store_true')
    t = sub.add_parser('rtt')
    t.add_argument('--to', required=True)
    t.add_argument('--expect', required=True)
    t.add_argument('--count', type=int, default=200)
    t.add_argument('--name', default='c1')
    t.add_argument('--gap', type=float, default=0.01)
    t.add_argument('--out', required=True)
    k = sub.add_parser('sink')
    k.add_argument('--port', type=int, default=9000)
    s = sub.add_parser('send')
    s.add_argument('--to', required=True)
    s.add_argument('--name', required=True)
    s.add_argument('--count', type=int, required=True)
    s.add_argument('--rate', type=float, default=500.0)
    s.add_argument('--at', type=float, default=0.0)
    args = p.parse_args()
    {'replica': replica, 'rtt': rtt, 'send': send,
     'sink': sink}[args.cmd](args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
