#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (as root).  Loads the module, runs the KUnit
# suites and the selftests, unloads, scans for leaks, and leaves every
# result in $XD_OUT for the host to judge (summarize.py):
#   kunit-<suite>.ktap, selftest-<name>.tap, kmemleak.txt, dmesg.txt,
#   tainted, lockdep, guest.log.
# Nothing here decides pass or fail; it only records.
set -u

build=${XD_BUILD:?}
tests=${XD_TESTS:?}
out=${XD_OUT:?}
kml=/sys/kernel/debug/kmemleak

exec >"$out/guest.log" 2>&1
echo "guest: kernel $(uname -r)"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

# Leaks and log lines from before the module was loaded are not ours.
if [ -w "$kml" ]; then
	echo scan >"$kml"
	echo clear >"$kml"
fi
dmesg >"$out/dmesg-boot.txt"
dmesg -C

if ! insmod "$build/xdiscon.ko"; then
	echo "guest: insmod xdiscon.ko failed"
	dmesg >"$out/dmesg.txt"
	exit 1
fi

if [ -f "$build/xdiscon_kunit.ko" ] && [ -d /sys/kernel/debug/kunit ]; then
	insmod "$build/xdiscon_kunit.ko" || echo "guest: insmod xdiscon_kunit.ko failed"
	for d in /sys/kernel/debug/kunit/xdiscon*; do
		[ -r "$d/results" ] || continue
		cat "$d/results" >"$out/kunit-$(basename "$d").ktap"
	done
	rmmod xdiscon_kunit
	echo "guest: kunit done at $SECONDS s"
	[ -r /proc/net/xdiscon ] && sed 1d /proc/net/xdiscon | sed "s/^/guest: left by kunit: /"
fi

# Selftests in the order of their list; module_test unloads and reloads.
while read -r t; do
	[ -n "$t" ] || continue
	echo "guest: running $t"
	start=$SECONDS
	XD_STATS=$out/stats.txt XDISCON_KO=$build/xdiscon.ko timeout 900 "$tests/$t" \
		>"$out/selftest-${t%.sh}.tap" 2>&1
	echo "guest: $t exited $? after $((SECONDS - start)) s"
	# The log so far, in case a later test leaves the guest hung.
	dmesg >"$out/dmesg.txt"
	# Sockets left behind show up here (and make module_test fail).
	[ -r /proc/net/xdiscon ] && sed 1d /proc/net/xdiscon | sed "s/^/guest: left by $t: /"
done <"$out/order"

# Every socket gone: the family's in-use count is back to 0.
awk '$1 == "XDISCON" { print $3 }' /proc/net/protocols >"$out/sockets-in-use"
rmmod xdiscon || echo "guest: rmmod xdiscon failed"

if [ -w "$kml" ]; then
	# kmemleak reports objects older than 5 s only: let the last ones age.
	sleep 6
	echo scan >"$kml"
	echo scan >"$kml"
	cat "$kml" >"$out/kmemleak.txt"
else
	echo "kmemleak not available" >"$out/kmemleak.txt"
fi
grep -s debug_locks /proc/lockdep_stats >"$out/lockdep"

cat /proc/sys/kernel/tainted >"$out/tainted"
dmesg >"$out/dmesg.txt"
echo "guest: done"
