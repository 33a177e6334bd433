// Unit tests of cxx-actions/nat: mapping, port assignment, filtering,
// timers, TCP state, ICMP query ids, ICMP error rewriting, hairpinning,
// forwarding and bad input.  Every rewritten frame's checksums are checked
// by net/test-frames.h's own computation, not by the code under test.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "net/test-frames.h"
#include "nat/nat_primitive.h"
#include "nat/nat_translate.h"

using namespace frames;
using namespace cxxa::nat;

namespace {

const uint32_t kExt = ip(198, 51, 100, 1);
const uint32_t kH1 = ip(10, 0, 1, 11), kH2 = ip(10, 0, 1, 12),
               kH3 = ip(10, 0, 2, 13);
const uint32_t kRemote = ip(198, 51, 100, 2), kOther = ip(192, 0, 2, 9);

// Offsets of the transport ports and ICMP id in frames from test-frames.h.
constexpr size_t kSport = kL4, kDport = kL4 + 2, kIcmpId = kL4 + 4;

void expect_checksums_ok(const Bytes &f)
{
    EXPECT_TRUE(ip_csum_ok(f)) << "IPv4 header checksum";
    EXPECT_TRUE(l4_csum_ok(f)) << "transport checksum";
}

class Nat : public ::testing::Test {
  protected:
    Event out(Bytes &f, int64_t now = 0)
    {
        Event e = translate_out(t, params, f.data(), f.size(), now);
        t.count(e);
        return e;
    }
    Event in(Bytes &f, int64_t now = 0)
    {
        Event e = translate_in(t, kExt, f.data(), f.size(), now);
        t.count(e);
        return e;
    }
    // Sends UDP h:port -> remote:rport out, returns the external port.
    uint16_t udp_out(uint32_t h, uint16_t port, uint32_t remote = kRemote,
                     uint16_t rport = 53, int64_t now = 0)
    {
        Bytes f = udp(h, port, remote, rport);
        EXPECT_EQ(out(f, now), Event::kTranslatedOut);
        EXPECT_EQ(rd32(f, kIp + 12), kExt);
        expect_checksums_ok(f);
        return rd16(f, kSport);
    }

    NatTable t;
    OutParams params{kExt, 1024, 65535, Filter::kEndpointIndependent};
};

// ---- Translation and checksums. ----

TEST_F(Nat, TcpOutAndBackRewritesAddressPortAndChecksums)
{
    Bytes syn = tcp(kH1, 40000, kRemote, 80, 0x02);
    Bytes orig = syn;
    ASSERT_EQ(out(syn), Event::kTranslatedOut);
    EXPECT_EQ(rd32(syn, kIp + 12), kExt);
    EXPECT_EQ(rd16(syn, kSport), 40000);  // Preserved: it was free.
    EXPECT_EQ(rd32(syn, kIp + 16), kRemote);
    EXPECT_EQ(rd16(syn, kDport), 80);
    expect_checksums_ok(syn);
    // Only the source address and port (and checksums) changed.
    for (size_t i = 0; i < syn.size(); i++) {
        bool rewritten = (i >= kIp + 10 && i < kIp + 16) || i == kSport
                         || i == kSport + 1 || i == kL4 + 16 || i == kL4 + 17;
        if (!rewritten) {
            EXPECT_EQ(syn[i], orig[i]) << "byte " << i;
        }
    }
    Bytes synack = tcp(kRemote, 80, kExt, 40000, 0x12);
    ASSERT_EQ(in(synack), Event::kTranslatedIn);
    EXPECT_EQ(rd32(synack, kIp + 16), kH1);
    EXPECT_EQ(rd16(synack, kDport), 40000);
    expect_checksums_ok(synack);
}

TEST_F(Nat, UdpZeroChecksumStaysZero)
{
    Bytes f = udp(kH1, 5000, kRemote, 53);
    wr16(f, kL4 + 6, 0);
    ASSERT_EQ(out(f), Event::kTranslatedOut);
    EXPECT_EQ(rd16(f, kL4 + 6), 0);
    EXPECT_TRUE(ip_csum_ok(f));
}

TEST_F(Nat, UdpChecksumThatComesOutZeroIsSentAsAllOnes)
{
    // Find a payload whose translated checksum computes to 0.
    for (int x = 0; x < 65536; x++) {
        Bytes f = frame(ipv4(17, kH1, kRemote, l4_udp(7000, 53, "ab")));
        wr16(f, kL4 + 8, uint16_t(x));
        fix_checksums(f);
        NatTable fresh;
        ASSERT_EQ(translate_out(fresh, params, f.data(), f.size(), 0),
                  Event::kTranslatedOut);
        Bytes zero = f;
        wr16(zero, kL4 + 6, 0);
        uint16_t sum = ones_sum(&zero[kIp + 12], 8);
        uint8_t pseudo[4] = {0, 17, 0, 10};
        sum = ones_sum(pseudo, 4, sum);
        sum = ones_sum(&zero[kL4], 10, sum);
        if (uint16_t(~sum) == 0) {
            EXPECT_EQ(rd16(f, kL4 + 6), 0xffff);
            EXPECT_TRUE(l4_csum_ok(f));
            return;
        }
    }
    FAIL() << "no payload gives a zero checksum";
}

// ---- Mapping and port assignment (RFC 4787 REQ-1, REQ-3). ----

TEST_F(Nat, MappingIsEndpointIndependent)
{
    uint16_t a = udp_out(kH1, 5000, kRemote, 53);
    uint16_t b = udp_out(kH1, 5000, kOther, 123);
    uint16_t c = udp_out(kH1, 5000, kRemote, 9999);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a, c);
    EXPECT_EQ(t.size(), 1u);
}

TEST_F(Nat, PortIsPreservedWhenFreeElseAnotherInRange)
{
    EXPECT_EQ(udp_out(kH1, 5000), 5000);
    uint16_t second = udp_out(kH2, 5000);
    EXPECT_NE(second, 5000);
    EXPECT_GE(second, 1024);
}

TEST_F(Nat, PortsBelow1024NeverGoToPortsAbove)
{
    params.lo = 1000;
    params.hi = 1030;
    // Inside ports >= 1024 get 1024-1030 only, never 1000-1023...
    for (int i = 0; i < 7; i++) {
        uint16_t p = udp_out(kH1, uint16_t(20000 + i));
        EXPECT_GE(p, 1024);
        EXPECT_LE(p, 1030);
    }
    // ...so the eighth is refused although 1000-1023 are free.
    Bytes f = udp(kH1, 20007, kRemote, 53);
    EXPECT_EQ(out(f), Event::kDropExhausted);
    EXPECT_EQ(t.events(Event::kDropExhausted), 1u);
    // An inside port below 1024 gets a port below 1024 (preserved here).
    EXPECT_EQ(udp_out(kH1, 1010), 1010);
    // And, when its own is taken, another one below 1024.
    uint16_t p = udp_out(kH2, 1010);
    EXPECT_GE(p, 1000);
    EXPECT_LT(p, 1024);
}

TEST_F(Nat, PortsOutsideTheRangeAreNeverUsed)
{
    params.lo = 2000;
    params.hi = 2003;
    std::set<uint16_t> seen;
    for (int i = 0; i < 4; i++) {
        seen.insert(udp_out(kH1, uint16_t(3000 + i)));
    }
    EXPECT_EQ(seen, (std::set<uint16_t>{2000, 2001, 2002, 2003}));
    Bytes f = udp(kH2, 3000, kRemote, 53);
    EXPECT_EQ(out(f), Event::kDropExhausted);
    // TCP has its own ports.
    Bytes s = tcp(kH2, 3000, kRemote, 80, 0x02);
    EXPECT_EQ(out(s), Event::kTranslatedOut);
}

TEST_F(Nat, ExhaustedPoolRecoversWhenMappingsExpire)
{
    params.lo = params.hi = 2000;
    udp_out(kH1, 3000, kRemote, 53, 0);
    Bytes f = udp(kH2, 3000, kRemote, 53);
    EXPECT_EQ(out(f, 1000), Event::kDropExhausted);
    Bytes g = udp(kH2, 3000, kRemote, 53);
    EXPECT_EQ(out(g, 301000), Event::kTranslatedOut);  // UDP: 300 s.
    EXPECT_EQ(rd16(g, kSport), 2000);
}

// ---- ICMP query ids (RFC 5508 REQ-1). ----

TEST_F(Nat, ThreeHostsPingingWithTheSameIdEachGetTheirReplies)
{
    const uint32_t hosts[] = {kH1, kH2, kH3};
    uint16_t ext_id[3];
    for (int i = 0; i < 3; i++) {
        Bytes req = icmp_echo(hosts[i], kRemote, 0x1234);
        ASSERT_EQ(out(req), Event::kTranslatedOut);
        ext_id[i] = rd16(req, kIcmpId);
        expect_checksums_ok(req);
    }
    EXPECT_EQ(ext_id[0], 0x1234);
    EXPECT_NE(ext_id[1], ext_id[0]);
    EXPECT_NE(ext_id[2], ext_id[0]);
    EXPECT_NE(ext_id[2], ext_id[1]);
    for (int i = 2; i >= 0; i--) {
        Bytes rep = icmp_echo(kRemote, kExt, ext_id[i], true);
        ASSERT_EQ(in(rep), Event::kTranslatedIn);
        EXPECT_EQ(rd32(rep, kIp + 16), hosts[i]);
        EXPECT_EQ(rd16(rep, kIcmpId), 0x1234);
        expect_checksums_ok(rep);
    }
}

TEST_F(Nat, EchoRequestsInAndRepliesOutAreNotTranslated)
{
    Bytes req = icmp_echo(kRemote, kExt, 7);
    EXPECT_EQ(in(req), Event::kDropUnsupported);
    Bytes rep = icmp_echo(kH1, kRemote, 7, true);
    EXPECT_EQ(out(rep), Event::kDropUnsupported);
    Bytes unknown = icmp_echo(kRemote, kExt, 7, true);
    EXPECT_EQ(in(unknown), Event::kDropNoMapping);
}

// ---- Filtering (RFC 4787 REQ-8, RFC 5382 REQ-3). ----

TEST_F(Nat, EndpointIndependentFilteringLetsAnyoneIn)
{
    uint16_t p = udp_out(kH1, 5000, kRemote, 53);
    Bytes f = udp(kOther, 1, kExt, p);
    EXPECT_EQ(in(f), Event::kTranslatedIn);
}

TEST_F(Nat, AddressDependentFilteringNeedsTheAddress)
{
    params.filter = Filter::kAddress;
    uint16_t p = udp_out(kH1, 5000, kRemote, 53);
    Bytes other_port = udp(kRemote, 9999, kExt, p);
    EXPECT_EQ(in(other_port), Event::kTranslatedIn);
    Bytes other_host = udp(kOther, 53, kExt, p);
    EXPECT_EQ(in(other_host), Event::kDropFiltered);
    EXPECT_EQ(t.events(Event::kDropFiltered), 1u);
}

TEST_F(Nat, AddressAndPortDependentFilteringNeedsBoth)
{
    params.filter = Filter::kAddressAndPort;
    uint16_t p = udp_out(kH1, 5000, kRemote, 53);
    Bytes same = udp(kRemote, 53, kExt, p);
    EXPECT_EQ(in(same), Event::kTranslatedIn);
    Bytes other_port = udp(kRemote, 9999, kExt, p);
    EXPECT_EQ(in(other_port), Event::kDropFiltered);
    // Once the inside host sent there, it is let in.
    udp_out(kH1, 5000, kRemote, 9999);
    Bytes again = udp(kRemote, 9999, kExt, p);
    EXPECT_EQ(in(again), Event::kTranslatedIn);
}

// ---- Timers (RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508 REQ-2). ----

TEST_F(Nat, UdpMappingLivesTwoMinutesAtLeastAndOutboundRefreshes)
{
    uint16_t p = udp_out(kH1, 5000, kRemote, 53, 0);
    Bytes f = udp(kRemote, 53, kExt, p);
    EXPECT_EQ(in(f, 299999), Event::kTranslatedIn);  // Refreshes too.
    udp_out(kH1, 5000, kRemote, 53, 500000);
    Bytes g = udp(kRemote, 53, kExt, p);
    EXPECT_EQ(in(g, 799999), Event::kTranslatedIn);
    Bytes late = udp(kRemote, 53, kExt, p);
    EXPECT_EQ(in(late, 799999 + 300000), Event::kDropNoMapping);
    EXPECT_EQ(t.stats().mappings_expired, 1u);
}

TEST_F(Nat, IcmpQueryMappingLivesSixtySeconds)
{
    Bytes req = icmp_echo(kH1, kRemote, 9);
    ASSERT_EQ(out(req, 0), Event::kTranslatedOut);
    Bytes rep = icmp_echo(kRemote, kExt, 9, true);
    EXPECT_EQ(in(rep, 59999), Event::kTranslatedIn);
    Bytes late = icmp_echo(kRemote, kExt, 9, true);
    EXPECT_EQ(in(late, 59999 + 60000), Event::kDropNoMapping);
}

TEST_F(Nat, TcpEstablishedLivesTwoHoursFourMinutesTransitoryFour)
{
    const int64_t kMin = 60000;
    // Opening (SYN out only): transitory timer, 4 min.
    Bytes syn = tcp(kH1, 40000, kRemote, 80, 0x02);
    ASSERT_EQ(out(syn, 0), Event::kTranslatedOut);
    Bytes late = tcp(kRemote, 80, kExt, 40000, 0x12);
    EXPECT_EQ(in(late, 4 * kMin), Event::kDropNoMapping);

    // Established: 2 h 4 min.
    Bytes syn2 = tcp(kH1, 40001, kRemote, 80, 0x02);
    ASSERT_EQ(out(syn2, 0), Event::kTranslatedOut);
    Bytes synack = tcp(kRemote, 80, kExt, 40001, 0x12);
    ASSERT_EQ(in(synack, 1), Event::kTranslatedIn);
    const Mapping *m = t.find_external(kExt, 6, 40001, 1);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->sessions.at(0).tcp_state(), TcpState::kEstablished);
    Bytes data = tcp(kRemote, 80, kExt, 40001, 0x10);
    EXPECT_EQ(in(data, 1 + 124 * kMin - 1), Event::kTranslatedIn);

    // A FIN makes it transitory again: 4 min after the last packet.
    int64_t now = 1 + 124 * kMin - 1;
    Bytes fin = tcp(kH1, 40001, kRemote, 80, 0x11);
    ASSERT_EQ(out(fin, now), Event::kTranslatedOut);
    Bytes ack = tcp(kRemote, 80, kExt, 40001, 0x10);
    EXPECT_EQ(in(ack, now + 4 * kMin - 1), Event::kTranslatedIn);
    Bytes gone = tcp(kRemote, 80, kExt, 40001, 0x10);
    EXPECT_EQ(in(gone, now + 8 * kMin), Event::kDropNoMapping);
}

TEST_F(Nat, TcpResetIsTransitoryAndANewSynReopens)
{
    Bytes syn = tcp(kH1, 40000, kRemote, 80, 0x02);
    out(syn, 0);
    Bytes synack = tcp(kRemote, 80, kExt, 40000, 0x12);
    in(synack, 0);
    Bytes rst = tcp(kRemote, 80, kExt, 40000, 0x04);
    ASSERT_EQ(in(rst, 0), Event::kTranslatedIn);
    const Mapping *m = t.find_external(kExt, 6, 40000, 0);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->sessions.at(0).tcp_state(), TcpState::kReset);
    Bytes syn2 = tcp(kH1, 40000, kRemote, 80, 0x02);
    ASSERT_EQ(out(syn2, 1000), Event::kTranslatedOut);
    EXPECT_EQ(m->sessions.at(0).tcp_state(), TcpState::kOpening);
}

TEST_F(Nat, TimeoutsAreConfigurable)
{
    Timeouts to;
    to.udp_s = 10;
    t.set_timeouts(to);
    uint16_t p = udp_out(kH1, 5000, kRemote, 53, 0);
    Bytes f = udp(kRemote, 53, kExt, p);
    EXPECT_EQ(in(f, 10000), Event::kDropNoMapping);
}

TEST_F(Nat, SweepRemovesExpiredMappings)
{
    for (int i = 0; i < 100; i++) {
        udp_out(kH1, uint16_t(5000 + i), kRemote, 53, 0);
    }
    EXPECT_EQ(t.size(), 100u);
    for (int64_t now = 301000; now < 301000 + 20000; now += 100) {
        t.maybe_sweep(now);
    }
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.stats().mappings_expired, 100u);
}

TEST_F(Nat, SessionsPerMappingAreBoundedLeastRecentlyUsedEvicted)
{
    params.filter = Filter::kAddressAndPort;
    uint16_t p = 0;
    for (size_t i = 0; i < NatTable::kMaxSessions + 1; i++) {
        p = udp_out(kH1, 5000, kRemote, uint16_t(1000 + i), int64_t(i));
    }
    EXPECT_EQ(t.stats().sessions_evicted, 1u);
    Bytes first = udp(kRemote, 1000, kExt, p);
    EXPECT_EQ(in(first, 100), Event::kDropFiltered);
    Bytes last = udp(kRemote, uint16_t(1000 + NatTable::kMaxSessions), kExt,
                     p);
    EXPECT_EQ(in(last, 100), Event::kTranslatedIn);
}

// ---- ICMP errors (RFC 5508 REQ-3/4/5). ----

// Every checksum of an ICMP error frame whose quote is 'quote' bytes:
// outer IPv4 header, ICMP over the whole message, quoted IPv4 header and
// (if the quote holds the whole datagram) the quoted transport checksum.
void expect_error_checksums_ok(const Bytes &e, bool whole_quote)
{
    EXPECT_TRUE(ip_csum_ok(e)) << "outer IPv4";
    EXPECT_TRUE(l4_csum_ok(e)) << "ICMP";
    const size_t inner = kL4 + 8;
    EXPECT_TRUE(ip_csum_ok(e, inner)) << "quoted IPv4";
    if (whole_quote) {
        EXPECT_TRUE(l4_csum_ok(e, inner, e.size())) << "quoted transport";
    }
}

TEST_F(Nat, InboundPortUnreachableReachesTheInsideHost)
{
    Bytes u = udp(kH2, 6000, kRemote, 33434);
    udp_out(kH1, 6000);  // Takes 6000 first.
    ASSERT_EQ(out(u), Event::kTranslatedOut);
    uint16_t p = rd16(u, kSport);
    ASSERT_NE(p, 6000);
    // The remote answers port unreachable quoting what it got, whole.
    Bytes e = icmp_error(3, 3, kRemote, kExt, u, u.size() - kIp);
    ASSERT_EQ(in(e), Event::kIcmpErrorIn);
    EXPECT_EQ(rd32(e, kIp + 12), kRemote);
    EXPECT_EQ(rd32(e, kIp + 16), kH2);
    const size_t q = kL4 + 8;
    EXPECT_EQ(rd32(e, q + 12), kH2);   // Quoted source...
    EXPECT_EQ(rd16(e, q + 20), 6000);  // ...and port.
    EXPECT_EQ(rd32(e, q + 16), kRemote);
    EXPECT_EQ(rd16(e, q + 22), 33434);
    expect_error_checksums_ok(e, true);
    EXPECT_EQ(t.events(Event::kIcmpErrorIn), 1u);
}

TEST_F(Nat, InboundTimeExceededAboutTcpWithAnEightByteQuote)
{
    Bytes s = tcp(kH1, 41000, kRemote, 80, 0x02);
    ASSERT_EQ(out(s), Event::kTranslatedOut);
    Bytes e = icmp_error(11, 0, ip(203, 0, 113, 7), kExt, s, 28);
    ASSERT_EQ(in(e), Event::kIcmpErrorIn);
    EXPECT_EQ(rd32(e, kIp + 16), kH1);
    EXPECT_EQ(rd32(e, kL4 + 8 + 12), kH1);
    EXPECT_EQ(rd16(e, kL4 + 8 + 20), 41000);
    expect_error_checksums_ok(e, false);
}

TEST_F(Nat, InboundTimeExceededAboutAnEchoRequest)
{
    Bytes req = icmp_echo(kH1, kRemote, 0x77);
    Bytes req2 = icmp_echo(kH2, kRemote, 0x77);
    out(req);
    ASSERT_EQ(out(req2), Event::kTranslatedOut);
    uint16_t id = rd16(req2, kIcmpId);
    Bytes e = icmp_error(11, 0, ip(203, 0, 113, 7), kExt, req2,
                         req2.size() - kIp);
    ASSERT_EQ(in(e), Event::kIcmpErrorIn);
    EXPECT_NE(id, 0x77);
    EXPECT_EQ(rd32(e, kIp + 16), kH2);
    EXPECT_EQ(rd16(e, kL4 + 8 + 20 + 4), 0x77);
    expect_error_checksums_ok(e, true);
}

TEST_F(Nat, OutboundPortUnreachableFromAnInsideHost)
{
    uint16_t p = udp_out(kH1, 7000);
    (void) p;
    // Something from outside reaches the inside host through the mapping...
    Bytes u = udp(kRemote, 53, kExt, 7000);
    ASSERT_EQ(in(u), Event::kTranslatedIn);
    // ...which answers port unreachable quoting what it got.
    Bytes e = icmp_error(3, 3, kH1, kRemote, u, u.size() - kIp);
    ASSERT_EQ(out(e), Event::kIcmpErrorOut);
    EXPECT_EQ(rd32(e, kIp + 12), kExt);
    EXPECT_EQ(rd32(e, kIp + 16), kRemote);
    EXPECT_EQ(rd32(e, kL4 + 8 + 16), kExt);  // Quoted destination.
    EXPECT_EQ(rd16(e, kL4 + 8 + 22), 7000);
    expect_error_checksums_ok(e, true);
}

TEST_F(Nat, ErrorsThatDoNotMatchAMappingOrAreDamagedAreDropped)
{
    Bytes u = udp(kH1, 8000, kRemote, 53);
    ASSERT_EQ(out(u), Event::kTranslatedOut);
    Bytes unknown = udp(kExt, 9999, kRemote, 53);
    Bytes e1 = icmp_error(3, 3, kRemote, kExt, unknown, 28);
    EXPECT_EQ(in(e1), Event::kDropNoMapping);
    Bytes bad = icmp_error(3, 3, kRemote, kExt, u, 28);
    bad[kL4 + 2] ^= 0x55;
    EXPECT_EQ(in(bad), Event::kDropBadChecksum);
    Bytes short_quote = icmp_error(3, 3, kRemote, kExt, u, 24);
    EXPECT_EQ(in(short_quote), Event::kDropTruncated);
    // Filtered: about a packet to a remote the mapping never sent to.
    params.filter = Filter::kAddress;
    Bytes v = udp(kH2, 8001, kRemote, 53);
    ASSERT_EQ(out(v), Event::kTranslatedOut);
    Bytes spoof = udp(kExt, rd16(v, kSport), kOther, 53);
    Bytes e2 = icmp_error(3, 3, kOther, kExt, spoof, 28);
    EXPECT_EQ(in(e2), Event::kDropFiltered);
}

// ---- Hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8). ----

TEST_F(Nat, HairpinTranslatesBothEnds)
{
    uint16_t b_ext = udp_out(kH2, 9000);    // B has a mapping.
    Bytes f = udp(kH1, 9100, kExt, b_ext);  // A sends to it.
    ASSERT_EQ(out(f), Event::kTranslatedOut);
    ASSERT_EQ(in(f), Event::kTranslatedIn);
    EXPECT_EQ(rd32(f, kIp + 12), kExt);  // B sees A's external endpoint.
    EXPECT_EQ(rd16(f, kSport), 9100);
    EXPECT_EQ(rd32(f, kIp + 16), kH2);
    EXPECT_EQ(rd16(f, kDport), 9000);
    expect_checksums_ok(f);
}

// ---- Port forwarding. ----

TEST_F(Nat, ForwardedPortReachesTheServerAndRepliesUseIt)
{
    const uint32_t kServer = ip(10, 0, 2, 14);
    Bytes syn = tcp(kRemote, 50000, kExt, 8080, 0x02);
    ASSERT_EQ(translate_forward(t, kExt, 6, 8080, kServer, 80, syn.data(),
                                syn.size(), 0),
              Event::kTranslatedIn);
    EXPECT_EQ(rd32(syn, kIp + 16), kServer);
    EXPECT_EQ(rd16(syn, kDport), 80);
    expect_checksums_ok(syn);
    Bytes synack = tcp(kServer, 80, kRemote, 50000, 0x12);
    ASSERT_EQ(out(synack), Event::kTranslatedOut);
    EXPECT_EQ(rd32(synack, kIp + 12), kExt);
    EXPECT_EQ(rd16(synack, kSport), 8080);
    expect_checksums_ok(synack);
}

TEST_F(Nat, ForwardRefusesAPortHeldByADynamicMapping)
{
    params.lo = params.hi = 8080;
    udp_out(kH1, 1234);  // Gets 8080.
    Bytes f = udp(kRemote, 1, kExt, 8080);
    EXPECT_EQ(
        translate_forward(t, kExt, 17, 8080, kH3, 80, f.data(), f.size(), 0),
        Event::kDropForwardBusy);
    Bytes wrong = udp(kRemote, 1, kExt, 8081);
    EXPECT_EQ(translate_forward(t, kExt, 17, 8080, kH3, 80, wrong.data(),
                                wrong.size(), 0),
              Event::kDropNotExternal);
}

// ---- Bad input. ----

TEST_F(Nat, EveryTruncationIsDroppedAndCountedNeverTranslated)
{
    const Bytes whole[] = {tcp(kH1, 1000, kRemote, 80),
                           udp(kH1, 1, kRemote, 2),
                           icmp_echo(kH1, kRemote, 3)};
    for (const Bytes &w : whole) {
        for (size_t n = 0; n < w.size(); n++) {
            Bytes f(w.begin(), w.begin() + n);
            Event e = out(f);
            EXPECT_FALSE(is_success(e)) << "length " << n;
            EXPECT_EQ(f, Bytes(w.begin(), w.begin() + n));
        }
    }
    EXPECT_EQ(t.size(), 0u);
    EXPECT_GT(t.events(Event::kDropTruncated), 0u);
}

TEST_F(Nat, MalformedFragmentsAndOtherProtocolsAreDropped)
{
    Bytes bad_ihl = udp(kH1, 1, kRemote, 2);
    bad_ihl[kIp] = 0x44;
    EXPECT_EQ(out(bad_ihl), Event::kDropMalformed);
    Bytes bad_len = udp(kH1, 1, kRemote, 2);
    wr16(bad_len, kL4 + 4, 4);
    EXPECT_EQ(out(bad_len), Event::kDropMalformed);
    Bytes frag = udp(kH1, 1, kRemote, 2);
    wr16(frag, kIp + 6, 0x2000);  // More fragments.
    EXPECT_EQ(out(frag), Event::kDropFragment);
    Bytes gre = frame(ipv4(47, kH1, kRemote, Bytes(8, 0)));
    EXPECT_EQ(out(gre), Event::kDropUnsupported);
    Bytes arp = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 0x08, 0x06, 0, 1};
    EXPECT_EQ(out(arp), Event::kDropNotIpv4);
    Bytes not_ours = udp(kRemote, 1, kOther, 2);
    EXPECT_EQ(in(not_ours), Event::kDropNotExternal);
}

TEST(NatPrimitive, ExecuteTranslatesAndShowListsTheMapping)
{
    NatPrimitive nat;
    auto cfg = nat.parse("out(ext=198.51.100.1)");
    Bytes f = udp(kH1, 5353, kRemote, 53);
    Bytes junk(10, 0);
    cxxa_packet pkts[2] = {{f.data(), f.size(), 1},
                           {junk.data(), junk.size(), 1}};
    std::vector<size_t> passed;
    cxxa::Batch batch(
        pkts, 2,
        [](void *aux, size_t i, const void *, size_t) {
            static_cast<std::vector<size_t> *>(aux)->push_back(i);
        },
        &passed);
    nat.execute(*cfg, "nat-unit", batch);
    EXPECT_EQ(passed, std::vector<size_t>{0});
    EXPECT_EQ(batch.n_dropped(), 1u);
    EXPECT_EQ(rd32(f, kIp + 12), kExt);
    std::string show;
    for (auto &c : nat.commands()) {
        if (c.name == "nat/show") {
            show = c.run({"nat-unit"});
        }
    }
    EXPECT_NE(show.find("udp 10.0.1.11:5353 -> 198.51.100.1:5353"),
              std::string::npos)
        << show;
    EXPECT_NE(show.find("translated_out=1"), std::string::npos) << show;
    EXPECT_NE(show.find("drop_not_ipv4=1"), std::string::npos) << show;
    EXPECT_EQ(nat.flags(*nat.parse("in(ext=1.2.3.4)")), CXXA_F_RESHAPES);
    EXPECT_EQ(nat.flags(*cfg), 0u);
}

}  // namespace
