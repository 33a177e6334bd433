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
