#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the benchmark VM (no debug options): join two network
# namespaces with a veth pair for the "veth" rows and run xdbench from one
# of them.  XD_BUILD holds the module.  With XD_BASE (another build of
# the module) it runs both, one xdbench round each per round, alternating
# which goes first, and compares them (compare.py); otherwise XD_ROUNDS
# rounds of XD_BUILD's.  Leaves the tables and the JSON in $XD_OUT.
set -eu
rounds=${XD_ROUNDS:-5}

ip netns add xdbA
ip netns add xdbB
ip link add xdba type veth peer name xdbb
ip link set xdba netns xdbA
ip link set xdbb netns xdbB
ip -n xdbA addr add fd78::1/64 dev xdba nodad
ip -n xdbB addr add fd78::2/64 dev xdbb nodad
for n in xdbA xdbB; do
	ip -n $n link set lo up
	# Churn leaves TIME_WAIT sockets on both families alike.
	ip netns exec $n sysctl -q -w net.ipv4.tcp_tw_reuse=1
done
ip -n xdbA link set xdba up
ip -n xdbB link set xdbb up

# bench KO ROUNDS JSON: xdbench with the module KO loaded.
bench() {
	insmod "$1"
	ip netns exec xdbB "$XD_BENCH" --rounds "$2" --json "$3" \
		--netns /run/netns/xdbA --addr fd78::1
	rmmod xdiscon
}

echo "kernel $(uname -r), $(nproc) vCPUs, $(date -u +%Y-%m-%d)" |
	tee "$XD_OUT/table.txt"
if [ -n "${XD_BASE:-}" ]; then
	for r in $(seq 1 "$rounds"); do
		order="base new"
		[ $((r % 2)) = 0 ] && order="new base"
		for v in $order; do
			ko=$XD_BUILD/xdiscon.ko
			[ $v = base ] && ko=$XD_BASE/xdiscon.ko
			echo "round $r: $v"
			bench "$ko" 1 "$XD_OUT/$v-$r.json" >"$XD_OUT/$v-$r.txt"
		done
	done
	"$(dirname "$0")/compare.py" "$XD_OUT" | tee -a "$XD_OUT/table.txt"
else
	bench "$XD_BUILD/xdiscon.ko" "$rounds" "$XD_OUT/xdbench.json" |
		tee -a "$XD_OUT/table.txt"
fi
ip netns del xdbA
ip netns del xdbB
