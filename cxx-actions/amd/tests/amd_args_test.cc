// Unit tests for the amd argument grammar.  The AMD store's rules are in
// amd_store_test.cc.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "test-parse.h"

namespace {

using cxxa::testing::parse;

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

TEST(AmdArgs, CanonicalFormIsAFixedPoint)
{
    const char *canonical = "release(server=10.9.0.7)";
    EXPECT_EQ(parse("amd", canonical), canonical);
}

TEST(AmdArgs, FlagsSayWhichOperationsReshape)
{
    EXPECT_EQ(cxxa_flags("amd", "release(server=10.0.0.1)"),
              unsigned(CXXA_F_RESHAPES));
    EXPECT_EQ(cxxa_flags("amd", "store(server=10.0.0.1)"), 0u);
}
