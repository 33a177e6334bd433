"""What the hosts of the link emulator's test run (tests/mininet/
test_linkdelay.py): a numbered UDP sender and a receiver that counts what
a link did to the numbers.

    link_apps.py send --to IP:PORT --count N --rate R [--first S]
    link_apps.py recv --port PORT --out FILE

The sender sends N datagrams numbered S.. (64-bit, big endian, padded to
64 bytes) at R per second and prints {"sent": N} when done.  The
receiver prints "ready" once bound; on SIGTERM it writes to FILE:
received (datagrams), distinct (numbers), duplicates (received -
distinct), reordered (datagrams whose number is below one received
before them, as linkdelay counts its sends), and, over the numbers from
the lowest to the highest seen, missing and the mean length of runs of
consecutive missing numbers (loss bursts)."""
import argparse
import json
import signal
import socket
import struct
import sys
import time


def send(args):
    host, port = args.to.rsplit(':', 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pad = b'\0' * 56
    start = time.monotonic()
    for i in range(args.count):
        due = start + i / args.rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        s.sendto(struct.pack('!Q', args.first + i) + pad, (host, int(port)))
    print(json.dumps({'sent': args.count}), flush=True)


def recv(args):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)   # SO_RCVBUFFORCE.
    s.bind(('0.0.0.0', args.port))
    s.settimeout(0.1)
    print('ready', flush=True)
    seen = set()
    received = reordered = 0
    high = None
    while not stop:
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if len(data) < 8:
            continue
        n = struct.unpack('!Q', data[:8])[0]
        received += 1
        if high is not None and n < high:
            reordered += 1
        high = n if high is None else max(high, n)
        seen.add(n)
    missing = bursts = 0
    if seen:
        run = 0
        for n in range(min(seen), max(seen) + 1):
            if n in seen:
                run = 0
            else:
                missing += 1
                bursts += run == 0
                run += 1
    res = {'received': received, 'distinct': len(seen),
           'duplicates': received - len(seen), 'reordered': reordered,
           'lowest': min(seen) if seen else None,
           'highest': max(seen) if seen else None,
           'missing': missing,
           'mean_loss_burst': missing / bursts if bursts else 0.0}
    with open(args.out, 'w') as f:
        json.dump(res, f)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('send')
    s.add_argument('--to', required=True)
    s.add_argument('--count', type=int, required=True)
    s.add_argument('--rate', type=float, required=True)
    s.add_argument('--first', type=int, default=0)
    r = sub.add_parser('recv')
    r.add_argument('--port', type=int, required=True)
    r.add_argument('--out', required=True)
    args = p.parse_args(argv)
    (send if args.cmd == 'send' else recv)(args)


if __name__ == '__main__':
    main(sys.argv[1:])
