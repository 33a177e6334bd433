// Helpers for tests of deployment-file validation.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "deployment.h"
#include "ofp_flows.h"

namespace cxxa::controller::testing {

// The errors parsing 'doc' gives (OVS's own flow parser checks flows).
inline std::vector<std::string> errors_of(const nlohmann::json &doc)
{
    std::vector<std::string> errors;
    auto d = parse_deployment(doc, check_flow_text, errors);
    EXPECT_EQ(d.has_value(), errors.empty());
    return errors;
}

inline std::vector<std::string> errors_of(const std::string &text)
{
    std::vector<std::string> errors;
    auto d = parse_deployment_text(text, check_flow_text, errors);
    EXPECT_EQ(d.has_value(), errors.empty());
    return errors;
}

inline std::vector<std::string> errors_of(const char *text)
{
    return errors_of(std::string(text));
}

// True if one of 'errors' starts with 'prefix'.
inline bool has_error(const std::vector<std::string> &errors,
                      const std::string &prefix)
{
    for (const std::string &e : errors) {
        if (e.rfind(prefix, 0) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace cxxa::controller::testing
