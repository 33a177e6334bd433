#!/usr/bin/env bash
# Installs the packages of scripts/build-debs (build/debs) into a throwaway
# root and checks them there:
#   - apt installs them over this machine's system (as an upgrade of what
#     is installed, with their dependencies from Debian's archive);
#   - the installed ovs-vswitchd and ovs-ofctl report the fork's version;
#   - ovsdb-server and ovs-vswitchd, started from the installed files with
#     their packaged default paths, run a netdev bridge that accepts
#     paxos:onclient, amd:store(server=10.0.0.1) and nat:out(ext=...) flows,
#     refuses a bad argument, and translates a packet to the cxx datapath
#     action;
#   - the controller starts as its systemd unit would start it (ExecStart
#     with /etc/default/cxxa-controller), answers GET /health, and a switch
#     that connects to it gets the sample deployment's flows.
#
# The throwaway root: an overlay (copy on write, upper layer in a tmpfs) of
# this machine's /, mounted in a private mount namespace, entered with
# chroot; the daemons run in their own network and PID namespaces.
# Nothing reaches the real root; everything vanishes when the test exits.
# Needs root (unshare, mount).  Runtime about a minute.
#
# Exit 77 (skipped) when build/debs holds no switch packages: run
# scripts/build-debs first.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/upstream.env"
debs=${CXXA_DEBS_DIR:-$top/build/debs}
want="$OVS_DEB_VERSION+cxxa${CXXA_RELEASE:-1}"
arch=$(dpkg --print-architecture)

[ "$(id -u)" -eq 0 ] || { echo "test-install: needs root (unshare, mount)" >&2; exit 77; }
if ! [ -f "$debs/openvswitch-switch_${want}_$arch.deb" ]; then
    echo "test-install: SKIP: no $debs/openvswitch-switch_${want}_$arch.deb; run scripts/build-debs" >&2
    exit 77
fi

# The packages to install: the switch's, without the ones whose extra
# dependencies are large and untested here (ipsec: strongswan; test:
# twisted), and the controller's.
pkgs=()
for p in openvswitch-common openvswitch-switch python3-openvswitch \
         openvswitch-pki openvswitch-vtep openvswitch-doc openvswitch-source; do
    f=$debs/${p}_${want}_$arch.deb
    [ -f "$f" ] || f=$debs/${p}_${want}_all.deb
    [ -f "$f" ] || { echo "test-install: FAIL: ${p}_$want missing in $debs" >&2; exit 1; }
    pkgs+=("/debs/$(basename "$f")")
done
controller=$(find "$debs" -maxdepth 1 -name "cxxa-controller_*_$arch.deb" | head -1)
if [ -n "$controller" ]; then
    pkgs+=("/debs/$(basename "$controller")")
elif [ -d "$top/controller" ]; then
    echo "test-install: FAIL: controller/ exists but no cxxa-controller package in $debs" >&2
    exit 1
else
    echo "test-install: NOTE: no controller yet (no controller/): its checks are skipped" >&2
fi

scratch=$(mktemp -d /var/tmp/cxxa-debs-test.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# ---- The checks, run inside the throwaway root. ----
cat > "$scratch/inside.sh" <<'INSIDE'
#!/bin/bash
set -euo pipefail
want=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
ip link set lo up

for p in openvswitch-common openvswitch-switch python3-openvswitch; do
    v=$(dpkg-query -W -f='${Version}' "$p")
    [ "$v" = "$want" ] || fail "$p is $v, not $want"
done
ok "dpkg: openvswitch-common, -switch, python3-openvswitch $want"
for b in /usr/sbin/ovs-vswitchd /usr/bin/ovs-ofctl; do
    "$b" --version | head -1
    "$b" --version | head -1 | grep -qF "(Open vSwitch) $want" \
        || fail "$b --version does not report $want"
done
ok "ovs-vswitchd and ovs-ofctl report $want"

# The daemons, from the packaged files and default paths.
mkdir -p /var/run/openvswitch /var/log/openvswitch
rm -f /etc/openvswitch/conf.db
ovsdb-tool create /etc/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server /etc/openvswitch/conf.db --detach --pidfile --log-file \
    --remote=punix:/var/run/openvswitch/db.sock
ovs-vsctl --no-wait init
ovs-vswitchd --detach --pidfile --log-file -vconsole:off
ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 p1 -- set interface p1 type=internal ofport_request=1 \
    -- add-port br0 p2 -- set interface p2 type=internal ofport_request=2
ok "netdev bridge br0 with ports 1 and 2"
ovs-appctl dpif/show-dp-features br0 | grep -i "c++ action" || fail "no C++ action in dpif/show-dp-features"

flows=(
    "in_port=1,actions=paxos:onclient,output:2"
    "ip,nw_dst=10.0.0.1,actions=amd:store(server=10.0.0.1)"
    "ip,in_port=2,actions=nat:out(ext=203.0.113.1),output:1"
)
for f in "${flows[@]}"; do
    ovs-ofctl add-flow br0 "$f" || fail "add-flow $f"
done
ovs-ofctl dump-flows br0 | tee /dumped
for a in "actions=paxos:onclient,output:2" "actions=amd:store(server=10.0.0.1)" \
         "actions=nat:out(ext=203.0.113.1),output:1"; do
    grep -qF "$a" /dumped || fail "dump-flows lacks $a"
done
ok "paxos:onclient, amd:store(server=10.0.0.1), nat:out(ext=203.0.113.1) flows installed"

if err=$(ovs-ofctl add-flow br0 "actions=paxos:onclient(group=70000)" 2>&1); then
    fail "paxos:onclient(group=70000) was accepted"
fi
echo "$err"
echo "$err" | grep -q "out of range" || fail "unexpected error: $err"
ok "a bad argument is refused"

ovs-appctl cxx-action/list | tee /list
for n in paxos amd nat; do grep -q "$n" /list || fail "cxx-action/list lacks $n"; done
trace=$(ovs-appctl ofproto/trace br0 in_port=1,udp,nw_src=10.0.0.2,nw_dst=10.0.0.3)
echo "$trace" | grep "Datapath actions"
echo "$trace" | grep -q "Datapath actions: cxx(bridge=br0,name=paxos,args=onclient)" \
    || fail "the trace does not reach the cxx datapath action"
ok "ofproto/trace: packet -> cxx(bridge=br0,name=paxos,args=onclient)"
# The controller, as its unit starts it.
if dpkg-query -W cxxa-controller > /dev/null 2>&1; then
    v=$(dpkg-query -W -f='${Version}' cxxa-controller)
    unit=/lib/systemd/system/cxxa-controller.service
    for f in /usr/bin/cxxa-controller /etc/default/cxxa-controller \
             /etc/cxxa-controller/deployment.json "$unit"; do
        [ -e "$f" ] || fail "cxxa-controller: $f not installed"
    done
    dpkg-query -W -f='${Conffiles}\n' cxxa-controller | grep -q /etc/cxxa-controller/deployment.json \
        || fail "deployment.json is not a conffile"
    systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
    ok "systemd-analyze verify $unit"
    # ExecStart with its continuation lines, in the unit's environment.
    exec_start=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | sed 's/^ExecStart=//; s/\\$//' | tr '\n' ' ')
    mkdir -p /run/cxxa-controller /var/log/cxxa-controller
    set -a; . /etc/default/cxxa-controller; set +a
    echo "+ $exec_start"
    eval "$exec_start" || fail "cxxa-controller did not start (log: $(tail -5 /var/log/cxxa-controller/cxxa-controller.log 2>/dev/null))"
    pid=$(cat /run/cxxa-controller/cxxa-controller.pid)
    kill -0 "$pid" || fail "cxxa-controller is not running"
    ok "cxxa-controller $v started (pid $pid) from the unit's ExecStart"
    health=""
    for _ in $(seq 50); do
        health=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://%s/health" % sys.argv[1], timeout=2).read().decode())' "$CXXA_REST" 2>/dev/null) && break
        sleep 0.1
    done
    [ -n "$health" ] || fail "GET http://$CXXA_REST/health does not answer"
    echo "GET /health: $health"
    ok "cxxa-controller answers GET /health on $CXXA_REST"

    # A switch that connects to it gets the sample deployment's flows (s1,
    # datapath id 1, ports client=1 and replica=2).
    ovs-vsctl add-br s1 -- set bridge s1 datapath_type=netdev fail_mode=secure \
        other-config:datapath-id=0000000000000001 \
        -- add-port s1 s1p1 -- set interface s1p1 type=internal ofport_request=1 \
        -- add-port s1 s1p2 -- set interface s1p2 type=internal ofport_request=2 \
        -- set-controller s1 tcp:127.0.0.1:6653
    for _ in $(seq 100); do
        ovs-ofctl dump-flows s1 | grep -q "actions=paxos:onclient,output:2" && break
        sleep 0.1
    done
    ovs-ofctl dump-flows s1 | grep -v NXST_FLOW
    ovs-ofctl dump-flows s1 | grep -q "actions=paxos:onclient,output:2" \
        || fail "s1 did not get the sample deployment's flows from cxxa-controller"
    python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://%s/switches" % sys.argv[1], timeout=2).read().decode())' "$CXXA_REST"
    ok "switch s1 connected to the packaged controller and got the sample deployment's flows"
    kill "$pid"
fi
ovs-appctl -t ovs-vswitchd exit
ovs-appctl -t ovsdb-server exit
echo "PASS"
INSIDE
chmod +x "$scratch/inside.sh"

# ---- The throwaway root. ----
cat > "$scratch/root.sh" <<'ROOT'
#!/bin/bash
set -euo pipefail
scratch=$1 debs=$2 want=$3; shift 3
t=$scratch/t m=$scratch/t/m
mkdir -p "$t"
mount -t tmpfs -o size=4g cxxa-debs-test "$t"
mkdir -p "$t/u" "$t/w" "$m"
mount -t overlay overlay -o "lowerdir=/,upperdir=$t/u,workdir=$t/w" "$m"
mount --rbind /dev "$m/dev"
mount --rbind /sys "$m/sys"
mount -t proc proc "$m/proc"
mkdir -p "$m/debs"
mount --bind -o ro "$debs" "$m/debs"
cp "$scratch/inside.sh" "$m/inside.sh"
# No service starts from maintainer scripts in the throwaway root.
printf '#!/bin/sh\nexit 101\n' > "$m/usr/sbin/policy-rc.d"
chmod +x "$m/usr/sbin/policy-rc.d"
echo "== apt-get install $*"
chroot "$m" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "$@" > "$t/apt.log" 2>&1 \
    || { cat "$t/apt.log"; exit 1; }
grep -E '^(Setting up|E:|W:)' "$t/apt.log" || true
echo "== checks (private network and PID namespaces)"
unshare --net --pid --fork --mount-proc="$m/proc" chroot "$m" /inside.sh "$want"
ROOT

start=$(date +%s)
set +e
unshare --mount --propagation private bash "$scratch/root.sh" "$scratch" "$debs" "$want" "${pkgs[@]}" < /dev/null
rc=$?
set -e
echo "test-install: $([ $rc -eq 0 ] && echo PASS || echo FAIL) in $(( $(date +%s) - start )) s"
exit $rc
