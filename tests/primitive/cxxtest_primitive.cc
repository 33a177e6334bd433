// cxxtest_primitive.cc: see cxxtest_primitive.h.
#include "cxxtest_primitive.h"

#include "bridge/args.h"
#include "bridge/bridge_command.h"
#include "bridge/op_table.h"

namespace cxxa::cxxtest {

namespace {

const OpTable<Op> kOps({{Op::kPass, "pass"},
                        {Op::kCopy, "copy"},
                        {Op::kConsume, "consume"},
                        {Op::kDrop, "drop"}});

}  // namespace

std::string TestPrimitive::synopsis() const
{
    return "cxxtest:pass[(tag=0..65535)]|copy[(n=1..64)]|consume|drop";
}

std::unique_ptr<const TestConfig>
TestPrimitive::parse(std::string_view args) const
{
    OpArgs a = parse_op_args(args);
    auto cfg = std::make_unique<TestConfig>();
    cfg->op = kOps.parse(a.op);
    if (cfg->op == Op::kPass) {
        if (auto v = a.take("tag")) {
            cfg->tag = parse_uint("tag", *v, 0, 65535);
        }
    } else if (cfg->op == Op::kCopy) {
        if (auto v = a.take("n")) {
            cfg->copies = parse_uint("n", *v, 1, 64);
        }
    }
    a.expect_all_taken();
    return cfg;
}

std::string TestPrimitive::format(const TestConfig &cfg) const
{
    std::vector<std::pair<std::string, std::string>> kv;
    if (cfg.op == Op::kPass && cfg.tag != 0) {
        kv.emplace_back("tag", std::to_string(cfg.tag));
    }
    if (cfg.op == Op::kCopy && cfg.copies != 1) {
        kv.emplace_back("n", std::to_string(cfg.copies));
    }
    return format_op_args(kOps.name(cfg.op), kv);
}

unsigned int TestPrimitive::flags(const TestConfig &cfg) const
{
    return cfg.op == Op::kCopy ? CXXA_F_RESHAPES : 0;
}

void TestPrimitive::execute(const TestConfig &cfg, std::string_view bridge,
                            Batch &batch)
{
    bridges_.get(bridge).seen[size_t(cfg.op)] += batch.size();
    for (size_t i = 0; i < batch.size(); i++) {
        switch (cfg.op) {
        case Op::kPass:
            batch.pass(i);
            break;
        case Op::kCopy: {
            Packet p = batch.packet(i);
            batch.pass(i);
            for (unsigned int n = 0; n < cfg.copies; n++) {
                batch.emit(i, p.data, p.size);
            }
            break;
        }
        case Op::kConsume:
            batch.consume(i);
            break;
        case Op::kDrop:
            batch.drop(i);
            break;
        }
    }
}

std::vector<Command> TestPrimitive::commands()
{
    return {show_command<BridgeCounts>(
        "cxxtest/show", bridges_, "cxxtest",
        [](const std::string &bridge, BridgeCounts &c) {
            std::string s = "bridge " + bridge + ":";
            for (Op op : {Op::kPass, Op::kCopy, Op::kConsume, Op::kDrop}) {
                s += std::string(op == Op::kPass ? " " : ", ") + kOps.name(op)
                     + " " + std::to_string(c.seen[size_t(op)].load());
            }
            return s + "\n";
        },
        ShowText{nullptr, "no cxxtest state\n"})};
}

}  // namespace cxxa::cxxtest

CXXA_REGISTER_PRIMITIVE(cxxtest, cxxa::cxxtest::TestPrimitive)
