// nat_app.cc: the NAT routers behind the controller's application
// interface.
#include "apps/nat/nat_app.h"

#include "apps/nat/nat_service.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

constexpr const char *kName = "nat";

void merge(NatEffects &from, Effects &to)
{
    to.flows_changed.merge(from.flows_changed);
    for (NatPacketOut &po : from.packet_outs) {
        to.packet_outs.push_back(std::move(po));
    }
}

class NatApp : public App {
  public:
    const char *name() const override { return kName; }

    Effects configure(const Deployment &d) override
    {
        nat_.configure(nat_settings(d));
        return {};
    }

    void add_to_switch(SwitchSpec &s) const override
    {
        for (std::string &f : nat_.flows_for(s.name)) {
            s.flows.push_back(std::move(f));
        }
    }

    bool packet_in(const std::string &sw, const uint8_t *frame, size_t len,
                   uint32_t in_port, Effects &fx) override
    {
        NatEffects nfx;
        bool took = nat_.packet_in(sw, frame, len, in_port, nfx);
        merge(nfx, fx);
        return took;
    }

    /* A router that does not know its gateway yet ARPs for it. */
    void switch_synced(const std::string &sw, Effects &fx) override
    {
        NatEffects nfx;
        nat_.switch_synced(sw, nfx);
        merge(nfx, fx);
    }

    void run(Effects &fx) override
    {
        NatEffects nfx;
        nat_.run(nfx);
        merge(nfx, fx);
    }

    std::optional<Clock::time_point> next_wakeup() const override
    {
        return nat_.next_wakeup();
    }

    /* Interfaces, hosts and port forwards of the routers, with
     * {"status": "Success"|"Error", "reason"} replies.  Schema:
     * controller/README.md. */
    std::vector<RestRoute> routes() override
    {
        using Handler = NatReply (NatService::*)(const std::string &,
                                                 NatEffects &);
        auto body = [this](Handler h) {
            return [this, h](const RestCall &call, Effects &fx) {
                NatEffects nfx;
                NatReply r = (nat_.*h)(call.body, nfx);
                merge(nfx, fx);
                fx.state_changed = r.http == 200;
                return r;
            };
        };
        return {
            {"POST", "/nat/router/interface",
             body(&NatService::add_interface)},
            {"DELETE", "/nat/router/interface",
             body(&NatService::remove_interface)},
            {"POST", "/nat/router/host", body(&NatService::add_host)},
            {"DELETE", "/nat/router/host", body(&NatService::remove_host)},
            {"POST", "/nat/router/forward", body(&NatService::add_forward)},
            {"DELETE", "/nat/router/forward",
             body(&NatService::remove_forward)},
            {"GET", "/nat/routers",
             [this](const RestCall &, Effects &) {
                 return JsonReply{200, nat_.routers()};
             }},
        };
    }

    std::optional<json> health() const override
    {
        return nat_.settings().enabled ? nat_.counters() : json(nullptr);
    }

    /* What REST changed on the routers survives a restart (--state). */
    std::optional<json> save_state() const override
    {
        return nat_.save_state();
    }

    void check_state(const json &state, const std::string &path,
                     Errors &e) const override
    {
        NatService trial = nat_;
        NatEffects nfx;
        trial.restore(state, path, e, nfx);
    }

    Effects load_state(const json &state) override
    {
        std::vector<std::string> lines;
        Errors e(lines);
        NatEffects nfx;
        nat_.restore(state, "nat", e, nfx);
        Effects fx;
        merge(nfx, fx);
        return fx;
    }

  private:
    NatService nat_;
};

class NatType : public AppType {
  public:
    const char *name() const override { return kName; }

    void parse(const json &doc, Deployment &d, Errors &e) const override
    {
        auto c = std::make_shared<NatConfig>();
        c->settings = parse_nat_section(doc.value(kName, json::object()), d,
                                        e);
        d.set_config(kName, c);
    }

    /* The routers' flows are made at run time (they follow what is
     * learned); every kind of them is checked now. */
    void expand(const json &, Deployment &d, const FlowChecker &check_flow,
                Errors &e) const override
    {
        const NatSettings &s = nat_settings(d);
        for (size_t i = 0; check_flow && i < s.routers.size(); i++) {
            const NatRouterSettings &r = s.routers[i];
            const SwitchSpec *sw = d.find_switch(r.sw);
            for (const std::string &f : sw ? NatService::sample_flows(r)
                                           : std::vector<std::string>()) {
                std::string why = check_flow(*sw, f);
                if (!why.empty()) {
                    e.add(index_path("nat.routers", i),
                          "flow generated for "
                          "\"" + r.sw
                              + "\" (" + f + ") rejected: " + why);
                }
            }
        }
    }

    std::unique_ptr<App> make() const override
    {
        return std::make_unique<NatApp>();
    }
};

}  // namespace

const AppType &nat_app_type()
{
    static const NatType type;
    return type;
}

const NatSettings &nat_settings(const Deployment &d)
{
    static const NatSettings none;
    const NatConfig *c = d.config<NatConfig>(kName);
    return c ? c->settings : none;
}

}  // namespace cxxa::controller
