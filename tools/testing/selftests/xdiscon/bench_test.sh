#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xdbench keeps working: a tiny quick run, no timing assertion.
set -u
. "$(dirname "$0")/tap.sh"
out=$(mktemp)
trap 'rm -f "$out" "$out.json"' EXIT

plan 3
check "xdbench --quick runs every workload" \
	bash -c "'$XD_ROOT/bench/xdbench' --quick --rounds 1 --json '$out.json' >'$out' 2>/dev/null"
# local: 7 workloads against AF_UNIX; inet: 6 against TCP (no records).
check "it prints a RATIO line per workload and transport" \
	[ "$(grep -c '^RATIO ' "$out")" = 13 ]
check "its JSON has every round" python3 -c "
import json, sys
d = json.load(open('$out.json'))
sys.exit(not (len(d['workloads']) == 13 and all(len(w['xdiscon']) == 1 for w in d['workloads'])))"
tap_done
