// pubsub_app.cc: the publish/subscribe service behind the controller's
// application interface.
#include "apps/pubsub/pubsub_app.h"

#include "apps/pubsub/pubsub_service.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

constexpr const char *kName = "pubsub";

struct PubsubConfig : AppConfig {
    PubsubSettings settings;
};

const PubsubSettings &pubsub_settings(const Deployment &d)
{
    static const PubsubSettings none;
    const PubsubConfig *c = d.config<PubsubConfig>(kName);
    return c ? c->settings : none;
}

class PubsubApp : public App {
  public:
    const char *name() const override { return kName; }

    Effects configure(const Deployment &d) override
    {
        ps_.configure(pubsub_settings(d));
        return {};
    }

    void add_to_switch(SwitchSpec &s) const override
    {
        for (std::string &f : ps_.flows_for(s.name)) {
            s.flows.push_back(std::move(f));
        }
    }

    bool packet_in(const std::string &sw, const uint8_t *frame, size_t len,
                   uint32_t in_port, Effects &fx) override
    {
        return ps_.packet_in(sw, frame, len, in_port, fx.flows_changed);
    }

    /* The flows that retire once a switch has the new ones go. */
    void switch_synced(const std::string &sw, Effects &fx) override
    {
        ps_.switch_synced(sw, fx.flows_changed);
    }

    /* GET /pubsub; POST and DELETE of subscriptions and advertisements for
     * hosts that do not send control messages themselves.  Schema:
     * controller/README.md. */
    std::vector<RestRoute> routes() override
    {
        auto change = [this](MsgType type) {
            return [this, type](const RestCall &call, Effects &fx) {
                return ps_.rest(type, call.body, fx.flows_changed);
            };
        };
        return {
            {"GET", "/pubsub",
             [this](const RestCall &, Effects &) {
                 return JsonReply{200, ps_.state()};
             }},
            {"POST", "/pubsub/subscription", change(MsgType::kSubscribe)},
            {"POST", "/pubsub/subscriptions",
             [this](const RestCall &call, Effects &fx) {
                 return ps_.rest_bulk(call.body, fx.flows_changed);
             }},
            {"DELETE", "/pubsub/subscription", change(MsgType::kUnsubscribe)},
            {"POST", "/pubsub/advertisement", change(MsgType::kAdvertise)},
            {"DELETE", "/pubsub/advertisement", change(MsgType::kUnadvertise)},
        };
    }

    std::optional<json> health() const override
    {
        return ps_.settings().enabled ? ps_.counters() : json(nullptr);
    }

  private:
    PubsubService ps_;
};

class PubsubType : public AppType {
  public:
    const char *name() const override { return kName; }

    void parse(const json &doc, Deployment &d, Errors &e) const override
    {
        auto c = std::make_shared<PubsubConfig>();
        // An empty section is pubsub with every default.
        c->settings = parse_pubsub_section(
            doc.contains(kName) ? doc[kName] : json(nullptr), d, e);
        d.set_config(kName, c);
    }

    /* The flows are made at run time (they follow the control messages);
     * every kind of them is checked now. */
    void expand(const json &, Deployment &d, const FlowChecker &check_flow,
                Errors &e) const override
    {
        const PubsubSettings &s = pubsub_settings(d);
        if (!check_flow || !s.enabled) {
            return;
        }
        PubsubService trial;
        trial.configure(s);
        for (const std::string &name : s.switches) {
            const SwitchSpec *sw = d.find_switch(name);
            for (const std::string &f : trial.sample_flows(name)) {
                std::string why = check_flow(*sw, f);
                if (!why.empty()) {
                    e.add(kName, "flow generated for \"" + name + "\" (" + f
                                     + ") rejected: " + why);
                }
            }
        }
    }

    std::unique_ptr<App> make() const override
    {
        return std::make_unique<PubsubApp>();
    }
};

}  // namespace

const AppType &pubsub_app_type()
{
    static const PubsubType type;
    return type;
}

}  // namespace cxxa::controller
