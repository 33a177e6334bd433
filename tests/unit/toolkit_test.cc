// Unit tests for the toolkit primitives share (cxx-actions/bridge/):
// byte access, per-bridge state, operation names, the outbox.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bridge/bytes.h"
#include "bridge/host.h"
#include "bridge/op_table.h"
#include "bridge/per_bridge.h"
#include "bridge/registry.h"

namespace {

enum class Op { kA, kB, kC };

void record(void *aux, size_t index, const void *data, size_t size)
{
    auto *out = static_cast<std::vector<std::string> *>(aux);
    out->push_back(
        std::to_string(index)
        + (data ? ":" + std::string(static_cast<const char *>(data), size)
                : ":pass"));
}

}  // namespace

TEST(Toolkit, BytesAreBigEndian)
{
    uint8_t b[6] = {};
    cxxa::put16(b, 0x1234);
    cxxa::put32(b + 2, 0xa1b2c3d4);
    EXPECT_EQ(b[0], 0x12);
    EXPECT_EQ(b[5], 0xd4);
    EXPECT_EQ(cxxa::get16(b), 0x1234);
    EXPECT_EQ(cxxa::get32(b + 2), 0xa1b2c3d4u);
}

TEST(Toolkit, ClockIsMonotonic)
{
    int64_t a = cxxa::now_ms();
    EXPECT_LE(a, cxxa::now_ms());
}

TEST(Toolkit, OpTableParsesFormatsAndNamesTheExpected)
{
    const cxxa::OpTable<Op> ops({{Op::kA, "a"}, {Op::kB, "b"}, {Op::kC, "c"}},
                                "role", "; or else");
    EXPECT_EQ(ops.parse("b"), Op::kB);
    EXPECT_STREQ(ops.name(Op::kC), "c");
    EXPECT_EQ(ops.expected(), "a, b or c");
    try {
        ops.parse("d");
        FAIL();
    } catch (const cxxa::ArgError &e) {
        EXPECT_STREQ(e.what(), "unknown role 'd' (expected a, b or c; or "
                               "else)");
    }
    const cxxa::OpTable<Op> one({{Op::kA, "a"}});
    EXPECT_EQ(one.expected(), "a");
}

TEST(Toolkit, PerBridgeFindNeverCreates)
{
    cxxa::PerBridge<int> states;
    EXPECT_EQ(states.find("br0"), nullptr);
    states.get("br1") = 7;
    states.get("br0") = 3;
    EXPECT_EQ(*states.find("br1"), 7);
    std::vector<std::string> seen;
    states.for_each([&](const std::string &bridge, int &v) {
        seen.push_back(bridge + "=" + std::to_string(v));
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"br0=3", "br1=7"}));
    EXPECT_EQ(states.find("br2"), nullptr);

    cxxa::PerBridge<int> made([] { return std::make_unique<int>(42); });
    EXPECT_EQ(made.get("x"), 42);
}

TEST(Toolkit, OutboxSendsInOrderWhenAsked)
{
    uint8_t f[2][4] = {};
    cxxa_packet pkts[2] = {{f[0], 4, 1}, {f[1], 4, 1}};
    std::vector<std::string> out;
    cxxa::Batch batch(pkts, 2, record, &out);
    cxxa::Outbox box;
    box.emit(1, reinterpret_cast<const uint8_t *>("xy"), 2);
    box.pass(0);
    batch.consume(1);
    EXPECT_TRUE(out.empty());
    box.send(batch);
    EXPECT_TRUE(box.empty());
    EXPECT_EQ(out, (std::vector<std::string>{"1:xy", "0:pass"}));
    EXPECT_EQ(batch.n_out(), 2u);
    EXPECT_EQ(batch.n_dropped(), 0u);
}
