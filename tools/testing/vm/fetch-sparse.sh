#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-sparse.sh KDIR: print a sparse that the kernel tree at KDIR
# accepts (its scripts/checker-valid.sh).  Debian 12's sparse serves 6.1
# and 6.12; 7.x needs __typeof_unqual__, which only a newer sparse parses, so
# that is built once from Debian testing's source package (through a
# throwaway sources list) into the kernel cache.
set -euo pipefail

kdir=$1
src=$kdir
[ ! -e "$kdir/source" ] || src=$(readlink -f "$kdir/source")
valid=$src/scripts/checker-valid.sh
ok() {
	[ ! -f "$valid" ] || [ "$(sh "$valid" "$1" 2>/dev/null)" = 1 ]
}

if ok sparse; then
	echo sparse
	exit 0
fi

cache=${XDISCON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xdiscon}
built=$cache/sparse-testing/sparse
if [ -x "$built" ] && ok "$built"; then
	echo "$built"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.sparse-lock"
flock 9
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
echo "deb-src http://deb.debian.org/debian testing main" >"$tmp/sources.list"
opts=(-o Dir::Etc::SourceList="$tmp/sources.list"
      -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$tmp/lists"
      -o Dir::State::Status=/dev/null
      -o Dir::Cache::Archives="$tmp/archives"
      -o Debug::NoLocking=1
      -o APT::Sandbox::User=root)
echo "sparse: building Debian testing's sparse for $src" >&2
apt-get "${opts[@]}" -q update >"$tmp/log" 2>&1 &&
	(cd "$tmp" && apt-get "${opts[@]}" -q source --download-only sparse) \
	>>"$tmp/log" 2>&1 &&
	(cd "$tmp" && dpkg-source -x sparse_*.dsc sparse) >>"$tmp/log" 2>&1 &&
	make -C "$tmp/sparse" -j"$(nproc)" CC=gcc sparse >>"$tmp/log" 2>&1 || {
	tail -n 30 "$tmp/log" >&2
	exit 1
}
rm -rf "$cache/sparse-testing"
mkdir -p "$cache/sparse-testing"
cp "$tmp/sparse/sparse" "$built"
ok "$built" || { echo "sparse: $built does not accept $src" >&2; exit 1; }
echo "$built"
