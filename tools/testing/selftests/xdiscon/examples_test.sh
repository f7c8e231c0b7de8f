#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The example programs, built with nothing but pkg-config against a
# make install DESTDIR (install_test.sh), run the transaction-total
# exchange.  Needs XD_ROOT (the build tree).
set -u
. "$(dirname "$0")/tap.sh"
dest=$XD_ROOT/destdir
ex=$dest/examples
export LD_LIBRARY_PATH=$dest/usr/local/lib
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
clients=8
count=10


plan 3
check "the installed examples exist" test -x "$ex/txn_server" -a -x "$ex/txn_client"
"$ex/txn_server" local:5100 $clients $count >"$t/server" 2>&1 &
srv=$!
wait_listen 5100
pids=
for i in $(seq 0 $((clients - 1))); do
	"$ex/txn_client" local:5100 "$i" $count >"$t/client$i" 2>&1 &
	pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
wait $srv || rc=1

# The server checked every total and the grand total (COUNT given).
grand=$(sed -n 's/^server: .*grand total \([0-9]*\)$/\1/p' "$t/server")
check "server and clients exit 0" [ $rc = 0 ]
check "every client received the server's grand total ($grand)" \
	bash -c "[ -n '$grand' ] &&
		 [ \$(grep -l 'grand total $grand\$' '$t'/client* | wc -l) = $clients ]"
tap_done
