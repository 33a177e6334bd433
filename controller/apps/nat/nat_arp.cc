// nat_arp.cc: what comes to the controller from a router: ARP (learned
// from) and packets to an inside host whose MAC is unknown (kept, a
// bounded few, while the controller ARPs for it); and the timers of both.
#include "apps/nat/nat_service.h"

#include <algorithm>

#include "inet_text.h"

namespace cxxa::controller {

namespace {

uint32_t get32(const uint8_t *p)
{
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8
           | p[3];
}

uint64_t get48(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 0; i < 6; i++) {
        x = x << 8 | p[i];
    }
    return x;
}

void put32(uint8_t *p, uint32_t x)
{
    for (int i = 0; i < 4; i++) {
        p[i] = x >> (24 - 8 * i);
    }
}

void put48(uint8_t *p, uint64_t x)
{
    for (int i = 0; i < 6; i++) {
        p[i] = x >> (40 - 8 * i);
    }
}

}  // namespace

NatPacketOut NatService::arp_request(const Router &r, const NatInterface &i,
                                     uint32_t target) const
{
    std::vector<uint8_t> f(60, 0);
    put48(&f[0], 0xffffffffffffull);
    put48(&f[6], i.mac);
    f[12] = 0x08;
    f[13] = 0x06;
    uint8_t *arp = &f[14];
    arp[1] = 1;    /* Ethernet. */
    arp[2] = 0x08; /* IPv4. */
    arp[4] = 6;
    arp[5] = 4;
    arp[7] = 1; /* Request. */
    put48(arp + 8, i.mac);
    put32(arp + 14, i.address);
    put32(arp + 24, target);
    return {r.cfg.sw, "output:" + std::to_string(i.ofport), std::move(f)};
}

/* Sends on what was kept for 'ip', now that its MAC is known (after the
 * flow changes: the packet-outs are ordered after them). */
void NatService::release(Router &r, uint32_t ip, NatEffects &fx)
{
    auto p = r.pending.find(ip);
    auto h = r.hosts.find(ip);
    const NatInterface *i = r.inside_for(ip);
    if (p == r.pending.end() || h == r.hosts.end() || !i) {
        return;
    }
    const std::string actions = "mod_dl_src:" + format_mac(i->mac)
                                + ",mod_dl_dst:" + format_mac(h->second.mac)
                                + ",output:" + std::to_string(i->ofport);
    for (auto &frame : p->second.packets) {
        fx.packet_outs.push_back({r.cfg.sw, actions, std::move(frame)});
        r.n_released++;
    }
    r.pending.erase(p);
}

bool NatService::packet_in(const std::string &sw, const uint8_t *frame,
                           size_t len, uint32_t in_port, NatEffects &fx,
                           Clock::time_point now)
{
    auto rit = routers_.find(sw);
    if (rit == routers_.end() || len < 14) {
        return false;
    }
    Router &r = rit->second;
    const uint16_t type = frame[12] << 8 | frame[13];
    if (type == 0x0806) {
        const uint8_t *arp = frame + 14;
        const NatInterface *i = r.by_ofport(in_port);
        if (len < 42 || !i || arp[0] != 0 || arp[1] != 1 || arp[2] != 0x08
            || arp[3] != 0 || arp[4] != 6 || arp[5] != 4) {
            r.n_ignored_arp++;
            return true;
        }
        const uint64_t sha = get48(arp + 8);
        const uint32_t spa = get32(arp + 14);
        if ((sha >> 40) & 1 || !sha) {
            r.n_ignored_arp++;
        } else if (i->outside) {
            if (spa == i->gateway) {
                if (r.gateway_mac != sha) {
                    fx.flows_changed.insert(sw);
                }
                r.gateway_mac = sha;
            } else {
                r.n_ignored_arp++;
            }
        } else if (r.inside_for(spa) == i) {
            learn(r, spa, sha, false, now, fx);
        } else {
            r.n_ignored_arp++;
        }
        return true;
    }
    if (type != 0x0800 || len < 34) {
        return false;
    }
    /* The route table's miss: an inside destination whose MAC we do not
     * know.  ARP for it and keep a few packets until it answers. */
    const uint32_t dst = get32(frame + 30);
    const NatInterface *i = r.inside_for(dst);
    if (!i) {
        return false;
    }
    r.n_unknown++;
    if (r.hosts.count(dst)) {
        /* Sent up before its flow was installed. */
        Pending p;
        p.packets.emplace_back(frame, frame + len);
        r.pending[dst] = std::move(p);
        release(r, dst, fx);
        return true;
    }
    auto p = r.pending.find(dst);
    if (p == r.pending.end()) {
        if (r.pending.size() >= kNatMaxPending) {
            r.n_buffer_drops++;
            return true;
        }
        p = r.pending.emplace(dst, Pending{{}, now, now}).first;
        fx.packet_outs.push_back(arp_request(r, *i, dst));
        r.n_host_arps++;
    }
    if (p->second.packets.size() >= kNatPendingPackets) {
        r.n_buffer_drops++;
    } else {
        p->second.packets.emplace_back(frame, frame + len);
        r.n_buffered++;
    }
    return true;
}

void NatService::switch_synced(const std::string &sw, NatEffects &fx,
                               Clock::time_point now)
{
    auto it = routers_.find(sw);
    if (it != routers_.end() && !it->second.gateway_mac) {
        it->second.next_gateway_arp = now;
        it->second.gateway_arp_interval = kNatArpRetry;
        run(fx, now);
    }
}

void NatService::run(NatEffects &fx, Clock::time_point now)
{
    for (auto &[sw, r] : routers_) {
        if (!r.gateway_mac && now >= r.next_gateway_arp) {
            const NatInterface &out = r.outside();
            fx.packet_outs.push_back(arp_request(r, out, out.gateway));
            r.n_gateway_arps++;
            r.next_gateway_arp = now + r.gateway_arp_interval;
            r.gateway_arp_interval = std::min<Clock::duration>(
                r.gateway_arp_interval * 2, kNatGatewayArpMax);
        }
        for (auto p = r.pending.begin(); p != r.pending.end();) {
            if (now - p->second.since >= kNatPendingTimeout) {
                r.n_expired += p->second.packets.size();
                p = r.pending.erase(p);
                continue;
            }
            if (now - p->second.last_arp >= kNatArpRetry) {
                const NatInterface *i = r.inside_for(p->first);
                if (i) {
                    fx.packet_outs.push_back(arp_request(r, *i, p->first));
                    r.n_host_arps++;
                }
                p->second.last_arp = now;
            }
            ++p;
        }
    }
}

std::optional<NatService::Clock::time_point> NatService::next_wakeup() const
{
    std::optional<Clock::time_point> next;
    auto consider = [&next](Clock::time_point t) {
        if (!next || t < *next) {
            next = t;
        }
    };
    for (const auto &[sw, r] : routers_) {
        if (!r.gateway_mac) {
            consider(r.next_gateway_arp);
        }
        for (const auto &[ip, p] : r.pending) {
            consider(std::min(p.since + kNatPendingTimeout,
                              p.last_arp + kNatArpRetry));
        }
    }
    return next;
}

}  // namespace cxxa::controller
