# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the shell tests: source it, call plan N, then check.
tap_n=0
tap_failed=0

plan() { echo "TAP version 13"; echo "1..$1"; }

# check "description" command...: ok when the command succeeds.
check() {
	local what=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@"; then
		echo "ok $tap_n $what"
	else
		echo "not ok $tap_n $what"
		tap_failed=1
	fi
}

tap_done() { exit "$tap_failed"; }
