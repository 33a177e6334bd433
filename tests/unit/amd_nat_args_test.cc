// Unit tests for the amd and nat argument grammars.  The AMD store's rules
// are in amd_store_test.cc; NAT's behaviour in nat_test.cc.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "cxx-actions.h"

namespace {

std::string parse(const char *name, const char *args)
{
    char *canonical = nullptr;
    char *error = cxxa_parse(name, args, &canonical);
    std::string s = error ? std::string("ERROR ") + error : canonical;
    std::free(error);
    std::free(canonical);
    return s;
}

}  // namespace

TEST(AmdArgs, EveryOperation)
{
    for (const char *op :
         {"deliver", "store", "hold", "release", "report", "discard"}) {
        std::string a = std::string(op) + "(server=10.9.0.1)";
        EXPECT_EQ(parse("amd", a.c_str()), a);
    }
}

TEST(AmdArgs, LimitsRoundTripAndDefaultsAreOmitted)
{
    EXPECT_EQ(parse("amd", "deliver(max_age_ms=600000,server=10.9.0.1,"
                           "max_packets=65536)"),
              "deliver(server=10.9.0.1)");
    EXPECT_EQ(parse("amd", "store(server=10.9.0.1,max_age_ms=5,max_bytes=9,"
                           "max_packets=3)"),
              "store(server=10.9.0.1,max_packets=3,max_bytes=9,"
              "max_age_ms=5)");
}

TEST(AmdArgs, Errors)
{
    EXPECT_EQ(parse("amd", "release(server=010.9.0.1)"),
              "ERROR amd: server: '010.9.0.1' is not an IPv4 address");
    EXPECT_EQ(parse("amd", "store"),
              "ERROR amd: store needs server=VIRTUAL_IP");
    EXPECT_EQ(parse("amd", "buffer(server=1.1.1.1)"),
              "ERROR amd: unknown operation 'buffer' (expected deliver, "
              "store, hold, release, report or discard)");
    EXPECT_EQ(parse("amd", "store(server=1.1.1.1,limit=3)"),
              "ERROR amd: unknown key 'limit' for store");
    EXPECT_EQ(parse("amd", "store(server=1.1.1.1,max_packets=0)"),
              "ERROR amd: max_packets: 0 is out of range 1..16777216");
    // Limits belong to the operations that store.
    EXPECT_EQ(parse("amd", "release(server=1.1.1.1,max_packets=3)"),
              "ERROR amd: unknown key 'max_packets' for release");
}

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
    EXPECT_EQ(parse("nat", "forward(proto=icmp,ext=1.2.3.4,port=1,to=1.1.1.1)"),
              "ERROR nat: forward needs proto=tcp or proto=udp");
}

TEST(NatArgs, ForwardKeepsPortUnlessRemapped)
{
    EXPECT_EQ(parse("nat", "forward(proto=tcp,ext=1.2.3.4,port=80,to=10.0.0.2)"),
              "forward(proto=tcp,ext=1.2.3.4,port=80,to=10.0.0.2)");
    EXPECT_EQ(
        parse("nat", "forward(proto=tcp,ext=1.2.3.4,port=80,to=10.0.0.2:80)"),
        "forward(proto=tcp,ext=1.2.3.4,port=80,to=10.0.0.2)");
    EXPECT_EQ(
        parse("nat", "forward(proto=udp,ext=1.2.3.4,port=80,to=10.0.0.2:8080)"),
        "forward(proto=udp,ext=1.2.3.4,port=80,to=10.0.0.2:8080)");
}

TEST(NatArgs, ExecutingOnAFrameThatIsNotIpv4DropsIt)
{
    uint8_t frame[60] = {};
    cxxa_packet p{frame, sizeof frame, 1};
    int emitted = 0;
    cxxa_execute("u-nat", "nat", "in(ext=1.2.3.4)", &p, 1,
                 [](void *aux, size_t, const void *, size_t) {
                     ++*static_cast<int *>(aux);
                 },
                 &emitted);
    EXPECT_EQ(emitted, 0);
}
