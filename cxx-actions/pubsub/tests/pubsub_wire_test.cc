// Unit tests of pubsub_wire.h: dz arithmetic and covering, the control
// messages (every truncation and every malformation), the event header,
// the IPv4 address mapping.
#include <gtest/gtest.h>

#include "pubsub/pubsub_wire.h"

using namespace cxxa::pubsub;

namespace {

Dz dz(const char *s)
{
    auto d = Dz::parse(s);
    EXPECT_TRUE(d) << s;
    return d.value_or(Dz{});
}

TEST(PubsubDz, TextRoundTrip)
{
    EXPECT_EQ(dz("001").bits, 1u);
    EXPECT_EQ(dz("001").len, 3);
    EXPECT_EQ(dz("001").text(), "001");
    EXPECT_EQ(dz("*").len, 0);
    EXPECT_EQ(dz("*").text(), "*");
    std::string all(64, '1');
    EXPECT_EQ(dz(all.c_str()).bits, ~uint64_t(0));
    EXPECT_EQ(dz(all.c_str()).text(), all);
    for (const char *bad : {"", "2", "01a", " 0", "**", "0*"}) {
        EXPECT_FALSE(Dz::parse(bad)) << bad;
    }
    EXPECT_FALSE(Dz::parse(std::string(65, '0')));
}

TEST(PubsubDz, CoveringIsPrefix)
{
    EXPECT_TRUE(dz("*").covers(dz("0110")));
    EXPECT_TRUE(dz("01").covers(dz("0110")));
    EXPECT_TRUE(dz("0110").covers(dz("0110")));
    EXPECT_FALSE(dz("0110").covers(dz("01")));
    EXPECT_FALSE(dz("00").covers(dz("0110")));
    EXPECT_FALSE(dz("0").covers(dz("*")));
    EXPECT_TRUE(dz("01").overlaps(dz("0110")));
    EXPECT_TRUE(dz("0110").overlaps(dz("01")));
    EXPECT_FALSE(dz("10").overlaps(dz("0110")));
    std::string a(64, '0'), b = a;
    b[63] = '1';
    EXPECT_FALSE(dz(a.c_str()).covers(dz(b.c_str())));
    EXPECT_TRUE(dz(a.substr(0, 63).c_str()).covers(dz(b.c_str())));
    EXPECT_EQ(narrower(dz("01"), dz("011")), dz("011"));
    EXPECT_EQ(narrower(dz("011"), dz("01")), dz("011"));
}

TEST(PubsubDz, PrefixAndBits)
{
    Dz d = dz("10110");
    EXPECT_EQ(d.prefix(0), dz("*"));
    EXPECT_EQ(d.prefix(3), dz("101"));
    EXPECT_EQ(d.prefix(9), d);
    EXPECT_EQ(d.bit(0), 1);
    EXPECT_EQ(d.bit(1), 0);
    EXPECT_EQ(d.bit(4), 0);
}

TEST(PubsubWire, ThesisExample)
{
    std::vector<uint8_t> adv = {0, 3, 0, 0, 0, 0, 0, 1};
    Message m;
    ASSERT_EQ(parse_control(adv.data(), adv.size(), m), WireError::kNone);
    EXPECT_EQ(m.type, MsgType::kAdvertise);
    EXPECT_EQ(m.dz, dz("001"));
    EXPECT_EQ(encode_control(m), adv);
}

TEST(PubsubWire, EveryTypeRoundTripsInBothVersions)
{
    std::string long_dz(40, '1');
    long_dz[3] = '0';
    for (MsgType t : {MsgType::kAdvertise, MsgType::kSubscribe,
                      MsgType::kUnadvertise, MsgType::kUnsubscribe}) {
        for (const char *d : {"*", "1", "0101", "11111111111111111111111",
                              long_dz.c_str(), "000000000000000000000001"}) {
            Message in{t, dz(d)}, out;
            std::vector<uint8_t> w = encode_control(in);
            EXPECT_EQ(w.size(), in.dz.len <= 23 ? kV0Size : kV1Size);
            ASSERT_EQ(parse_control(w.data(), w.size(), out), WireError::kNone)
                << d;
            EXPECT_EQ(out.type, t);
            EXPECT_EQ(out.dz, in.dz);
        }
    }
}

TEST(PubsubWire, EveryTruncationIsRefused)
{
    for (const char *d : {"0101", "0101010101010101010101010101"}) {
        std::vector<uint8_t> w = encode_control({MsgType::kSubscribe, dz(d)});
        for (size_t n = 0; n < w.size(); n++) {
            Message m{MsgType::kUnadvertise, dz("1")};
            EXPECT_EQ(parse_control(w.data(), n, m), WireError::kTruncated)
                << d << " cut to " << n;
            EXPECT_EQ(m.type, MsgType::kUnadvertise);  // Untouched.
        }
        w.push_back(0);
        Message m;
        EXPECT_EQ(parse_control(w.data(), w.size(), m), WireError::kBadLength);
    }
}

TEST(PubsubWire, MalformedMessagesAreRefused)
{
    auto err = [](std::vector<uint8_t> w) {
        Message m;
        return parse_control(w.data(), w.size(), m);
    };
    EXPECT_EQ(err({5, 3, 0, 0, 0, 0, 0, 1}), WireError::kBadType);
    EXPECT_EQ(err({4, 3, 0, 0, 0, 0, 0, 1}), WireError::kBadType);  // Event.
    EXPECT_EQ(err({0, 24, 0, 0, 0, 0, 0, 1}), WireError::kDzTooLong);
    EXPECT_EQ(err({0, 3, 2, 0, 0, 0, 0, 1}), WireError::kBadVersion);
    EXPECT_EQ(err({0, 3, 0, 1, 0, 0, 0, 1}), WireError::kReserved);
    EXPECT_EQ(err({0, 3, 0, 0, 1, 0, 0, 1}), WireError::kReserved);
    EXPECT_EQ(err({0, 3, 0, 0, 0, 0, 0, 8}), WireError::kValueBits);
    EXPECT_EQ(err({0, 0, 0, 0, 0, 0, 0, 1}), WireError::kValueBits);
    EXPECT_EQ(err({1, 65, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}),
              WireError::kDzTooLong);
    EXPECT_EQ(err({1, 4, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}),
              WireError::kReserved);
    EXPECT_EQ(err({1, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}),
              WireError::kValueBits);
    // Version 1 may also carry a short dz.
    EXPECT_EQ(err({1, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf}),
              WireError::kNone);
}

TEST(PubsubWire, EventHeader)
{
    std::string d(50, '0');
    d[49] = '1';
    std::vector<uint8_t> h = encode_event_header(dz(d.c_str()));
    ASSERT_EQ(h.size(), kEventHeaderSize);
    Dz out;
    // The application's bytes follow the header.
    std::vector<uint8_t> with_data = h;
    with_data.insert(with_data.end(), {1, 2, 3});
    ASSERT_EQ(parse_event_header(with_data.data(), with_data.size(), out),
              WireError::kNone);
    EXPECT_EQ(out, dz(d.c_str()));
    for (size_t n = 0; n < h.size(); n++) {
        EXPECT_EQ(parse_event_header(h.data(), n, out), WireError::kTruncated)
            << n;
    }
    // A control message is no event header.
    std::vector<uint8_t> c = encode_control({MsgType::kSubscribe, dz("01")});
    EXPECT_EQ(parse_event_header(c.data(), c.size(), out),
              WireError::kBadVersion);
    std::vector<uint8_t> v1(16, 0);
    v1[2] = 1;
    EXPECT_EQ(parse_event_header(v1.data(), v1.size(), out),
              WireError::kBadType);
}

TEST(PubsubAddress, DzBitsFollowThePrefix)
{
    const uint32_t p = 0xe1800000;  // 225.128.0.0/9
    EXPECT_EQ(ipv4_address(p, 9, dz("*")), 0xe1800000u);
    EXPECT_EQ(ipv4_address(p, 9, dz("1")), 0xe1c00000u);
    EXPECT_EQ(ipv4_address(p, 9, dz("01")), 0xe1a00000u);
    EXPECT_EQ(ipv4_address(p, 9, dz("11111111111111111111111")), 0xe1ffffffu);
    // Longer dz are cut to the 23 bits that fit.
    EXPECT_EQ(ipv4_address(p, 9, dz("111111111111111111111110")), 0xe1ffffffu);
    // Host bits of the prefix are ignored.
    EXPECT_EQ(ipv4_address(0xe1812345, 9, dz("1")), 0xe1c00000u);
    EXPECT_EQ(ipv4_match_bits(9, dz("*")), 9u);
    EXPECT_EQ(ipv4_match_bits(9, dz("0101")), 13u);
    EXPECT_EQ(ipv4_match_bits(9, dz(std::string(40, '1').c_str())), 32u);
    // Covering carries over to addresses: an event's address lies in the
    // prefix of every dz that covers it.
    Dz event = dz("0110100111010110011101");
    for (unsigned n = 0; n <= event.len; n++) {
        Dz sub = event.prefix(n);
        unsigned bits = ipv4_match_bits(9, sub);
        uint32_t mask = bits == 0 ? 0 : ~uint32_t(0) << (32 - bits);
        EXPECT_EQ(ipv4_address(p, 9, event) & mask, ipv4_address(p, 9, sub))
            << n;
    }
    EXPECT_EQ(ipv4_address(0xef000000, 8, dz("1")), 0xef800000u);
}

}  // namespace
