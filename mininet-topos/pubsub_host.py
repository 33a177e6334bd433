#!/usr/bin/python3
"""The publish/subscribe host tool (Mininet hosts): control messages,
events, a receiver.  Wire format: cxx-actions/pubsub/README.md.

    pubsub_host.py control --src IP OP:DZ ...   send control messages in
        order (OP: adv, sub, unadv, unsub; DZ: bits or '*'; raw:HEX sends
        HEX as the payload), --gap MS between them, --print-times
    pubsub_host.py publish --src IP --id N --dz DZ[,DZ...] --count N
        --rate R [--log FILE]   events with these dz (in turn), or
        --values X,Y --ranges LO:HI,LO:HI --bits B for the spatial index
    pubsub_host.py receive [--log FILE]   prints 'ready', then records
        every event until SIGTERM (publisher, sequence number, dz, time
        received, time sent); then prints a JSON summary
    pubsub_host.py mqtt-publish --broker IP ...   as publish, through an
        MQTT broker: topic pubsub/B1/B2/... (one level per dz bit), QoS 0
    pubsub_host.py mqtt-receive --broker IP --dz DZ[,DZ...] ...   as
        receive, subscribed to the topics its dz cover (pubsub/B1/.../#)

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
        if a.print_times:
            print('%s %.6f' % (op, time.time()), flush=True)
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


def topic(dz):
    return '/'.join(['pubsub'] + list(dz))


def mqtt_client(broker):
    import paho.mqtt.client as mqtt
    c = mqtt.Client()
    c.connect(broker, 1883, keepalive=60)
    return c


def cmd_mqtt_publish(a):
    dzs = [parse_dz(d) for d in a.dz.split(',')]
    c = mqtt_client(a.broker)
    c.loop_start()
    log = open(a.log, 'w') if a.log else None
    start = time.monotonic()
    for seq in range(a.count):
        d = dzs[seq % len(dzs)]
        delay = start + seq / a.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        c.publish(topic(d), APP.pack(a.id, seq, time.time()) + d.encode(),
                  qos=0)
        if log:
            log.write('%d %s\n' % (seq, d or '*'))
    time.sleep(0.5)
    c.loop_stop()
    c.disconnect()
    if log:
        log.close()
    return 0


def write_summary(a, events):
    if a.log:
        with open(a.log, 'w') as f:
            for e in events:
                f.write('%d %d %s %.6f %.6f\n' % e)
    lat = sorted((e[3] - e[4]) * 1000.0 for e in events)
    print(json.dumps({
        'events': len(events),
        'latency_ms_median': lat[len(lat) // 2] if lat else None,
        'latency_ms_p99': lat[int(len(lat) * 0.99)] if lat else None,
    }), flush=True)


def cmd_mqtt_receive(a):
    events = []
    subscribed = []

    def on_message(client, userdata, msg):
        now = time.time()
        pub, seq, sent = APP.unpack(msg.payload[:APP.size])
        dz = msg.payload[APP.size:].decode() or '*'
        events.append((pub, seq, dz, now, sent))
    c = mqtt_client(a.broker)
    c.on_message = on_message
    c.on_subscribe = lambda *x: subscribed.append(1)
    dzs = [parse_dz(d) for d in a.dz.split(',')]
    for d in dzs:
        c.subscribe(topic(d) + '/#' if d else 'pubsub/#', qos=0)
    stop = []
    signal.signal(signal.SIGTERM, lambda *x: stop.append(1))
    c.loop_start()
    while len(subscribed) < len(dzs):
        time.sleep(0.01)
    print('ready', flush=True)
    while not stop:
        time.sleep(0.1)
    c.loop_stop()
    write_summary(a, events)
    return 0


def cmd_receive(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(('0.0.0.0', EVENT_PORT))
    s.settimeout(0.2)
    stop = []
    signal.signal(signal.SIGTERM, lambda *x: stop.append(1))
    print('ready', flush=True)
    events, bad = [], 0
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
        events.append((pub, seq, ev[0] or '*', now, sent))
    if bad:
        print('%d datagrams were no event' % bad, file=sys.stderr)
    write_summary(a, events)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('control')
    c.add_argument('--src', required=True)
    c.add_argument('--gap', type=float, default=0)
    c.add_argument('--print-times', action='store_true',
                   help='print each operation and when it was sent')
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
    mp = sub.add_parser('mqtt-publish')
    mp.add_argument('--broker', required=True)
    mp.add_argument('--id', type=int, required=True)
    mp.add_argument('--dz', required=True)
    mp.add_argument('--count', type=int, default=1)
    mp.add_argument('--rate', type=float, default=100)
    mp.add_argument('--log')
    mr = sub.add_parser('mqtt-receive')
    mr.add_argument('--broker', required=True)
    mr.add_argument('--dz', required=True)
    mr.add_argument('--log')
    a = p.parse_args(argv)
    if a.cmd == 'publish' and not (a.dz or (a.values and a.ranges)):
        p.error('publish needs --dz or --values with --ranges')
    return {'control': cmd_control, 'publish': cmd_publish,
            'receive': cmd_receive, 'mqtt-publish': cmd_mqtt_publish,
            'mqtt-receive': cmd_mqtt_receive}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
