"""h1 -- s1 -- s2 -- h2, userspace datapath, no controller.

Port numbers: on s1, h1 is port 1 and s2 is port 2; on s2, s1 is port 1
and h2 is port 2.  Flows are installed by the caller (tests/mininet).
"""
from mininet.topo import Topo


class TwoSwitches(Topo):
    def build(self):
        h1 = self.addHost('h1', ip='10.0.0.1/24', mac='00:00:00:00:00:01')
        h2 = self.addHost('h2', ip='10.0.0.2/24', mac='00:00:00:00:00:02')
        s1 = self.addSwitch('s1', datapath='user', failMode='secure',
                            protocols='OpenFlow13')
        s2 = self.addSwitch('s2', datapath='user', failMode='secure',
                            protocols='OpenFlow13')
        self.addLink(h1, s1, port2=1)
        self.addLink(s1, s2, port1=2, port2=1)
        self.addLink(s2, h2, port1=2)


topos = {'two_switches': TwoSwitches}
