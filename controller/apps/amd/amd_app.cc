// amd_app.cc: AMD behind the controller's application interface.
#include "apps/amd/amd_app.h"

#include "apps/amd/amd_service.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

constexpr const char *kName = "amd";
constexpr auto kReportWait = std::chrono::seconds(1);

void merge(AmdEffects &from, Effects &to)
{
    to.all_flows_changed |= from.flows_changed;
    for (AmdPacketOut &po : from.packet_outs) {
        to.packet_outs.push_back(std::move(po));
    }
}

class AmdApp : public App {
  public:
    const char *name() const override { return kName; }

    Effects configure(const Deployment &d) override
    {
        AmdEffects afx = amd_.configure(amd_settings(d));
        afx.flows_changed = false;
        Effects fx;
        merge(afx, fx);
        return fx;
    }

    void add_to_switch(SwitchSpec &s) const override
    {
        for (std::string &f : amd_.flows_for(s.name)) {
            s.flows.push_back(std::move(f));
        }
    }

    bool packet_in(const std::string &sw, const uint8_t *frame, size_t len,
                   uint32_t, Effects &fx) override
    {
        AmdEffects afx;
        bool took = amd_.packet_in(sw, frame, len, afx);
        merge(afx, fx);
        return took;
    }

    /* A switch that has just been (re)synchronised is told every server's
     * mode, in case it missed a transition while away. */
    void switch_synced(const std::string &sw, Effects &fx) override
    {
        for (AmdPacketOut &po : amd_.reassert(sw)) {
            fx.packet_outs.push_back(std::move(po));
        }
    }

    /* Same paths, JSON field names and {"status": "Success"|"Error",
     * "reason"} replies as the Floodlight AMD module (with HTTP status
     * codes that say the same).  Schema: controller/README.md. */
    std::vector<RestRoute> routes() override
    {
        using Handler = AmdReply (AmdService::*)(const std::string &,
                                                 AmdEffects &);
        auto body = [this](Handler h) {
            return [this, h](const RestCall &call, Effects &fx) {
                AmdEffects afx;
                AmdReply r = (amd_.*h)(call.body, afx);
                merge(afx, fx);
                fx.state_changed = r.http == 200;
                return r;
            };
        };
        /* GET info first asks the switches for fresh per-server reports
         * (packet-outs whose replies come back as packet-ins) and waits
         * for them, at most kReportWait; "reportsComplete" says whether
         * they all came. */
        RestRoute info{"GET", "/amd/server/info/json",
                       [this](const RestCall &call, Effects &) {
                           json j = amd_.info();
                           j["reportsComplete"] = call.ready;
                           return JsonReply{200, j};
                       }};
        info.prepare = [this](Effects &fx) -> std::function<bool()> {
            auto since = AmdService::Clock::now();
            for (AmdPacketOut &po : amd_.report_requests()) {
                fx.packet_outs.push_back(std::move(po));
            }
            return [this, since] { return amd_.reports_complete(since); };
        };
        info.max_wait = kReportWait;
        return {
            {"POST", "/amd/server/subscription/json",
             body(&AmdService::subscribe)},
            {"DELETE", "/amd/server/subscription/json",
             body(&AmdService::unsubscribe)},
            {"PUT", "/amd/server/status/json", body(&AmdService::set_status)},
            info,
        };
    }

    std::optional<json> health() const override
    {
        return amd_.settings().enabled ? amd_.counters() : json(nullptr);
    }

    /* Subscriptions and the pool's order survive a restart (--state). */
    std::optional<json> save_state() const override
    {
        return amd_.save_state();
    }

    void check_state(const json &state, const std::string &path,
                     Errors &e) const override
    {
        AmdService trial = amd_;
        AmdEffects afx;
        trial.restore(state, path, e, afx);
    }

    Effects load_state(const json &state) override
    {
        std::vector<std::string> lines;
        Errors e(lines);
        AmdEffects afx;
        amd_.restore(state, "amd", e, afx);
        Effects fx;
        merge(afx, fx);
        return fx;
    }

  private:
    AmdService amd_;
};

class AmdType : public AppType {
  public:
    const char *name() const override { return kName; }

    void parse(const json &doc, Deployment &d, Errors &e) const override
    {
        auto c = std::make_shared<AmdConfig>();
        c->settings = parse_amd_section(doc.value(kName, json::object()), d,
                                        e);
        d.set_config(kName, c);
    }

    std::unique_ptr<App> make() const override
    {
        return std::make_unique<AmdApp>();
    }
};

}  // namespace

const AppType &amd_app_type()
{
    static const AmdType type;
    return type;
}

const AmdSettings &amd_settings(const Deployment &d)
{
    static const AmdSettings none;
    const AmdConfig *c = d.config<AmdConfig>(kName);
    return c ? c->settings : none;
}

}  // namespace cxxa::controller
