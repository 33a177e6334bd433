// nat_text.h: text forms shared by a router's flows and its REST replies.
#pragma once

#include <cstdint>
#include <string>

#include "inet_text.h"

namespace cxxa::controller {

// "A.B.C.D" or "A.B.C.D:PORT" (port 0: none).
inline std::string ip_port(uint32_t ip, uint16_t port)
{
    return format_ip(ip) + (port ? ":" + std::to_string(port) : "");
}

// "LO-HI".
inline std::string range_text(uint16_t lo, uint16_t hi)
{
    return std::to_string(lo) + "-" + std::to_string(hi);
}

}  // namespace cxxa::controller
