#!/usr/bin/python3
"""End to end: 1,000 offline/online flips of an AMD server under continuous
traffic (mininet-topos/experiments/amd_experiment.py flips): nothing lost,
reordered or duplicated."""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
DRIVER = os.path.join(TOP, 'mininet-topos', 'experiments',
                      'amd_experiment.py')

if __name__ == '__main__':
    args = ['flips'] + sys.argv[1:]
    os.execv('/usr/bin/python3', ['/usr/bin/python3', DRIVER] + args)
