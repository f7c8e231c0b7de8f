#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xdcat end to end: files byte-exact, disconnect data both ways, a pipe of
# xdcats, abortive close, errors named.  Needs XD_ROOT (the build tree).
set -u
. "$(dirname "$0")/tap.sh"
x=$XD_ROOT/bin/xdcat
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT


plan 9
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
check "--seqpacket moves a file byte-exact" cmp -s "$t/small" "$t/out3"

# --abort: the reader sees ECONNRESET, named on one line.
"$x" -l local:5005 </dev/null >/dev/null 2>"$t/abort_err" &
s=$!
wait_listen 5005
head -c 10 /dev/zero | "$x" --abort local:5005 >/dev/null 2>&1
wait $s
abort_rc=$?
check "--abort: the peer fails with ECONNRESET" \
	bash -c "[ $abort_rc = 1 ] && grep -q '(ECONNRESET)' '$t/abort_err'"

"$x" local:5999 </dev/null >/dev/null 2>"$t/refused"
check "a failure is one line with the errno name" \
	bash -c "[ \$(wc -l <'$t/refused') = 1 ] && grep -q 'connect: .*(ECONNREFUSED)' '$t/refused'"
tap_done
