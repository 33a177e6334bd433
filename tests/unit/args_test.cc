// Unit tests for the shared argument grammar (cxx-actions/bridge/args.h).
#include <gtest/gtest.h>

#include "bridge/args.h"
#include "bridge/registry.h"

using cxxa::ArgError;
using cxxa::parse_op_args;

TEST(OpArgs, BareOperation)
{
    auto a = parse_op_args("onclient");
    EXPECT_EQ(a.op, "onclient");
    EXPECT_TRUE(a.kv.empty());
    a.expect_all_taken();
}

TEST(OpArgs, KeyValuesInOrder)
{
    auto a = parse_op_args("out(ext=1.2.3.4, ports=1-2)");
    EXPECT_EQ(a.op, "out");
    ASSERT_EQ(a.kv.size(), 2u);
    EXPECT_EQ(a.kv[1].first, "ports");
    EXPECT_EQ(a.take("ext").value(), "1.2.3.4");
    EXPECT_FALSE(a.take("missing").has_value());
    EXPECT_THROW(a.expect_all_taken(), ArgError);  // ports not taken
    a.take("ports");
    a.expect_all_taken();
}

TEST(OpArgs, EmptyParenthesesMeanNoPairs)
{
    EXPECT_TRUE(parse_op_args("store()").kv.empty());
}

TEST(OpArgs, SyntaxErrors)
{
    EXPECT_THROW(parse_op_args(""), ArgError);
    EXPECT_THROW(parse_op_args("(a=1)"), ArgError);
    EXPECT_THROW(parse_op_args("op(a=1"), ArgError);
    EXPECT_THROW(parse_op_args("op(a)"), ArgError);
    EXPECT_THROW(parse_op_args("op(a=)"), ArgError);
    EXPECT_THROW(parse_op_args("op(a=1,a=2)"), ArgError);
    EXPECT_THROW(parse_op_args("op(a=(1))"), ArgError);
    EXPECT_THROW(parse_op_args("o p"), ArgError);
}

TEST(TypedValues, Unsigned)
{
    EXPECT_EQ(cxxa::parse_uint("k", "42", 0, 100), 42u);
    EXPECT_EQ(cxxa::parse_uint("k", "0x10", 0, 100), 16u);
    EXPECT_THROW(cxxa::parse_uint("k", "101", 0, 100), ArgError);
    EXPECT_THROW(cxxa::parse_uint("k", "-1", 0, 100), ArgError);
    EXPECT_THROW(cxxa::parse_uint("k", "12x", 0, 100), ArgError);
    EXPECT_THROW(cxxa::parse_uint("k", "", 0, 100), ArgError);
}

TEST(TypedValues, Ipv4RoundTrip)
{
    uint32_t a = cxxa::parse_ipv4("k", "203.0.113.1");
    EXPECT_EQ(a, 0xcb007101u);
    EXPECT_EQ(cxxa::format_ipv4(a), "203.0.113.1");
    EXPECT_THROW(cxxa::parse_ipv4("k", "1.2.3"), ArgError);
    EXPECT_THROW(cxxa::parse_ipv4("k", "1.2.3.256"), ArgError);
}

TEST(TypedValues, ErrorNamesTheKey)
{
    try {
        cxxa::parse_uint("group", "70000", 0, 65535);
        FAIL();
    } catch (const ArgError &e) {
        EXPECT_STREQ(e.what(), "group: 70000 is out of range 0..65535");
    }
}
