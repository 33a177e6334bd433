// Unit tests of cxx-actions/router: the echo reply and the time exceeded
// message, with checksums checked by net/test-frames.h.
#include <gtest/gtest.h>

#include "net/test-frames.h"
#include "router/router_primitive.h"

using namespace frames;

namespace {

const uint32_t kHost = ip(10, 0, 1, 11), kRouter = ip(10, 0, 1, 1),
               kRemote = ip(198, 51, 100, 2);

TEST(RouterEchoReply, SwapsAddressesAndFixesChecksums)
{
    Bytes f = icmp_echo(kHost, kRouter, 0x4242, false, 7);
    f[kIp + 8] = 5;  // An odd TTL, reset to 64 in the reply.
    fix_checksums(f);
    Bytes before = f;
    ASSERT_TRUE(cxxa::router::echo_reply(f.data(), f.size()));
    EXPECT_TRUE(std::equal(f.begin(), f.begin() + 6, before.begin() + 6));
    EXPECT_TRUE(std::equal(f.begin() + 6, f.begin() + 12, before.begin()));
    EXPECT_EQ(rd32(f, kIp + 12), kRouter);
    EXPECT_EQ(rd32(f, kIp + 16), kHost);
    EXPECT_EQ(f[kIp + 8], 64);
    EXPECT_EQ(f[kL4], 0);
    EXPECT_EQ(rd16(f, kL4 + 4), 0x4242);
    EXPECT_EQ(rd16(f, kL4 + 6), 7);
    EXPECT_TRUE(ip_csum_ok(f));
    EXPECT_TRUE(l4_csum_ok(f));
}

TEST(RouterEchoReply, RefusesAnythingElse)
{
    Bytes reply = icmp_echo(kHost, kRouter, 1, true);
    Bytes udp_f = udp(kHost, 1, kRouter, 2);
    Bytes cut = icmp_echo(kHost, kRouter, 1);
    cut.resize(kL4 + 4);
    Bytes bcast = icmp_echo(0xffffffff, kRouter, 1);
    for (Bytes *f : {&reply, &udp_f, &cut, &bcast}) {
        Bytes before = *f;
        EXPECT_FALSE(cxxa::router::echo_reply(f->data(), f->size()));
        EXPECT_EQ(*f, before);
    }
}

TEST(RouterTimeExceeded, QuotesTheDatagramFromTheRouter)
{
    Bytes probe = udp(kHost, 40000, kRemote, 33434);
    probe[kIp + 8] = 1;
    fix_checksums(probe);
    Bytes e = cxxa::router::time_exceeded(probe.data(), probe.size(), kRouter);
    ASSERT_EQ(e.size(), kL4 + 8 + (probe.size() - kIp));
    EXPECT_TRUE(std::equal(e.begin(), e.begin() + 6, probe.begin() + 6));
    EXPECT_EQ(rd16(e, 12), 0x0800);
    EXPECT_EQ(rd32(e, kIp + 12), kRouter);
    EXPECT_EQ(rd32(e, kIp + 16), kHost);
    EXPECT_EQ(e[kIp + 9], 1);
    EXPECT_EQ(e[kL4], 11);
    EXPECT_EQ(e[kL4 + 1], 0);
    EXPECT_TRUE(std::equal(e.begin() + kL4 + 8, e.end(), probe.begin() + kIp));
    EXPECT_TRUE(ip_csum_ok(e));
    EXPECT_TRUE(l4_csum_ok(e));
}

TEST(RouterTimeExceeded, CapsTheQuoteAt576Bytes)
{
    Bytes big = frame(
        ipv4(17, kHost, kRemote, l4_udp(1, 2, std::string(1400, 'x')), 1));
    Bytes e = cxxa::router::time_exceeded(big.data(), big.size(), kRouter);
    ASSERT_FALSE(e.empty());
    EXPECT_EQ(rd16(e, kIp + 2), 576);
    EXPECT_TRUE(l4_csum_ok(e));
}

TEST(RouterTimeExceeded, NeverAboutAnErrorAFragmentOrABroadcast)
{
    Bytes inner = udp(kHost, 1, kRemote, 2);
    Bytes err = icmp_error(3, 3, kHost, kRemote, inner, 28);
    Bytes frag = udp(kHost, 1, kRemote, 2);
    wr16(frag, kIp + 6, 0x0010);  // Offset 128 bytes.
    fix_checksums(frag);
    Bytes bcast = udp(0xffffffff, 1, kRemote, 2);
    Bytes mcast = udp(ip(224, 0, 0, 5), 1, kRemote, 2);
    Bytes arp = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 0x08, 0x06, 0, 1};
    for (const Bytes *f : {&err, &frag, &bcast, &mcast, &arp}) {
        EXPECT_TRUE(cxxa::router::time_exceeded(f->data(), f->size(), kRouter)
                        .empty());
    }
    // An echo request (a query, not an error) does get one.
    Bytes ping = icmp_echo(kHost, kRemote, 9);
    EXPECT_FALSE(cxxa::router::time_exceeded(ping.data(), ping.size(), kRouter)
                     .empty());
}

TEST(RouterArgs, ParseAndFormat)
{
    cxxa::router::RouterPrimitive r;
    EXPECT_EQ(r.format(*r.parse("echo_reply")), "echo_reply");
    EXPECT_EQ(r.format(*r.parse("time_exceeded(src=10.0.1.1)")),
              "time_exceeded(src=10.0.1.1)");
    EXPECT_EQ(r.flags(*r.parse("time_exceeded(src=10.0.1.1)")),
              CXXA_F_RESHAPES);
    EXPECT_EQ(r.flags(*r.parse("echo_reply")), 0u);
    EXPECT_THROW(r.parse("time_exceeded"), cxxa::ArgError);
    EXPECT_THROW(r.parse("time_exceeded(src=10.0.1)"), cxxa::ArgError);
    EXPECT_THROW(r.parse("echo_reply(src=10.0.1.1)"), cxxa::ArgError);
    EXPECT_THROW(r.parse("redirect"), cxxa::ArgError);
}

}  // namespace
