#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The inet transport between two network namespaces joined by a veth pair:
# xdcat over IPv4 and IPv6 (a large file checked byte by byte, disconnect
# data both ways), the transaction-total exchange with many clients,
# graceful and abortive ends seen from the other namespace, a link that
# fails under a lingering and a background close, and an idle connection
# whose link is lost, found by keepalive.  Needs XD_ROOT.
set -u
. "$(dirname "$0")/tap.sh"
x=$XD_ROOT/bin/xdcat
ex=$XD_ROOT/examples
t=$(mktemp -d)
A=xdA.$$
B=xdB.$$
param=/sys/module/xdiscon/parameters/inet_close_timeout
old_timeout=$(cat $param)

cleanup() {
	echo "$old_timeout" >$param
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT

# Foreground commands in a namespace.  Background ones run "ip netns exec"
# directly, so that $! is the program itself (ip execs it) and kill works.
inA() { ip netns exec $A "$@"; }
inB() { ip netns exec $B "$@"; }

# Wait (up to 10 s) until something listens on port $2 in namespace $1.
ns_listen() {
	ip netns exec "$1" bash -c ". '$(dirname "$0")/tap.sh'; wait_listen $2"
}

# Wait (up to 10 s) until a socket of namespace $1 is in state $2.
ns_state() {
	ip netns exec "$1" bash -c "for i in \$(seq 1 1000); do
		grep -q ' $2 ' /proc/net/xdiscon && exit 0; sleep 0.01; done; exit 1"
}

# Wait (up to $2 s) until namespace $1 has no AF_XDISCON socket left; on
# failure, show what is left.
ns_drained() {
	ip netns exec "$1" bash -c "for i in \$(seq 1 $(($2 * 20))); do
		awk '\$1 == \"XDISCON\" && \$3 == 0 { f = 1 } END { exit !f }' \
			/proc/net/protocols && exit 0
		sleep 0.05
	done
	sed 's/^/# $1 left: /' /proc/net/xdiscon; exit 1"
}

ns_drained_both() { ns_drained $A 10 && ns_drained $B 10; }

ns_stat() {
	ip netns exec "$1" awk -v n="$2:" '$1 == n { print $2 }' \
		/proc/net/xdiscon_stat
}

ip netns add $A
ip netns add $B
ip link add xda type veth peer name xdb
ip link set xda netns $A
ip link set xdb netns $B
inA ip addr add 10.77.0.1/24 dev xda
inA ip addr add fd77::1/64 dev xda nodad
inB ip addr add 10.77.0.2/24 dev xdb
inB ip addr add fd77::2/64 dev xdb nodad
for n in $A $B; do ip -n $n link set lo up; done
# The tests below take links down and up again: keep the IPv6 addresses.
inA sysctl -q -w net.ipv6.conf.xda.keep_addr_on_down=1
inB sysctl -q -w net.ipv6.conf.xdb.keep_addr_on_down=1
inA ip link set xda up
inB ip link set xdb up

plan 20
head -c 2000000 /dev/urandom >"$t/in"

# A large file over each IP version, disconnect data both ways.
for v in 4 6; do
	if [ $v = 4 ]; then addr=10.77.0.1:7001; else addr=[fd77::1]:7002; fi
	port=${addr##*:}
	ip netns exec $A "$x" -l "$addr" --disconnect-data "server$v" --peer-data "$t/sp$v" \
		</dev/null >"$t/out$v" 2>"$t/se$v" &
	srv=$!
	ns_listen $A "$port"
	inB "$x" "$addr" --disconnect-data "client$v" --peer-data "$t/cp$v" \
		<"$t/in" >/dev/null 2>"$t/ce$v"
	cli_rc=$?
	wait $srv
	srv_rc=$?
	check "IPv$v: 2 MB from namespace B to A byte-exact, both exit 0" \
		bash -c "cmp -s '$t/in' '$t/out$v' && [ $cli_rc$srv_rc = 00 ]"
	check "IPv$v: disconnect data both ways" \
		bash -c "[ \"\$(cat '$t/sp$v')\" = client$v ] &&
			 [ \"\$(cat '$t/cp$v')\" = server$v ]"
done

# The transaction exchange: 16 clients in B, the server in A.
clients=16
count=10
ip netns exec $A "$ex/txn_server" "[fd77::1]:7003" $clients $count >"$t/txn_server" 2>&1 &
srv=$!
ns_listen $A 7003
pids=
for i in $(seq 0 $((clients - 1))); do
	ip netns exec $B "$ex/txn_client" "[fd77::1]:7003" "$i" $count >"$t/txn$i" 2>&1 &
	pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
wait $srv || rc=1
# The server checked every total and the grand total (COUNT given).
grand=$(sed -n 's/^server: .*grand total \([0-9]*\)$/\1/p' "$t/txn_server")
check "transaction totals: $clients clients across namespaces get the server's ($grand)" \
	bash -c "[ $rc = 0 ] && [ -n '$grand' ] &&
		 [ \$(grep -l 'grand total $grand\$' '$t'/txn[0-9]* | wc -l) = $clients ]"

# Seqpacket records across namespaces.
head -c 300000 "$t/in" >"$t/small"
ip netns exec $A "$x" --seqpacket -l 10.77.0.1:7004 </dev/null >"$t/out_sp" 2>/dev/null &
srv=$!
ns_listen $A 7004
inB "$x" --seqpacket 10.77.0.1:7004 <"$t/small" >/dev/null 2>&1
wait $srv
check "seqpacket across namespaces byte-exact" cmp -s "$t/small" "$t/out_sp"

# An abort with data, seen from the other namespace: the data, then
# ECONNRESET.
ip netns exec $A "$x" -l 10.77.0.1:7005 </dev/null >/dev/null 2>"$t/abort_err" &
srv=$!
ns_listen $A 7005
head -c 10 /dev/zero | inB "$x" --abort "over veth" 10.77.0.1:7005 >/dev/null 2>&1
aborter_rc=$?
wait $srv
abort_rc=$?
check "--abort DATA in B (exit 0): the server in A gets the data, then ECONNRESET" \
	bash -c "[ $aborter_rc = 0 ] && [ $abort_rc != 0 ] && grep -q 'peer aborted with 9 bytes: over veth' '$t/abort_err' && grep -q ECONNRESET '$t/abort_err'"

# A plain TCP client from B cannot talk to an AF_XDISCON listener.
ip netns exec $A "$x" -l 10.77.0.1:7006 </dev/null >/dev/null 2>&1 &
srv=$!
ns_listen $A 7006
before=$(ns_stat $A InetProtocolErrors)
inB bash -c 'exec 3<>/dev/tcp/10.77.0.1/7006 && printf "GET / HTTP/1.0\r\n\r\n" >&3 &&
	cat <&3 >/dev/null' 2>/dev/null
check "a plain TCP client is reset and counted as a protocol error" \
	[ "$(ns_stat $A InetProtocolErrors)" = $((before + 1)) ]
kill $srv 2>/dev/null
wait $srv 2>/dev/null
check "the namespaces' sockets are all freed" ns_drained_both

# Link failure.  The server in A answers with its disconnect at once; once
# the client in B has it, the link goes down, and the client sends and
# closes: nothing it sends can be acknowledged.  B's TCP buffers are kept
# small so that the data waits in AF_XDISCON's queue, not TCP's.
echo 3 >$param
inB sysctl -q -w net.ipv4.tcp_wmem="4096 4096 4096"
link_fail() { # $1: port, then xdcat options for the client
	port=$1
	shift
	rm -f "$t/fifo"
	mkfifo "$t/fifo"
	ip netns exec $A "$x" -l 10.77.0.1:$port </dev/null >/dev/null 2>/dev/null &
	srv=$!
	ns_listen $A $port
	ip netns exec $B "$x" "$@" 10.77.0.1:$port <"$t/fifo" >/dev/null 2>"$t/lf_err" &
	cli=$!
	exec 4>"$t/fifo"
	ns_state $B PEER_DISCONNECTED
	inB ip link set xdb down
	head -c 50000 /dev/urandom >&4
	start=$(date +%s%N)
	exec 4>&-
	wait $cli
	cli_rc=$?
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
}

link_fail 7007 --linger 2
check "link down, linger 2: close waits the timeout (${elapsed} ms) and aborts" \
	[ $elapsed -ge 1900 -a $elapsed -lt 10000 ]
check "link down, linger 2: the client's socket is freed at once" ns_drained $B 1
inB ip link set xdb up
kill $srv 2>/dev/null
wait $srv 2>/dev/null
ns_drained $A 15

before=$(ns_stat $B InetCloseTimeouts)
link_fail 7008
check "link down, no linger: close returns at once (${elapsed} ms)" \
	[ $cli_rc = 0 -a $elapsed -lt 1500 ]
check "link down, no linger: the background close gives up and frees all" \
	ns_drained $B 15
check "the background close that gave up is counted" \
	[ "$(ns_stat $B InetCloseTimeouts)" = $((before + 1)) ]
inB ip link set xdb up
kill $srv 2>/dev/null
wait $srv 2>/dev/null
check "namespace A frees the half-open connection once its end closes" \
	ns_drained $A 15

# Link loss on an idle connection.  The client in B runs TCP keepalive
# (idle 1 s, one probe, unanswered after 1 s), both ends wait on stdin, and
# the server's link goes down: the client's receive fails with ETIMEDOUT,
# as TCP's would, not ECONNRESET, and before the neighbour entry that the
# lost carrier flushed fails to resolve (3 s), which would make it
# EHOSTUNREACH.
keepalive_loss() { # $1: port, $2: address, then xdcat options
	local port=$1 addr=$2 i
	shift 2
	rm -f "$t/kfa" "$t/kfb"
	mkfifo "$t/kfa" "$t/kfb"
	ip netns exec $A "$x" "$@" -l "$addr" <"$t/kfa" >/dev/null 2>&1 &
	srv=$!
	exec 5>"$t/kfa"
	ns_listen $A "$port"
	ip netns exec $B "$x" "$@" --keepalive 1,1,1 "$addr" <"$t/kfb" \
		>/dev/null 2>"$t/ka_err" &
	cli=$!
	exec 6>"$t/kfb"
	ns_state $B CONNECTED
	inA ip link set xda down
	start=$(date +%s%N)
	for i in $(seq 1 300); do
		kill -0 $cli 2>/dev/null || break
		sleep 0.1
	done
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	kill $cli 2>/dev/null
	wait $cli
	cli_rc=$?
	inA ip link set xda up
	exec 5>&- 6>&-
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
}

port=7010
for v in 4 6; do
	for type in stream seqpacket; do
		if [ $v = 4 ]; then addr=10.77.0.1; else addr=[fd77::1]; fi
		port=$((port + 1))
		opt=
		[ $type = seqpacket ] && opt=--seqpacket
		keepalive_loss $port "$addr:$port" $opt
		check "IPv$v $type: link lost, keepalive ends the client with ETIMEDOUT (${elapsed} ms)" \
			bash -c "[ $cli_rc = 1 ] && [ $elapsed -lt 10000 ] &&
				 grep -q '(ETIMEDOUT)' '$t/ka_err'"
		sed 's/^/# client: /' "$t/ka_err"
	done
done
check "after the lost links, the namespaces' sockets are all freed" \
	ns_drained_both
tap_done
