// nat_flows.cc: the flows of a router (layout: controller/README.md, "The
// nat section").
#include "apps/nat/nat_service.h"

#include <cstdio>

#include "apps/nat/nat_text.h"
#include "inet_text.h"

namespace cxxa::controller {

namespace {

std::string hex(uint64_t x)
{
    char buf[24];
    snprintf(buf, sizeof buf, "0x%llx", (unsigned long long) x);
    return buf;
}

std::string prio(int table, int priority)
{
    return "table=" + std::to_string(table)
           + ",priority=" + std::to_string(priority) + ",";
}

}  // namespace

std::vector<std::string> NatService::flows_for(const std::string &sw) const
{
    auto it = routers_.find(sw);
    return it == routers_.end() ? std::vector<std::string>()
                                : router_flows(it->second);
}

std::vector<std::string> NatService::sample_flows(const NatRouterSettings &cfg)
{
    Router r = make_router(cfg);
    r.gateway_mac = 0x020000000001ull;
    return router_flows(r);
}

/* The flows of one router; layout and priorities: controller/README.md. */
std::vector<std::string> NatService::router_flows(const Router &r)
{
    std::vector<std::string> flows;
    const int t = r.cfg.table, rt = r.cfg.table + 1, p = r.cfg.priority;
    const NatInterface &out = r.outside();
    const std::string e = format_ip(out.address);
    const std::string nat_out = "nat:out(ext=" + e + ",ports="
                                + range_text(r.cfg.ports_lo, r.cfg.ports_hi)
                                + ",filter=" + r.cfg.filter + ")";
    const std::string route = "resubmit(," + std::to_string(rt) + ")";

    for (const NatInterface &i : r.interfaces) {
        const std::string port = std::to_string(i.ofport);
        const std::string a = format_ip(i.address);
        /* ARP for the router's address: answered here, copied up so that
         * the asker is learned. */
        flows.push_back(prio(t, p + 100) + "arp,in_port=" + port
                        + ",arp_op=1,arp_tpa=" + a
                        + ",actions=controller,"
                          "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
                          "mod_dl_src:"
                        + format_mac(i.mac)
                        + ","
                          "load:0x2->NXM_OF_ARP_OP[],"
                          "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                          "load:"
                        + hex(i.mac)
                        + "->NXM_NX_ARP_SHA[],"
                          "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
                          "load:"
                        + hex(i.address)
                        + "->NXM_OF_ARP_SPA[],"
                          "in_port");
        /* Other ARP from the subnet's hosts (outside: the gateway's) is
         * only learned from. */
        flows.push_back(prio(t, p + 90) + "arp,in_port=" + port + ",arp_spa="
                        + (i.outside ? format_ip(i.gateway) : i.cidr())
                        + ",actions=controller");
        /* Pings to the router. */
        flows.push_back(prio(t, p + 80) + "icmp,icmp_type=8,nw_dst=" + a
                        + ",actions=router:echo_reply,in_port");
        /* Never routed: other packets to the inside addresses, the
         * subnets' broadcasts. */
        if (!i.outside) {
            flows.push_back(prio(t, p + 75) + "ip,nw_dst=" + a
                            + ",actions=drop");
        }
        flows.push_back(prio(t, p + 75) + "ip,nw_dst="
                        + format_ip(i.broadcast()) + ",actions=drop");
        /* TTL runs out on what would be routed: from the outside, only
         * what is addressed to the external address is. */
        for (int ttl : {0, 1}) {
            flows.push_back(prio(t, p + 70) + "ip,in_port=" + port
                            + (i.outside ? ",nw_dst=" + e : "")
                            + ",nw_ttl=" + std::to_string(ttl)
                            + ",actions=router:time_exceeded(src=" + a
                            + "),in_port");
        }
    }
    flows.push_back(prio(t, p + 75) + "ip,nw_dst=224.0.0.0/4,actions=drop");
    flows.push_back(prio(t, p + 75)
                    + "ip,nw_dst=255.255.255.255,actions=drop");

    const std::string out_port = std::to_string(out.ofport);
    for (const auto &[key, f] : r.forwards) {
        flows.push_back(
            prio(t, p + 60) + nat_proto_name(f.proto) + ",in_port=" + out_port
            + ",nw_dst=" + e + ",tp_dst=" + std::to_string(f.port)
            + ",actions=dec_ttl,nat:forward(proto=" + nat_proto_name(f.proto)
            + ",ext=" + e + ",port=" + std::to_string(f.port)
            + ",to=" + ip_port(f.to, f.to_port) + ")," + route);
    }
    flows.push_back(prio(t, p + 50) + "ip,in_port=" + out_port + ",nw_dst=" + e
                    + ",actions=dec_ttl,nat:in(ext=" + e + ")," + route);

    for (const NatInterface &i : r.interfaces) {
        if (i.outside) {
            continue;
        }
        const std::string from = "in_port=" + std::to_string(i.ofport)
                                 + ",nw_src=" + i.cidr();
        /* Hairpinning: an inside host to the external address.  In_port
         * is cleared, as the answer may leave where it came in. */
        for (const auto &[key, f] : r.forwards) {
            flows.push_back(
                prio(t, p + 60) + nat_proto_name(f.proto) + "," + from
                + ",nw_dst=" + e + ",tp_dst=" + std::to_string(f.port)
                + ",actions=dec_ttl," + nat_out + ",nat:forward(proto="
                + nat_proto_name(f.proto) + ",ext=" + e + ",port="
                + std::to_string(f.port) + ",to=" + ip_port(f.to, f.to_port)
                + "),load:0->NXM_OF_IN_PORT[]," + route);
        }
        flows.push_back(prio(t, p + 50) + "ip," + from + ",nw_dst=" + e
                        + ",actions=dec_ttl," + nat_out + ",nat:in(ext=" + e
                        + "),load:0->NXM_OF_IN_PORT[]," + route);
        /* Between inside subnets: routed, no NAT. */
        for (const NatInterface &j : r.interfaces) {
            if (!j.outside && j.ofport != i.ofport) {
                flows.push_back(prio(t, p + 40) + "ip," + from + ",nw_dst="
                                + j.cidr() + ",actions=dec_ttl," + route);
            }
        }
        /* Everything else goes out, NAPT'd, once the gateway is known. */
        if (r.gateway_mac) {
            flows.push_back(
                prio(t, p + 30) + "ip," + from + ",actions=dec_ttl," + nat_out
                + ",mod_dl_src:" + format_mac(out.mac) + ",mod_dl_dst:"
                + format_mac(*r.gateway_mac) + ",output:" + out_port);
        }
    }
    flows.push_back(prio(t, p) + "actions=drop");

    /* The route table: known inside hosts; unknown ones are resolved by
     * the controller. */
    for (const auto &[ip, h] : r.hosts) {
        const NatInterface *i = r.inside_for(ip);
        if (i) {
            flows.push_back(prio(rt, p + 20) + "ip,nw_dst=" + format_ip(ip)
                            + ",actions=mod_dl_src:" + format_mac(i->mac)
                            + ",mod_dl_dst:" + format_mac(h.mac)
                            + ",output:" + std::to_string(i->ofport));
        }
    }
    for (const NatInterface &i : r.interfaces) {
        if (!i.outside) {
            flows.push_back(prio(rt, p + 10) + "ip,nw_dst=" + i.cidr()
                            + ",actions=controller");
        }
    }
    flows.push_back(prio(rt, p) + "actions=drop");
    return flows;
}

}  // namespace cxxa::controller
