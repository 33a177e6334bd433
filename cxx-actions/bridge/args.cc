// args.cc: see args.h.
#include "args.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

#include "registry.h"

namespace cxxa {

namespace {

bool is_word(std::string_view s)
{
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_'
            && c != '-') {
            return false;
        }
    }
    return true;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

OpArgs parse_op_args(std::string_view args)
{
    OpArgs out;
    args = trim(args);
    size_t paren = args.find('(');
    std::string_view op = args.substr(0, paren);
    if (!is_word(op)) {
        throw ArgError(op.empty() ? "missing operation"
                                  : "bad operation '" + std::string(op) + "'");
    }
    out.op = std::string(op);
    if (paren == std::string_view::npos) {
        return out;
    }
    if (args.back() != ')') {
        throw ArgError("missing ')' after arguments of " + out.op);
    }
    std::string_view body = args.substr(paren + 1, args.size() - paren - 2);
    if (body.find_first_of("()") != std::string_view::npos) {
        throw ArgError("unexpected parenthesis in arguments of " + out.op);
    }
    while (!trim(body).empty()) {
        size_t comma = body.find(',');
        std::string_view item = trim(body.substr(0, comma));
        body = comma == std::string_view::npos ? std::string_view()
                                               : body.substr(comma + 1);
        size_t eq = item.find('=');
        if (eq == std::string_view::npos) {
            throw ArgError("expected KEY=VALUE, got '" + std::string(item)
                           + "'");
        }
        std::string_view key = trim(item.substr(0, eq));
        std::string_view value = trim(item.substr(eq + 1));
        if (!is_word(key)) {
            throw ArgError("bad key '" + std::string(key) + "'");
        }
        if (value.empty()) {
            throw ArgError(std::string(key) + ": missing value");
        }
        for (const auto &kv : out.kv) {
            if (kv.first == key) {
                throw ArgError(std::string(key) + ": given twice");
            }
        }
        out.kv.emplace_back(std::string(key), std::string(value));
        if (comma == std::string_view::npos) {
            break;
        }
    }
    out.taken_.assign(out.kv.size(), false);
    return out;
}

std::optional<std::string> OpArgs::take(std::string_view key)
{
    for (size_t i = 0; i < kv.size(); i++) {
        if (kv[i].first == key) {
            taken_[i] = true;
            return kv[i].second;
        }
    }
    return std::nullopt;
}

void OpArgs::expect_all_taken() const
{
    for (size_t i = 0; i < kv.size(); i++) {
        if (!taken_[i]) {
            throw ArgError("unknown key '" + kv[i].first + "' for " + op);
        }
    }
}

uint64_t parse_uint(std::string_view key, std::string_view value, uint64_t min,
                    uint64_t max)
{
    uint64_t v = 0;
    int base = 10;
    std::string_view digits = value;
    if (digits.size() > 2 && digits[0] == '0'
        && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    auto [end, ec] = std::from_chars(digits.data(),
                                     digits.data() + digits.size(), v, base);
    if (ec != std::errc() || end != digits.data() + digits.size()
        || digits.empty()) {
        throw ArgError(std::string(key) + ": '" + std::string(value)
                       + "' is not a number");
    }
    if (v < min || v > max) {
        throw ArgError(std::string(key) + ": " + std::string(value)
                       + " is out of range " + std::to_string(min) + ".."
                       + std::to_string(max));
    }
    return v;
}

uint32_t parse_ipv4(std::string_view key, std::string_view value)
{
    std::string s(value);
    in_addr a;
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) {
        throw ArgError(std::string(key) + ": '" + s
                       + "' is not an IPv4 address");
    }
    return ntohl(a.s_addr);
}

std::string format_ipv4(uint32_t addr)
{
    return std::to_string(addr >> 24) + "."
           + std::to_string((addr >> 16) & 0xff) + "."
           + std::to_string((addr >> 8) & 0xff) + "."
           + std::to_string(addr & 0xff);
}

std::string
format_op_args(std::string_view op,
               const std::vector<std::pair<std::string, std::string>> &kv)
{
    std::string s(op);
    if (!kv.empty()) {
        s += '(';
        for (size_t i = 0; i < kv.size(); i++) {
            s += (i ? "," : "") + kv[i].first + "=" + kv[i].second;
        }
        s += ')';
    }
    return s;
}

}  // namespace cxxa
