"""Paths and ports of the Mininet drivers and end-to-end tests, in one
place.

Environment variables override the defaults, so a test run from any
build directory uses that build's binaries:

    BUILD       the build tree (default TOP/build)
    OVS_BUILD   the patched Open vSwitch build (default BUILD/ovs)
    CONTROLLER  cxxa-controller (default BUILD/controller/cxxa-controller)
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
BUILD = os.environ.get('BUILD', os.path.join(TOP, 'build'))
OVS_BUILD = os.environ.get('OVS_BUILD', os.path.join(BUILD, 'ovs'))
CONTROLLER = os.environ.get('CONTROLLER', os.path.join(
    BUILD, 'controller', 'cxxa-controller'))
LINKDELAY = os.path.join(BUILD, 'linkdelay')
SANDBOX_SCRIPT = os.path.join(TOP, 'scripts', 'sandbox')
RESULTS = os.path.join(TOP, 'results')
# Debian's Python, which has Mininet: what the hosts run the apps with.
PY = '/usr/bin/python3'

# The controller's REST and OpenFlow ports, one pair per network, so that
# a controller left over from one driver is never mistaken for another's.
PORTS = {
    'learning': {'rest': 18199, 'of': 16653},
    'paxos': {'rest': 18299, 'of': 16753},
    'amd': {'rest': 18399, 'of': 16853},
    'nat': {'rest': 18398, 'of': 16854},
    'amd-floodlight': {'rest': 18397, 'of': 16855},
    'pubsub': {'rest': 18396, 'of': 16856},
}
