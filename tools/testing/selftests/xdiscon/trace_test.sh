#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The xdiscon tracepoints, through tracefs: a connection's life shows up
# in order on each socket (state changes, disconnect sent and received),
# and resets, a linger's end, an inet protocol error and a handshake
# timeout each name their cause.  Needs XD_ROOT (the build tree).
set -u
. "$(dirname "$0")/tap.sh"
x=$XD_ROOT/bin/xdcat
t=$(mktemp -d)
tr=/sys/kernel/tracing
clock=
cmd=
on=
trap 'echo 0 >"$tr/events/xdiscon/enable" 2>/dev/null
      [ -z "$cmd" ] || echo "$cmd" >"$tr/options/record-cmd"
      [ -z "$clock" ] || echo "$clock" >"$tr/trace_clock"
      [ -z "$on" ] || echo "$on" >"$tr/tracing_on"; rm -rf "$t"' EXIT

plan 9
# %p prints "(____ptrval____)" for every socket until the kernel's random
# pool is ready; /dev/random blocks until it is.
timeout 120 head -c 1 /dev/random >/dev/null ||
	echo "# the random pool is not ready: sockets print alike"
[ -d "$tr/events" ] || mount -t tracefs nodev "$tr" 2>/dev/null
if [ ! -d "$tr/events/xdiscon" ]; then
	echo "# no events/xdiscon in $tr"
	for i in $(seq 1 9); do check "tracefs has events/xdiscon" false; done
	tap_done
fi
# One socket's events come from more than one CPU (a peer's disconnect is
# traced in the peer's context) and the default per-CPU clock does not
# order them across CPUs: the global clock does.
clock=$(sed -n 's/.*\[\([^]]*\)\].*/\1/p' "$tr/trace_clock")
echo global >"$tr/trace_clock"
# Enabling an event patches the kernel's text, and with record-cmd also
# the scheduler's (the sched_switch probe that records task names): the
# events are enabled once, tracing_on opens each window, and record-cmd
# is off, so no code that other CPUs run all the time is patched.
cmd=$(cat "$tr/options/record-cmd")
echo 0 >"$tr/options/record-cmd"
on=$(cat "$tr/tracing_on")
echo 0 >"$tr/tracing_on"
echo 1 >"$tr/events/xdiscon/enable"

# Trace what "$@" does: the events, one per line, from the event name on
# ($t/events), and the same without the sockets' addresses ($t/plain).
traced() {
	echo >"$tr/trace"
	echo 1 >"$tr/tracing_on"
	"$@"
	echo 0 >"$tr/tracing_on"
	sed -n 's/.* \(xdiscon_[a-z_]*: .*\)$/\1/p' "$tr/trace" >"$t/events"
	sed 's/skaddr=[0-9a-fx]* //' "$t/events" >"$t/plain"
}

# The events of the first socket that logged event $1 with $2 after its
# address, in order, without the socket's address.
socket_events() {
	local sk
	sk=$(awk -v ev="$1:" -v rest="$2" '$1 == ev {
		r = $0; sub(/^[^ ]* [^ ]* /, "", r)
		if (r == rest) { sub(/^skaddr=/, "", $2); print $2; exit }
	}' "$t/events")
	[ -n "$sk" ] || return 0
	grep -F "skaddr=$sk " "$t/events" | sed "s/skaddr=$sk //"
}

# One connection to $1:$2, disconnect data both ways ("bye", "total").
connection() {
	"$x" -l "$1:$2" -d bye </dev/null >/dev/null 2>&1 &
	local s=$!
	wait_listen "$2"
	printf hi | "$x" "$1:$2" -d total >/dev/null 2>&1
	wait $s
}

# A failed check shows the whole trace it looked at.
show_trace() {
	sed 's/^/# traced: /' "$t/events"
	return 1
}

# $1 what the trace shows, $2 what it should.
same() {
	[ "$1" = "$2" ] || show_trace
}

traced connection local 5020
# The client: the one that sent 5 bytes of disconnect data.  Its own
# calls trace, in order, the connect, its disconnect and its close; the
# server's disconnect (traced as the server sends it) may reach it before
# connect() has returned, so that one is checked apart.
socket_events xdiscon_disconnect_send "transport=local len=5" >"$t/client"
want_client() {
	[ "$(grep -vx 'xdiscon_disconnect_recv: transport=local len=3' "$t/client")" = \
"xdiscon_state: transport=local UNCONNECTED -> CONNECTED
xdiscon_disconnect_send: transport=local len=5
xdiscon_state: transport=local CONNECTED -> CLOSED" ] &&
	[ "$(grep -cx 'xdiscon_disconnect_recv: transport=local len=3' "$t/client")" = 1 ] &&
	[ "$(wc -l <"$t/client")" = 4 ] || show_trace
}
check "a local connection's life, in order, on the client" want_client
socket_events xdiscon_state "transport=local UNCONNECTED -> LISTEN" >"$t/listener"
check "the listener: UNCONNECTED -> LISTEN -> CLOSED" \
	same "$(cat "$t/listener")" "xdiscon_state: transport=local UNCONNECTED -> LISTEN
xdiscon_state: transport=local LISTEN -> CLOSED"

traced connection 127.0.0.1 5021
socket_events xdiscon_disconnect_send "transport=inet len=5" >"$t/inet"
check "an inet connect goes UNCONNECTED -> CONNECTING -> CONNECTED" \
	same "$(head -n 2 "$t/inet")" "xdiscon_state: transport=inet UNCONNECTED -> CONNECTING
xdiscon_state: transport=inet CONNECTING -> CONNECTED"
check "an inet connection sends and receives its disconnect" \
	bash -c "grep -qx 'xdiscon_disconnect_send: transport=inet len=5' '$t/inet' &&
		 grep -qx 'xdiscon_disconnect_recv: transport=inet len=3' '$t/inet'"

aborted() {
	"$x" -l local:5022 </dev/null >/dev/null 2>&1 &
	local s=$!
	wait_listen 5022
	printf x | "$x" --linger 0 local:5022 >/dev/null 2>&1
	wait $s
}
traced aborted
check "xdcat --linger 0: reset cause=abort here, cause=peer there" \
	bash -c "grep -q 'xdiscon_reset: transport=local cause=abort' '$t/plain' &&
		 grep -q 'xdiscon_reset: transport=local cause=peer' '$t/plain'"

lingered() {
	"$x" -l local:5023 </dev/null >/dev/null 2>&1 &
	local s=$!
	wait_listen 5023
	printf x | "$x" --linger 5 local:5023 >/dev/null 2>&1
	wait $s
}
traced lingered
check "xdcat --linger: the linger ends delivered" \
	grep -q 'xdiscon_linger: transport=local result=delivered' "$t/plain"

# A raw TCP peer (bash's /dev/tcp): a frame type the format lacks, then
# silence past the handshake timeout (10 s).
bad_peer() {
	"$x" -l 127.0.0.1:5024 </dev/null >/dev/null 2>&1 &
	local s=$! i
	wait_listen 5024
	exec 3<>/dev/tcp/127.0.0.1/5024
	printf '\x07\x00\x00\x00\x00\x00\x00\x00' >&3
	exec 4<>/dev/tcp/127.0.0.1/5024
	for i in $(seq 1 300); do
		grep -q xdiscon_inet_handshake_timeout "$tr/trace" && break
		sleep 0.1
	done
	exec 3>&- 4>&-
	kill $s
	wait $s 2>/dev/null
}
traced bad_peer
check "a bad frame header: inet_protocol_error rule=header" \
	grep -q 'xdiscon_inet_protocol_error: transport=inet rule=header' "$t/plain"
check "a silent peer: inet_handshake_timeout side=accepted" \
	grep -q 'xdiscon_inet_handshake_timeout: transport=inet side=accepted' "$t/plain"
check "nothing was logged without a socket address" \
	bash -c "! grep -v 'skaddr=' '$t/events' | grep -q ."
tap_done
