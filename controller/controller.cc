#include <config.h>

#include "controller.h"

#include <cerrno>
#include <cstdio>
#include <sstream>
#include <unistd.h>

#include "ofp_flows.h"
#include "state_file.h"

#include "openvswitch/ofp-errors.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "util.h"  // Before the block: it has C++ parts.
extern "C" {
#include "socket-util.h"
}

VLOG_DEFINE_THIS_MODULE(controller);

namespace cxxa::controller {

using nlohmann::json;

namespace {

constexpr size_t kMaxPassive = 1024;  // Accepted connections at once.
}  // namespace

Controller::Controller(std::string deployment_file, uint32_t passive_versions)
    : file_(std::move(deployment_file)), passive_versions_(passive_versions),
      started_(std::chrono::steady_clock::now())
{
    latch_init(&wake_);
    latch_init(&reload_);
    for (const AppType *t : app_types()) {
        apps_.push_back(t->make());
    }
    n_pout_failed_.resize(apps_.size());
    packet_in_hook_ = [this](SwitchConn &c, const uint8_t *frame, size_t len,
                             uint32_t in_port) {
        return packet_in(c, frame, len, in_port);
    };
}

/* Offers a packet-in to each application in turn until one takes it. */
bool Controller::packet_in(SwitchConn &c, const uint8_t *frame, size_t len,
                           uint32_t in_port)
{
    if (!c.spec()) {
        return false;
    }
    for (size_t i = 0; i < apps_.size(); i++) {
        Effects fx;
        bool took = apps_[i]->packet_in(c.spec()->name, frame, len, in_port,
                                        fx);
        apply_effects(i, fx, &c);
        if (took) {
            return true;
        }
    }
    return false;
}

Controller::~Controller()
{
    for (pvconn *p : listeners_) {
        pvconn_close(p);
    }
    latch_destroy(&wake_);
    latch_destroy(&reload_);
}

int Controller::listen(const std::string &target)
{
    pvconn *p;
    int error = pvconn_open(target.c_str(), passive_versions_, DSCP_DEFAULT,
                            &p);
    if (!error) {
        listeners_.push_back(p);
    }
    return error;
}

bool Controller::reload(std::vector<std::string> &errors)
{
    std::string text, error;
    if (!read_text_file(file_, text, error)) {
        errors.push_back(error);
        n_reload_failures_++;
        return false;
    }
    auto d = parse_deployment_text(text, check_flow_text, errors);
    if (!d) {
        n_reload_failures_++;
        for (const std::string &e : errors) {
            VLOG_ERR("%s: %s", file_.c_str(), e.c_str());
        }
        VLOG_ERR("%s: rejected; generation %" PRIu64 " stays in place",
                 file_.c_str(), generation_);
        return false;
    }
    n_reloads_++;
    apply(std::move(*d));
    return true;
}

bool Controller::replace(const std::string &text,
                         std::vector<std::string> &errors, int &http_status)
{
    auto d = parse_deployment_text(text, check_flow_text, errors);
    if (!d) {
        http_status = 400;
        return false;
    }
    std::string error;
    if (!write_file_atomic(file_, d->source.dump(2) + "\n", error)) {
        errors.push_back("cannot save the deployment, nothing changed: "
                         + error);
        http_status = 500;
        return false;
    }
    n_reloads_++;
    apply(std::move(*d));
    http_status = 200;
    return true;
}

std::optional<SwitchSpec> Controller::passive_spec(uint64_t dpid) const
{
    const SwitchSpec *s = deployment_.find_switch_by_dpid(dpid);
    if (s && s->connect.empty()) {
        return with_apps(*s);
    }
    return std::nullopt;
}

/* The switch's deployment entry with what the applications add at run
 * time. */
SwitchSpec Controller::with_apps(const SwitchSpec &s) const
{
    SwitchSpec out = s;
    for (const auto &app : apps_) {
        app->add_to_switch(out);
    }
    return out;
}

/* Gives the connections of the switches in 'only' (all if null) their
 * entry again, with the applications' current flows; those that changed
 * are reconciled. */
void Controller::refresh_specs(const std::set<std::string> *only)
{
    for_each_conn([&](SwitchConn &c) {
        if (!c.spec() || (only && !only->count(c.spec()->name))) {
            return;
        }
        const SwitchSpec *base = deployment_.find_switch(c.spec()->name);
        if (base
            && (c.passive() ? base->connect.empty()
                            : !base->connect.empty())) {
            c.set_spec(with_apps(*base));
        }
    });
}

template <class F>
void Controller::for_each_conn(F f)
{
    for (auto &[name, conn] : active_) {
        f(*conn);
    }
    for (auto &conn : passive_) {
        f(*conn);
    }
}

SwitchConn *Controller::conn_by_name(const std::string &name, SwitchConn *hint)
{
    if (hint && hint->spec() && hint->spec()->name == name) {
        return hint;
    }
    SwitchConn *found = nullptr;
    for_each_conn([&](SwitchConn &c) {
        if (c.spec() && c.spec()->name == name && !found) {
            found = &c;
        }
    });
    return found;
}

void Controller::apply_effects(const App &app, Effects &fx)
{
    for (size_t i = 0; i < apps_.size(); i++) {
        if (apps_[i].get() == &app) {
            apply_effects(i, fx, nullptr);
        }
    }
}

/* Re-sends the flows of the switches that changed, then the packet-outs,
 * each after the flow mods before it, then the forwards.  A switch that
 * comes back is given what it missed once it is in sync (run()). */
void Controller::apply_effects(size_t app, Effects &fx, SwitchConn *origin)
{
    if (fx.all_flows_changed) {
        refresh_specs(nullptr);
    } else if (!fx.flows_changed.empty()) {
        refresh_specs(&fx.flows_changed);
    }
    for (PacketOut &po : fx.packet_outs) {
        SwitchConn *c = conn_by_name(po.sw, origin);
        std::string why = !c || !c->connected()
                              ? "not connected"
                              : c->send_packet_out(po.actions, po.frame);
        if (!why.empty()) {
            n_pout_failed_[app]++;
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
            VLOG_WARN_RL(&rl, "%s: %s: packet-out \"%s\" not sent: %s",
                         apps_[app]->name(), po.sw.c_str(), po.actions.c_str(),
                         why.c_str());
        }
    }
    for (const Forward &f : fx.forwards) {
        if (SwitchConn *c = conn_by_name(f.sw, origin)) {
            c->forward(f);
        }
    }
    if (fx.state_changed && !state_file_.empty()) {
        save_state();
    }
}

bool Controller::load_state(std::vector<std::string> &errors)
{
    if (state_file_.empty()) {
        return true;
    }
    if (access(state_file_.c_str(), F_OK) && errno == ENOENT) {
        VLOG_INFO("%s: no state file yet: starting with no saved state",
                  state_file_.c_str());
        return true;
    }
    std::string text, error;
    if (!read_text_file(state_file_, text, error)) {
        errors.push_back(error);
        return false;
    }
    Errors e(errors);
    json sections;
    if (!decode_state(text, sections, e)) {
        return false;
    }
    /* Every section is checked before any is applied. */
    for (const auto &[name, section] : sections.items()) {
        const App *app = nullptr;
        for (const auto &a : apps_) {
            app = a->name() == name ? a.get() : app;
        }
        if (!app) {
            e.add("apps." + name, "no such application in this controller");
        } else {
            app->check_state(section, "apps." + name, e);
        }
    }
    if (e.count()) {
        return false;
    }
    for (size_t i = 0; i < apps_.size(); i++) {
        if (sections.contains(apps_[i]->name())) {
            Effects fx = apps_[i]->load_state(sections[apps_[i]->name()]);
            fx.state_changed = false;
            apply_effects(i, fx, nullptr);
        }
    }
    VLOG_INFO("%s: state loaded (%zu sections)", state_file_.c_str(),
              sections.size());
    return true;
}

/* Writes every application's durable state to the state file.  A failed
 * write is logged and counted (GET /health); the file keeps the last
 * state written. */
void Controller::save_state()
{
    json sections = json::object();
    for (const auto &app : apps_) {
        if (auto s = app->save_state()) {
            sections[app->name()] = std::move(*s);
        }
    }
    std::string error;
    if (write_file_atomic(state_file_, encode_state(sections), error)) {
        n_state_saves_++;
        return;
    }
    n_state_save_failures_++;
    last_state_error_ = error;
    VLOG_ERR("state not saved: %s", error.c_str());
}

void Controller::when(std::function<bool()> ready,
                      App::Clock::time_point deadline,
                      std::function<void(bool)> done)
{
    if (ready()) {
        done(true);
    } else {
        waiters_.push_back({std::move(ready), deadline, std::move(done)});
        latch_set(&wake_);
    }
}

void Controller::run_waiters()
{
    auto now = App::Clock::now();
    std::erase_if(waiters_, [now](Waiter &w) {
        if (w.ready()) {
            w.done(true);
        } else if (now >= w.deadline) {
            w.done(false);
        } else {
            return false;
        }
        return true;
    });
}

void Controller::apply(Deployment &&d)
{
    deployment_ = std::move(d);
    generation_++;
    /* Flow changes need not be applied: the loops below give every
     * switch its entry again. */
    std::vector<Effects> app_fx;
    for (auto &app : apps_) {
        app_fx.push_back(app->configure(deployment_));
    }
    VLOG_INFO("deployment generation %" PRIu64 ": %zu switches", generation_,
              deployment_.switches.size());

    /* Active connections: keep those whose target and versions are
     * unchanged, retire the rest (their owned flows are deleted). */
    std::map<std::string, std::unique_ptr<SwitchConn>> active;
    for (const SwitchSpec &s : deployment_.switches) {
        if (s.connect.empty()) {
            continue;
        }
        auto it = active_.find(s.name);
        if (it != active_.end() && it->second->spec()
            && it->second->spec()->connect == s.connect
            && it->second->spec()->versions == s.versions) {
            it->second->set_spec(with_apps(s));
            active[s.name] = std::move(it->second);
            active_.erase(it);
        } else {
            active[s.name] = std::make_unique<SwitchConn>(with_apps(s));
        }
    }
    for (auto &[name, conn] : active_) {
        VLOG_INFO("%s: removed from the deployment; deleting its flows",
                  name.c_str());
        conn->retire();
        retiring_.push_back(std::move(conn));
    }
    active_ = std::move(active);

    for (auto &conn : passive_) {
        if (!conn->dpid()) {
            continue;
        }
        auto spec = passive_spec(*conn->dpid());
        if (!spec && conn->spec()) {
            conn->retire();
        } else {
            conn->set_spec(spec);
        }
    }
    for (size_t i = 0; i < apps_.size(); i++) {
        app_fx[i].all_flows_changed = false;
        app_fx[i].flows_changed.clear();
        apply_effects(i, app_fx[i], nullptr);
    }
}

void Controller::post(std::function<void()> job)
{
    {
        std::lock_guard<std::mutex> lock(jobs_mutex_);
        jobs_.push_back(std::move(job));
    }
    latch_set(&wake_);
}

void Controller::request_reload() { latch_set(&reload_); }

void Controller::run()
{
    if (latch_poll(&reload_)) {
        std::vector<std::string> errors;
        VLOG_INFO("reloading %s", file_.c_str());
        reload(errors);
    }
    latch_poll(&wake_);
    std::deque<std::function<void()>> jobs;
    {
        std::lock_guard<std::mutex> lock(jobs_mutex_);
        jobs.swap(jobs_);
    }
    for (auto &job : jobs) {
        job();
    }

    for (pvconn *p : listeners_) {
        for (;;) {
            vconn *v;
            if (pvconn_accept(p, &v)) {
                break;
            }
            if (passive_.size() >= kMaxPassive) {
                n_passive_refused_++;
                VLOG_WARN("refusing %s: %zu switch connections already",
                          vconn_get_name(v), passive_.size());
                vconn_close(v);
                continue;
            }
            passive_.push_back(
                std::make_unique<SwitchConn>(v, passive_versions_));
        }
    }

    for (auto &[name, conn] : active_) {
        conn->set_packet_in_hook(&packet_in_hook_);
        conn->run();
    }
    for (auto &conn : passive_) {
        conn->set_packet_in_hook(&packet_in_hook_);
        conn->run();
        if (conn->awaiting_spec()) {
            conn->set_spec(passive_spec(*conn->dpid()));
        }
    }
    std::erase_if(passive_, [](const auto &c) { return !c->alive(); });

    run_apps();
    run_waiters();
    for (auto &conn : retiring_) {
        conn->run();
    }
    std::erase_if(retiring_, [](const auto &c) { return c->retired(); });
}

/* The applications' timers, and what switches that have just been
 * (re)synchronised may have missed while away.  Packet-outs go to switches
 * in sync only. */
void Controller::run_apps()
{
    std::vector<std::string> just_synced;
    std::map<const SwitchConn *, uint64_t> synced; /* Live ones only. */
    for_each_conn([&](SwitchConn &c) {
        auto it = synced_.find(&c);
        if ((it == synced_.end() || it->second != c.n_syncs()) && c.spec()
            && c.in_sync()) {
            just_synced.push_back(c.spec()->name);
        }
        /* Not in sync now (a new reconciliation started at once): keep
         * the old count, so that this is done when that one ends. */
        synced[&c] = c.in_sync()           ? c.n_syncs()
                     : it == synced_.end() ? 0
                                           : it->second;
    });
    synced_ = std::move(synced);
    for (size_t i = 0; i < apps_.size(); i++) {
        Effects fx;
        for (const std::string &sw : just_synced) {
            apps_[i]->switch_synced(sw, fx);
        }
        apps_[i]->run(fx);
        std::erase_if(fx.packet_outs, [this](const PacketOut &po) {
            SwitchConn *c = conn_by_name(po.sw);
            return !c || !c->in_sync();
        });
        if (!fx.empty()) {
            apply_effects(i, fx, nullptr);
        }
    }
}

void Controller::wait()
{
    latch_wait(&wake_);
    latch_wait(&reload_);
    for (pvconn *p : listeners_) {
        pvconn_wait(p);
    }
    for (auto &[name, conn] : active_) {
        conn->wait();
    }
    for (auto &conn : passive_) {
        conn->wait();
    }
    for (auto &conn : retiring_) {
        conn->wait();
    }
    std::optional<App::Clock::time_point> next;
    for (const auto &app : apps_) {
        auto t = app->next_wakeup();
        if (t && (!next || *t < *next)) {
            next = t;
        }
    }
    for (const Waiter &w : waiters_) {
        if (!next || w.deadline < *next) {
            next = w.deadline;
        }
    }
    if (next) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      *next - App::Clock::now())
                      .count();
        poll_timer_wait(std::max<long long>(ms, 0) + 1);
    }
}

json Controller::health() const
{
    size_t connected = 0, in_sync = 0;
    auto count = [&](const SwitchConn &c) {
        connected += c.connected() && c.spec();
        in_sync += c.in_sync() && c.spec();
    };
    for (const auto &[name, conn] : active_) {
        count(*conn);
    }
    for (const auto &conn : passive_) {
        count(*conn);
    }
    json j = {
        {"status", "ok"},
        {"uptime_seconds", std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - started_)
                               .count()},
        {"deployment_generation", generation_},
        {"switches_configured", deployment_.switches.size()},
        {"switches_connected", connected},
        {"switches_in_sync", in_sync},
        {"reloads", n_reloads_},
        {"reload_failures", n_reload_failures_},
        {"passive_refused", n_passive_refused_},
    };
    if (!state_file_.empty()) {
        j["state"] = {{"file", state_file_},
                      {"saves", n_state_saves_},
                      {"save_failures", n_state_save_failures_},
                      {"last_error", last_state_error_.empty()
                                         ? json(nullptr)
                                         : json(last_state_error_)}};
    }
    for (size_t i = 0; i < apps_.size(); i++) {
        if (auto h = apps_[i]->health()) {
            if (h->is_object()) {
                (*h)["packet_outs_not_sent"] = n_pout_failed_[i];
            }
            j[apps_[i]->name()] = *h;
        }
    }
    return j;
}

json Controller::switches() const
{
    json list = json::array();
    auto add = [&](const SwitchConn &conn) {
        json j = conn.to_json();
        for (const auto &app : apps_) {
            app->switch_json(conn.name(), j);
        }
        list.push_back(std::move(j));
    };
    for (const auto &[name, conn] : active_) {
        add(*conn);
    }
    for (const auto &conn : passive_) {
        add(*conn);
    }
    /* Passive switches that have not connected yet. */
    for (const SwitchSpec &s : deployment_.switches) {
        if (!s.connect.empty()) {
            continue;
        }
        bool seen = false;
        for (const auto &conn : passive_) {
            seen = seen || (conn->spec() && conn->spec()->name == s.name);
        }
        if (!seen) {
            list.push_back({
                {"name", s.name},
                {"dpid", format_dpid(*s.dpid)},
                {"connection", "passive"},
                {"connected", false},
                {"state", "waiting for the switch"},
                {"mode", s.mode},
                {"in_sync", false},
                {"openflow_version", nullptr},
            });
        }
    }
    return list;
}

std::string Controller::status_text() const
{
    std::ostringstream out;
    json h = health();
    out << "deployment: " << file_ << " (generation " << generation_ << ")\n";
    out << "switches: " << h["switches_configured"] << " configured, "
        << h["switches_connected"] << " connected, " << h["switches_in_sync"]
        << " in sync\n";
    for (const json &s : switches()) {
        out << "  " << s["name"].get<std::string>() << ": "
            << s["state"].get<std::string>();
        if (s["openflow_version"].is_string()) {
            out << ", " << s["openflow_version"].get<std::string>();
        }
        if (s.contains("flows_owned")) {
            out << ", " << s["flows_owned"] << " flows owned";
        }
        out << ", mode " << s["mode"].get<std::string>() << "\n";
    }
    return out.str();
}

}  // namespace cxxa::controller
