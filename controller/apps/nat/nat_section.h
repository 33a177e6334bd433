// The deployment's "nat" section: NAT routers.  Each router is
// one switch whose named ports are its interfaces: inside subnets, each
// with the router's (gateway) address on it, and exactly one outside
// interface with the router's external address and the outside gateway.
// Outbound traffic is NAPT'd to the external address (nat:out), inbound
// traffic translated back (nat:in) or port-forwarded to an inside host
// (nat:forward).  Settings only; the router's state (learned MACs, hosts,
// forwards changed over REST) and its flows are NatService's.  Schema:
// controller/README.md, "The nat section".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_check.h"

namespace cxxa::controller {

struct Deployment;

// Bounds (documented in the README).
constexpr size_t kNatMaxRouters = 64;
constexpr size_t kNatMaxInterfaces = 32;      // Per router.
constexpr size_t kNatMaxForwards = 4096;      // Per router.
constexpr size_t kNatDefaultMaxHosts = 1024;  // Per router: static + learned.
constexpr size_t kNatMaxHostsLimit = 65536;
constexpr int kNatDefaultPriority = 30000;  // Flows use P .. P+100.

enum class NatProto { kTcp, kUdp };
const char *nat_proto_name(NatProto);

struct NatInterface {
    std::string port;  // Port name, in the switch's "ports".
    uint32_t ofport = 0;
    uint32_t address = 0;  // The router's address on the subnet.
    unsigned prefix = 24;
    uint64_t mac = 0;  // The router's MAC on this interface.
    bool outside = false;
    uint32_t gateway = 0;  // Outside interface only.

    uint32_t mask() const { return prefix ? ~0u << (32 - prefix) : 0; }
    uint32_t network() const { return address & mask(); }
    uint32_t broadcast() const { return network() | ~mask(); }
    bool contains(uint32_t ip) const { return (ip & mask()) == network(); }
    // A host address of the subnet: not its network or broadcast address.
    bool is_host(uint32_t ip) const
    {
        return contains(ip) && ip != network() && ip != broadcast();
    }
    std::string cidr() const;  // "10.0.1.0/24".
    bool operator==(const NatInterface &) const = default;
};

struct NatForwardSpec {
    NatProto proto = NatProto::kTcp;
    uint16_t port = 0;     // External port; 0: from the pool.
    uint32_t to = 0;       // Inside host.
    uint16_t to_port = 0;  // 0: the external port.
    bool picked = false;   // The port came from the pool.
    bool operator==(const NatForwardSpec &) const = default;
};

struct NatHostSpec {
    uint32_t ip = 0;
    uint64_t mac = 0;
    bool operator==(const NatHostSpec &) const = default;
};

struct NatRouterSettings {
    std::string sw;    // Switch name.
    size_t index = 0;  // In the section.
    // The router's object in the deployment, as written: saved with the
    // router's durable state, which applies only while it is unchanged.
    nlohmann::json source;
    // The switch's named ports (interfaces added over REST name one).
    std::map<std::string, uint32_t> switch_ports;
    std::vector<NatInterface> interfaces;        // Exactly one outside.
    uint16_t ports_lo = 1024, ports_hi = 61439;  // nat:out ports.
    std::string filter = "eim";
    uint16_t pool_lo = 61440, pool_hi = 65535;  // Forward pool.
    std::vector<NatForwardSpec> forwards;
    std::vector<NatHostSpec> hosts;
    size_t max_hosts = kNatDefaultMaxHosts;
    int table = 0;  // Route table: table + 1.
    int priority = kNatDefaultPriority;

    const NatInterface &outside() const;
    bool operator==(const NatRouterSettings &) const = default;
};

struct NatSettings {
    bool enabled = false;  // The section is not empty.
    std::vector<NatRouterSettings> routers;
    bool operator==(const NatSettings &) const = default;
};

// The default MAC of interface 'ofport' of router number 'router' (in
// section order): 02:6e:61:RR:PP:PP, locally administered.
uint64_t nat_default_mac(size_t router, uint32_t ofport);

// "A.B.C.D/N" (N 1..30) into address and prefix; false if malformed.
bool parse_cidr_address(const std::string &, uint32_t &address,
                        unsigned &prefix);
// "LO-HI", 1 <= LO <= HI <= 65535.
bool parse_port_range(const std::string &, uint16_t &lo, uint16_t &hi);
// "A.B.C.D[:PORT]"; port 0 when absent.
bool parse_ip_port(const std::string &, uint32_t &ip, uint16_t &port);

// Validates 'section' (the value of "nat") against the switches of 'd'.
// Adds "nat....: why" errors.  Forwards without a port get one from the
// pool here (lowest free first), so the result is complete.
NatSettings parse_nat_section(const nlohmann::json &section,
                              const Deployment &d, Errors &);

}  // namespace cxxa::controller
