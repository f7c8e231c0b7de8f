#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare two module versions benchmarked in one boot (make bench-ab).

Usage: compare.py DIR.  DIR holds base-R.json and new-R.json, one xdbench
round each, the two versions run back to back in round R.  For each
workload: the median of each version's ratio to its anchor, and the
median over the rounds of new / base of AF_XDISCON's own figure, the
two measured minutes apart in the same boot (for latency, base / new),
so that above 1 the new version does better.  The A/B figure does not go
through the anchor: in a one-round xdbench run AF_XDISCON always runs
before its anchor, which then measures whatever the other's teardown
left behind, and its noise would count twice.  Prints a table; the last
lines are 'AB <workload> <transport> <gain>', the gain being new / base
(base / new for latency).
"""
import glob
import json
import os
import statistics
import sys

# Units in which lower is better (xdbench's latency rows).
LOWER_BETTER = {'us'}


def load(path):
    """{(workload, transport): (ratio to anchor, AF_XDISCON, unit)}"""
    with open(path) as f:
        data = json.load(f)
    return {(w['name'], w['transport']):
            (w['ratio'], statistics.median(w['xdiscon']), w['unit'])
            for w in data['workloads'] if w.get('ratio') and w['xdiscon']}


def gain(base, new, unit):
    """new / base, the right way up for @unit (above 1: new is better)."""
    return base / new if unit in LOWER_BETTER else new / base


def main():
    d = sys.argv[1]
    rounds = sorted(int(os.path.basename(p)[4:-5])
                    for p in glob.glob(os.path.join(d, 'new-*.json'))
                    if os.path.exists(os.path.join(
                        d, 'base-%s' % os.path.basename(p)[4:])))
    pairs = [(load(os.path.join(d, 'base-%d.json' % r)),
              load(os.path.join(d, 'new-%d.json' % r))) for r in rounds]
    if not pairs:
        print('compare.py: no rounds in %s' % d)
        return 1
    print('%d rounds, each version once per round, alternating which first' %
          len(pairs))
    print('%-16s %-9s %10s %10s %10s' % ('workload', 'transport', 'base',
                                         'new', 'new/base'))
    lines = []
    for key in pairs[0][0]:
        if not all(key in b and key in n for b, n in pairs):
            continue
        base = statistics.median(b[key][0] for b, _ in pairs)
        new = statistics.median(n[key][0] for _, n in pairs)
        rel = statistics.median(gain(b[key][1], n[key][1], b[key][2])
                                for b, n in pairs)
        print('%-16s %-9s %10.3f %10.3f %10.3f' % (key[0], key[1], base, new,
                                                   rel))
        lines.append('AB %s %s %.3f' % (key[0], key[1], rel))
    print('(base, new: ratios to the anchor; new/base: AF_XDISCON itself;')
    print(' medians over the rounds; higher is better)')
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main())
