#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare two module versions benchmarked in one boot (make bench-ab).

Usage: compare.py DIR.  DIR holds base-R.json and new-R.json, one xdbench
round each, the two versions run back to back in round R.  For each
workload: the median of each version's ratio to its anchor, and the
median over the rounds of new / base, the pair of ratios measured
seconds apart.  Prints a table; the last lines are
'AB <workload> <transport> <new/base>' (above 1: the new version does
better).
"""
import glob
import json
import os
import statistics
import sys


def ratios(path):
    with open(path) as f:
        data = json.load(f)
    return {(w['name'], w['transport']): w['ratio'] for w in data['workloads']
            if w.get('ratio')}


def main():
    d = sys.argv[1]
    rounds = sorted(int(os.path.basename(p)[4:-5])
                    for p in glob.glob(os.path.join(d, 'new-*.json')))
    pairs = [(ratios(os.path.join(d, 'base-%d.json' % r)),
              ratios(os.path.join(d, 'new-%d.json' % r))) for r in rounds]
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
        base = statistics.median(b[key] for b, _ in pairs)
        new = statistics.median(n[key] for _, n in pairs)
        rel = statistics.median(n[key] / b[key] for b, n in pairs)
        print('%-16s %-9s %10.3f %10.3f %10.3f' % (key[0], key[1], base, new,
                                                   rel))
        lines.append('AB %s %s %.3f' % (key[0], key[1], rel))
    print('(ratios to the anchor, medians over the rounds; higher is better)')
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main())
