#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the benchmark VM (no debug options): load the module, join
# two network namespaces with a veth pair for the "veth" rows, run xdbench
# from one of them, leave the table and the JSON in $XD_OUT.
set -eu
insmod "$XD_BUILD/xdiscon.ko"
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
{
	echo "kernel $(uname -r), $(nproc) vCPUs, $(date -u +%Y-%m-%d)"
	ip netns exec xdbB "$XD_BENCH" --rounds "${XD_ROUNDS:-5}" \
		--json "$XD_OUT/xdbench.json" --netns /run/netns/xdbA --addr fd78::1
} | tee "$XD_OUT/table.txt"
ip netns del xdbA
ip netns del xdbB
rmmod xdiscon
