#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug test kernel from Debian's linux-source-6.12 with
# tinyconfig plus debug.config, and print the build directory.  Fragments
# named as arguments (in this directory) go on top, later ones winning:
# "kernel.sh kcsan.config" is the KCSAN kernel.  The tree is cached
# outside the clone, keyed by the source package version and the
# fragments' hash, so later runs reuse it.  The build log goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
frags=("$here/debug.config")
for f in "$@"; do
	frags+=("$here/$f")
done
tarball=$(ls /usr/src/linux-source-6.12.tar.xz)
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(cat "${frags[@]}" | sha256sum | cut -c1-12)
cache=${XDISCON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xdiscon}
dir=$cache/linux-$ver-$key

# One build at a time: a second make (make lint while a build runs)
# would otherwise wipe the tree the first one is building in.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ -f "$dir/.xdiscon-built" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
# Only one source tree per version: share it between fragments.
src=$cache/src-$ver
if [ ! -f "$src/.xdiscon-extracted" ]; then
	echo "kernel: extracting $tarball" >&2
	rm -rf "$src"
	mkdir -p "$src"
	tar xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.xdiscon-extracted"
fi

echo "kernel: configuring $dir" >&2
rm -rf "$dir"
mkdir -p "$dir"
make -s -C "$src" O="$dir" tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "${frags[@]}" \
	>"$dir/merge_config.log"
make -s -C "$src" O="$dir" olddefconfig >&2

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

echo "kernel: building (about 7 minutes on 2 cores)" >&2
make -s -C "$src" O="$dir" -j"$(nproc)" bzImage modules >&2
touch "$dir/.xdiscon-built"
echo "$dir"
