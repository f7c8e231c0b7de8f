#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Python package (tools/python, copied next to this script) against
# the loaded module: its pytest suite on Debian's python3 and
# python3-pytest, one TAP line per test, then one for pytest's verdict.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

cd "$here/python" || exit 1
PYTHONPATH=$PWD PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest \
	-p no:cacheprovider -rA -q tests >"$out" 2>&1
rc=$?
mapfile -t results < <(grep -E '^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) ' "$out")

plan $((${#results[@]} + 1))
for r in "${results[@]}"; do
	# A skip or an expected failure is no pass.
	check "${r#* }" [ "${r%% *}" = PASSED ]
done
[ "$rc" = 0 ] || sed 's/^/# /' "$out"
check "pytest ran ${#results[@]} tests and exited 0" \
	bash -c "[ $rc = 0 ] && [ ${#results[@]} -gt 0 ]"
tap_done
