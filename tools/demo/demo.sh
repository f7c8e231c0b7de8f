#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the demo VM: load xdiscon and run the transaction-total
# exchange of the reference document (the server shows /proc/net/xdiscon
# once every client has disconnected).
set -eu
echo "== kernel $(uname -r)"
insmod "$XD_BUILD/xdiscon.ko"
echo "== xdiscon loaded, family $(cat /sys/module/xdiscon/parameters/family)," \
	"max disconnect data $(cat /sys/module/xdiscon/parameters/max_discdata) bytes"
echo
"$XD_DEMO/txn_demo" 3 stream
echo
"$XD_DEMO/txn_demo" 3 seqpacket
rmmod xdiscon
echo "== xdiscon unloaded"
