// bridge.cc: the C ABI of cxx-actions.h, implemented on the registry.
// No C++ exception ever crosses into Open vSwitch.
#include <climits>
#include <cstdlib>
#include <cstring>

#include "cxx-actions.h"
#include "host.h"
#include "registry.h"

namespace {

char *dup_string(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p) {
        std::memcpy(p, s.c_str(), s.size() + 1);
    }
    return p;
}

}  // namespace

extern "C" {

bool cxxa_is_primitive(const char *name)
{
    return cxxa::Registry::instance().find(name) != nullptr;
}

char *cxxa_parse(const char *name, const char *args, char **canonical)
{
    *canonical = nullptr;
    try {
        *canonical = dup_string(
            cxxa::Registry::instance().canonicalize(name, args));
        return nullptr;
    } catch (const std::exception &e) {
        return dup_string(e.what());
    }
}

unsigned int cxxa_flags(const char *name, const char *args)
{
    auto &registry = cxxa::Registry::instance();
    cxxa::Primitive *p = registry.find(name);
    if (!p) {
        return 0;
    }
    auto cfg = registry.config(*p, args);
    return cfg ? p->config_flags(*cfg) : 0;
}

void cxxa_execute(const char *bridge, const char *name, const char *args,
                  struct cxxa_packet *pkts, size_t n, cxxa_emit_cb *emit,
                  void *aux)
{
    try {
        cxxa::Registry::instance().execute(bridge, name, args, pkts, n, emit,
                                           aux);
    } catch (...) {
        // Out of memory at worst: the packets not passed on are freed by
        // the caller.
    }
}

void cxxa_init(const struct cxxa_host *host) { cxxa::set_host(host); }

void cxxa_bridge_added(const char *bridge)
{
    try {
        cxxa::Registry::instance().bridge_added(bridge);
    } catch (...) {
        // Out of memory: the bridge runs without what was kept for it.
    }
}

void cxxa_bridge_removed(const char *bridge, bool deleted)
{
    try {
        cxxa::Registry::instance().bridge_removed(bridge, deleted);
    } catch (...) {
    }
}

void cxxa_run(const char *bridge, cxxa_send_cb *send, void *aux)
{
    try {
        cxxa::Registry::instance().run(bridge, send, aux);
    } catch (...) {
        // Out of memory at worst: the timers run again next time.
    }
}

long long int cxxa_next_wakeup(const char *bridge)
{
    try {
        int64_t next = cxxa::Registry::instance().next_wakeup(bridge);
        return next == cxxa::kNever ? LLONG_MAX : next;
    } catch (...) {
        return cxxa::now_ms() + 100;  // Out of memory: try again soon.
    }
}

size_t cxxa_n_commands(void)
{
    return cxxa::Registry::instance().commands().size();
}

const struct cxxa_command *cxxa_command(size_t i)
{
    static std::vector<struct cxxa_command> table = [] {
        std::vector<struct cxxa_command> t;
        for (const auto &c : cxxa::Registry::instance().commands()) {
            struct cxxa_command cmd = {c.name.c_str(), c.usage.c_str(),
                                       c.min_args, c.max_args};
            t.push_back(cmd);
        }
        return t;
    }();
    return i < table.size() ? &table[i] : nullptr;
}

bool cxxa_run_command(size_t i, int argc, const char *argv[], char **reply)
{
    const auto &commands = cxxa::Registry::instance().commands();
    if (i >= commands.size()) {
        *reply = dup_string("no such command");
        return false;
    }
    try {
        std::vector<std::string> args(argv + 1, argv + argc);
        *reply = dup_string(commands[i].run(args));
        return true;
    } catch (const std::exception &e) {
        *reply = dup_string(e.what());
        return false;
    }
}

}  // extern "C"
