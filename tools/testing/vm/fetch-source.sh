#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-source.sh VERSION: print the path of Debian's linux-source
# tarball of package version VERSION (e.g. 7.3.4-1~bpo13+1), fetching
# the linux-source-X.Y .deb once from Debian testing or trixie-backports
# through a throwaway sources list (the system's sources are never
# changed).  The tarball is kept in the kernel cache, outside the clone;
# the package is not installed.
set -euo pipefail

ver=$1
series=$(echo "$ver" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
[ -n "$series" ] || { echo "fetch-source: bad version '$ver'" >&2; exit 1; }
pkg=linux-source-$series
cache=${XDISCON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xdiscon}
out=$cache/$pkg-$ver.tar.xz

if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
cat >"$tmp/sources.list" <<LIST
deb http://deb.debian.org/debian testing main
deb http://deb.debian.org/debian trixie-backports main
LIST
opts=(-o Dir::Etc::SourceList="$tmp/sources.list"
      -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$tmp/lists"
      -o Dir::State::Status=/dev/null
      -o Dir::Cache::Archives="$tmp/archives"
      -o Debug::NoLocking=1
      -o APT::Sandbox::User=root
      -o APT::Default-Release=)
echo "kernel: fetching $pkg $ver from Debian testing/trixie-backports" >&2
apt-get "${opts[@]}" -q update >"$tmp/update.log" 2>&1 || {
	cat "$tmp/update.log" >&2
	exit 1
}
offered=$(apt-cache "${opts[@]}" madison "$pkg" 2>/dev/null |
	  awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u)
if ! echo "$offered" | grep -qxF "$ver"; then
	echo "fetch-source: Debian no longer ships $pkg $ver;" \
	     "pick one with the make variable LINUX7, e.g. make check LINUX7=VERSION." >&2
	all=$(apt-cache "${opts[@]}" search --names-only '^linux-source-7\.[0-9]+$' 2>/dev/null |
	      awk '{ print $1 }')
	for p in $all; do
		apt-cache "${opts[@]}" madison "$p" 2>/dev/null |
			awk -F'|' -v p="$p" '{ gsub(/ /, "", $2); print "  " p " " $2 }'
	done | sort -u >&2
	echo "(VERSION is the second column)" >&2
	exit 1
fi
(cd "$tmp" && apt-get "${opts[@]}" -q download "$pkg=$ver" >/dev/null)
dpkg-deb --fsys-tarfile "$tmp"/"$pkg"_*.deb |
	tar -xO "./usr/src/$pkg.tar.xz" >"$out.part"
mv "$out.part" "$out"
echo "$out"
