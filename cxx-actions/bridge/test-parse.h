// test-parse.h: for unit tests, a primitive's arguments through the C ABI
// (cxxa_parse), as ovs-ofctl parses them.
#pragma once

#include <cstdlib>
#include <string>

#include "cxx-actions.h"

namespace cxxa::testing {

// The canonical form of NAME's ARGS, or cxxa_parse()'s error; *ok says
// which.
inline std::string parse_c(const char *name, const char *args, bool *ok)
{
    char *canonical = nullptr;
    char *error = cxxa_parse(name, args, &canonical);
    *ok = error == nullptr;
    std::string s = error ? error : canonical;
    std::free(error);
    std::free(canonical);
    return s;
}

// The canonical form, or "ERROR " and the error.
inline std::string parse(const char *name, const char *args)
{
    bool ok;
    std::string s = parse_c(name, args, &ok);
    return ok ? s : "ERROR " + s;
}

}  // namespace cxxa::testing
