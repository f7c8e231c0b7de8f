#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh SOURCE [FRAGMENT...]: build (once) a test kernel with
# tinyconfig plus debug.config and the fragments named (in this
# directory, later ones winning), and print its build directory.
# SOURCE "6.12" is Debian 12's installed linux-source-6.12; any other
# SOURCE is the version of a linux-source package that fetch-source.sh
# fetches (e.g. 7.3.4-1~bpo13+1).  "kernel.sh 6.12 kcsan.config" is the
# KCSAN kernel.  Trees are cached outside the clone, keyed by the source
# version and a hash of the fragments and of the pahole version: the
# kernel records the latter, and a module built with another pahole
# gets a warning.  One line per stage goes to stderr;
# the kernel's own output goes to build.log in the tree, whose tail is
# shown when a stage fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
what=$1
shift
frags=("$here/debug.config")
for f in "$@"; do
	frags+=("$here/$f")
done
if [ "$what" = 6.12 ]; then
	tarball=/usr/src/linux-source-6.12.tar.xz
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
else
	tarball=$("$here/fetch-source.sh" "$what")
	ver=$what
fi
key=$( (cat "${frags[@]}"; pahole --version 2>/dev/null || echo none) |
      sha256sum | cut -c1-12)
cache=${XDISCON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xdiscon}
dir=$cache/linux-$ver-$key

# A built tree is never touched again: no lock needed to use it.
if [ -f "$dir/.xdiscon-built" ]; then
	echo "$dir"
	exit 0
fi

# One build at a time: a second make (make lint while a build runs)
# would otherwise wipe the tree the first one is building in.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ -f "$dir/.xdiscon-built" ]; then
	echo "$dir"
	exit 0
fi

# Run one stage quietly into build.log; on failure show its tail.
stage() {
	local what=$1
	shift
	echo "kernel: $what" >&2
	if ! "$@" >>"$dir/build.log" 2>&1; then
		echo "kernel: $what failed; the end of $dir/build.log:" >&2
		tail -n 40 "$dir/build.log" >&2
		exit 1
	fi
}

# Only one source tree per version: share it between fragments.
src=$cache/src-$ver
if [ ! -f "$src/.xdiscon-extracted" ]; then
	echo "kernel: extracting $tarball" >&2
	rm -rf "$src"
	mkdir -p "$src"
	tar xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.xdiscon-extracted"
fi

rm -rf "$dir"
mkdir -p "$dir"
stage "configuring $dir" make -C "$src" O="$dir" tinyconfig
stage "merging $(basename -a "${frags[@]}" | tr '\n' ' ')" \
	"$src/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "${frags[@]}"
stage "completing the configuration" make -C "$src" O="$dir" olddefconfig

# Every option a fragment sets to y, unless a later one unsets it, must
# have survived olddefconfig.
bad=0
for line in $(cat "${frags[@]}" |
	      sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=\(.*\)$/\1=\2/p; s/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1=n/p' |
	      awk -F= '{ v[$1] = $2 } END { for (k in v) if (v[k] == "y") print k "=y" }'); do
	if ! grep -qx "$line" "$dir/.config"; then
		echo "kernel: $line did not take (a dependency is missing)" >&2
		bad=1
	fi
done
[ "$bad" -eq 0 ] || exit 1

stage "building $ver (several minutes on 2 cores)" \
	make -C "$src" O="$dir" -j"$(nproc)" bzImage modules
touch "$dir/.xdiscon-built"
echo "$dir"
