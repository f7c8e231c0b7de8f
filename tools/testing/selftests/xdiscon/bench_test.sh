#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xdbench keeps working: a tiny quick run, no timing assertion.
set -u
. "$(dirname "$0")/tap.sh"
out=$(mktemp)
ab=$(mktemp -d)
trap 'rm -rf "$out" "$out.json" "$ab"' EXIT

plan 6
check "xdbench --quick runs every workload" \
	bash -c "'$XD_ROOT/bench/xdbench' --quick --rounds 1 --json '$out.json' >'$out' 2>/dev/null"
# local: 7 workloads against AF_UNIX; inet: 6 against TCP (no records).
check "it prints a RATIO line per workload and transport" \
	[ "$(grep -c '^RATIO ' "$out")" = 13 ]
check "its JSON has every round" python3 -c "
import json, sys
d = json.load(open('$out.json'))
sys.exit(not (len(d['workloads']) == 13 and all(len(w['xdiscon']) == 1 for w in d['workloads'])))"
# Two transports, each on both families.
check "it prints the churn phases of each transport and family" \
	[ "$(sed -n '/^churn phases /,/^(medians/p' "$out" | grep -cE '^ +(local|inet) ')" = 4 ]
# Each phase measured, and together within the connection's time.
check "its JSON has the phases of every round, within each connection" python3 -c "
import json, sys
d = json.load(open('$out.json'))
rate = {(w['transport'], f): w[k][0] for w in d['workloads'] if w['name'] == 'churn'
        for f, k in (('xdiscon', 'xdiscon'), ('anchor', 'anchor_rounds'))}
ok = d['churn_phases_us']['phases'] == ['connect', 'exchange', 'finals', 'close']
for t in d['churn_phases_us']['transports']:
    for f in ('xdiscon', 'anchor'):
        ph = t[f][0]
        ok &= len(t[f]) == 1 and len(ph) == 4 and all(v > 0 for v in ph)
        ok &= sum(ph) <= 1e6 / rate[(t['transport'], f)] + 1
sys.exit(not (ok and len(d['churn_phases_us']['transports']) == 2))"
# make bench-ab's comparison: two versions' rounds (here one run twice).
cp "$out.json" "$ab/base-1.json"
cp "$out.json" "$ab/new-1.json"
check "compare.py gives each workload's new/base ratio (1.000 for one run)" \
	bash -c "'$XD_ROOT/../tools/bench/compare.py' '$ab' >'$ab/out' &&
		 [ \$(grep -c '^AB .* 1.000\$' '$ab/out') = 13 ]"
tap_done
