#!/usr/bin/python3
"""End to end: Paxos under faults, short
(mininet-topos/experiments/paxos_faults_experiment.py --short): 4,800
messages from clients at all three members; 5 % correlated loss, 1 %
duplication and 1 % reordering on the member links; each member an
ovs-vswitchd of its own, the leader's killed once (SIGKILL) and
restarted; s2-s3 cut and healed.  The nine replica logs (tcpdump
captures) must be identical, nothing missing or duplicated, no NO-OP
delivered, failover within 200 ms, and the mirroring negative control,
same clients and links, must disagree.  ~30 s.

With the fixed-leader protocol this fails (nothing takes over from a
killed leader, lost LEARNs are never asked for again): FT below turns the
fault-tolerant protocol on (the deployment's fault_tolerance) once it is
on main."""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
DRIVER = os.path.join(TOP, 'mininet-topos', 'experiments',
                      'paxos_faults_experiment.py')
# heartbeat_ms,timeout_ms,log_slots of the fault-tolerant protocol (e.g.
# '20,60,16384': the log must hold what arrives while a member is down,
# 1.5 s at 600 messages/s here), or None: the fixed-leader protocol (today).
FT = None

if __name__ == '__main__':
    args = ['--short'] + (['--fault-tolerance', FT] if FT else [])
    os.execv('/usr/bin/python3', ['/usr/bin/python3', DRIVER] + args
             + sys.argv[1:])
