#!/usr/bin/python3
"""The publish/subscribe host tool (Mininet hosts): control messages,
events, a receiver.  Wire format: cxx-actions/pubsub/README.md.

    pubsub_host.py control --src IP OP:DZ ...   send control messages in
        order (OP: adv, sub, unadv, unsub; DZ: bits or '*'; raw:HEX sends
        HEX as the payload), --gap MS between them
    pubsub_host.py publish --src IP --id N --dz DZ[,DZ...] --count N
        --rate R [--log FILE]   events with these dz (in turn), or
        --values X,Y --ranges LO:HI,LO:HI --bits B for the spatial index
    pubsub_host.py receive [--log FILE]   prints 'ready', then records
        every event until SIGTERM; then prints a JSON summary

Events go to the address the dz maps to under --prefix (default
225.128.0.0/9), UDP port 5038; their payload is the 16-byte event header
(type 4, dz length, version 1, 5 zero bytes, dz value as 8 bytes) and
then publisher id, sequence number (32 bits each) and the send time
(double, seconds)."""
import argparse
import json
import signal
import socket
import struct
import sys
import time

CONTROL = ('225.0.0.37', 5037)
EVENT_PORT = 5038
TYPES = {'adv': 0, 'sub': 1, 'unadv': 2, 'unsub': 3}
EVENT = 4
APP = struct.Struct('!IId')


def parse_dz(text):
    if text == '*':
        return ''
    if not text or len(text) > 64 or set(text) - {'0', '1'}:
        raise ValueError('not a dz-expression: %r' % text)
    return text


def encode(type_, dz):
    """A control message (version 0 up to 23 bits, else version 1), or an
    event header (always version 1)."""
    value = int(dz, 2) if dz else 0
    if type_ != EVENT and len(dz) <= 23:
        return struct.pack('!BBB2x', type_, len(dz), 0) + value.to_bytes(3,
                                                                         'big')
    return struct.pack('!BBB5xQ', type_, len(dz), 1, value)


def decode_event(payload):
    """(dz, rest) of an event payload, or None."""
    if len(payload) < 16 or payload[0] != EVENT or payload[2] != 1:
        return None
    n = payload[1]
    value = struct.unpack('!Q', payload[8:16])[0]
    dz = format(value, '0%db' % n) if n else ''
    return dz, payload[16:]


def address(dz, prefix='225.128.0.0/9'):
    net, plen = prefix.split('/')
    plen = int(plen)
    room = 32 - plen
    cut = dz[:room]
    base = struct.unpack('!I', socket.inet_aton(net))[0]
    a = base | ((int(cut, 2) << (room - len(cut))) if cut else 0)
    return socket.inet_ntoa(struct.pack('!I', a))


def spatial_dz(values, ranges, bits):
    """The dz of a point: bit i halves dimension i mod d of the event
    space, 1 for the upper half."""
    lo = [r[0] for r in ranges]
    hi = [r[1] for r in ranges]
    out = ''
    for i in range(bits):
        d = i % len(values)
        mid = (lo[d] + hi[d]) / 2.0
        if values[d] >= mid:
            out += '1'
            lo[d] = mid
        else:
            out += '0'
            hi[d] = mid
    return out


def sender(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton(src))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    return s


def cmd_control(a):
    s = sender(a.src)
    for op in a.ops:
        kind, _, arg = op.partition(':')
        if kind == 'raw':
            payload = bytes.fromhex(arg)
        elif kind in TYPES:
            payload = encode(TYPES[kind], parse_dz(arg))
        else:
            sys.exit('unknown operation %r (adv, sub, unadv, unsub, raw)'
                     % kind)
        s.sendto(payload, CONTROL)
        if a.gap:
            time.sleep(a.gap / 1000.0)
    return 0


def cmd_publish(a):
    if a.values:
        values = [float(v) for v in a.values.split(',')]
        ranges = [tuple(float(x) for x in r.split(':'))
                  for r in a.ranges.split(',')]
        dzs = [spatial_dz(values, ranges, a.bits)]
    else:
        dzs = [parse_dz(d) for d in a.dz.split(',')]
    s = sender(a.src)
    targets = [(encode(EVENT, d), (address(d, a.prefix), EVENT_PORT))
               for d in dzs]
    log = open(a.log, 'w') if a.log else None
    start = time.monotonic()
    for seq in range(a.count):
        header, dst = targets[seq % len(targets)]
        due = start + seq / a.rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s.sendto(header + APP.pack(a.id, seq, time.time()), dst)
        if log:
            log.write('%d %s\n' % (seq, dzs[seq % len(dzs)] or '*'))
    if log:
        log.close()
    return 0


def cmd_receive(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(('0.0.0.0', EVENT_PORT))
    s.settimeout(0.2)
    stop = []
    signal.signal(signal.SIGTERM, lambda *x: stop.append(1))
    print('ready', flush=True)
    events, bad, lat = [], 0, []
    while not stop:
        try:
            payload = s.recv(2048)
        except socket.timeout:
            continue
        now = time.time()
        ev = decode_event(payload)
        if ev is None or len(ev[1]) < APP.size:
            bad += 1
            continue
        pub, seq, sent = APP.unpack(ev[1][:APP.size])
        events.append((pub, seq, ev[0] or '*'))
        lat.append((now - sent) * 1000.0)
    if a.log:
        with open(a.log, 'w') as f:
            for e in events:
                f.write('%d %d %s\n' % e)
    lat.sort()
    print(json.dumps({
        'events': len(events), 'not_events': bad,
        'latency_ms_median': lat[len(lat) // 2] if lat else None,
        'latency_ms_p99': lat[int(len(lat) * 0.99)] if lat else None,
    }), flush=True)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('control')
    c.add_argument('--src', required=True)
    c.add_argument('--gap', type=float, default=0)
    c.add_argument('ops', nargs='+')
    pb = sub.add_parser('publish')
    pb.add_argument('--src', required=True)
    pb.add_argument('--id', type=int, required=True)
    pb.add_argument('--dz')
    pb.add_argument('--values')
    pb.add_argument('--ranges')
    pb.add_argument('--bits', type=int, default=23)
    pb.add_argument('--count', type=int, default=1)
    pb.add_argument('--rate', type=float, default=100)
    pb.add_argument('--prefix', default='225.128.0.0/9')
    pb.add_argument('--log')
    r = sub.add_parser('receive')
    r.add_argument('--log')
    a = p.parse_args(argv)
    if a.cmd == 'publish' and not (a.dz or (a.values and a.ranges)):
        p.error('publish needs --dz or --values with --ranges')
    return {'control': cmd_control, 'publish': cmd_publish,
            'receive': cmd_receive}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
