#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the benchmark VM (no debug options): load the module, run
# xdbench, leave the table and the JSON in $XD_OUT.
set -eu
insmod "$XD_BUILD/xdiscon.ko"
{
	echo "kernel $(uname -r), $(nproc) vCPUs, $(date -u +%Y-%m-%d)"
	"$XD_BENCH" --rounds "${XD_ROUNDS:-5}" --json "$XD_OUT/xdbench.json"
} | tee "$XD_OUT/table.txt"
rmmod xdiscon
