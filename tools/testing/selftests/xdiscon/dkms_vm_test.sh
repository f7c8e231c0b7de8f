#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the stock VM: the module DKMS installed (dkms_test.sh) loads on
# demand when a program asks for the family, and works.  Needs XD_ROOT.
set -u
. "$(dirname "$0")/tap.sh"

plan 6
grep -q '^xdiscon ' /proc/modules && rmmod xdiscon
check "no xdiscon module loaded" bash -c "! grep -q '^xdiscon ' /proc/modules"
check "socket(22) autoloads it (MODULE_ALIAS_NETPROTO)" \
	python3 -c 'import socket; socket.socket(22, socket.SOCK_STREAM).close()'
check "modprobe's choice is the DKMS build" \
	bash -c "grep -q '^xdiscon ' /proc/modules && modinfo -n xdiscon | grep -q /updates/dkms/"
check "the DKMS build passes socket_test" bash -c "'$(dirname "$0")/socket_test' >/dev/null"
# libxdiscon's xd_socket() (here through xdcat) lets the kernel load it too.
# A socket still being freed holds the module: wait until none is left.
check "the module unloads again" bash -c "
	for i in \$(seq 1 100); do
		awk '\$1 == \"XDISCON\" && \$3 == 0 { f = 1 } END { exit !f }' \
			/proc/net/protocols && exec rmmod xdiscon
		sleep 0.1
	done; exit 1"
check "xd_socket() autoloads it: xdcat gets as far as connect()" \
	bash -c "'$XD_ROOT/bin/xdcat' local:1 </dev/null 2>&1 | grep -q ECONNREFUSED &&
		 grep -q '^xdiscon ' /proc/modules"
tap_done
