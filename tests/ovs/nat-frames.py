#!/usr/bin/python3
"""Prints the frames of tests/ovs/nat.at as m4 definitions: each input
frame and the frame the switch must send for it (the router's flows
decrement the TTL), built and checksummed by scapy, independently of the
code under test.  nat.at includes the output, tests/ovs/nat-frames.m4;
regenerate it after changing a scenario (needs python3-scapy):

    /usr/bin/python3 tests/ovs/nat-frames.py > tests/ovs/nat-frames.m4
"""
from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw, raw

IN_MAC, ROUTER_MAC, OUT_MAC = "50:54:00:00:00:01", "02:00:00:00:00:fe", \
    "50:54:00:00:00:02"
EXT, REMOTE = "198.51.100.1", "198.51.100.2"


def hexa(pkt):
    return raw(pkt).hex()


def eth(src=IN_MAC, dst=ROUTER_MAC):
    return Ether(src=src, dst=dst)


def whole(ip_pkt):
    """The IPv4 datagram as bytes with valid checksums."""
    return raw(IP(raw(ip_pkt)))


frames = {}
# TCP: SYN out from two hosts using the same source port, SYN/ACK back.
frames["tcp_syn_h1"] = eth() / IP(src="10.0.1.11", dst=REMOTE, id=1) / TCP(
    sport=40000, dport=80, flags="S", seq=1000)
frames["tcp_syn_h1_out"] = eth() / IP(src=EXT, dst=REMOTE, id=1, ttl=63) / TCP(
    sport=40000, dport=80, flags="S", seq=1000)
frames["tcp_syn_h2"] = eth() / IP(src="10.0.1.12", dst=REMOTE, id=2) / TCP(
    sport=40000, dport=80, flags="S", seq=2000)
frames["tcp_syn_h2_out"] = eth() / IP(src=EXT, dst=REMOTE, id=2, ttl=63) / TCP(
    sport=1024, dport=80, flags="S", seq=2000)
frames["tcp_synack_h2"] = eth(OUT_MAC, ROUTER_MAC) / IP(
    src=REMOTE, dst=EXT, id=3) / TCP(sport=80, dport=1024, flags="SA",
                                     seq=9, ack=2001)
frames["tcp_synack_h2_in"] = eth(OUT_MAC, ROUTER_MAC) / IP(
    src=REMOTE, dst="10.0.1.12", id=3, ttl=63) / TCP(
        sport=80, dport=40000, flags="SA", seq=9, ack=2001)
# UDP with payload, and the remote's port unreachable about it.
udp_out = IP(src=EXT, dst=REMOTE, id=4, ttl=63) / UDP(
    sport=5353, dport=33434) / Raw(b"probe")
frames["udp_h1"] = eth() / IP(src="10.0.1.11", dst=REMOTE, id=4) / \
    UDP(sport=5353, dport=33434) / Raw(b"probe")
frames["udp_h1_out"] = eth() / udp_out
frames["unreach"] = eth(OUT_MAC, ROUTER_MAC) / IP(
    src=REMOTE, dst=EXT, id=5) / ICMP(type=3, code=3) / Raw(whole(udp_out))
frames["unreach_in"] = eth(OUT_MAC, ROUTER_MAC) / IP(
    src=REMOTE, dst="10.0.1.11", id=5, ttl=63) / ICMP(type=3, code=3) / Raw(
        whole(IP(src="10.0.1.11", dst=REMOTE, id=4, ttl=63) / UDP(
            sport=5353, dport=33434) / Raw(b"probe")))
# A UDP datagram cut after 4 bytes of its header (IPv4 total length 24).
frames["udp_cut"] = eth() / IP(src="10.0.1.11", dst=REMOTE, id=8, proto=17) \
    / Raw(b"\x14\xe9\x82\x9a")
# An inside host's port unreachable about what came in to it.
udp_in = IP(src=REMOTE, dst="10.0.1.11", id=6) / UDP(
    sport=53, dport=5353) / Raw(b"x")
frames["host_unreach"] = eth() / IP(src="10.0.1.11", dst=REMOTE, id=7) / \
    ICMP(type=3, code=3) / Raw(whole(udp_in))
frames["host_unreach_out"] = eth() / IP(
    src=EXT, dst=REMOTE, id=7, ttl=63) / ICMP(
        type=3, code=3) / Raw(whole(IP(src=REMOTE, dst=EXT, id=6) / UDP(
            sport=53, dport=5353) / Raw(b"x")))
# ICMP echo: three hosts, one id.
for n, host in enumerate(["10.0.1.11", "10.0.1.12", "10.0.2.13"]):
    ext_id = [0x1234, 0, 1][n]
    frames[f"ping{n}"] = eth() / IP(src=host, dst=REMOTE, id=10 + n) / ICMP(
        type=8, id=0x1234, seq=1) / Raw(b"same id")
    frames[f"ping{n}_out"] = eth() / IP(src=EXT, dst=REMOTE, id=10 + n,
                                        ttl=63) / \
        ICMP(type=8, id=ext_id, seq=1) / Raw(b"same id")
    frames[f"pong{n}"] = eth(OUT_MAC, ROUTER_MAC) / IP(
        src=REMOTE, dst=EXT, id=20 + n) / ICMP(type=0, id=ext_id, seq=1) / \
        Raw(b"same id")
    frames[f"pong{n}_in"] = eth(OUT_MAC, ROUTER_MAC) / IP(
        src=REMOTE, dst=host, id=20 + n, ttl=63) / \
        ICMP(type=0, id=0x1234, seq=1) / Raw(b"same id")
# Port forward 198.51.100.1:8080 -> 10.0.2.14:80 and the server's answer.
frames["fwd_syn"] = eth(OUT_MAC, ROUTER_MAC) / IP(
    src=REMOTE, dst=EXT, id=30) / TCP(sport=50000, dport=8080, flags="S")
frames["fwd_syn_in"] = eth(OUT_MAC, ROUTER_MAC) / IP(
    src=REMOTE, dst="10.0.2.14", id=30, ttl=63) / TCP(
        sport=50000, dport=80, flags="S")
frames["fwd_synack"] = eth() / IP(src="10.0.2.14", dst=REMOTE, id=31) / TCP(
    sport=80, dport=50000, flags="SA")
frames["fwd_synack_out"] = eth() / IP(
    src=EXT, dst=REMOTE, id=31, ttl=63) / TCP(
        sport=8080, dport=50000, flags="SA")
# Router: echo request to the router and its reply; TTL 1 probe and the
# time exceeded it gets.
frames["router_ping"] = eth() / IP(src="10.0.1.11", dst="10.0.1.1", id=40,
                                   ttl=9) / ICMP(type=8, id=77, seq=3) / \
    Raw(b"hi router")
frames["router_pong"] = eth(ROUTER_MAC, IN_MAC) / IP(
    src="10.0.1.1", dst="10.0.1.11", id=40, ttl=64) / ICMP(
        type=0, id=77, seq=3) / Raw(b"hi router")
probe = IP(src="10.0.1.11", dst=REMOTE, id=41, ttl=1) / UDP(
    sport=44444, dport=33434) / Raw(b"traceroute")
frames["ttl1"] = eth() / probe
frames["ttl1_exceeded"] = eth(ROUTER_MAC, IN_MAC) / IP(
    src="10.0.1.1", dst="10.0.1.11", id=0, ttl=64, tos=0xc0) / ICMP(
        type=11, code=0) / Raw(whole(probe))

print("dnl Generated by tests/ovs/nat-frames.py: do not edit.")
for name, pkt in frames.items():
    print("m4_define([NAT_%s], [%s])" % (name.upper(), hexa(pkt)))
