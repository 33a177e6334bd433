// nat_service.cc: the routers' model: configuration, the interfaces and
// host table of each router, counters.  Flows: nat_flows.cc; ARP and the
// packets waiting for a MAC: nat_arp.cc; REST: nat_rest.cc.
#include "apps/nat/nat_service.h"

#include <algorithm>

namespace cxxa::controller {

using nlohmann::json;

const NatInterface &NatService::Router::outside() const
{
    for (const NatInterface &i : interfaces) {
        if (i.outside) {
            return i;
        }
    }
    return interfaces.front(); /* Validation guarantees one. */
}

const NatInterface *NatService::Router::by_ofport(uint32_t ofport) const
{
    for (const NatInterface &i : interfaces) {
        if (i.ofport == ofport) {
            return &i;
        }
    }
    return nullptr;
}

const NatInterface *NatService::Router::by_port(const std::string &port) const
{
    for (const NatInterface &i : interfaces) {
        if (i.port == port) {
            return &i;
        }
    }
    return nullptr;
}

const NatInterface *NatService::Router::inside_for(uint32_t ip) const
{
    for (const NatInterface &i : interfaces) {
        if (!i.outside && i.is_host(ip) && ip != i.address) {
            return &i;
        }
    }
    return nullptr;
}

bool NatService::Router::is_router_address(uint32_t ip) const
{
    for (const NatInterface &i : interfaces) {
        if (i.address == ip) {
            return true;
        }
    }
    return false;
}

NatService::Router NatService::make_router(const NatRouterSettings &cfg)
{
    Router r;
    r.cfg = cfg;
    r.interfaces = cfg.interfaces;
    for (const NatHostSpec &h : cfg.hosts) {
        r.hosts[h.ip] = Host{h.mac, true, {}};
    }
    for (const NatForwardSpec &f : cfg.forwards) {
        r.forwards[{f.proto, f.port}] = f;
    }
    return r;
}

NatEffects NatService::configure(const NatSettings &s)
{
    NatEffects fx;
    if (s == settings_) {
        return fx;
    }
    settings_ = s;
    std::map<std::string, Router> routers;
    for (const NatRouterSettings &cfg : s.routers) {
        auto old = routers_.find(cfg.sw);
        if (old != routers_.end() && old->second.cfg == cfg) {
            routers.emplace(cfg.sw, std::move(old->second));
            continue;
        }
        Router r = make_router(cfg);
        if (old != routers_.end()) {
            /* What was learned and still fits is kept. */
            const Router &o = old->second;
            if (o.gateway_mac && o.outside().gateway == r.outside().gateway) {
                r.gateway_mac = o.gateway_mac;
            }
            for (const auto &[ip, h] : o.hosts) {
                if (!h.is_static && !r.hosts.count(ip) && r.inside_for(ip)
                    && r.hosts.size() < cfg.max_hosts) {
                    r.hosts[ip] = h;
                }
            }
        }
        routers.emplace(cfg.sw, std::move(r));
        fx.flows_changed.insert(cfg.sw);
    }
    for (const auto &[sw, r] : routers_) {
        if (!routers.count(sw)) {
            fx.flows_changed.insert(sw);
        }
    }
    routers_ = std::move(routers);
    return fx;
}

bool NatService::is_router(const std::string &sw) const
{
    return routers_.count(sw) != 0;
}

/* Learns (or, 'is_static', sets) 'ip' -> 'mac'.  A learned entry never
 * replaces a static one; when the table is full the least recently seen
 * learned entry makes room, or, if all are static, the new one is refused.
 * Returns false if refused. */
bool NatService::learn(Router &r, uint32_t ip, uint64_t mac, bool is_static,
                       Clock::time_point now, NatEffects &fx)
{
    auto it = r.hosts.find(ip);
    if (it != r.hosts.end()) {
        Host &h = it->second;
        if (h.is_static && !is_static) {
            return true;
        }
        if (h.mac != mac) {
            fx.flows_changed.insert(r.cfg.sw);
        }
        h.mac = mac;
        h.is_static = is_static;
        h.seen = now;
    } else {
        if (r.hosts.size() >= r.cfg.max_hosts) {
            auto oldest = r.hosts.end();
            for (auto h = r.hosts.begin(); h != r.hosts.end(); ++h) {
                if (!h->second.is_static
                    && (oldest == r.hosts.end()
                        || h->second.seen < oldest->second.seen)) {
                    oldest = h;
                }
            }
            if (oldest == r.hosts.end()) {
                r.n_refused += !is_static; /* REST: the reply says so. */
                return false;
            }
            r.hosts.erase(oldest);
            r.n_evicted++;
        }
        r.hosts[ip] = Host{mac, is_static, now};
        if (!is_static) {
            r.n_learned++;
        }
        fx.flows_changed.insert(r.cfg.sw);
    }
    release(r, ip, fx);
    return true;
}

json NatService::counters() const
{
    uint64_t hosts = 0, learned = 0, evicted = 0, refused = 0, drops = 0;
    size_t resolved = 0;
    for (const auto &[sw, r] : routers_) {
        hosts += r.hosts.size();
        learned += r.n_learned;
        evicted += r.n_evicted;
        refused += r.n_refused;
        drops += r.n_buffer_drops + r.n_expired;
        resolved += r.gateway_mac.has_value();
    }
    return {{"routers", routers_.size()},
            {"gateways_resolved", resolved},
            {"hosts", hosts},
            {"learned", learned},
            {"evicted", evicted},
            {"refused", refused},
            {"unknown_destination_drops", drops},
            {"rejected_requests", n_rejected_}};
}

}  // namespace cxxa::controller
