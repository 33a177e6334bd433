// The controller: the deployment, the switch connections that realise it,
// and a job queue through which other threads (REST) act on them.  All of
// it runs in the OVS poll loop of the main thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "amd_service.h"
#include "deployment.h"
#include "nat_service.h"
#include "switch_conn.h"

#include "util.h"   // Before the block: it has C++ parts.
extern "C" {
#include "latch.h"
}

struct pvconn;

namespace cxxa::controller {

class Controller {
public:
    // 'deployment_file' is read at start and on reload; PUT /deployment
    // writes it back.  Passive connections are accepted with 'versions'.
    Controller(std::string deployment_file, uint32_t passive_versions);
    ~Controller();

    // Opens a passive OpenFlow listener (ptcp:, pssl:, punix:).  Returns an
    // errno value.
    int listen(const std::string &target);

    // Loads the deployment file, replacing the running deployment only if
    // the whole file is valid.
    bool reload(std::vector<std::string> &errors);
    // Same with a new document, written to the deployment file first.
    bool replace(const std::string &text, std::vector<std::string> &errors,
                 int &http_status);

    void run();
    void wait();

    // Thread-safe: runs 'job' in the main loop and wakes it.
    void post(std::function<void()> job);
    // Signal-safe: asks the main loop to reload the file.
    void request_reload();

    // AMD (REST handlers run these in the main loop): one of AmdService's
    // request handlers, whose effects are then applied to the switches.
    using AmdRequest = AmdReply (AmdService::*)(const std::string &,
                                                AmdEffects &);
    AmdReply amd_request(AmdRequest, const std::string &body);
    // Asks every AMD switch for a report on every server.
    void amd_request_reports();
    bool amd_reports_complete(AmdService::Clock::time_point since) const
    {
        return amd_.reports_complete(since);
    }
    nlohmann::json amd_info() const { return amd_.info(); }

    // NAT routers (REST handlers run these in the main loop).
    using NatRequest = NatReply (NatService::*)(const std::string &,
                                                NatEffects &);
    NatReply nat_request(NatRequest, const std::string &body);
    nlohmann::json nat_routers() const { return nat_.routers(); }

    nlohmann::json health() const;
    nlohmann::json amd_counters() const;
    nlohmann::json nat_counters() const;
    nlohmann::json switches() const;
    const nlohmann::json &deployment() const { return deployment_.source; }
    uint64_t generation() const { return generation_; }
    std::string status_text() const;

private:
    void apply(Deployment &&);
    std::optional<SwitchSpec> passive_spec(uint64_t dpid) const;
    SwitchSpec with_sections(const SwitchSpec &) const;
    void refresh_specs(const std::set<std::string> *only);
    void apply_amd(AmdEffects &);
    void apply_nat(NatEffects &);
    SwitchConn *conn_by_name(const std::string &);
    template <class F> void for_each_conn(F f);

    std::string file_;
    uint32_t passive_versions_;
    Deployment deployment_;
    uint64_t generation_ = 0;
    std::chrono::steady_clock::time_point started_;

    std::map<std::string, std::unique_ptr<SwitchConn>> active_;
    std::vector<std::unique_ptr<SwitchConn>> passive_;
    std::vector<std::unique_ptr<SwitchConn>> retiring_;
    std::vector<pvconn *> listeners_;
    uint64_t n_passive_refused_ = 0;
    uint64_t n_reloads_ = 0, n_reload_failures_ = 0;

    AmdService amd_;
    PacketInHook packet_in_hook_;
    std::map<const SwitchConn *, uint64_t> amd_synced_;   // n_syncs seen.
    uint64_t n_amd_pout_failed_ = 0;

    NatService nat_;
    uint64_t n_nat_pout_failed_ = 0;

    std::mutex jobs_mutex_;
    std::deque<std::function<void()>> jobs_;
    struct latch wake_;
    struct latch reload_;
};

}  // namespace cxxa::controller
