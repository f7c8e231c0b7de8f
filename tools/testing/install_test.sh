#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install / make uninstall with DESTDIR, and an application built
# with nothing but pkg-config.  Usage: install_test.sh DESTDIR KDIR
# DESTDIR keeps the install: the examples built here run in the VM.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/tap.sh"
dest=$1
kdir=$2
kver=${kdir##*/linux-headers-}
pfx=/usr/local
lib=$dest$pfx/lib
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

plan 11
rm -rf "$dest"
check "make install DESTDIR PREFIX KDIR" \
	make -s -C "$top" install DESTDIR="$dest" PREFIX=$pfx KDIR="$kdir"

files_ok() {
	local f
	for f in include/linux/xdiscon.h include/xdiscon/xdiscon.h \
		 include/xdiscon/winsock.h lib/libxdiscon.so.1.0.0 \
		 lib/libxdiscon.so.1 lib/libxdiscon.so lib/libxdiscon.a \
		 lib/pkgconfig/xdiscon.pc bin/xdcat share/man/man1/xdcat.1 \
		 share/man/man7/xdiscon.7; do
		[ -e "$dest$pfx/$f" ] || { echo "# missing $f"; return 1; }
	done
	[ -f "$dest/lib/modules/$kver/updates/xdiscon.ko" ] ||
		{ echo "# missing the module for $kver"; return 1; }
}
check "headers, library, pkg-config file, xdcat, man pages, module" files_ok

soname_ok() {
	readelf -d "$lib/libxdiscon.so.1.0.0" | grep -q 'SONAME.*\[libxdiscon.so.1\]'
}
check "versioned SONAME libxdiscon.so.1" soname_ok

exports_ok() {
	local want got
	want=$(sed -n 's/^\t\t\([A-Za-z_]*\);$/\1/p' "$top/tools/lib/xdiscon/libxdiscon.map" | sort)
	got=$(nm -D --defined-only "$lib/libxdiscon.so.1.0.0" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
	[ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got") | sed 's/^/# /'; return 1; }
}
check "exports exactly the symbol list" exports_ok

man_ok() {
	local f
	for f in $(sed -n 's/^\t\t\([A-Za-z_]*\);$/\1/p' "$top/tools/lib/xdiscon/libxdiscon.map"); do
		[ -f "$dest$pfx/share/man/man3/$f.3" ] || { echo "# no man page for $f"; return 1; }
	done
}
check "a section 3 man page for every public function" man_ok

pc() {
	PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest \
		pkg-config "$@" xdiscon
}
examples_ok() {
	local e out=$dest/examples
	mkdir -p "$out"
	for e in txn_client txn_server; do
		# shellcheck disable=SC2046
		cc -std=c11 -Wall -Wextra -Werror -o "$out/$e" \
			"$top/tools/examples/$e.c" "$top/tools/examples/txn.c" \
			$(pc --cflags --libs) || return 1
	done
	readelf -d "$out/txn_client" | grep -q 'NEEDED.*\[libxdiscon.so.1\]'
}
check "examples build with pkg-config --cflags --libs xdiscon only" examples_ok

check "pkg-config --modversion says 1.0.0" [ "$(pc --modversion)" = 1.0.0 ]

# The Python package, for the python3 make install used, under DESTDIR.
python_ok() {
	local init dir
	init=$(find "$dest" -path '*-packages/xdiscon/__init__.py' | head -n 1)
	[ -n "$init" ] || { echo "# no xdiscon package under $dest"; return 1; }
	dir=$(dirname "$(dirname "$init")")
	PYTHONPATH=$dir python3 -c 'import xdiscon, socket
assert issubclass(xdiscon.XdisconSocket, socket.socket)
assert xdiscon.SOL_XDISCON == 299' &&
	[ -f "$(dirname "$init")/../xdiscon-1.0.0.dist-info/METADATA" ]
}
check "the Python package xdiscon installs, offline, and imports" python_ok

uninstall_ok() {
	make -s -C "$top" install DESTDIR="$scratch" PREFIX=$pfx KDIR="$kdir" >/dev/null &&
	make -s -C "$top" uninstall DESTDIR="$scratch" PREFIX=$pfx >/dev/null &&
	[ -z "$(find "$scratch" -type f -o -type l)" ]
}
check "make uninstall removes everything make install put there" uninstall_ok

check "install without a kernel tree says so and still installs userspace" \
	bash -c "make -s -C '$top' install DESTDIR='$scratch/nokernel' KDIR=/nonexistent | grep -q 'module not installed' &&
		 [ -f '$scratch/nokernel/usr/local/bin/xdcat' ]"
# Plain make on a machine with only the running kernel's headers: the
# module against KDIR plus the userspace, with no apt and no kernel build
# (apt-get, apt and sudo on PATH fail the test if called; the kernel
# cache is empty and must stay so).
plain_make_ok() {
	local fake=$scratch/fakebin cache=$scratch/cache c
	mkdir -p "$fake" "$cache"
	for c in apt-get apt sudo; do
		printf '#!/bin/sh\necho "plain make ran %s" >>%s/called\nexit 1\n' \
			"$c" "$scratch" >"$fake/$c"
		chmod +x "$fake/$c"
	done
	PATH=$fake:$PATH XDISCON_CACHE=$cache make -s -C "$top" KDIR="$kdir" \
		>"$scratch/make.log" 2>&1 || { sed 's/^/# /' "$scratch/make.log"; return 1; }
	[ ! -e "$scratch/called" ] || { sed 's/^/# /' "$scratch/called"; return 1; }
	[ -z "$(ls -A "$cache")" ] || { echo "# the kernel cache was used"; return 1; }
	[ -f "$top/build/module/xdiscon.ko" ] && [ -x "$top/build/bin/xdcat" ]
}
check "plain make builds module and tools against KDIR, no apt, no kernel build" plain_make_ok
tap_done
