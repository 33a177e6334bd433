// Unit tests for the nat argument grammar.  NAT's behaviour is in
// nat_test.cc.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "test-parse.h"

namespace {

using cxxa::testing::parse;

}  // namespace

TEST(NatArgs, OutDefaultsAreOmitted)
{
    EXPECT_EQ(parse("nat", "out(ext=1.2.3.4,ports=1024-65535,filter=eim)"),
              "out(ext=1.2.3.4)");
    EXPECT_EQ(parse("nat", "out(filter=apdf,ext=1.2.3.4)"),
              "out(ext=1.2.3.4,filter=apdf)");
}

TEST(NatArgs, Errors)
{
    EXPECT_EQ(parse("nat", "out"), "ERROR nat: out needs ext=IPV4");
    EXPECT_EQ(parse("nat", "out(ext=1.2.3.4,ports=0-10)"),
              "ERROR nat: ports: 0 is out of range 1..65535");
    EXPECT_EQ(parse("nat", "out(ext=1.2.3.4,ports=5)"),
              "ERROR nat: ports: expected LO-HI, got '5'");
    EXPECT_EQ(parse("nat", "out(ext=1.2.3.4,filter=full)"),
              "ERROR nat: filter: 'full' is not eim, adf or apdf");
    EXPECT_EQ(parse("nat", "src=10.0.0.1"),
              "ERROR nat: top-level nat is NAPT (nat:out/in/forward); for "
              "conntrack NAT write ct(commit,nat(...))");
    EXPECT_EQ(
        parse("nat", "forward(proto=icmp,ext=1.2.3.4,port=1,to=1.1.1.1)"),
        "ERROR nat: forward needs proto=tcp or proto=udp");
}

TEST(NatArgs, ForwardKeepsPortUnlessRemapped)
{
    EXPECT_EQ(
        parse("nat", "forward(proto=tcp,ext=1.2.3.4,port=80,to=10.0.0.2)"),
        "forward(proto=tcp,ext=1.2.3.4,port=80,to=10.0.0.2)");
    EXPECT_EQ(
        parse("nat", "forward(proto=tcp,ext=1.2.3.4,port=80,to=10.0.0.2:80)"),
        "forward(proto=tcp,ext=1.2.3.4,port=80,to=10.0.0.2)");
    EXPECT_EQ(parse("nat",
                    "forward(proto=udp,ext=1.2.3.4,port=80,to=10.0.0.2:8080)"),
              "forward(proto=udp,ext=1.2.3.4,port=80,to=10.0.0.2:8080)");
}

TEST(NatArgs, ExecutingOnAFrameThatIsNotIpv4DropsIt)
{
    uint8_t frame[60] = {};
    cxxa_packet p{frame, sizeof frame, 1};
    int emitted = 0;
    cxxa_execute(
        "u-nat", "nat", "in(ext=1.2.3.4)", &p, 1,
        [](void *aux, size_t, const void *, size_t) {
            ++*static_cast<int *>(aux);
        },
        &emitted);
    EXPECT_EQ(emitted, 0);
}

TEST(NatArgs, CanonicalFormIsAFixedPoint)
{
    for (const char *canonical :
         {"out(ext=1.2.3.4,ports=100-200,filter=adf)",
          "forward(proto=udp,ext=1.2.3.4,port=53,to=10.0.0.2:5353)"}) {
        std::string once = parse("nat", canonical);
        EXPECT_EQ(once, canonical);
        EXPECT_EQ(parse("nat", once.c_str()), once);
    }
}

TEST(NatArgs, InRecirculatesOutDoesNot)
{
    // nat:in rewrites the destination: the route follows the new one.
    EXPECT_EQ(cxxa_flags("nat", "in(ext=1.2.3.4)"), unsigned(CXXA_F_RESHAPES));
    EXPECT_EQ(cxxa_flags("nat", "out(ext=1.2.3.4)"), 0u);
}
