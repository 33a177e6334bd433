#!/usr/bin/env bash
# Model-checks paxos.pml with spin (README.md): the protocol must pass
# (no assertion violated: agreement, validity, the proposal invariant) and
# the negative control (-DIGNORE_PROMISES) must fail with an agreement
# violation, so the check cannot pass vacuously.  Exit 0 when both hold.
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

# The negative control: the new leader ignores PROMISE entries.  A search
# in random transition order, bounded to depth 22 (a violation needs about
# 20 steps: two rounds' ACCEPTs reaching two majorities), tried with a few
# seeds: it must find an agreement violation (two values chosen for one
# slot, by one learner or by two).
echo "== control: spin -a -DIGNORE_PROMISES ${defines[*]} paxos.pml"
spin -DIGNORE_PROMISES "${defines[@]}" -a paxos.pml
cc -O2 -DSAFETY -DBITSTATE -DT_RAND -o pan-control pan.c
for seed in 2 1 3 4 5; do
    echo "-- pan -m22 -w26 -RS$seed"
    ./pan-control -m22 -w26 -RS"$seed" | tee control.out || true
    if grep -Eq "assertion violated .*(firstChosen|lrnChosen)" control.out; then
        echo "check.sh: control fails as it must (agreement violated);" \
             "model passes"
        exit 0
    fi
    if grep -q "assertion violated" control.out; then
        echo "check.sh: the control violated another assertion" >&2
        exit 1
    fi
done
echo "check.sh: the control found no agreement violation: the check" \
     "may be vacuous" >&2
exit 1
