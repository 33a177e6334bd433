#!/usr/bin/python3
"""Writes a pcap with one switch Paxos frame of every type and variant
(PROTOCOL.md of issue 16), for paxos.lua and check_capture.py:

  make_pcap.py OUT.pcap

PREPARE, and one of round 0 (receivers drop it); ACCEPT, LEARN and PROMISE
entry each with a tagged value (the fault-tolerant mode: origin node,
origin id, client frame), with a bare client frame (the fixed-leader mode)
and as NO-OP; bare client frames auto must not take for tags (first 4
bytes 0, 0; 256, 256; 5, 6); a PROMISE entry of a chosen value (DECIDED
flag); PROMISE END; HEARTBEAT from the leader and from a follower; ASK;
DECIDED with a tagged value and as NO-OP; CLIENT with an origin id and
with none (fixed-leader); values shorter than an Ethernet header (one that
begins like a tag); frames cut short in the header and in each fixed
payload; an unknown type (0x7A07); and frames for the preference
paxos.values set to tagged or untagged (a tag auto does not take, a bare
client frame auto takes for a tag, a short tagged value, a tag whose node
is not its id's). frames() lists them with the paxos.values setting they
are checked under and the fields the dissector must show for each
(check_capture.py --generated checks them exactly).
"""
import struct
import sys

PREPARE, ACCEPT, LEARN, PROMISE = 0x7A00, 0x7A01, 0x7A02, 0x7A03
HEARTBEAT, ASK, DECIDED, CLIENT = 0x7A04, 0x7A05, 0x7A06, 0x7A40
UNKNOWN = 0x7A07
PROMISE_END, PROMISE_DECIDED, PROMISE_MORE = 1, 2, 4

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


def udp_frame(text, dst_mac=SERVICE_MAC):
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
    return dst_mac + CLIENT_MAC + struct.pack('!H', 0x0800) + ip + udp


def origin_id(node, counter):
    """The 64-bit origin id a member gives a client frame (paxos_node.h):
    node in the top 16 bits, a counter in the low 48."""
    return node << 48 | counter


def tag(node, oid, frame):
    """A tagged value (paxos_node.cc's tag()): origin node, origin id, the
    client frame."""
    return struct.pack('!HQ', node, oid) + frame


def paxos_frame(ptype, rnd, seq, group, sender, payload=b''):
    """A Paxos frame as paxos_wire.cc encodes it: broadcast, source MAC
    02:7a:GG:GG:NN:NN, type, round, seq, group, sender, payload."""
    src = bytes([0x02, 0x7a]) + struct.pack('!HH', group, sender)
    return (b'\xff' * 6 + src + struct.pack('!HIIHH', ptype, rnd, seq, group,
                                            sender) + payload)


def promise_entry(to, vround, value, decided=False):
    flags = PROMISE_DECIDED if decided else 0
    return struct.pack('!HBI', to, flags, vround) + value


def promise_end(to, count, nxt, start=9, more=False):
    flags = PROMISE_END | (PROMISE_MORE if more else 0)
    return struct.pack('!HBIII', to, flags, count, nxt, start)


def heartbeat(leader, nxt, trim):
    return struct.pack('!BII', 1 if leader else 0, nxt, trim)


def ask(count):
    return struct.pack('!H', count)


def header(ptype, rnd, seq, group, sender):
    """The header fields the dissector shows for a frame."""
    return {'paxos.type': ptype, 'paxos.round': rnd, 'paxos.seq': seq,
            'paxos.group': group, 'paxos.sender': sender}


def value(v, tagged=False, bare=False):
    """The value fields the dissector shows for value v, decoded as
    tagged or not (bare: CLIENT's client frame, never tagged)."""
    out = {'paxos.value.len': len(v), 'paxos.value.noop': len(v) == 0}
    if v and not bare:
        out['paxos.value.tagged'] = tagged
    if v and tagged and len(v) >= 10:
        node, oid = struct.unpack('!HQ', v[:10])
        out['paxos.value.origin_node'] = node
        out['paxos.value.origin_id'] = oid
    return out


def client(oid):
    """CLIENT's fields for origin id oid."""
    return {'paxos.client.origin_id': oid,
            'paxos.client.origin_node': oid >> 48}


def entry(to, vround, decided=False):
    """A PROMISE entry's fields."""
    return {'paxos.promise.to': to, 'paxos.promise.end': False,
            'paxos.promise.decided': decided, 'paxos.promise.vround': vround}


V1 = udp_frame('c1 17\n')
V2 = udp_frame('c1 12\n')
V3 = udp_frame('c2 5\n')
# The ids members 2 and 3 gave client frames, and values tagged with them.
ID2 = origin_id(2, 7)
ID3 = origin_id(3, 1)
T1 = tag(2, ID2, V1)
T2 = tag(3, ID3, V2)
# A bare client frame whose destination MAC 00:05:00:05:.. auto takes for
# a tag (origin node 5, the top 16 bits of the id 5).
V_AMBIGUOUS = udp_frame('c1 9\n', dst_mac=bytes.fromhex('000500050001'))
# Bare client frames auto keeps bare: their first 4 bytes repeat a u16
# that is no origin node, 0 (c1's MAC 00:00:00:00:01:01) and 256, or do not
# repeat a node (00:05:00:06).
V_NODE0 = udp_frame('c1 10\n', dst_mac=CLIENT_MAC)
V_NODE256 = udp_frame('c1 11\n', dst_mac=bytes.fromhex('010001000001'))
V_NODE5_6 = udp_frame('c1 12\n', dst_mac=bytes.fromhex('000500060001'))
# Tags auto does not take: origin node 300 (auto wants 1..255), and node 2
# with an id of node 3.
T_NODE300 = tag(300, origin_id(300, 4), V1)
T_MISMATCH = tag(2, ID3, V1)
# A tagged value with 4 bytes after the tag (less than an Ethernet header).
T_SHORT = tag(2, ID2, V1[:4])


def frames():
    """(name, frame bytes, expected fields, expected Info prefix, inner UDP
    frame or None, expert fields expected, paxos.values setting) of every
    frame.  With an inner frame the Info text must start with the prefix
    and go on (what the UDP frame's dissectors say); else it is exact."""
    out = []

    def add(name, frame, fields, info, inner=None, experts=(),
            mode='auto'):
        out.append((name, frame, fields, info, inner, set(experts), mode))

    def tagged_info(node, oid):
        return ' origin=%d id=0x%016x' % (node, oid)

    add('prepare', paxos_frame(PREPARE, 4, 10, 1, 1),
        header(PREPARE, 4, 10, 1, 1), 'PREPARE r=4 seq=10 grp=1 from=1')
    add('prepare-round0', paxos_frame(PREPARE, 0, 10, 1, 1),
        header(PREPARE, 0, 10, 1, 1), 'PREPARE r=0 seq=10 grp=1 from=1',
        experts=['paxos.round.absurd'])
    add('accept', paxos_frame(ACCEPT, 5, 17, 1, 2, T1),
        dict(header(ACCEPT, 5, 17, 1, 2), **value(T1, tagged=True)),
        'ACCEPT r=5 seq=17 grp=1 from=2' + tagged_info(2, ID2) + ' | ',
        inner=V1)
    add('accept-untagged', paxos_frame(ACCEPT, 5, 17, 1, 2, V1),
        dict(header(ACCEPT, 5, 17, 1, 2), **value(V1)),
        'ACCEPT r=5 seq=17 grp=1 from=2 | ', inner=V1)
    add('accept-untagged-node0', paxos_frame(ACCEPT, 5, 17, 1, 2, V_NODE0),
        dict(header(ACCEPT, 5, 17, 1, 2), **value(V_NODE0)),
        'ACCEPT r=5 seq=17 grp=1 from=2 | ', inner=V_NODE0)
    add('accept-untagged-node256',
        paxos_frame(ACCEPT, 5, 17, 1, 2, V_NODE256),
        dict(header(ACCEPT, 5, 17, 1, 2), **value(V_NODE256)),
        'ACCEPT r=5 seq=17 grp=1 from=2 | ', inner=V_NODE256)
    add('learn-untagged-node5-6',
        paxos_frame(LEARN, 5, 17, 1, 3, V_NODE5_6),
        dict(header(LEARN, 5, 17, 1, 3), **value(V_NODE5_6)),
        'LEARN r=5 seq=17 grp=1 from=3 | ', inner=V_NODE5_6)
    add('accept-noop', paxos_frame(ACCEPT, 5, 18, 1, 2),
        dict(header(ACCEPT, 5, 18, 1, 2), **value(b'')),
        'ACCEPT r=5 seq=18 grp=1 from=2 NO-OP')
    add('learn', paxos_frame(LEARN, 5, 17, 1, 3, T1),
        dict(header(LEARN, 5, 17, 1, 3), **value(T1, tagged=True)),
        'LEARN r=5 seq=17 grp=1 from=3' + tagged_info(2, ID2) + ' | ',
        inner=V1)
    add('learn-untagged', paxos_frame(LEARN, 5, 17, 1, 3, V1),
        dict(header(LEARN, 5, 17, 1, 3), **value(V1)),
        'LEARN r=5 seq=17 grp=1 from=3 | ', inner=V1)
    add('learn-noop', paxos_frame(LEARN, 5, 18, 1, 3),
        dict(header(LEARN, 5, 18, 1, 3), **value(b'')),
        'LEARN r=5 seq=18 grp=1 from=3 NO-OP')
    add('promise-entry',
        paxos_frame(PROMISE, 4, 12, 1, 2, promise_entry(1, 2, T2)),
        dict(header(PROMISE, 4, 12, 1, 2), **value(T2, tagged=True),
             **entry(1, 2)),
        'PROMISE r=4 seq=12 grp=1 from=2 to=1 vround=2'
        + tagged_info(3, ID3) + ' | ', inner=V2)
    add('promise-entry-decided',
        paxos_frame(PROMISE, 4, 11, 1, 3,
                    promise_entry(1, 3, T1, decided=True)),
        dict(header(PROMISE, 4, 11, 1, 3), **value(T1, tagged=True),
             **entry(1, 3, decided=True)),
        'PROMISE r=4 seq=11 grp=1 from=3 to=1 vround=3 DECIDED'
        + tagged_info(2, ID2) + ' | ', inner=V1)
    add('promise-entry-untagged',
        paxos_frame(PROMISE, 4, 12, 1, 2, promise_entry(1, 2, V2)),
        dict(header(PROMISE, 4, 12, 1, 2), **value(V2), **entry(1, 2)),
        'PROMISE r=4 seq=12 grp=1 from=2 to=1 vround=2 | ', inner=V2)
    add('promise-entry-noop',
        paxos_frame(PROMISE, 4, 13, 1, 3, promise_entry(1, 3, b'')),
        dict(header(PROMISE, 4, 13, 1, 3), **value(b''), **entry(1, 3)),
        'PROMISE r=4 seq=13 grp=1 from=3 to=1 vround=3 NO-OP')
    add('promise-end',
        paxos_frame(PROMISE, 4, 9, 1, 2, promise_end(1, 2, 14)),
        dict(header(PROMISE, 4, 9, 1, 2),
             **{'paxos.promise.to': 1, 'paxos.promise.end': True,
                'paxos.promise.decided': False,
                'paxos.promise.more': False, 'paxos.promise.count': 2,
                'paxos.promise.next': 14, 'paxos.promise.from': 9}),
        'PROMISE END r=4 seq=9 grp=1 from=2 to=1 count=2 next=14 for=9')
    add('promise-end-more',
        paxos_frame(PROMISE, 4, 1, 1, 3, promise_end(1, 256, 300, 44,
                                                     more=True)),
        dict(header(PROMISE, 4, 1, 1, 3),
             **{'paxos.promise.to': 1, 'paxos.promise.end': True,
                'paxos.promise.decided': False,
                'paxos.promise.more': True, 'paxos.promise.count': 256,
                'paxos.promise.next': 300, 'paxos.promise.from': 44}),
        'PROMISE END r=4 seq=1 grp=1 from=3 to=1 count=256 next=300 for=44 '
        'MORE')
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
    add('decided', paxos_frame(DECIDED, 5, 17, 1, 1, T1),
        dict(header(DECIDED, 5, 17, 1, 1), **value(T1, tagged=True)),
        'DECIDED r=5 seq=17 grp=1 from=1' + tagged_info(2, ID2) + ' | ',
        inner=V1)
    add('decided-noop', paxos_frame(DECIDED, 4, 13, 1, 1),
        dict(header(DECIDED, 4, 13, 1, 1), **value(b'')),
        'DECIDED r=4 seq=13 grp=1 from=1 NO-OP')
    add('client', paxos_frame(CLIENT, ID2 >> 32, ID2 & 0xffffffff, 1, 2, V3),
        dict(header(CLIENT, ID2 >> 32, ID2 & 0xffffffff, 1, 2),
             **value(V3, bare=True), **client(ID2)),
        'CLIENT r=%d seq=%d grp=1 from=2' % (ID2 >> 32, ID2 & 0xffffffff)
        + tagged_info(2, ID2) + ' | ', inner=V3)
    add('client-fixed-leader', paxos_frame(CLIENT, 0, 0, 1, 3, V3),
        dict(header(CLIENT, 0, 0, 1, 3), **value(V3, bare=True),
             **client(0)),
        'CLIENT r=0 seq=0 grp=1 from=3 | ', inner=V3)
    add('accept-short', paxos_frame(ACCEPT, 5, 20, 1, 2, V1[:8]),
        dict(header(ACCEPT, 5, 20, 1, 2), **value(V1[:8])),
        'ACCEPT r=5 seq=20 grp=1 from=2 [short value]',
        experts=['paxos.value.short'])
    # 12 bytes that begin like a tag: too short for one, auto keeps it bare.
    add('accept-short-tag-like', paxos_frame(ACCEPT, 5, 20, 1, 2, T1[:12]),
        dict(header(ACCEPT, 5, 20, 1, 2), **value(T1[:12])),
        'ACCEPT r=5 seq=20 grp=1 from=2 [short value]',
        experts=['paxos.value.short'])
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
        paxos_frame(PROMISE, 4, 9, 1, 2, promise_end(1, 2, 14))[:26 + 11],
        dict(header(PROMISE, 4, 9, 1, 2),
             **{'paxos.promise.to': 1, 'paxos.promise.end': True,
                'paxos.promise.decided': False,
                'paxos.promise.more': False}),
        'PROMISE END r=4 seq=9 grp=1 from=2 to=1 [truncated]',
        experts=['paxos.truncated'])
    add('truncated-promise-entry',
        paxos_frame(PROMISE, 4, 12, 1, 2, promise_entry(1, 2, T2))[:26 + 5],
        dict(header(PROMISE, 4, 12, 1, 2),
             **{'paxos.promise.to': 1, 'paxos.promise.end': False,
                'paxos.promise.decided': False}),
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
    # The preference paxos.values set by hand.
    add('untagged-ambiguous', paxos_frame(ACCEPT, 5, 21, 1, 2, V_AMBIGUOUS),
        dict(header(ACCEPT, 5, 21, 1, 2), **value(V_AMBIGUOUS)),
        'ACCEPT r=5 seq=21 grp=1 from=2 | ', inner=V_AMBIGUOUS,
        mode='untagged')
    add('tagged-node300', paxos_frame(LEARN, 5, 22, 1, 3, T_NODE300),
        dict(header(LEARN, 5, 22, 1, 3), **value(T_NODE300, tagged=True)),
        'LEARN r=5 seq=22 grp=1 from=3'
        + tagged_info(300, origin_id(300, 4)) + ' | ', inner=V1,
        mode='tagged')
    add('tagged-mismatch', paxos_frame(DECIDED, 5, 23, 1, 1, T_MISMATCH),
        dict(header(DECIDED, 5, 23, 1, 1), **value(T_MISMATCH, tagged=True)),
        'DECIDED r=5 seq=23 grp=1 from=1' + tagged_info(2, ID3) + ' | ',
        inner=V1, experts=['paxos.value.origin.mismatch'], mode='tagged')
    add('tagged-short', paxos_frame(ACCEPT, 5, 24, 1, 2, T_SHORT),
        dict(header(ACCEPT, 5, 24, 1, 2), **value(T_SHORT, tagged=True)),
        'ACCEPT r=5 seq=24 grp=1 from=2' + tagged_info(2, ID2)
        + ' [short value]', experts=['paxos.value.short'], mode='tagged')
    add('tagged-cut', paxos_frame(ACCEPT, 5, 25, 1, 2, T1[:6]),
        dict(header(ACCEPT, 5, 25, 1, 2), **value(T1[:6], tagged=True)),
        'ACCEPT r=5 seq=25 grp=1 from=2 [short value]',
        experts=['paxos.value.short'], mode='tagged')
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
        f.write(pcap([frame for _, frame, *_ in frames()]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
