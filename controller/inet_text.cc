// inet_text.cc: see inet_text.h.
#include "inet_text.h"

#include <cstdio>

namespace cxxa::controller {

namespace {

int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// 'n' pairs of hex digits separated by ':', the whole of 's'.
bool parse_hex_pairs(const std::string &s, size_t n, uint64_t &out)
{
    if (s.size() != 3 * n - 1) {
        return false;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i + 1 < n && s[3 * i + 2] != ':')) {
            return false;
        }
        x = x << 8 | unsigned(hi << 4 | lo);
    }
    out = x;
    return true;
}

// A decimal number without sign or leading zero, at most 'max'.
bool parse_decimal(const std::string &s, unsigned max, unsigned &out)
{
    if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) {
        return false;
    }
    unsigned long long x = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
        x = x * 10 + unsigned(c - '0');
    }
    if (x > max) {
        return false;
    }
    out = unsigned(x);
    return true;
}

}  // namespace

std::string format_ip(uint32_t a)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
             (a >> 8) & 0xff, a & 0xff);
    return buf;
}

std::string format_mac(uint64_t m)
{
    char buf[18];
    snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x",
             unsigned(m >> 40) & 0xff, unsigned(m >> 32) & 0xff,
             unsigned(m >> 24) & 0xff, unsigned(m >> 16) & 0xff,
             unsigned(m >> 8) & 0xff, unsigned(m) & 0xff);
    return buf;
}

bool parse_ip(const std::string &s, uint32_t &out)
{
    uint32_t a = 0;
    size_t start = 0;
    for (int i = 0; i < 4; i++) {
        size_t dot = i < 3 ? s.find('.', start) : s.size();
        unsigned b;
        if (dot == std::string::npos
            || !parse_decimal(s.substr(start, dot - start), 255, b)) {
            return false;
        }
        a = a << 8 | b;
        start = dot + 1;
    }
    out = a;
    return true;
}

bool parse_mac(const std::string &s, uint64_t &out)
{
    return parse_hex_pairs(s, 6, out);
}

bool parse_cidr(const std::string &s, uint32_t &address, unsigned &prefix,
                unsigned min_prefix, unsigned max_prefix)
{
    size_t slash = s.find('/');
    uint32_t a;
    unsigned len;
    if (slash == std::string::npos || !parse_ip(s.substr(0, slash), a)
        || !parse_decimal(s.substr(slash + 1), 32, len) || len < min_prefix
        || len > max_prefix) {
        return false;
    }
    address = a;
    prefix = len;
    return true;
}

bool parse_mac_prefix(const std::string &s, uint64_t &prefix,
                      unsigned &n_bytes)
{
    for (unsigned n = 1; n <= 5; n++) {
        uint64_t x;
        if (parse_hex_pairs(s, n, x)) {
            prefix = x << (8 * (6 - n));
            n_bytes = n;
            return true;
        }
    }
    return false;
}

}  // namespace cxxa::controller
