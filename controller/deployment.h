// The deployment file: what the network should look like.
//
// Pure data and validation: no OpenFlow here.  Flow text is checked by a
// caller-supplied function (the controller passes OVS's own flow parser),
// so every error names the field it is about and says why.  The schema is
// documented in controller/README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cxxa::controller {

// A switch's "mode" that only has the deployment's flows.  Applications
// add others (AppType::switch_modes).
constexpr const char *kStaticMode = "static";

// OpenFlow versions, as a bitmap of (1u << OFP1x_VERSION) values.
constexpr uint32_t kOf10 = 1u << 0x01;
constexpr uint32_t kOf11 = 1u << 0x02;
constexpr uint32_t kOf12 = 1u << 0x03;
constexpr uint32_t kOf13 = 1u << 0x04;
constexpr uint32_t kOf14 = 1u << 0x05;
constexpr uint32_t kOf15 = 1u << 0x06;

struct SwitchSpec {
    std::string name;
    std::optional<uint64_t> dpid;  // Required for passive switches.
    std::string connect;           // Active target, e.g. tcp:IP:PORT.
    std::string mode = kStaticMode;
    uint32_t versions = kOf10 | kOf13;  // 1.3 preferred, 1.0 accepted.
    int probe_interval = 5;             // Seconds; echo keepalive.
    int max_backoff = 4;                // Seconds between reconnect attempts.
    int audit_interval = 60;  // Seconds between re-reconciles; 0 off.
    std::map<std::string, uint32_t> ports;  // Port name -> OpenFlow port.
    std::vector<std::string> flows;         // ovs-ofctl add-flow syntax.
    // Reconciliation leaves the flows applications install at run time
    // (cookie kCookieApp) alone; otherwise it removes them.
    bool keep_app_flows = false;

    bool operator==(const SwitchSpec &) const = default;
};

struct LinkSpec {
    std::string a_switch, a_port, b_switch, b_port;
    bool operator==(const LinkSpec &) const = default;
};

// What an application parsed from the deployment (AppType::parse).
struct AppConfig {
    virtual ~AppConfig() = default;
};

struct Deployment {
    std::vector<SwitchSpec> switches;
    std::vector<LinkSpec> links;
    // By application name.
    std::map<std::string, std::shared_ptr<const AppConfig>> configs;
    nlohmann::json source;  // The document as given.

    const SwitchSpec *find_switch(const std::string &name) const;
    const SwitchSpec *find_switch_by_dpid(uint64_t dpid) const;

    void set_config(const std::string &app, std::shared_ptr<const AppConfig> c)
    {
        configs[app] = std::move(c);
    }
    // Application 'app''s settings, or nullptr.
    template <class T>
    const T *config(const std::string &app) const
    {
        auto it = configs.find(app);
        return it == configs.end() ? nullptr
                                   : dynamic_cast<const T *>(it->second.get());
    }
};

// Checks one flow of one switch; returns an error message or "".
using FlowChecker =
    std::function<std::string(const SwitchSpec &, const std::string &flow)>;

// Parses and validates 'doc', the applications' parts by each registered
// application (app.h).  On success returns the deployment and leaves
// 'errors' empty; otherwise returns nothing and fills 'errors' with one
// "field: why" line per problem found.
std::optional<Deployment> parse_deployment(const nlohmann::json &doc,
                                           const FlowChecker &check_flow,
                                           std::vector<std::string> &errors);

// Parses text (a file's contents or a request body) as JSON first.
std::optional<Deployment>
parse_deployment_text(const std::string &text, const FlowChecker &check_flow,
                      std::vector<std::string> &errors);

std::string format_dpid(uint64_t);

}  // namespace cxxa::controller
