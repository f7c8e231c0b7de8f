#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install xdiscon through DKMS for Debian's stock kernels, the way users
# install out-of-tree modules.  Usage: dkms_test.sh VERSION KVER...
# The builds stay installed for the stock VMs (dkms_vm_test.sh); make
# dkms-clean removes them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/tap.sh"
ver=$1
shift

# dkms talks on stdout; keep the TAP stream clean.
quiet() { "$@" >&2; }

plan $((2 + 3 * $#))
dkms remove "xdiscon/$ver" --all >/dev/null 2>&1
check "the source tree in /usr/src/xdiscon-$ver" quiet make -s -C "$top" dkms-src
check "dkms add" quiet dkms add "xdiscon/$ver"
for kver in "$@"; do
	check "dkms build for $kver" quiet dkms build "xdiscon/$ver" -k "$kver"
	check "dkms install for $kver" quiet dkms install "xdiscon/$ver" -k "$kver"
	check "modprobe on $kver resolves xdiscon to the DKMS build" \
		bash -c "modinfo -k '$kver' -n xdiscon | grep -q /updates/dkms/"
done
tap_done
