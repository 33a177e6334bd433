// paxos_app.cc: the Paxos groups behind the controller's application
// interface.
#include "apps/paxos/paxos_app.h"

#include "apps/paxos/paxos_section.h"

namespace cxxa::controller {

namespace {

constexpr const char *kName = "paxos";

class PaxosApp : public App {
  public:
    const char *name() const override { return kName; }
    Effects configure(const Deployment &) override { return {}; }
};

class PaxosType : public AppType {
  public:
    const char *name() const override { return kName; }

    void parse(const nlohmann::json &, Deployment &, Errors &) const override
    {
    }

    /* After the switches' own flows are checked: the groups' flows are
     * appended to the members' (and checked by the core). */
    void expand(const nlohmann::json &doc, Deployment &d, const FlowChecker &,
                Errors &e) const override
    {
        expand_paxos_section(doc.value(kName, nlohmann::json::object()), d, e);
    }

    std::unique_ptr<App> make() const override
    {
        return std::make_unique<PaxosApp>();
    }
};

}  // namespace

const AppType &paxos_app_type()
{
    static const PaxosType type;
    return type;
}

}  // namespace cxxa::controller
