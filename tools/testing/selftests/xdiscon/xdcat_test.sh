#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xdcat end to end: files byte-exact, disconnect data both ways, a pipe of
# xdcats, abortive close, errors named, host names, port 0, disconnect
# data checked before connecting, option errors, a listener on a busy
# port.  Needs XD_ROOT (the build tree).
set -u
. "$(dirname "$0")/tap.sh"
x=$XD_ROOT/bin/xdcat
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT


plan 19
head -c 3000000 /dev/urandom >"$t/in"
printf 'server-grand-total=12345' >"$t/srvdata"

"$x" -l local:5001 --disconnect-data @"$t/srvdata" --peer-data "$t/srv_peer" \
	</dev/null >"$t/out" 2>"$t/srv_err" &
srv=$!
wait_listen 5001
"$x" local:5001 --disconnect-data client-total=42 --peer-data "$t/cli_peer" \
	<"$t/in" >/dev/null 2>"$t/cli_err"
cli_rc=$?
wait $srv
srv_rc=$?
check "3 MB file byte-exact client to server" cmp -s "$t/in" "$t/out"
check "both ends exit 0" [ "$cli_rc$srv_rc" = 00 ]
check "client's disconnect data reaches the server" \
	[ "$(cat "$t/srv_peer")" = client-total=42 ]
check "server's disconnect data (@file) reaches the client" \
	cmp -s "$t/srvdata" "$t/cli_peer"

# A pipe: A -> (xdcat | xdcat) -> C
"$x" -l local:5003 --peer-data "$t/c_peer" </dev/null >"$t/out2" 2>/dev/null &
c=$!
wait_listen 5003
("$x" -l local:5002 </dev/null 2>/dev/null |
	"$x" local:5003 --disconnect-data relayed 2>/dev/null) &
relay=$!
wait_listen 5002
"$x" local:5002 --disconnect-data from-a <"$t/in" >/dev/null 2>&1
wait $relay $c
check "xdcat piped into xdcat moves the file byte-exact" cmp -s "$t/in" "$t/out2"
check "the relay's disconnect data arrives at the end" [ "$(cat "$t/c_peer")" = relayed ]

head -c 100000 "$t/in" >"$t/small"
"$x" --seqpacket -l local:5004 </dev/null >"$t/out3" 2>/dev/null &
s=$!
wait_listen 5004
"$x" --seqpacket local:5004 <"$t/small" >/dev/null 2>&1
wait $s
check "xdcat --seqpacket moves a file byte-exact" cmp -s "$t/small" "$t/out3"

# --linger 0: an abortive close; the reader sees ECONNRESET, named on one
# line, and no abort data.
"$x" -l local:5005 </dev/null >/dev/null 2>"$t/abort_err" &
s=$!
wait_listen 5005
head -c 10 /dev/zero | "$x" --linger 0 local:5005 >/dev/null 2>&1
wait $s
abort_rc=$?
check "xdcat --linger 0: the peer fails with ECONNRESET" \
	bash -c "[ $abort_rc = 1 ] && grep -q '(ECONNRESET)' '$t/abort_err' && ! grep -q aborted '$t/abort_err'"

# --abort DATA: the reader reports the abort data, then ECONNRESET; with
# --peer-data the data goes to the file.
"$x" -l local:5006 </dev/null >/dev/null 2>"$t/abort2_err" &
s=$!
wait_listen 5006
printf x | "$x" --abort "no quota" local:5006 >/dev/null 2>&1
aborter_rc=$?
wait $s
abort2_rc=$?
check "xdcat --abort DATA: exit 0; the peer reports the data, then ECONNRESET" \
	bash -c "[ $aborter_rc$abort2_rc = 01 ] && grep -q '^xdcat: peer aborted with 8 bytes: no quota$' '$t/abort2_err' && grep -q '(ECONNRESET)' '$t/abort2_err'"
"$x" -l --peer-data "$t/abort_file" local:5007 </dev/null >/dev/null 2>&1 &
s=$!
wait_listen 5007
head -c 3000 "$t/in" >"$t/reason"
"$x" --abort @"$t/reason" local:5007 </dev/null >/dev/null 2>&1
wait $s
check "xdcat --abort @FILE: the peer's --peer-data FILE gets it byte-exact" \
	cmp -s "$t/reason" "$t/abort_file"

"$x" local:5999 </dev/null >/dev/null 2>"$t/refused"
check "a failure is one line with the errno name" \
	bash -c "[ \$(wc -l <'$t/refused') = 1 ] && grep -q 'connect: .*(ECONNREFUSED)' '$t/refused'"
# A host name over the TCP transport: both ends resolve localhost alike.
"$x" -l localhost:5010 </dev/null >"$t/out4" 2>/dev/null &
s=$!
wait_listen 5010
"$x" localhost:5010 <"$t/small" >/dev/null 2>&1
wait $s
check "localhost:PORT resolves and moves a file over TCP" cmp -s "$t/small" "$t/out4"

# -l local:0: the port it got, on stderr, is where a client finds it.
"$x" -l local:0 </dev/null >"$t/out5" 2>"$t/port_err" &
s=$!
for i in $(seq 1 1000); do
	grep -q '^xdcat: listening on local:' "$t/port_err" && break
	kill -0 $s 2>/dev/null || break
	sleep 0.01
done
port=$(sed -n 's/^xdcat: listening on local:\([0-9][0-9]*\)$/\1/p' "$t/port_err")
if [ -n "$port" ] && [ "$port" != 0 ]; then
	"$x" "local:$port" <"$t/small" >/dev/null 2>&1
else
	kill $s
fi
wait $s
check "xdcat -l local:0 prints the port it got, where a client reaches it" \
	cmp -s "$t/small" "$t/out5"

# Disconnect data over the module's limit: refused before connecting (no
# listener on 5011: a connect would fail with ECONNREFUSED instead).
max=$(cat /sys/module/xdiscon/parameters/max_discdata)
"$x" --disconnect-data "$(head -c $((max + 1)) /dev/zero | tr '\0' x)" \
	local:5011 <"$t/small" >/dev/null 2>"$t/over_err"
over_rc=$?
check "disconnect data over the limit fails before connecting (EMSGSIZE)" \
	bash -c "[ $over_rc = 1 ] && grep -q '(EMSGSIZE)' '$t/over_err' && ! grep -q ECONNREFUSED '$t/over_err'"

head -c 65537 /dev/zero >"$t/big"
"$x" --disconnect-data @"$t/big" local:5011 </dev/null >/dev/null 2>"$t/big_err"
big_rc=$?
check "@FILE over 65536 bytes is an error, not cut short" \
	bash -c "[ $big_rc = 1 ] && grep -q '(EMSGSIZE)' '$t/big_err'"

"$x" --linger 5x local:5011 </dev/null >/dev/null 2>&1
linger_rc=$?
check "xdcat --linger takes only a number (usage error)" [ "$linger_rc" = 2 ]

"$x" --abort why --linger 3 local:5011 </dev/null >/dev/null 2>&1
excl_rc=$?
check "xdcat --abort and --linger exclude each other (usage error)" [ "$excl_rc" = 2 ]

ka_rc=
for bad in 0 32768 1,32768 1,1,128 1,1,1,1 1,,1 5x; do
	"$x" --keepalive "$bad" local:5011 </dev/null >/dev/null 2>&1
	ka_rc="$ka_rc$?"
done
check "xdcat --keepalive takes TCP's ranges, IDLE[,INTERVAL[,COUNT]] (usage errors)" \
	[ "$ka_rc" = 2222222 ]

# A listener on a port whose last connection is still open: SO_REUSEADDR
# on both ends' TCP sockets lets the new one bind (without it, EADDRINUSE).
# The first server sends its disconnect (stdin is empty) only after it
# has closed its listener: the client's PEER_DISCONNECTED says both.
mkfifo "$t/hold"
"$x" -l 127.0.0.1:5012 </dev/null >/dev/null 2>&1 &
s1=$!
wait_listen 5012
"$x" 127.0.0.1:5012 <"$t/hold" >/dev/null 2>&1 &
c1=$!
exec 5>"$t/hold"
held=1
for i in $(seq 1 1000); do
	awk '$3 == "PEER_DISCONNECTED" && $6 == 5012 { f = 1 } END { exit !f }' \
		/proc/net/xdiscon && held=0 && break
	sleep 0.01
done
"$x" -l 127.0.0.1:5012 </dev/null >/dev/null 2>"$t/reuse_err" &
s2=$!
wait_listen 5012
relisten_rc=$?
timeout 30 "$x" 127.0.0.1:5012 </dev/null >/dev/null 2>&1
exec 5>&-
kill $s2 2>/dev/null
wait $s1 $c1 $s2
check "xdcat -l binds a port whose last connection is still open" \
	bash -c "[ $held$relisten_rc = 00 ] && ! grep -q EADDRINUSE '$t/reuse_err'"
tap_done
