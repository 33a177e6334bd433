// host.h: what the process running the library gives it (cxxa_init() in
// cxx-actions.h): its clock, a way to wake its main loop, a directory for
// state that survives a restart.  Without a host (ovs-ofctl, unit tests):
// the monotonic clock, no wake-ups, no durable state.
#ifndef CXXA_BRIDGE_HOST_H
#define CXXA_BRIDGE_HOST_H

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

struct cxxa_host;

namespace cxxa {

// A wake-up time meaning "no timer is set".
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// Milliseconds on the host's clock: OVS's time_msec() in ovs-vswitchd (so
// ovs-appctl time/stop and time/warp move it), else the monotonic clock.
// Never jumps with the wall clock.  Any thread.
int64_t now_ms();

// Asks the host's main loop to ask the primitives for their next wake-up
// again: for a datapath thread that just gave a timer work to do.  Any
// thread, never blocks; a no-op without a host.
void wake_host();

// Logs in the host's log (ovs-vswitchd.log), from the main loop; level 0
// info, 1 warning, 2 error.  Without a host: the last message is kept for
// tests (last_log()).
void host_log(int level, const std::string &message);
std::string last_log();

// Where durable state goes ("" for nowhere: keep nothing across restarts).
const std::string &state_dir();

// A file name for durable state of 'bridge' in state_dir():
// PREFIX.BRIDGE.SUFFIX, the bridge name with every byte but [A-Za-z0-9._-]
// as %XX, so that any bridge name makes one plain file name.
std::string state_file(std::string_view prefix, std::string_view bridge,
                       std::string_view suffix);

// Installs the host (cxxa_init).  'host' == nullptr removes it.
void set_host(const cxxa_host *host);

// For unit tests: a clock that only moves when told to, or the real one
// again (nullptr).
void set_test_clock(const int64_t *now);
// For unit tests: a state directory without a host.
void set_state_dir(const std::string &dir);

}  // namespace cxxa

#endif  // CXXA_BRIDGE_HOST_H
