#!/usr/bin/python3
"""Traffic for the AMD experiments, run inside Mininet hosts.

  recv --port P --log FILE [--echo]
      UDP server: records "CLIENT SEQ TIME" for every request (time.time()
      at receipt) and writes them to FILE when terminated (SIGTERM); with
      --echo, answers each request with the same payload.
  send --dst IP --port P --client C --count N [--rate R] [--stop FILE]
       [--sent FILE]
      UDP client: requests "C SEQ" for SEQ = 0, 1, ..., N-1 at R per
      second (0: as fast as the socket takes them), or until FILE exists
      when --count is 0; writes how many it sent to --sent.
  probe --dst IP --port P
      One request; prints the source address of the answer (the server's
      replies must come from the virtual address), or "timeout".
"""
import argparse
import os
import signal
import socket
import sys
import time


def recv(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if not args.default_rcvbuf:
        # Unpaced releases are bursts: room for all of them (root may
        # exceed rmem_max).
        s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)    # SO_RCVBUFFORCE
    s.bind(('0.0.0.0', args.port))
    print('ready', flush=True)   # Bound: harness.Network.popen_ready().
    got = []

    def finish(*_):
        with open(args.log + '.tmp', 'w') as f:
            for line in got:
                f.write(line)
        os.rename(args.log + '.tmp', args.log)
        sys.exit(0)

    signal.signal(signal.SIGTERM, finish)
    while True:
        data, peer = s.recvfrom(2048)
        got.append('%s %.6f\n' % (data.decode(errors='replace').strip(),
                                  time.time()))
        if args.echo:
            s.sendto(data, peer)


def send(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 32, 16 << 20)    # SO_SNDBUFFORCE
    gap = 1.0 / args.rate if args.rate else 0
    start = time.time()
    seq = 0
    while (args.count and seq < args.count) or \
            (not args.count and not os.path.exists(args.stop)):
        if gap:
            delay = start + seq * gap - time.time()
            if delay > 0:
                time.sleep(delay)
        payload = ('%s %d' % (args.client, seq)).encode()
        while True:
            try:
                s.sendto(payload, (args.dst, args.port))
                break
            except (BlockingIOError, OSError):
                time.sleep(0.0005)   # Full queue: wait, never skip.
        seq += 1
    if args.sent:
        with open(args.sent, 'w') as f:
            f.write('%d\n' % seq)


def probe(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(b'probe 0', (args.dst, args.port))
    try:
        _, peer = s.recvfrom(2048)
        print(peer[0])
    except socket.timeout:
        print('timeout')


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('recv')
    r.add_argument('--port', type=int, required=True)
    r.add_argument('--log', required=True)
    r.add_argument('--echo', action='store_true')
    r.add_argument('--default-rcvbuf', action='store_true',
                   help='keep the kernel default receive buffer')
    s = sub.add_parser('send')
    s.add_argument('--dst', required=True)
    s.add_argument('--port', type=int, required=True)
    s.add_argument('--client', required=True)
    s.add_argument('--count', type=int, default=0)
    s.add_argument('--rate', type=float, default=0)
    s.add_argument('--stop')
    s.add_argument('--sent')
    q = sub.add_parser('probe')
    q.add_argument('--dst', required=True)
    q.add_argument('--port', type=int, required=True)
    args = p.parse_args()
    {'recv': recv, 'send': send, 'probe': probe}[args.cmd](args)


if __name__ == '__main__':
    main()
