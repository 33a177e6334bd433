#!/usr/bin/python3
"""End to end: Paxos under faults, short
(mininet-topos/experiments/paxos_faults_experiment.py --short): 4,800
messages from clients at all three members; 5 % correlated loss, 1 %
duplication and 1 % reordering on the member links; each member an
ovs-vswitchd of its own, the leader's killed once (SIGKILL) and
restarted; s2-s3 cut and healed.  The nine replica logs (tcpdump
captures) must be identical, nothing missing or duplicated, no NO-OP
delivered (every kill followed by a delivery, and the 200 ms failover,
are targets it reports, not checks), and the mirroring negative control,
same clients and links, must disagree.  ~30 s.

The members run the fault-tolerant protocol (the deployment's
fault_tolerance, heartbeat 20 ms, timeout 100 ms); with --fixed-leader
the same run fails (nothing takes over from a killed leader, lost LEARNs
are never asked for again)."""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
DRIVER = os.path.join(TOP, 'mininet-topos', 'experiments',
                      'paxos_faults_experiment.py')

if __name__ == '__main__':
    args = ['--short']
    os.execv('/usr/bin/python3', ['/usr/bin/python3', DRIVER] + args
             + sys.argv[1:])
