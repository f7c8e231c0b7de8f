#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything xdiscon's build and tests need on a Debian 12 machine.
# Idempotent: each step is skipped when its result is already there.
# virtme-ng comes from Debian 13 as an architecture-independent .deb,
# fetched through a throwaway sources list; the system's sources are
# never changed.
set -euo pipefail

PKGS="build-essential flex bison libelf-dev libssl-dev bc cpio kmod sparse dkms pkg-config
      qemu-system-x86 busybox-static python3 python3-pytest liburing-dev iproute2 iptables xz-utils pahole
      linux-source-6.12 linux-image-amd64 linux-headers-amd64
      linux-image-6.12-amd64 linux-headers-6.12-amd64"

export DEBIAN_FRONTEND=noninteractive
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi

if ! command -v vng >/dev/null; then
	echo "setup: fetching virtme-ng from Debian 13 (trixie)"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
	echo "deb http://deb.debian.org/debian trixie main" >"$tmp/sources.list"
	opts=(-o Dir::Etc::SourceList="$tmp/sources.list"
	      -o Dir::Etc::SourceParts=/dev/null
	      -o Dir::State::Lists="$tmp/lists"
	      -o Dir::Cache::Archives="$tmp/archives"
	      -o APT::Default-Release=)
	$SUDO apt-get "${opts[@]}" update -q
	(cd "$tmp" && apt-get "${opts[@]}" download virtme-ng)
	$SUDO apt-get install -y -q --no-install-recommends "$tmp"/virtme-ng_*.deb
fi

echo "setup: ok ($(vng --version 2>/dev/null | head -n 1))"
