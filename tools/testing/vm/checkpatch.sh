#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh ARGS...: scripts/checkpatch.pl of Debian 12's
# linux-source-6.12 (which set-up installs), its scripts extracted once
# into the cache.  Not the newest kernel's: 7.x's checkpatch asks for
# interfaces that 6.1, which the module also builds on, lacks (such as
# kzalloc_obj()).
set -euo pipefail

tarball=/usr/src/linux-source-6.12.tar.xz
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
cache=${XDISCON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xdiscon}
dir=$cache/checkpatch-$ver

if [ ! -f "$dir/.xdiscon-extracted" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	tar xf "$tarball" -C "$dir" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	touch "$dir/.xdiscon-extracted"
fi
exec "$dir/scripts/checkpatch.pl" "$@"
