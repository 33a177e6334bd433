#!/usr/bin/python3
"""Small programs the NAT tests run inside Mininet hosts.

  ping --dst IP --id ID --count N [--interval S]
      ICMP echo requests with a fixed identifier (a raw socket: Linux's
      ping picks its own); prints JSON {"sent", "replies", "id"}: replies
      are echo replies from IP with that identifier and a sequence number
      we sent.
  unreach --dst IP --port P --sport S
      one UDP datagram from port S to a closed port; prints JSON
      {"refused": true} if the ICMP port unreachable came back (the
      connected socket's ECONNREFUSED), else false after 2 s."""
import argparse
import json
import select
import socket
import struct
import time


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ping(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                         socket.IPPROTO_ICMP)
    sent, got = set(), set()
    deadline = None
    seq = 0
    next_send = time.time()
    while True:
        now = time.time()
        if seq < args.count and now >= next_send:
            seq += 1
            body = struct.pack('!BBHHH', 8, 0, 0, args.id, seq) + b'nat-test'
            body = body[:2] + struct.pack('!H', csum(body)) + body[4:]
            sock.sendto(body, (args.dst, 0))
            sent.add(seq)
            next_send = now + args.interval
            if seq == args.count:
                deadline = now + 2.0
        if deadline and (now > deadline or got == sent):
            break
        wait = max(0.0, min(next_send - now, 0.05))
        if select.select([sock], [], [], wait)[0]:
            pkt, addr = sock.recvfrom(2048)
            ihl = (pkt[0] & 0x0f) * 4
            t, _, _, pid, pseq = struct.unpack('!BBHHH', pkt[ihl:ihl + 8])
            if (t == 0 and addr[0] == args.dst and pid == args.id
                    and pseq in sent):
                got.add(pseq)
    print(json.dumps({'sent': len(sent), 'replies': len(got),
                      'id': args.id}))


def unreach(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('0.0.0.0', args.sport))
    sock.connect((args.dst, args.port))
    sock.settimeout(0.5)
    refused = False
    for _ in range(4):
        try:
            sock.send(b'anyone?')
            sock.recv(100)
        except ConnectionRefusedError:
            refused = True
            break
        except socket.timeout:
            continue
    print(json.dumps({'refused': refused}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    a = sub.add_parser('ping')
    a.add_argument('--dst', required=True)
    a.add_argument('--id', type=lambda x: int(x, 0), required=True)
    a.add_argument('--count', type=int, default=20)
    a.add_argument('--interval', type=float, default=0.05)
    b = sub.add_parser('unreach')
    b.add_argument('--dst', required=True)
    b.add_argument('--port', type=int, required=True)
    b.add_argument('--sport', type=int, required=True)
    args = p.parse_args()
    {'ping': ping, 'unreach': unreach}[args.cmd](args)


if __name__ == '__main__':
    main()
