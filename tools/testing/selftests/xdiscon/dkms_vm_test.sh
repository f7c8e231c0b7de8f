#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In the stock VM: the module DKMS installed (dkms_test.sh) loads on
# demand when a program asks for the family, and works.
set -u
. "$(dirname "$0")/tap.sh"

plan 4
grep -q '^xdiscon ' /proc/modules && rmmod xdiscon
check "no xdiscon module loaded" bash -c "! grep -q '^xdiscon ' /proc/modules"
check "socket(22) autoloads it (MODULE_ALIAS_NETPROTO)" \
	python3 -c 'import socket; socket.socket(22, socket.SOCK_STREAM).close()'
check "modprobe's choice is the DKMS build" \
	bash -c "grep -q '^xdiscon ' /proc/modules && modinfo -n xdiscon | grep -q /updates/dkms/"
check "the DKMS build passes socket_test" bash -c "'$(dirname "$0")/socket_test' >/dev/null"
tap_done
