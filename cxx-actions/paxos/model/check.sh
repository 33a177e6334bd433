#!/usr/bin/env bash
# Model-checks paxos.pml with spin (README.md): the protocol must pass
# (no assertion violated: agreement, validity, the proposal invariant) and
# the negative controls must fail (-DIGNORE_PROMISES: agreement violated;
# -DLOWEST_VROUND: the proposal invariant or agreement violated), so the
# check cannot pass vacuously.  Exit 0 when all of that holds.
#
#   check.sh [-w BITS] [-D MACRO=VALUE]...
#
# -w: log2 of the bitstate hash array in bits (default 24: 2 MiB, about a
# minute a search); each step up doubles the states covered and the time.
# -D is passed to spin for every run (e.g. -D LEARNERS=3, -D MAXR=4).  The
# pan output of every run is printed.
set -euo pipefail
model=$(cd "$(dirname "$0")" && pwd)/paxos.pml
bits=24
defines=()
while getopts "w:D:" opt; do
    case $opt in
        w) bits=$OPTARG ;;
        D) defines+=("-D$OPTARG") ;;
        *) echo "usage: $0 [-w BITS] [-D MACRO=VALUE]..." >&2; exit 2 ;;
    esac
done
command -v spin > /dev/null || {
    echo "check.sh: spin is not installed (scripts/setup installs it)" >&2
    exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# The protocol: two bitstate depth-first searches of the whole model, in
# spin's transition order and reversed (they cover different parts of a
# state space bigger than the hash array); no assertion may fail and no
# search may reach the depth bound.
cp "$model" paxos.pml
spin "${defines[@]}" -a paxos.pml
cc -O2 -DSAFETY -DBITSTATE -o pan pan.c
for order in "" -t_reverse; do
    echo "== spin -a ${defines[*]} paxos.pml; pan -m1000 -w$bits $order"
    # shellcheck disable=SC2086 # $order: no option or one
    ./pan -m1000 -w"$bits" $order | tee pan.out
    grep -q "errors: 0" pan.out || {
        echo "check.sh: the model FAILED" >&2
        exit 1
    }
    if grep -q "max search depth too small" pan.out; then
        echo "check.sh: depth bound reached: the search was cut" >&2
        exit 1
    fi
done

# The negative controls, on the default bounds (the -D options apply to
# the searches above only).  1: the new leader ignores PROMISE entries.  A
# search in random transition order, bounded to depth 22 (a violation
# needs about 20 steps: two rounds' ACCEPTs reaching two majorities),
# tried with a few seeds: it must find an agreement violation (two values
# chosen for one slot, by one learner or by two).
echo "== control: spin -a -DIGNORE_PROMISES paxos.pml"
spin -DIGNORE_PROMISES -a paxos.pml
cc -O2 -DSAFETY -DBITSTATE -DT_RAND -o pan-control pan.c
found=0
for seed in 2 1 3 4 5; do
    echo "-- pan -m22 -w26 -RS$seed"
    ./pan-control -m22 -w26 -RS"$seed" | tee control.out || true
    if grep -Eq "assertion violated .*(firstChosen|lrnChosen)" control.out; then
        found=1
        break
    fi
    if grep -q "assertion violated" control.out; then
        echo "check.sh: the control violated another assertion" >&2
        exit 1
    fi
done
if [ $found -eq 0 ]; then
    echo "check.sh: the control found no agreement violation: the check" \
         "may be vacuous" >&2
    exit 1
fi

# 2: the new leader re-proposes the lowest vround, not the highest: a
# violation needs three rounds (about 19 steps), so this shows the search
# reaches them.  Rounds up to 4, depth 20, reversed transition order.
echo "== control: spin -a -DLOWEST_VROUND -DMAXR=4 paxos.pml"
spin -DLOWEST_VROUND -DMAXR=4 -a paxos.pml
cc -O2 -DSAFETY -DBITSTATE -o pan-lowest pan.c
echo "-- pan -m20 -w26 -t_reverse"
./pan-lowest -m20 -w26 -t_reverse | tee lowest.out || true
if ! grep -Eq "assertion violated .*(accMsg|firstChosen|lrnChosen)" \
        lowest.out; then
    echo "check.sh: the lowest-vround control found no violation: the" \
         "check may not reach three rounds" >&2
    exit 1
fi
echo "check.sh: both controls fail as they must; the model passes"
