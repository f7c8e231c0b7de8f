# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the shell tests: source it, call plan N, then check.
# Also wait_listen, for the tests that start AF_XDISCON servers.
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

# Wait (up to 10 s) until something listens on local port $1, as
# /proc/net/xdiscon shows: the condition itself, not a guess at time.
wait_listen() {
	local i
	for i in $(seq 1 1000); do
		awk -v p="$1" '$3 == "LISTEN" && $5 == p { f = 1 } END { exit !f }' \
			/proc/net/xdiscon && return 0
		sleep 0.01
	done
	return 1
}
