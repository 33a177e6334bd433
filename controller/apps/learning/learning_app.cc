// learning_app.cc: see learning_app.h.
#include "apps/learning/learning_app.h"

namespace cxxa::controller {

using nlohmann::json;

namespace {

constexpr const char *kName = "learning";
constexpr const char *kModeFlows = "learning";
constexpr const char *kModeNoFlows = "learning-no-flows";

uint64_t mac_at(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 0; i < 6; i++) {
        x = (x << 8) | p[i];
    }
    return x;
}

bool is_multicast(uint64_t mac) { return (mac >> 40) & 1; }

}  // namespace

void LearningSwitches::configure(
    const std::map<std::string, LearningSwitchSettings> &settings)
{
    std::map<std::string, Switch> switches;
    for (const auto &[name, s] : settings) {
        auto old = switches_.find(name);
        Switch &sw = switches[name];
        if (old != switches_.end()) {
            sw = std::move(old->second);
        }
        sw.settings = s;
    }
    switches_ = std::move(switches);
}

bool LearningSwitches::is_learning(const std::string &sw) const
{
    return switches_.count(sw) != 0;
}

void LearningSwitches::add_to_switch(SwitchSpec &spec) const
{
    auto it = switches_.find(spec.name);
    if (it == switches_.end()) {
        return;
    }
    spec.flows.push_back("table=0,priority=0,actions=controller");
    spec.keep_app_flows = it->second.settings.install_flows;
}

uint32_t LearningSwitches::learn_and_lookup(Switch &sw, uint64_t src,
                                            uint64_t dst, uint32_t in_port)
{
    if (!is_multicast(src)) {
        auto it = sw.macs.find(src);
        if (it != sw.macs.end()) {
            it->second.port = in_port;
            sw.age.splice(sw.age.end(), sw.age, it->second.age);
        } else {
            while (!sw.macs.empty()
                   && sw.macs.size() >= sw.settings.mac_table_size) {
                sw.macs.erase(sw.age.front());
                sw.age.pop_front();
                sw.n_evictions++;
            }
            sw.age.push_back(src);
            sw.macs[src] = Entry{in_port, std::prev(sw.age.end())};
        }
    }
    if (!is_multicast(dst)) {
        auto it = sw.macs.find(dst);
        if (it != sw.macs.end()) {
            return it->second.port;
        }
    }
    return kFloodPort;
}

bool LearningSwitches::packet_in(const std::string &name, const uint8_t *frame,
                                 size_t len, uint32_t in_port, Effects &fx)
{
    auto it = switches_.find(name);
    if (it == switches_.end() || len < 14) {
        return false;
    }
    Switch &sw = it->second;
    uint32_t out = learn_and_lookup(sw, mac_at(frame + 6), mac_at(frame),
                                    in_port);
    if (out == in_port) {
        return true; /* Would go back where it came from. */
    }
    /* The flow (Forward::flow_idle_timeout) matches source, destination
     * and ingress port, as POX's l2_learning does: with destination-only
     * flows, a switch whose traffic to a host already matches a flow never
     * sees (so never learns) the hosts behind that traffic, and their
     * replies are flooded through the controller forever. */
    Forward f;
    f.sw = name;
    f.in_port = in_port;
    f.out_port = out;
    f.frame.assign(frame, frame + len);
    if (sw.settings.install_flows && out != kFloodPort) {
        f.flow_idle_timeout = sw.settings.idle_timeout;
    }
    fx.forwards.push_back(std::move(f));
    return true;
}

size_t LearningSwitches::table_size(const std::string &sw) const
{
    auto it = switches_.find(sw);
    return it == switches_.end() ? 0 : it->second.macs.size();
}

uint64_t LearningSwitches::evictions(const std::string &sw) const
{
    auto it = switches_.find(sw);
    return it == switches_.end() ? 0 : it->second.n_evictions;
}

namespace {

class LearningApp : public App {
  public:
    const char *name() const override { return kName; }

    Effects configure(const Deployment &d) override
    {
        const LearningConfig *c = d.config<LearningConfig>(kName);
        switches_.configure(
            c ? c->switches : std::map<std::string, LearningSwitchSettings>());
        return {};
    }

    void add_to_switch(SwitchSpec &s) const override
    {
        switches_.add_to_switch(s);
    }

    bool packet_in(const std::string &sw, const uint8_t *frame, size_t len,
                   uint32_t in_port, Effects &fx) override
    {
        return switches_.packet_in(sw, frame, len, in_port, fx);
    }

    void switch_json(const std::string &sw, json &j) const override
    {
        j["mac_table"] = switches_.table_size(sw);
        j["counters"]["mac_evictions"] = switches_.evictions(sw);
    }

  private:
    LearningSwitches switches_;
};

class LearningType : public AppType {
  public:
    const char *name() const override { return kName; }
    bool has_section() const override { return false; }

    JsonSchema switch_keys() const override
    {
        return {integer("idle_timeout", 0, 65535),
                integer("mac_table_size", 1, 1000000)};
    }

    std::vector<std::string> switch_modes() const override
    {
        return {kModeFlows, kModeNoFlows};
    }

    void parse(const json &doc, Deployment &d, Errors &) const override
    {
        auto c = std::make_shared<LearningConfig>();
        const json &sws = doc["switches"];
        for (size_t i = 0; i < d.switches.size() && i < sws.size(); i++) {
            const SwitchSpec &s = d.switches[i];
            if (s.mode != kModeFlows && s.mode != kModeNoFlows) {
                continue;
            }
            LearningSwitchSettings ls;
            ls.install_flows = s.mode == kModeFlows;
            ls.idle_timeout = sws[i].value("idle_timeout", ls.idle_timeout);
            ls.mac_table_size = sws[i].value("mac_table_size",
                                             ls.mac_table_size);
            c->switches[s.name] = ls;
        }
        d.set_config(kName, c);
    }

    std::unique_ptr<App> make() const override
    {
        return std::make_unique<LearningApp>();
    }
};

}  // namespace

const AppType &learning_app_type()
{
    static const LearningType type;
    return type;
}

}  // namespace cxxa::controller
