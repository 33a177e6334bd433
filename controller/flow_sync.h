// Reconciliation of one switch's flows with the deployment: which of the
// controller's flows to add and which to delete.  Pure logic, unit tested;
// switch_conn.cc feeds it with flows in canonical text form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cxxa::controller {

// Flows the controller owns carry a cookie whose upper 32 bits are
// kOwnerCookie ("cxxa"); the lower bits say which part of the controller
// made them.  Flows with any other cookie are never touched.
constexpr uint64_t kOwnerCookie = 0x6378786100000000ULL;
constexpr uint64_t kOwnerCookieMask = 0xffffffff00000000ULL;
constexpr uint64_t kCookieDeployment = kOwnerCookie | 0;  // Reconciled.
// Flows applications install themselves at run time (with timeouts),
// outside reconciliation.
constexpr uint64_t kCookieApp = kOwnerCookie | 1;

inline bool is_owned_cookie(uint64_t cookie)
{
    return (cookie & kOwnerCookieMask) == kOwnerCookie;
}

struct FlowKey {
    std::string match;  // "table=T,priority=P,MATCH": the flow's identity.
    std::string full;   // match, cookie, timeouts, actions: everything.
    uint64_t cookie = kCookieDeployment;
};

struct SyncPlan {
    std::vector<size_t> add;     // Indexes into 'desired'.
    std::vector<size_t> remove;  // Indexes into 'installed'.
    size_t kept = 0;
};

// 'installed' holds the owned flows the switch reported.  A desired flow
// whose exact content is installed is kept; otherwise it is added (an add
// replaces an installed flow with the same identity, so that one is not
// deleted first and traffic never sees a gap).  Installed deployment flows
// that are not desired are removed; application flows (kCookieApp) are
// removed unless 'keep_app_flows'.  Flows with cookies we do not own must
// not be in 'installed'; they are ignored if they are.
SyncPlan plan_sync(const std::vector<FlowKey> &desired,
                   const std::vector<FlowKey> &installed, bool keep_app_flows);

}  // namespace cxxa::controller
