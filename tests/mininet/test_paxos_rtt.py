#!/usr/bin/python3
"""End to end: a short Paxos RTT run in the thesis topology
(mininet-topos/experiments/paxos_experiment.py rtt --samples 30): every
message must be answered; times are reported, not asserted."""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
DRIVER = os.path.join(TOP, 'mininet-topos', 'experiments',
                      'paxos_experiment.py')

if __name__ == '__main__':
    args = ['rtt', '--samples', '30'] + sys.argv[1:]
    os.execv('/usr/bin/python3', ['/usr/bin/python3', DRIVER] + args)
