// cxxtest_primitive.cc: see cxxtest_primitive.h.
#include "cxxtest_primitive.h"

#include "bridge/args.h"
#include "bridge/bridge_command.h"
#include "bridge/host.h"
#include "bridge/op_table.h"

#include <iterator>

namespace cxxa::cxxtest {

namespace {

const OpTable<Op> kOps({{Op::kPass, "pass"},
                        {Op::kCopy, "copy"},
                        {Op::kConsume, "consume"},
                        {Op::kDrop, "drop"},
                        {Op::kTimer, "timer"}});

}  // namespace

std::string TestPrimitive::synopsis() const
{
    return "cxxtest:pass[(tag=0..65535)]|copy[(n=1..64)]|consume|drop"
           "|timer(ms=0..86400000,table=0..254)";
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
    } else if (cfg->op == Op::kTimer) {
        auto ms = a.take("ms");
        auto table = a.take("table");
        if (!ms || !table) {
            throw ArgError("timer needs ms and table");
        }
        cfg->ms = parse_uint("ms", *ms, 0, 86400000);
        cfg->table = parse_uint("table", *table, 0, 254);
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
    if (cfg.op == Op::kTimer) {
        kv.emplace_back("ms", std::to_string(cfg.ms));
        kv.emplace_back("table", std::to_string(cfg.table));
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
    BridgeCounts &b = bridges_.get(bridge);
    b.seen[size_t(cfg.op)] += batch.size();
    bool armed = false;
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
        case Op::kTimer: {
            Packet p = batch.packet(i);
            std::lock_guard<std::mutex> lock(b.mu);
            if (b.timers.size() >= BridgeCounts::kMaxTimers) {
                b.timer_drops++;
                batch.drop(i);
                break;
            }
            Timer t{now_ms() + cfg.ms, cfg.table,
                    std::vector<uint8_t>(p.data, p.data + p.size)};
            auto pos = b.timers.end();
            while (pos != b.timers.begin() && std::prev(pos)->due > t.due) {
                --pos;
            }
            b.timers.insert(pos, std::move(t));
            batch.consume(i);
            armed = true;
            break;
        }
        }
    }
    if (armed) {
        wake_host();
    }
}

void TestPrimitive::run(std::string_view bridge, int64_t now, Sender &out)
{
    BridgeCounts *b = bridges_.find(bridge);
    if (!b) {
        return;
    }
    std::lock_guard<std::mutex> lock(b->mu);
    while (!b->timers.empty() && b->timers.front().due <= now) {
        Timer &t = b->timers.front();
        out.send(t.table, Sender::kFromController, std::move(t.frame));
        b->timers.pop_front();
        b->fired++;
    }
}

int64_t TestPrimitive::next_wakeup(std::string_view bridge)
{
    BridgeCounts *b = bridges_.find(bridge);
    if (!b) {
        return kNever;
    }
    std::lock_guard<std::mutex> lock(b->mu);
    return b->timers.empty() ? kNever : b->timers.front().due;
}

void TestPrimitive::bridge_removed(std::string_view bridge, bool deleted)
{
    BridgeCounts *b = bridges_.find(bridge);
    if (b && deleted) {
        std::lock_guard<std::mutex> lock(b->mu);
        b->cancelled += b->timers.size();
        b->timers.clear();
    }
}

std::vector<Command> TestPrimitive::commands()
{
    return {show_command<BridgeCounts>(
        "cxxtest/show", bridges_, "cxxtest",
        [](const std::string &bridge, BridgeCounts &c) {
            std::string s = "bridge " + bridge + ":";
            for (Op op :
                 {Op::kPass, Op::kCopy, Op::kConsume, Op::kDrop, Op::kTimer}) {
                s += std::string(op == Op::kPass ? " " : ", ") + kOps.name(op)
                     + " " + std::to_string(c.seen[size_t(op)].load());
            }
            std::lock_guard<std::mutex> lock(c.mu);
            return s + "; timers waiting " + std::to_string(c.timers.size())
                   + ", fired " + std::to_string(c.fired) + ", dropped "
                   + std::to_string(c.timer_drops) + ", cancelled "
                   + std::to_string(c.cancelled) + "\n";
        },
        ShowText{nullptr, "no cxxtest state\n"})};
}

}  // namespace cxxa::cxxtest

CXXA_REGISTER_PRIMITIVE(cxxtest, cxxa::cxxtest::TestPrimitive)
