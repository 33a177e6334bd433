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

#include "app.h"
#include "deployment.h"
#include "switch_conn.h"

#include "util.h"  // Before the block: it has C++ parts.
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

    // The durable state file (--state); "" (the default): none.
    void set_state_file(std::string path) { state_file_ = std::move(path); }
    // Loads the state file into the applications, after the first
    // deployment is running: every section is checked first, and nothing
    // is applied unless all pass.  A missing file is an empty state.
    // False with "FIELD: why" errors; the file is not touched.
    bool load_state(std::vector<std::string> &errors);

    void run();
    void wait();

    // Thread-safe: runs 'job' in the main loop and wakes it.
    void post(std::function<void()> job);
    // Signal-safe: asks the main loop to reload the file.
    void request_reload();

    // The applications (app.h), in registration order.
    const std::vector<std::unique_ptr<App>> &apps() const { return apps_; }
    // Applies what 'app' asked for.  Main loop only.
    void apply_effects(const App &app, Effects &);
    // Calls 'done' in the main loop once 'ready' returns true (checked now
    // and after every main loop iteration), or with false at 'deadline'.
    // Main loop only.
    void when(std::function<bool()> ready, App::Clock::time_point deadline,
              std::function<void(bool)> done);

    nlohmann::json health() const;
    nlohmann::json switches() const;
    const nlohmann::json &deployment() const { return deployment_.source; }
    uint64_t generation() const { return generation_; }
    std::string status_text() const;

  private:
    void apply(Deployment &&);
    std::optional<SwitchSpec> passive_spec(uint64_t dpid) const;
    SwitchSpec with_apps(const SwitchSpec &) const;
    void refresh_specs(const std::set<std::string> *only);
    bool packet_in(SwitchConn &, const uint8_t *frame, size_t len,
                   uint32_t in_port);
    void apply_effects(size_t app, Effects &, SwitchConn *origin);
    void run_apps();
    void save_state();
    void run_waiters();
    SwitchConn *conn_by_name(const std::string &, SwitchConn *hint = nullptr);
    template <class F>
    void for_each_conn(F f);

    std::string file_;
    std::string state_file_;
    uint64_t n_state_saves_ = 0, n_state_save_failures_ = 0;
    std::string last_state_error_;
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

    std::vector<std::unique_ptr<App>> apps_;
    std::vector<uint64_t> n_pout_failed_;  // Per app.
    PacketInHook packet_in_hook_;
    std::map<const SwitchConn *, uint64_t> synced_;  // n_syncs seen.

    struct Waiter {
        std::function<bool()> ready;
        App::Clock::time_point deadline;
        std::function<void(bool)> done;
    };
    std::vector<Waiter> waiters_;

    std::mutex jobs_mutex_;
    std::deque<std::function<void()>> jobs_;
    struct latch wake_;
    struct latch reload_;
};

}  // namespace cxxa::controller
