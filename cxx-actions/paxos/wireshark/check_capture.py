#!/usr/bin/python3
"""Checks that paxos.lua decodes the switch Paxos frames of a capture:

  check_capture.py PCAP [--generated] [--expect-types TYPE ...]
                        [--values auto|tagged|untagged]
                        [--lua paxos.lua] [--tshark tshark]

Runs tshark with the dissector (-T json, the fields of paxos.lua).

--generated: PCAP is make_pcap.py's output; every frame's fields, Info
text, carried client frame (IPv4/UDP c1 -> service) and expert infos must
be exactly what make_pcap.frames() says, under the paxos.values setting
it lists for the frame (one tshark run per setting).

Otherwise (a capture of a real run, any pcap; --values sets paxos.values,
auto by default): every frame of EtherType 0x7A.. must be decoded as a
known Paxos type with group, sender, round and seq; no malformed frame or
error expert info except frames cut short (counted as truncated); every
carried value (ACCEPT, LEARN, PROMISE entry, DECIDED, CLIENT) must decode
as IPv4/UDP.  --expect-types: these types (names such as ACCEPT, or
EtherTypes such as 0x7a01) must each appear at least once.

Prints a JSON summary (frames per type, NO-OPs, truncated, warnings,
failures) and exits 1 on any failure, 77 when tshark is missing (ctest
reads it as skipped), 2 on usage errors.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import make_pcap  # noqa: E402

TYPE_NAMES = {
    0x7A00: 'PREPARE', 0x7A01: 'ACCEPT', 0x7A02: 'LEARN',
    0x7A03: 'PROMISE', 0x7A04: 'HEARTBEAT', 0x7A05: 'ASK',
    0x7A06: 'DECIDED', 0x7A40: 'CLIENT',
}
VALUE_TYPES = {0x7A01, 0x7A02, 0x7A03, 0x7A06, 0x7A40}
VALUE_MODES = ('auto', 'tagged', 'untagged')

# The fields paxos.lua shows (the ones --generated checks exactly).
PAXOS_FIELDS = [
    'paxos.type', 'paxos.round', 'paxos.seq', 'paxos.group', 'paxos.sender',
    'paxos.promise.to', 'paxos.promise.end', 'paxos.promise.decided',
    'paxos.promise.vround', 'paxos.promise.count', 'paxos.promise.next',
    'paxos.promise.more', 'paxos.promise.from',
    'paxos.heartbeat.leader', 'paxos.heartbeat.next', 'paxos.heartbeat.trim',
    'paxos.ask.count', 'paxos.client.origin_id', 'paxos.client.origin_node',
    'paxos.value.noop', 'paxos.value.len', 'paxos.value.tagged',
    'paxos.value.origin_node', 'paxos.value.origin_id',
]
BOOL_FIELDS = {'paxos.promise.end', 'paxos.promise.decided',
               'paxos.heartbeat.leader', 'paxos.value.noop',
               'paxos.value.tagged'}
# paxos.lua's expert infos, by field name.
EXPERTS = [
    'paxos.truncated', 'paxos.unknown_type', 'paxos.value.short',
    'paxos.round.absurd', 'paxos.value.origin.mismatch',
    'paxos.ask.count.range', 'paxos.src_mac', 'paxos.trailer.present',
]
# The expert infos of error severity (a frame with one is malformed).
ERROR_EXPERTS = {'paxos.truncated', 'paxos.value.short'}
INNER_FIELDS = ['ip.src', 'ip.dst', 'ip.proto', 'udp.srcport',
                'udp.dstport', 'udp.length']
OTHER_FIELDS = ['frame.number', 'eth.type', '_ws.col.Info',
                '_ws.expert.severity', '_ws.expert.message',
                '_ws.malformed']
ALL_FIELDS = OTHER_FIELDS + PAXOS_FIELDS + EXPERTS + INNER_FIELDS

# Expert severities as tshark prints them (epan/proto.h PI_ERROR).
SEVERITY_ERROR = 0x00800000


def run_tshark(tshark, lua, pcap, values='auto'):
    """The frames of pcap as tshark with lua and paxos.values set to values
    shows them: one dict of field name -> list of strings per frame."""
    cmd = [tshark, '-n', '-X', 'lua_script:' + lua, '-o',
           'paxos.values:' + values, '-r', pcap, '-T', 'json']
    for field in ALL_FIELDS:
        cmd += ['-e', field]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    # A Lua error while loading the script does not fail tshark.
    bad = [line for line in p.stderr.splitlines() if 'Lua' in line
           or 'lua' in line]
    if p.returncode != 0 or bad:
        raise RuntimeError('%s failed (exit %d):\n%s' % (
            ' '.join(cmd), p.returncode, p.stderr))
    if not p.stdout.strip():
        return []
    return [pkt['_source']['layers'] for pkt in json.loads(p.stdout)]


def as_int(s):
    return int(s, 0)


def as_bool(s):
    return s in ('1', 'True', 'true')


def value_of(field, strings):
    """The last value tshark showed for field (int or bool), None if
    absent."""
    if not strings:
        return None
    s = strings[-1]
    return as_bool(s) if field in BOOL_FIELDS else as_int(s)


def outer_type(layers):
    types = layers.get('eth.type') or []
    return as_int(types[0]) if types else None


def errors_of(layers):
    """The error-severity expert infos of a frame (messages)."""
    sev = layers.get('_ws.expert.severity') or []
    msg = layers.get('_ws.expert.message') or []
    out = []
    for i, s in enumerate(sev):
        if as_int(s) >= SEVERITY_ERROR:
            out.append(msg[i] if i < len(msg) else 'error')
    return out


def dotted(addr):
    """An IPv4 address (4 bytes) as tshark prints it."""
    return '.'.join(str(b) for b in addr)


def type_name(t):
    return TYPE_NAMES.get(t, '0x%04X' % t)


class Summary:
    def __init__(self, pcap, mode):
        self.res = {'pcap': pcap, 'mode': mode, 'frames': 0,
                    'paxos_frames': 0, 'per_type': {}, 'promise_ends': 0,
                    'promise_decided': 0, 'noop_values': 0,
                    'tagged_values': 0,
                    'client_frames_udp': 0, 'truncated': 0, 'warnings': {},
                    'failures': []}

    def fail(self, frame, text):
        self.res['failures'].append('frame %s: %s' % (frame, text))

    def count(self, layers):
        """Counts a Paxos frame by type, and its warnings."""
        t = outer_type(layers)
        per = self.res['per_type']
        per[type_name(t)] = per.get(type_name(t), 0) + 1
        self.res['paxos_frames'] += 1
        if value_of('paxos.promise.end', layers.get('paxos.promise.end')):
            self.res['promise_ends'] += 1
        if value_of('paxos.promise.decided',
                    layers.get('paxos.promise.decided')):
            self.res['promise_decided'] += 1
        if value_of('paxos.value.noop', layers.get('paxos.value.noop')):
            self.res['noop_values'] += 1
        if value_of('paxos.value.tagged', layers.get('paxos.value.tagged')):
            self.res['tagged_values'] += 1
        if layers.get('udp.srcport'):
            self.res['client_frames_udp'] += 1
        if layers.get('paxos.truncated'):
            self.res['truncated'] += 1
        for e in EXPERTS:
            if e != 'paxos.truncated' and layers.get(e):
                w = self.res['warnings']
                w[e] = w.get(e, 0) + 1

    def done(self):
        failures = self.res['failures']
        self.res['failure_count'] = len(failures)
        self.res['failures'] = failures[:50]
        self.res['ok'] = not failures
        print(json.dumps(self.res, indent=1, sort_keys=True))
        return 0 if not failures else 1


def check_generated(runs, s):
    """Every frame exactly as make_pcap.frames() says, in the run (tshark's
    frames) of its paxos.values setting."""
    want = make_pcap.frames()
    for mode, frames in sorted(runs.items()):
        if len(frames) != len(want):
            s.fail('-', '%d frames (paxos.values %s), make_pcap.py writes %d'
                   % (len(frames), mode, len(want)))
    for i, (name, _, fields, info, inner, experts, mode) in enumerate(want):
        if i >= len(runs[mode]):
            break
        layers = runs[mode][i]
        n = '%s (%s, paxos.values %s)' % (layers['frame.number'][0], name,
                                          mode)
        s.count(layers)
        for field in PAXOS_FIELDS:
            got = value_of(field, layers.get(field))
            if got != fields.get(field):
                s.fail(n, '%s = %r, want %r' % (field, got,
                                                fields.get(field)))
        got_info = layers.get('_ws.col.Info', [''])[0]
        if inner is None:
            ok = got_info == info
        else:
            ok = got_info.startswith(info) and len(got_info) > len(info)
        if not ok:
            s.fail(n, 'Info %r, want %r%s' % (
                got_info, info, '...' if inner is not None else ''))
        got_experts = {e for e in EXPERTS if layers.get(e)}
        if got_experts != experts:
            s.fail(n, 'expert infos %s, want %s' % (
                sorted(got_experts), sorted(experts)))
        malformed = bool(layers.get('_ws.malformed') or errors_of(layers))
        if malformed != bool(experts & ERROR_EXPERTS):
            s.fail(n, 'malformed/error %s, expected %s' % (
                malformed, not malformed))
        want_inner = {}
        if inner is not None:
            want_inner = {
                'ip.src': dotted(make_pcap.CLIENT_IP),
                'ip.dst': dotted(make_pcap.SERVICE_IP), 'ip.proto': 17,
                'udp.srcport': make_pcap.CLIENT_PORT,
                'udp.dstport': make_pcap.SERVICE_PORT,
                'udp.length': len(inner) - 14 - 20}
        for field in INNER_FIELDS:
            got = (layers.get(field) or [None])[-1]
            if got is not None and field not in ('ip.src', 'ip.dst'):
                got = as_int(got)
            if got != want_inner.get(field):
                s.fail(n, 'inner %s = %r, want %r' % (
                    field, got, want_inner.get(field)))


def check_capture(frames, s, expect_types):
    """Every 0x7A.. frame decoded, with its header, its values IPv4/UDP."""
    for layers in frames:
        t = outer_type(layers)
        if t is None or t >> 8 != 0x7A:
            continue
        n = layers['frame.number'][0]
        if not layers.get('paxos.type'):
            s.fail(n, 'EtherType 0x%04X not decoded as Paxos' % t)
            continue
        s.count(layers)
        if layers.get('paxos.unknown_type'):
            s.fail(n, 'unknown Paxos type 0x%04X' % t)
            continue
        if layers.get('paxos.truncated'):
            continue
        errors = errors_of(layers)
        if layers.get('_ws.malformed') or errors:
            s.fail(n, 'malformed: %s' % '; '.join(errors))
        for field in ('paxos.group', 'paxos.sender', 'paxos.round',
                      'paxos.seq'):
            if not layers.get(field):
                s.fail(n, '%s missing' % field)
        length = value_of('paxos.value.len', layers.get('paxos.value.len'))
        if t in VALUE_TYPES and length:
            proto = value_of('ip.proto', layers.get('ip.proto'))
            if proto != 17 or not layers.get('udp.srcport'):
                s.fail(n, 'carried client frame (%d bytes) is not IPv4/UDP'
                       % length)
    for name in expect_types:
        if not s.res['per_type'].get(name):
            s.fail('-', 'no %s frame' % name)


def type_arg(text):
    """A type of --expect-types: a name (ACCEPT) or an EtherType."""
    names = {v: v for v in TYPE_NAMES.values()}
    if text.upper() in names:
        return text.upper()
    try:
        return type_name(int(text, 0))
    except ValueError:
        raise argparse.ArgumentTypeError('unknown type %r' % text)


def main(argv):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('pcap')
    p.add_argument('--generated', action='store_true',
                   help='PCAP is make_pcap.py\'s: check every field')
    p.add_argument('--expect-types', nargs='+', type=type_arg, default=[],
                   metavar='TYPE')
    p.add_argument('--values', choices=VALUE_MODES, default='auto',
                   help='paxos.values of a capture (default auto; '
                   '--generated uses make_pcap.py\'s)')
    p.add_argument('--lua', default=os.path.join(HERE, 'paxos.lua'))
    p.add_argument('--tshark', default='tshark')
    args = p.parse_args(argv)
    if not shutil.which(args.tshark):
        sys.stderr.write('check_capture.py: %s not found (apt-get install '
                         'tshark)\n' % args.tshark)
        return 77
    s = Summary(args.pcap, 'generated' if args.generated else 'capture')
    modes = ({m for _, _, _, _, _, _, m in make_pcap.frames()}
             if args.generated else {args.values})
    runs = {}
    try:
        for mode in sorted(modes):
            runs[mode] = run_tshark(args.tshark, args.lua, args.pcap, mode)
    except (RuntimeError, ValueError) as e:
        s.fail('-', str(e))
        return s.done()
    frames = runs['auto' if args.generated else args.values]
    s.res['frames'] = len(frames)
    if args.generated:
        check_generated(runs, s)
        for name in args.expect_types:
            if not s.res['per_type'].get(name):
                s.fail('-', 'no %s frame' % name)
    else:
        check_capture(frames, s, args.expect_types)
    return s.done()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
