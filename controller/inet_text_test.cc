// IPv4 and MAC addresses as text: strict parsing, canonical formatting.
#include <gtest/gtest.h>

#include "inet_text.h"

using namespace cxxa::controller;

TEST(InetTextTest, Ipv4RoundTrip)
{
    uint32_t a = 0;
    ASSERT_TRUE(parse_ip("10.0.1.254", a));
    EXPECT_EQ(a, 0x0a0001feu);
    EXPECT_EQ(format_ip(a), "10.0.1.254");
    ASSERT_TRUE(parse_ip("0.0.0.0", a));
    EXPECT_EQ(a, 0u);
    ASSERT_TRUE(parse_ip("255.255.255.255", a));
    EXPECT_EQ(a, 0xffffffffu);
}

TEST(InetTextTest, Ipv4IsStrict)
{
    uint32_t a = 7;
    for (const char *bad :
         {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.4 ",
          " 1.2.3.4", "+1.2.3.4", "1..3.4", "1.2.3.4/8", "a.b.c.d", "1.2.3.-4",
          "99999999999.1.1.1"}) {
        EXPECT_FALSE(parse_ip(bad, a)) << bad;
    }
    EXPECT_EQ(a, 7u);  // Untouched on error.
}

TEST(InetTextTest, MacRoundTrip)
{
    uint64_t m = 0;
    ASSERT_TRUE(parse_mac("02:00:00:00:00:AA", m));
    EXPECT_EQ(m, 0x0200000000aaull);
    EXPECT_EQ(format_mac(m), "02:00:00:00:00:aa");
    EXPECT_TRUE(is_unicast_mac(m));
    ASSERT_TRUE(parse_mac("ff:ff:ff:ff:ff:ff", m));
    EXPECT_FALSE(is_unicast_mac(m));
    EXPECT_FALSE(is_unicast_mac(0x010000000000ull));
    for (const char *bad :
         {"", "02:00:00:00:00", "02:00:00:00:00:aa:bb", "2:0:0:0:0:aa",
          "02-00-00-00-00-aa", "02:00:00:00:00:ag", "0200.0000.00aa"}) {
        EXPECT_FALSE(parse_mac(bad, m)) << bad;
    }
}

TEST(InetTextTest, Cidr)
{
    uint32_t a;
    unsigned p;
    ASSERT_TRUE(parse_cidr("10.0.0.1/24", a, p, 1, 30));
    EXPECT_EQ(a, 0x0a000001u);
    EXPECT_EQ(p, 24u);
    EXPECT_FALSE(parse_cidr("10.0.0.1/31", a, p, 1, 30));
    EXPECT_FALSE(parse_cidr("10.0.0.1/0", a, p, 1, 30));
    EXPECT_FALSE(parse_cidr("10.0.0.1/024", a, p, 1, 30));
    EXPECT_FALSE(parse_cidr("10.0.0.1", a, p, 1, 30));
    EXPECT_FALSE(parse_cidr("10.0.0/8", a, p, 1, 30));
    ASSERT_TRUE(parse_cidr("10.0.0.0/32", a, p, 8, 32));
}

TEST(InetTextTest, MacPrefix)
{
    uint64_t prefix;
    unsigned n;
    ASSERT_TRUE(parse_mac_prefix("02:a0", prefix, n));
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(prefix, 0x02a000000000ull);
    ASSERT_TRUE(parse_mac_prefix("02:a0:00:00:01", prefix, n));
    EXPECT_EQ(n, 5u);
    EXPECT_EQ(prefix, 0x02a000000100ull);
    for (const char *bad : {"", "02:", "02:a0:00:00:00:00", "2:a0", "zz"}) {
        EXPECT_FALSE(parse_mac_prefix(bad, prefix, n)) << bad;
    }
}
