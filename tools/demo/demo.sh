#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the demo VM: load xdiscon and show it at work.
set -eu
echo "== kernel $(uname -r)"
insmod "$XD_BUILD/xdiscon.ko"
echo "== xdiscon loaded, family $(cat /sys/module/xdiscon/parameters/family)"
grep '^xdiscon ' /proc/modules
echo "== creating sockets (socket_test)"
"$XD_TESTS/socket_test"
rmmod xdiscon
echo "== xdiscon unloaded"
