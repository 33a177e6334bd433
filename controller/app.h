// app.h: what the controller core knows of an application.
//
// An application (one folder under controller/apps/) owns a part of the
// deployment file, the flows that follow from it, the packet-ins it takes,
// its timers and its REST routes.  It has two halves:
//
//   AppType  the deployment side, stateless: the keys it owns in the
//            document and in switch objects, their validation, and the
//            flows it generates when the file is parsed;
//   App      one per controller: its state at run time.
//
// An App never talks OpenFlow.  Each call returns what the core should do
// (Effects): re-send some switches' flows, send packet-outs or forwards.
// The core applies them, so an application is unit-tested alone.  The
// list of applications is controller/apps/apps.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deployment.h"
#include "effects.h"
#include "json_check.h"
#include "rest_json.h"

namespace cxxa::controller {

// A REST route.  'handle' runs in the controller's main loop with the
// request body; its effects are applied before the reply is sent.
struct RestCall {
    std::string body;
    bool ready = true;  // See RestRoute::prepare.
};
struct RestRoute {
    using Handler = std::function<JsonReply(const RestCall &, Effects &)>;
    RestRoute(std::string m, std::string p, Handler h)
        : method(std::move(m)), path(std::move(p)), handle(std::move(h))
    {
    }

    std::string method;  // GET, POST, PUT or DELETE.
    std::string path;
    Handler handle;
    // Optional: runs first (in the main loop) and returns a condition the
    // reply waits for, re-checked each time the main loop has run, for at
    // most 'max_wait'; RestCall::ready then says whether it came true.
    std::function<std::function<bool()>(Effects &)> prepare;
    std::chrono::milliseconds max_wait{0};
};

class App {
  public:
    using Clock = std::chrono::steady_clock;

    virtual ~App() = default;
    virtual const char *name() const = 0;

    // A new deployment (valid) is running.  The core then gives every
    // switch its entry again, so flow changes need not be returned.
    virtual Effects configure(const Deployment &) = 0;
    // Adds what this application puts on switch 'spec.name' at run time
    // (flows, SwitchSpec::keep_app_flows) to its entry.
    virtual void add_to_switch(SwitchSpec &) const {}

    // A packet-in from 'sw' on OpenFlow port 'in_port'.  Returns true if
    // the application took it (later ones do not see it).
    virtual bool packet_in(const std::string &sw, const uint8_t *frame,
                           size_t len, uint32_t in_port, Effects &)
    {
        return false;
    }
    // 'sw' has just been (re)synchronised: what it may have missed.
    virtual void switch_synced(const std::string &sw, Effects &) {}
    // Timers: called at every main loop iteration; packet-outs to
    // switches not in sync are not sent.
    virtual void run(Effects &) {}
    virtual std::optional<Clock::time_point> next_wakeup() const
    {
        return std::nullopt;
    }

    virtual std::vector<RestRoute> routes() { return {}; }
    // Its entry in GET /health (absent if nullopt).  The core adds
    // "packet_outs_not_sent" to an object.
    virtual std::optional<nlohmann::json> health() const
    {
        return std::nullopt;
    }
    // Adds its fields to switch 'sw''s entry in GET /switches ('sw' may
    // be a connection that is in no deployment).
    virtual void switch_json(const std::string &sw, nlohmann::json &) const {}

    // Durable state (--state=FILE; the core owns the file, one section per
    // application).  What must survive a controller restart, as JSON;
    // nullopt if the application keeps nothing.  Written after every call
    // whose Effects have state_changed.
    virtual std::optional<nlohmann::json> save_state() const
    {
        return std::nullopt;
    }
    // Validates 'state' (what save_state() wrote) against the running
    // deployment, errors as "PATH.field: why" under 'path'; changes
    // nothing.  The default refuses any section: the application keeps
    // no state.
    virtual void check_state(const nlohmann::json &state,
                             const std::string &path, Errors &e) const
    {
        e.add(path, "this application keeps no state");
    }
    // Replaces the durable state with 'state', which check_state() passed
    // (so it cannot fail).  Called at start, after configure().
    virtual Effects load_state(const nlohmann::json &state) { return {}; }
};

class AppType {
  public:
    virtual ~AppType() = default;
    // Also its top-level key in the deployment, if has_section().
    virtual const char *name() const = 0;
    virtual bool has_section() const { return true; }
    // Extra keys of a switch object, checked by check_switch() ...
    virtual JsonSchema switch_keys() const { return {}; }
    // ... and the values of a switch's "mode" it implements ("static" is
    // the core's: only the deployment's flows).
    virtual std::vector<std::string> switch_modes() const { return {}; }
    virtual void check_switch(const nlohmann::json &sw,
                              const std::string &path, Errors &) const
    {
    }

    // Validates its part of 'doc' against the switches and links parsed
    // into 'd' (called once those have no errors) and stores its settings
    // with d.set_config().
    virtual void parse(const nlohmann::json &doc, Deployment &d,
                       Errors &) const = 0;
    // Called once every flow of the file passed 'check': may append
    // generated flows to d's switches (the core checks them with 'check'
    // and reports errors under name()) or check flows of its own.
    virtual void expand(const nlohmann::json &doc, Deployment &d,
                        const FlowChecker &check, Errors &) const
    {
    }

    virtual std::unique_ptr<App> make() const = 0;
};

// The registered applications, in the order they see packet-ins
// (controller/apps/apps.cc).
const std::vector<const AppType *> &app_types();

}  // namespace cxxa::controller
