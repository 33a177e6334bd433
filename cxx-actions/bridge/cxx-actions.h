/*
 * cxx-actions.h: the only C ABI between Open vSwitch and the C++ action
 * library.  Open vSwitch (lib/cxx-action.c in the patch series) calls these
 * functions; cxx-actions/bridge/bridge.cc implements them on top of the C++
 * registry (cxx-actions/bridge/registry.h).
 *
 * Everything here is plain C: OVS headers are never included from C++ and
 * C++ types never cross this line.  Strings returned to OVS are malloc()'d
 * and released with free().
 */
#ifndef CXX_ACTIONS_H
#define CXX_ACTIONS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Control plane: ovs-ofctl, ovs-vswitchd, the controller. ---- */

/* True if 'name' (e.g. "paxos") is a registered primitive.  Such a name,
 * written as "NAME:ARGS" or "NAME(ARGS)" in an action list, is parsed as a
 * C++ action. */
bool cxxa_is_primitive(const char *name);

/* Parses 'args' (may be "") for primitive 'name'.  On success returns NULL
 * and stores the canonical form of the arguments in '*canonical'
 * (malloc()'d): formatting a parsed action prints exactly this, and parsing
 * it again yields the same string.  On failure returns a malloc()'d message
 * that names the primitive and what is wrong. */
char *cxxa_parse(const char *name, const char *args, char **canonical);

/* Properties of a parsed action, for the translator. */
#define CXXA_F_RESHAPES                                                       \
    0x1 /* Packets it emits may be of another kind                            \
         * (wrapped, unwrapped, replaced): the actions                        \
         * that follow must be translated against the                         \
         * re-parsed packets, so the translator freezes                       \
         * and recirculates after it. */
unsigned int cxxa_flags(const char *name, const char *args);

/* ---- Datapath. ---- */

/* One packet of a batch handed to a primitive.  The primitive may rewrite
 * 'data[0..size)' in place. */
struct cxxa_packet {
    uint8_t *data;    /* Frame, starting at the Ethernet header. */
    size_t size;      /* Frame length in bytes. */
    uint32_t in_port; /* Datapath input port. */
};

/* Called by a primitive for every packet that leaves it, in output order.
 * 'index' is the input packet it derives from.  'data' == NULL passes input
 * packet 'index' on (at most once); otherwise 'data[0..size)' is a new frame
 * that inherits the metadata of input packet 'index'.  Input packets never
 * passed on are freed after the call. */
typedef void cxxa_emit_cb(void *aux, size_t index, const void *data,
                          size_t size);

/* Runs primitive 'name' with canonical arguments 'args' for bridge 'bridge'
 * on 'pkts[0..n)'.  Safe to call concurrently from any datapath thread;
 * never blocks. */
void cxxa_execute(const char *bridge, const char *name, const char *args,
                  struct cxxa_packet *pkts, size_t n, cxxa_emit_cb *emit,
                  void *aux);

/* ---- The host's main loop: time, timers, frames of the library's own. ----
 */

/* What the host (ovs-vswitchd) gives the library, once, before any bridge
 * exists.  Without it (ovs-ofctl, unit tests) the library uses the
 * monotonic clock, keeps no state across restarts and wakes nobody. */
struct cxxa_host {
    /* The host's clock in milliseconds (OVS: time_msec(), so that
     * "ovs-appctl time/stop" and "time/warp" drive the library's timers).
     * Called from any thread. */
    long long int (*time_msec)(void);
    /* Asks the main loop to call cxxa_next_wakeup() again soon.  Called
     * from any thread, never blocks. */
    void (*wake)(void);
    /* Directory for state that must survive a restart of the host (OVS:
     * the database directory); NULL for none.  Copied. */
    const char *state_dir;
    /* Logs 'message' at 'level' (CXXA_LOG_*) in the host's log.  Called
     * from the main loop only (bridge_added/removed, run). */
    void (*log)(int level, const char *message);
};
#define CXXA_LOG_INFO 0
#define CXXA_LOG_WARN 1
#define CXXA_LOG_ERR 2
void cxxa_init(const struct cxxa_host *);

/* Bridge 'bridge' was created: primitives may load what they kept for it.
 * Called before any packet of the bridge reaches the library. */
void cxxa_bridge_added(const char *bridge);

/* Bridge 'bridge' is being destroyed: 'deleted' (its state, durable state
 * included, is dropped; its timers never fire again) or because the host
 * exits (durable state is written out). */
void cxxa_bridge_removed(const char *bridge, bool deleted);

/* Called by cxxa_run() for each frame the library sends on its own for a
 * bridge: the host makes it enter the bridge's OpenFlow pipeline at table
 * 'table_id', received on OpenFlow port 'in_port' (OFPP_CONTROLLER,
 * 0xfffd, unless a primitive's arguments say otherwise).  The library
 * holds no lock during the call: the frame may run any primitive. */
typedef void cxxa_send_cb(void *aux, uint8_t table_id, uint16_t in_port,
                          const void *data, size_t size);

/* Runs the timers of 'bridge' that are due, from the host's main loop (never
 * from a datapath thread), passing the frames they send to 'send'. */
void cxxa_run(const char *bridge, cxxa_send_cb *send, void *aux);

/* When (host clock, ms) cxxa_run() must next be called for 'bridge':
 * LLONG_MAX if no timer is set, the past if a thread asked for a wake-up. */
long long int cxxa_next_wakeup(const char *bridge);

/* ---- Management: ovs-appctl commands of the library and primitives. ---- */

struct cxxa_command {
    const char *name;  /* e.g. "cxx-action/list", "paxos/show". */
    const char *usage; /* Argument synopsis, may be "". */
    int min_args, max_args;
};

/* Commands to register with unixctl: 'cxxa_command(i)' for i in
 * [0, cxxa_n_commands()). */
size_t cxxa_n_commands(void);
const struct cxxa_command *cxxa_command(size_t i);

/* Runs command 'i' with 'argv[0..argc)' (argv[0] is the command name).
 * Stores a malloc()'d reply in '*reply' and returns true on success, false
 * if the reply is an error. */
bool cxxa_run_command(size_t i, int argc, const char *argv[], char **reply);

#ifdef __cplusplus
}
#endif

#endif /* cxx-actions.h */
