#!/usr/bin/python3
"""End to end: Paxos ordering in the thesis topology set up by the controller
(mininet-topos/experiments/paxos_experiment.py order): 10,000 messages
from 4 clients, the 9 replica logs identical, no packet-in, the controller
stopped half-way; fails on any check of the experiment."""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
DRIVER = os.path.join(TOP, 'mininet-topos', 'experiments',
                      'paxos_experiment.py')

if __name__ == '__main__':
    args = ['order'] + sys.argv[1:]
    os.execv('/usr/bin/python3', ['/usr/bin/python3', DRIVER] + args)
