// IPv4 and Ethernet addresses as text: the one parser and formatter the
// deployment, the REST API and the applications' flows use.  Addresses are
// host-order integers (a MAC in the low 48 bits).
#pragma once

#include <cstdint>
#include <string>

namespace cxxa::controller {

// "A.B.C.D", lowercase "xx:xx:xx:xx:xx:xx".
std::string format_ip(uint32_t);
std::string format_mac(uint64_t);

// Strict dotted quad: four decimal numbers 0..255 without leading zeros,
// signs or spaces.  False (and 'out' untouched) if malformed.
bool parse_ip(const std::string &, uint32_t &out);
// Exactly six pairs of hex digits (either case) separated by ':'.
bool parse_mac(const std::string &, uint64_t &out);
// "A.B.C.D/N" with N from 'min_prefix' to 'max_prefix', in decimal
// without leading zeros.  The address may have host bits set.
bool parse_cidr(const std::string &, uint32_t &address, unsigned &prefix,
                unsigned min_prefix, unsigned max_prefix);
// One to five pairs of hex digits separated by ':' ("02:a0"): the bytes
// are left-aligned in 48 bits.
bool parse_mac_prefix(const std::string &, uint64_t &prefix,
                      unsigned &n_bytes);

// Neither multicast nor broadcast (the I/G bit is clear).
inline bool is_unicast_mac(uint64_t mac) { return !((mac >> 40) & 1); }

}  // namespace cxxa::controller
