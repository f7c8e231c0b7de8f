#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the demo VM: load xdiscon and run the transaction-total
# exchange of the reference document, then show /proc/net/xdiscon.
set -eu
echo "== kernel $(uname -r)"
insmod "$XD_BUILD/xdiscon.ko"
echo "== xdiscon loaded, family $(cat /sys/module/xdiscon/parameters/family)," \
	"max disconnect data $(cat /sys/module/xdiscon/parameters/max_discdata) bytes"
echo
"$XD_DEMO/txn_demo" 3 stream
echo
"$XD_DEMO/txn_demo" 3 seqpacket
echo
echo "== /proc/net/xdiscon while a connection is open"
"$XD_DEMO/txn_demo" 1 stream >/dev/null &
cat /proc/net/xdiscon
wait
rmmod xdiscon
echo "== xdiscon unloaded"
