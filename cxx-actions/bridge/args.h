// args.h: the argument grammar shared by all primitives.
//
//   ARGS  := OP | OP "(" [KV ("," KV)*] ")"
//   KV    := KEY "=" VALUE
//
// e.g. "onclient", "onaccept(group=2,node=3)", "store(server=10.9.0.1)".
// Values may not contain ',', '(' or ')'.  Keys must be unique.
#ifndef CXXA_BRIDGE_ARGS_H
#define CXXA_BRIDGE_ARGS_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxxa {

struct OpArgs {
    std::string op;
    std::vector<std::pair<std::string, std::string>> kv;

    // Returns the value of 'key' and marks it used, or nullopt.
    std::optional<std::string> take(std::string_view key);
    // Throws ArgError naming the first key nobody took.
    void expect_all_taken() const;

  private:
    std::vector<bool> taken_;
    friend OpArgs parse_op_args(std::string_view);
};

// Throws ArgError on a syntax error.
OpArgs parse_op_args(std::string_view args);

// Typed values; each throws ArgError("KEY: ...") when out of range.
uint64_t parse_uint(std::string_view key, std::string_view value, uint64_t min,
                    uint64_t max);
uint32_t parse_ipv4(std::string_view key, std::string_view value);
std::string format_ipv4(uint32_t addr);

// Formats OP(k=v,...) or OP when there are no pairs.
std::string
format_op_args(std::string_view op,
               const std::vector<std::pair<std::string, std::string>> &kv);

}  // namespace cxxa

#endif  // CXXA_BRIDGE_ARGS_H
