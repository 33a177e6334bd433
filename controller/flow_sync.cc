#include "flow_sync.h"

#include <unordered_set>

namespace cxxa::controller {

SyncPlan plan_sync(const std::vector<FlowKey> &desired,
                   const std::vector<FlowKey> &installed, bool keep_app_flows)
{
    SyncPlan plan;
    std::unordered_set<std::string> installed_full, desired_full;
    std::unordered_set<std::string> desired_match;

    for (const FlowKey &f : installed) {
        if (is_owned_cookie(f.cookie) && f.cookie != kCookieApp) {
            installed_full.insert(f.full);
        }
    }
    for (size_t i = 0; i < desired.size(); i++) {
        const FlowKey &f = desired[i];
        if (!desired_full.insert(f.full).second) {
            continue; /* Same flow listed twice. */
        }
        desired_match.insert(f.match);
        if (installed_full.count(f.full)) {
            plan.kept++;
        } else {
            plan.add.push_back(i);
        }
    }
    for (size_t i = 0; i < installed.size(); i++) {
        const FlowKey &f = installed[i];
        if (!is_owned_cookie(f.cookie)) {
            continue;
        }
        if (f.cookie == kCookieApp) {
            if (!keep_app_flows && !desired_match.count(f.match)) {
                plan.remove.push_back(i);
            }
        } else if (!desired_full.count(f.full)
                   && !desired_match.count(f.match)) {
            plan.remove.push_back(i);
        }
    }
    return plan;
}

}  // namespace cxxa::controller
