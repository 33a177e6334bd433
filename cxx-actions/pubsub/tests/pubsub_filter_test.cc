// Unit tests of the pubsub:filter primitive: its grammar through the C ABI
// and its verdicts on frames (net/test-frames.h builds them).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "net/test-frames.h"
#include "pubsub/pubsub_primitive.h"
#include "test-parse.h"

using namespace frames;
using namespace cxxa::pubsub;
using cxxa::testing::parse;

namespace {

Bytes event(const char *d, uint32_t dst = ip(225, 128, 0, 0))
{
    std::vector<uint8_t> h = encode_event_header(*Dz::parse(d));
    std::string payload(h.begin(), h.end());
    payload += "seq=1";
    return frame(ipv4(17, ip(10, 0, 0, 1), dst, l4_udp(40000, 5038, payload)));
}

TEST(PubsubFilterArgs, Grammar)
{
    EXPECT_EQ(parse("pubsub", "filter(dz=01)"), "filter(dz=01)");
    EXPECT_EQ(parse("pubsub", "filter(dz=1+01+1)"), "filter(dz=01+1)");
    EXPECT_EQ(parse("pubsub", "filter(dz=*)"), "filter(dz=*)");
    EXPECT_EQ(parse("pubsub", "filter"),
              "ERROR pubsub: filter needs dz=DZ[+DZ...]");
    EXPECT_EQ(parse("pubsub", "filter(dz=012)"),
              "ERROR pubsub: dz: '012' is not a dz-expression (1 to 64 of 0 "
              "and 1, or *)");
    EXPECT_EQ(parse("pubsub", "filter(dz=01+)"),
              "ERROR pubsub: dz: '' is not a dz-expression (1 to 64 of 0 and "
              "1, or *)");
    EXPECT_EQ(parse("pubsub", "filter(dz=01,x=1)").substr(0, 6), "ERROR ");
    EXPECT_EQ(parse("pubsub", "pass(dz=01)").substr(0, 6), "ERROR ");
    std::string many;
    for (int i = 0; i < 65; i++) {
        std::string one;
        for (int b = 6; b >= 0; b--) {
            one += char('0' + (i >> b & 1));
        }
        many += (many.empty() ? "" : "+") + one;
    }
    EXPECT_EQ(parse("pubsub", ("filter(dz=" + many + ")").c_str()),
              "ERROR pubsub: dz: 65 expressions, at most 64");
}

TEST(PubsubFilter, PassesExactlyTheCoveredEvents)
{
    FilterConfig cfg;
    cfg.dz = {*Dz::parse("0110"), *Dz::parse("111")};
    for (const char *d :
         {"0110", "01101", "0110111111111111111111111111", "111", "1110"}) {
        Bytes f = event(d);
        EXPECT_EQ(filter(cfg, f.data(), f.size()), Verdict::kPass) << d;
    }
    for (const char *d : {"011", "0111", "*", "110", "0"}) {
        Bytes f = event(d);
        EXPECT_EQ(filter(cfg, f.data(), f.size()), Verdict::kFiltered) << d;
    }
}

TEST(PubsubFilter, NonEventsAreMalformed)
{
    FilterConfig cfg;
    cfg.dz = {Dz{}};
    Bytes ok = event("01");
    EXPECT_EQ(filter(cfg, ok.data(), ok.size()), Verdict::kPass);
    Bytes other = udp(ip(10, 0, 0, 1), 1, ip(225, 128, 0, 0), 5038);
    Bytes tcp_f = tcp(ip(10, 0, 0, 1), 1, ip(225, 128, 0, 0), 5038);
    Bytes cut = ok;
    cut.resize(kL4 + 8 + 10);
    wr16(cut, kIp + 2, uint16_t(cut.size() - kIp));
    wr16(cut, kL4 + 4, 18);
    fix_checksums(cut);
    for (Bytes *f : {&other, &tcp_f, &cut}) {
        EXPECT_EQ(filter(cfg, f->data(), f->size()), Verdict::kMalformed);
    }
}

// Runs ovs-appctl command args[0] through the C ABI: its reply, or
// "ERROR " and the error.
std::string show(std::vector<const char *> args)
{
    for (size_t i = 0; i < cxxa_n_commands(); i++) {
        if (std::string(cxxa_command(i)->name) == args[0]) {
            char *r = nullptr;
            bool ok = cxxa_run_command(i, int(args.size()), args.data(), &r);
            std::string s = (ok ? "" : "ERROR ") + std::string(r);
            std::free(r);
            return s;
        }
    }
    return "no such command";
}

TEST(PubsubFilter, ExecuteCountsPassAndDrop)
{
    Bytes a = event("0110"), b = event("0111"), c = udp(1, 1, 2, 2);
    cxxa_packet pkts[3] = {{a.data(), a.size(), 1},
                           {b.data(), b.size(), 1},
                           {c.data(), c.size(), 1}};
    int emitted = 0;
    cxxa_execute(
        "u-pubsub", "pubsub", "filter(dz=0110)", pkts, 3,
        [](void *aux, size_t, const void *, size_t) {
            ++*static_cast<int *>(aux);
        },
        &emitted);
    EXPECT_EQ(emitted, 1);
    EXPECT_EQ(show({"pubsub/show", "u-pubsub"}),
              "bridge u-pubsub: passed 1, filtered 1, malformed 1\n");
    EXPECT_EQ(show({"pubsub/show", "u-none"}),
              "ERROR no pubsub state for bridge u-none");
}

}  // namespace
