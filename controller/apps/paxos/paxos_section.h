// The deployment's "paxos" section: Paxos groups turned into flows.
//
// Each group names its member switches (node ids 1..n in list order), its
// leader, the ports where client frames enter, the MAC address clients send
// to, and the replica hosts that receive the ordered frames, each rewritten
// to the replica's own MAC (and IPv4) address.  The members must be joined
// by links of the deployment that form a tree: Paxos frames are relayed
// along it, so members need not be neighbours.  The flows generated here
// are the only thing the controller contributes; every packet is then
// handled by the switches alone.  Schema and flow layout:
// controller/README.md.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deployment.h"
#include "json_check.h"

namespace cxxa::controller {

// Limits of the section (documented in the README).
constexpr size_t kPaxosMaxGroups = 32;
constexpr int kPaxosFirstTable = 10;  // Group i uses tables 10+4i..12+4i.
constexpr int kPaxosDefaultPriority = 40000;

// Validates 'section' (the value of "paxos") against the switches and links
// already parsed into 'd' and appends each member switch's generated flows
// to its SwitchSpec::flows.  Adds "paxos....: why" errors; on any error,
// 'd' is left unchanged.
void expand_paxos_section(const nlohmann::json &section, Deployment &d,
                          Errors &);

}  // namespace cxxa::controller
