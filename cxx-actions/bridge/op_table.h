// op_table.h: the operation names of a primitive, both ways.
//
//   const OpTable<Op> kOps({{Op::kIn, "in"}, {Op::kOut, "out"}});
//   cfg->op = kOps.parse(a.op);      // throws ArgError for an unknown name
//   format_op_args(kOps.name(cfg.op), kv);
#ifndef CXXA_BRIDGE_OP_TABLE_H
#define CXXA_BRIDGE_OP_TABLE_H

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "registry.h"

namespace cxxa {

template <class Op>
class OpTable {
  public:
    struct Entry {
        Op op;
        const char *name;
    };

    // 'kind' names an operation in errors ("operation", "role"); 'hint' is
    // appended to the list of expected names in them.
    OpTable(std::initializer_list<Entry> entries,
            std::string kind = "operation", std::string hint = "")
        : entries_(entries), kind_(std::move(kind)), hint_(std::move(hint))
    {
    }

    // The operation called 'name'; throws ArgError
    // "unknown KIND 'NAME' (expected A, B or C[HINT])" if there is none.
    Op parse(std::string_view name) const
    {
        for (const Entry &e : entries_) {
            if (name == e.name) {
                return e.op;
            }
        }
        throw ArgError("unknown " + kind_ + " '" + std::string(name)
                       + "' (expected " + expected() + hint_ + ")");
    }

    const char *name(Op op) const
    {
        for (const Entry &e : entries_) {
            if (e.op == op) {
                return e.name;
            }
        }
        return "?";
    }

    // "A, B or C".
    std::string expected() const
    {
        std::string s;
        for (size_t i = 0; i < entries_.size(); i++) {
            if (i) {
                s += i + 1 == entries_.size() ? " or " : ", ";
            }
            s += entries_[i].name;
        }
        return s;
    }

  private:
    std::vector<Entry> entries_;
    std::string kind_;
    std::string hint_;
};

}  // namespace cxxa

#endif  // CXXA_BRIDGE_OP_TABLE_H
