// cxxa-controller: the thin controller.  See controller/README.md.
#include <config.h>

#include <getopt.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "controller.h"
#include "rest.h"

#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "util.h"  // Before the block: it has C++ parts.
extern "C" {       // OVS's lib/ headers, unlike include/openvswitch, lack it.
#include "command-line.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "stream.h"
#include "stream-ssl.h"
#include "unixctl.h"
}

VLOG_DEFINE_THIS_MODULE(cxxa_controller);

using cxxa::controller::Controller;
using cxxa::controller::RestServer;

namespace {

struct Options {
    std::string deployment;
    std::string rest = "127.0.0.1:8080";
    std::string unixctl;
    std::string state;
    uint32_t versions = cxxa::controller::kOf10 | cxxa::controller::kOf13;
    std::vector<std::string> listen;
};

Controller *the_controller;
bool exiting;

OVS_NO_RETURN void usage()
{
    printf("%s: the cxx-actions thin controller\n"
           "usage: %s [OPTIONS] --deployment=FILE [LISTEN...]\n"
           "\nConnects to the switches of the deployment file (\"connect\" "
           "targets),\naccepts switches on each LISTEN (ptcp:PORT[:IP], "
           "pssl:PORT[:IP], punix:FILE),\ninstalls and keeps the flows the "
           "deployment asks for, and serves a REST API.\n"
           "\nOptions:\n"
           "  --deployment=FILE       deployment (JSON), required\n"
           "  --rest=IP:PORT|none     REST API address (default "
           "127.0.0.1:8080)\n"
           "  --openflow=VERSIONS     versions offered to passive switches "
           "(default\n"
           "                          OpenFlow10,OpenFlow13)\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  --state=FILE            keep the applications' state (AMD "
           "subscriptions,\n"
           "                          NAT REST changes) in FILE across "
           "restarts\n"
           "                          (default: none, state is lost on "
           "exit)\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n",
           program_name, program_name);
    daemon_usage();
    vlog_usage();
    stream_usage("LISTEN", false, true, false);
    exit(EXIT_SUCCESS);
}

Options parse_options(int argc, char *argv[])
{
    enum {
        OPT_DEPLOYMENT = UCHAR_MAX + 1,
        OPT_REST,
        OPT_UNIXCTL,
        OPT_OPENFLOW,
        OPT_STATE,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
        SSL_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"deployment", required_argument, NULL, OPT_DEPLOYMENT},
        {"rest", required_argument, NULL, OPT_REST},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"openflow", required_argument, NULL, OPT_OPENFLOW},
        {"state", required_argument, NULL, OPT_STATE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        STREAM_SSL_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);
    Options o;

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_DEPLOYMENT:
            o.deployment = optarg;
            break;
        case OPT_REST:
            o.rest = optarg;
            break;
        case OPT_UNIXCTL:
            o.unixctl = optarg;
            break;
        case OPT_STATE:
            if (!*optarg) {
                ovs_fatal(0, "--state: a file name is required");
            }
            o.state = optarg;
            break;
        case OPT_OPENFLOW:
            o.versions = ofputil_versions_from_string(optarg);
            if (!o.versions) {
                ovs_fatal(0, "--openflow: no OpenFlow version in \"%s\"",
                          optarg);
            }
            break;
        case 'h':
            usage();
        case 'V':
            ovs_print_version(OFP10_VERSION, OFP15_VERSION);
            exit(EXIT_SUCCESS);

            VLOG_OPTION_HANDLERS
            DAEMON_OPTION_HANDLERS
            STREAM_SSL_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);
        default:
            abort();
        }
    }
    free(short_options);

    for (int i = optind; i < argc; i++) {
        o.listen.push_back(argv[i]);
    }
    if (o.deployment.empty()) {
        ovs_fatal(0, "--deployment=FILE is required (try --help)");
    }
    return o;
}

void unixctl_status(struct unixctl_conn *conn, int, const char *[], void *aux)
{
    unixctl_command_reply(
        conn, static_cast<Controller *>(aux)->status_text().c_str());
}

void unixctl_reload(struct unixctl_conn *conn, int, const char *[], void *aux)
{
    Controller *c = static_cast<Controller *>(aux);
    std::vector<std::string> errors;
    if (c->reload(errors)) {
        std::string s = "generation " + std::to_string(c->generation());
        unixctl_command_reply(conn, s.c_str());
    } else {
        std::string s;
        for (const std::string &e : errors) {
            s += e + "\n";
        }
        unixctl_command_reply_error(conn, s.c_str());
    }
}

void unixctl_exit(struct unixctl_conn *conn, int, const char *[], void *)
{
    exiting = true;
    unixctl_command_reply(conn, NULL);
}

void sighup_handler(int)
{
    if (the_controller) {
        the_controller->request_reload();
    }
}

}  // namespace

int main(int argc, char *argv[])
{
    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    Options o = parse_options(argc, argv);
    fatal_ignore_sigpipe();

    Controller controller(o.deployment, o.versions);
    RestServer rest(controller);

    /* Bind everything while we may still have the privileges to;
     * daemonize_start() then drops them (--user). */
    for (const std::string &target : o.listen) {
        int error = controller.listen(target);
        if (error) {
            ovs_fatal(error, "%s: cannot listen", target.c_str());
        }
    }
    if (o.rest != "none") {
        std::string why = rest.bind(o.rest);
        if (!why.empty()) {
            ovs_fatal(0, "REST API: %s", why.c_str());
        }
    }

    daemonize_start(false);

    std::vector<std::string> errors;
    if (!controller.reload(errors)) {
        for (const std::string &e : errors) {
            fprintf(stderr, "%s: %s\n", o.deployment.c_str(), e.c_str());
        }
        ovs_fatal(0, "%s: invalid deployment, not starting",
                  o.deployment.c_str());
    }
    /* A state file that cannot be read whole is refused and left as it
     * is: starting empty would overwrite it at the first change. */
    controller.set_state_file(o.state);
    if (!controller.load_state(errors)) {
        for (const std::string &e : errors) {
            fprintf(stderr, "%s: %s\n", o.state.c_str(), e.c_str());
            VLOG_ERR("%s: %s", o.state.c_str(), e.c_str());
        }
        ovs_fatal(0,
                  "%s: state file refused, not starting (the file is "
                  "unchanged: fix it, or move it away to start with no "
                  "saved state)",
                  o.state.c_str());
    }

    struct unixctl_server *unixctl;
    if (unixctl_server_create(o.unixctl.empty() ? NULL : o.unixctl.c_str(),
                              &unixctl)) {
        exit(EXIT_FAILURE);
    }
    unixctl_command_register("status", "", 0, 0, unixctl_status, &controller);
    unixctl_command_register("deployment/reload", "", 0, 0, unixctl_reload,
                             &controller);
    unixctl_command_register("exit", "", 0, 0, unixctl_exit, NULL);

    /* SIGHUP reloads the deployment (OVS treats it as fatal by default). */
    fatal_signal_init();
    the_controller = &controller;
    struct sigaction sa = {};
    sa.sa_handler = sighup_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);

    daemonize_complete();
    if (o.rest != "none") {
        rest.start();
        VLOG_INFO("REST API on http://%s", o.rest.c_str());
    }

    while (!exiting) {
        controller.run();
        unixctl_server_run(unixctl);
        if (exiting) {
            break;
        }
        controller.wait();
        unixctl_server_wait(unixctl);
        poll_block();
    }

    rest.stop();
    unixctl_server_destroy(unixctl);
    the_controller = NULL;
    return 0;
}
