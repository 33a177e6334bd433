#!/usr/bin/python3
"""Writes a pcap with one switch Paxos frame of every type and variant
(PROTOCOL.md of issue 16), for paxos.lua and check_capture.py:

  make_pcap.py OUT.pcap

PREPARE; ACCEPT, LEARN and PROMISE entry each with a client frame and as
NO-OP; PROMISE END; HEARTBEAT from the leader and from a follower; ASK;
CLIENT; frames cut short in the header and in each fixed payload; and an
unknown type (0x7A07).  FRAMES lists them with the fields the dissector
must show for each (check_capture.py --generated checks them exactly).
"""
import struct
import sys

PREPARE, ACCEPT, LEARN, PROMISE = 0x7A00, 0x7A01, 0x7A02, 0x7A03
HEARTBEAT, ASK, CLIENT = 0x7A04, 0x7A05, 0x7A40
UNKNOWN = 0x7A07

# The client frame values carry: UDP from client c1 to the replicated
# service (as mininet-topos/paxos_line.py sends them).
CLIENT_MAC = bytes.fromhex('000000000101')
SERVICE_MAC = bytes.fromhex('020000000064')
CLIENT_IP = bytes([10, 0, 1, 1])
SERVICE_IP = bytes([10, 0, 0, 100])
CLIENT_PORT = 40000
SERVICE_PORT = 9000


def checksum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp_frame(text):
    """An Ethernet/IPv4/UDP frame c1 -> service carrying text."""
    payload = text.encode()
    udp_len = 8 + len(payload)
    pseudo = CLIENT_IP + SERVICE_IP + struct.pack('!BBH', 0, 17, udp_len)
    udp = struct.pack('!HHHH', CLIENT_PORT, SERVICE_PORT, udp_len, 0) \
        + payload
    udp = udp[:6] + struct.pack('!H', checksum(pseudo + udp) or 0xffff) \
        + udp[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + udp_len, 1, 0x4000, 64,
                     17, 0, CLIENT_IP, SERVICE_IP)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    return SERVICE_MAC + CLIENT_MAC + struct.pack('!H', 0x0800) + ip + udp


def paxos_frame(ptype, rnd, seq, group, sender, payload=b''):
    """A Paxos frame as paxos_wire.cc encodes it: broadcast, source MAC
    02:7a:GG:GG:NN:NN, type, round, seq, group, sender, payload."""
    src = bytes([0x02, 0x7a]) + struct.pack('!HH', group, sender)
    return (b'\xff' * 6 + src + struct.pack('!HIIHH', ptype, rnd, seq, group,
                                            sender) + payload)


def promise_entry(to, vround, value):
    return struct.pack('!HBI', to, 0, vround) + value


def promise_end(to, count, nxt):
    return struct.pack('!HBII', to, 1, count, nxt)


def heartbeat(leader, nxt, trim):
    return struct.pack('!BII', 1 if leader else 0, nxt, trim)


def ask(count):
    return struct.pack('!H', count)


def header(ptype, rnd, seq, group, sender):
    """The header fields the dissector shows for a frame."""
    return {'paxos.type': ptype, 'paxos.round': rnd, 'paxos.seq': seq,
            'paxos.group': group, 'paxos.sender': sender}


def value(v):
    """The value fields the dissector shows for value v."""
    return {'paxos.value.len': len(v), 'paxos.value.noop': len(v) == 0}


V1 = udp_frame('c1 17\n')
V2 = udp_frame('c1 12\n')
V3 = udp_frame('c2 5\n')


def frames():
    """(name, frame bytes, expected fields, expected Info prefix, inner UDP
    payload length or None, expert fields expected) of every frame."""
    out = []

    def add(name, frame, fields, info, inner=None, experts=()):
        out.append((name, frame, fields, info, inner, set(experts)))

    add('prepare', paxos_frame(PREPARE, 4, 10, 1, 1),
        header(PREPARE, 4, 10, 1, 1), 'PREPARE r=4 seq=10 grp=1 from=1')
    add('accept', paxos_frame(ACCEPT, 5, 17, 1, 2, V1),
        dict(header(ACCEPT, 5, 17, 1, 2), **value(V1)),
        'ACCEPT r=5 seq=17 grp=1 from=2 | ', inner=V1)
    add('accept-noop', paxos_frame(ACCEPT, 5, 18, 1, 2),
        dict(header(ACCEPT, 5, 18, 1, 2), **value(b'')),
        'ACCEPT r=5 seq=18 grp=1 from=2 NO-OP')
    add('learn', paxos_frame(LEARN, 5, 17, 1, 3, V1),
        dict(header(LEARN, 5, 17, 1, 3), **value(V1)),
        'LEARN r=5 seq=17 grp=1 from=3 | ', inner=V1)
    add('learn-noop', paxos_frame(LEARN, 5, 18, 1, 3),
        dict(header(LEARN, 5, 18, 1, 3), **value(b'')),
        'LEARN r=5 seq=18 grp=1 from=3 NO-OP')
    add('promise-entry',
        paxos_frame(PROMISE, 4, 12, 1, 2, promise_entry(1, 2, V2)),
        dict(header(PROMISE, 4, 12, 1, 2), **value(V2),
             **{'paxos.promise.to': 1, 'paxos.promise.end': False,
                'paxos.promise.vround': 2}),
        'PROMISE r=4 seq=12 grp=1 from=2 to=1 vround=2 | ', inner=V2)
    add('promise-entry-noop',
        paxos_frame(PROMISE, 4, 13, 1, 3, promise_entry(1, 3, b'')),
        dict(header(PROMISE, 4, 13, 1, 3), **value(b''),
             **{'paxos.promise.to': 1, 'paxos.promise.end': False,
                'paxos.promise.vround': 3}),
        'PROMISE r=4 seq=13 grp=1 from=3 to=1 vround=3 NO-OP')
    add('promise-end',
        paxos_frame(PROMISE, 4, 9, 1, 2, promise_end(1, 2, 14)),
        dict(header(PROMISE, 4, 9, 1, 2),
             **{'paxos.promise.to': 1, 'paxos.promise.end': True,
                'paxos.promise.count': 2, 'paxos.promise.next': 14}),
        'PROMISE END r=4 seq=9 grp=1 from=2 to=1 count=2 next=14')
    add('heartbeat-leader',
        paxos_frame(HEARTBEAT, 5, 18, 1, 2, heartbeat(True, 19, 9)),
        dict(header(HEARTBEAT, 5, 18, 1, 2),
             **{'paxos.heartbeat.leader': True, 'paxos.heartbeat.next': 19,
                'paxos.heartbeat.trim': 9}),
        'HEARTBEAT r=5 seq=18 grp=1 from=2 LEADER next=19 trim=9')
    add('heartbeat',
        paxos_frame(HEARTBEAT, 5, 16, 1, 3, heartbeat(False, 0, 9)),
        dict(header(HEARTBEAT, 5, 16, 1, 3),
             **{'paxos.heartbeat.leader': False, 'paxos.heartbeat.next': 0,
                'paxos.heartbeat.trim': 9}),
        'HEARTBEAT r=5 seq=16 grp=1 from=3 next=0 trim=9')
    add('ask', paxos_frame(ASK, 0, 12, 1, 3, ask(5)),
        dict(header(ASK, 0, 12, 1, 3), **{'paxos.ask.count': 5}),
        'ASK r=0 seq=12 grp=1 from=3 count=5')
    add('client', paxos_frame(CLIENT, 0, 0, 1, 3, V3),
        dict(header(CLIENT, 0, 0, 1, 3), **value(V3)),
        'CLIENT r=0 seq=0 grp=1 from=3 | ', inner=V3)
    # Cut short: in the header, and in each type's fixed payload.
    add('truncated-header', paxos_frame(ACCEPT, 5, 19, 1, 2)[:14 + 8],
        {'paxos.type': ACCEPT}, 'ACCEPT [truncated]',
        experts=['paxos.truncated'])
    add('truncated-promise',
        paxos_frame(PROMISE, 4, 9, 1, 2, promise_end(1, 2, 14))[:26 + 2],
        header(PROMISE, 4, 9, 1, 2),
        'PROMISE r=4 seq=9 grp=1 from=2 [truncated]',
        experts=['paxos.truncated'])
    add('truncated-promise-end',
        paxos_frame(PROMISE, 4, 9, 1, 2, promise_end(1, 2, 14))[:26 + 7],
        dict(header(PROMISE, 4, 9, 1, 2),
             **{'paxos.promise.to': 1, 'paxos.promise.end': True}),
        'PROMISE END r=4 seq=9 grp=1 from=2 to=1 [truncated]',
        experts=['paxos.truncated'])
    add('truncated-promise-entry',
        paxos_frame(PROMISE, 4, 12, 1, 2, promise_entry(1, 2, V2))[:26 + 5],
        dict(header(PROMISE, 4, 12, 1, 2),
             **{'paxos.promise.to': 1, 'paxos.promise.end': False}),
        'PROMISE r=4 seq=12 grp=1 from=2 to=1 [truncated]',
        experts=['paxos.truncated'])
    add('truncated-heartbeat',
        paxos_frame(HEARTBEAT, 5, 18, 1, 2, heartbeat(True, 19, 9))[:26 + 5],
        header(HEARTBEAT, 5, 18, 1, 2),
        'HEARTBEAT r=5 seq=18 grp=1 from=2 [truncated]',
        experts=['paxos.truncated'])
    add('truncated-ask', paxos_frame(ASK, 0, 12, 1, 3, ask(5))[:26 + 1],
        header(ASK, 0, 12, 1, 3), 'ASK r=0 seq=12 grp=1 from=3 [truncated]',
        experts=['paxos.truncated'])
    add('unknown-type', paxos_frame(UNKNOWN, 1, 2, 1, 1, b'\x01\x02\x03'),
        header(UNKNOWN, 1, 2, 1, 1), 'UNKNOWN(0x7A07) r=1 seq=2 grp=1 from=1',
        experts=['paxos.unknown_type'])
    return out


def pcap(packets):
    """A little-endian pcap (microseconds, Ethernet) of packets, one every
    millisecond."""
    out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    for i, p in enumerate(packets):
        usec = 1000 * i
        out.append(struct.pack('<IIII', 1700000000 + usec // 1000000,
                               usec % 1000000, len(p), len(p)))
        out.append(p)
    return b''.join(out)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write('usage: make_pcap.py OUT.pcap\n')
        return 2
    with open(argv[1], 'wb') as f:
        f.write(pcap([frame for _, frame, _, _, _, _ in frames()]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
