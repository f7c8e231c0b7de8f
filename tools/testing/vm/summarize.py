#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge the results of xdiscon's test runs and print the final line.

Usage: summarize.py LABEL=DIR [LABEL=DIR ...]

Each DIR holds what one VM run (guest.sh) or the host checks left:
  kunit-*.ktap      KUnit results read from debugfs
  selftest-*.tap    kselftest harness output
  host-*.tap        host-side checks (builds, lint, library tests)
  expect            one line per result file that must exist
  dmesg.txt, kmemleak.txt, tainted, lockdep   VM health, when present

Leaf test cases count; a SKIP counts as a failure (a skipped case is not
a pass), as does a missing result file or a plan that was cut short.
Prints one line per suite and ends with 'N passed, N failed'; the exit
status is 1 when anything failed.
"""
import os
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok)\s+(\d+)\s*-?\s*([^#]*?)\s*(#\s*(.*))?$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)')
# What a clean kernel log never contains.
BAD_LOG = re.compile(r'BUG:|WARNING:|KASAN|UBSAN|Oops|general protection|'
                     r'possible circular locking|possible recursive locking|'
                     r'inconsistent lock state|suspicious RCU usage|'
                     r'DEBUG_LOCKS_WARN_ON|hung_task|blocked for more than|'
                     r'memory leak|Kernel panic|Call Trace')
# Taint bits allowed: O (out-of-tree), E (unsigned), N (KUnit ran).
TAINT_OK = (1 << 12) | (1 << 13) | (1 << 18)


def parse_tap(text):
    """Return (passed, failed, failed_names) over the leaf cases."""
    passed = failed = 0
    names = []
    last_indent = None
    plans = {}
    seen = {}
    for line in text.splitlines():
        m = PLAN.match(line)
        if m:
            plans.setdefault(len(m.group(1)), int(m.group(2)))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent = len(m.group(1))
        seen[indent] = seen.get(indent, 0) + 1
        parent = last_indent is not None and last_indent > indent
        last_indent = indent
        if parent:
            continue
        directive = (m.group(6) or '').upper()
        if m.group(2) == 'ok' and not directive.startswith('SKIP'):
            passed += 1
        else:
            failed += 1
            names.append(m.group(4) + (' (skipped)' if 'SKIP' in directive else ''))
    # A plan cut short (a crash, a timeout): the cases that never reported.
    missing = max([want - seen.get(i, 0) for i, want in plans.items()] + [0])
    if missing:
        failed += missing
        names.append('%d case(s) never reported' % missing)
    return passed, failed, names


KCSAN_SEP = re.compile(r'^(\[[ \d.]+\] )?=+$')
KCSAN_ACCESS = re.compile(r'\b(read|write)( \(marked\))? to 0x[0-9a-f]+ of \d+ '
                          r'bytes by ')
# Frames of an access's stack that make a race the module's: the
# function that made the access, and its caller (a kernel helper the
# module called on its own data).
KCSAN_OWN_FRAMES = 2


def kcsan_ours(block):
    """Whether a KCSAN report is a race the module takes part in: an
    xdiscon frame among the first frames of either access's stack.  A
    race deeper down (TCP's receive path run from the module's
    release_sock(), timekeeping under it) is the kernel's."""
    stacks, cur = [], None
    for l in block:
        text = re.sub(r'^\[[ \d.]+\]', '', l).strip()
        if KCSAN_ACCESS.search(text):
            cur = []
            stacks.append(cur)
        elif cur is not None and text:
            cur.append(text)
        else:
            cur = None
    return any('[xdiscon' in f for st in stacks for f in st[:KCSAN_OWN_FRAMES])


def kcsan_split(log):
    """The log less KCSAN reports that are not the module's (races in
    code the module does not take part in, which a KCSAN kernel reports
    too), and those reports' first lines."""
    kept, others, block = [], [], None
    for line in log.splitlines():
        if KCSAN_SEP.match(line.strip()):
            if block is None:
                block = [line]
                continue
            block.append(line)
            if any('BUG: KCSAN' in l for l in block) and \
               not kcsan_ours(block):
                others.extend(l for l in block if 'BUG: KCSAN' in l)
            else:
                kept.extend(block)
            block = None
        elif block is not None:
            block.append(line)
        else:
            kept.append(line)
    kept.extend(block or [])
    return '\n'.join(kept), others


def read(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except OSError:
        return None


def sanitizer_reports(d):
    """Reports in the kernel log and kmemleak's list: 0 on a clean run."""
    log = kcsan_split(read(os.path.join(d, 'dmesg.txt')) or '')[0]
    kml = read(os.path.join(d, 'kmemleak.txt')) or ''
    return (sum(1 for l in log.splitlines() if BAD_LOG.search(l)) +
            kml.count('unreferenced object'))


def stats(dirs):
    """Sum the 'key count' lines the stress tests left in stats.txt."""
    total = {'connections': 0, 'bytes': 0, 'fuzz_calls': 0, 'faults': 0,
             'races': 0}
    for d in dirs:
        for line in (read(os.path.join(d, 'stats.txt')) or '').splitlines():
            key, _, n = line.partition(' ')
            if key in total and n.strip().isdigit():
                total[key] += int(n)
    return total


def health(d):
    """Checks on the VM's state after the run: (name, ok, detail)."""
    checks = []
    log = read(os.path.join(d, 'dmesg.txt'))
    if log is None:
        return [('kernel log collected', False, 'no dmesg.txt: the VM died?')]
    log, others = kcsan_split(log)
    for l in others:
        print('note %s: KCSAN report not the module\'s, not judged: %s'
              % (os.path.basename(d), l.strip()))
    bad = [l for l in log.splitlines() if BAD_LOG.search(l)]
    checks.append(('kernel log clean', not bad, '; '.join(bad[:5])))
    kml = read(os.path.join(d, 'kmemleak.txt'))
    if kml is not None and 'not available' not in kml:
        checks.append(('kmemleak clean', kml.strip() == '', kml[:300]))
    taint = read(os.path.join(d, 'tainted'))
    t = int(taint.strip() or 0) if taint else 0
    checks.append(('no taint beyond O/E/N', taint is not None and not t & ~TAINT_OK,
                   'tainted=%s' % (taint or '?').strip()))
    guest = read(os.path.join(d, 'guest.log')) or ''
    left = [l for l in guest.splitlines() if 'left by' in l]
    checks.append(('no sockets left after each test', not left,
                   '; '.join(left[:3])))
    inuse = read(os.path.join(d, 'sockets-in-use'))
    if inuse is not None:
        checks.append(('every socket freed (XDISCON in use = 0)',
                       inuse.strip() == '0', 'in use: %r' % inuse.strip()))
    lockdep = read(os.path.join(d, 'lockdep'))
    if lockdep:
        checks.append(('lockdep still enabled', 'debug_locks: 1' in lockdep.replace('  ', ' ')
                       or re.search(r'debug_locks:\s+1', lockdep) is not None,
                       lockdep.strip()))
    return checks


def main(argv):
    total_pass = total_fail = 0
    for arg in argv:
        label, _, d = arg.partition('=')
        expect = (read(os.path.join(d, 'expect')) or '').split()
        files = sorted(f for f in os.listdir(d) if f.endswith(('.tap', '.ktap')))
        for f in sorted(set(expect) - set(files)):
            print('FAIL %s/%s: no results (did not run)' % (label, f))
            total_fail += 1
        for f in files:
            p, n, names = parse_tap(read(os.path.join(d, f)))
            if p + n == 0:
                n, names = 1, ['no test cases reported']
            total_pass += p
            total_fail += n
            print('%s %s/%s: %d passed, %d failed%s' % (
                'ok  ' if n == 0 else 'FAIL', label, f.rsplit('.', 1)[0], p, n,
                (' [' + ', '.join(names[:8]) + ']') if names else ''))
        if os.path.exists(os.path.join(d, 'guest.log')):
            for name, ok, detail in health(d):
                total_pass += ok
                total_fail += not ok
                print('%s %s/%s%s' % ('ok  ' if ok else 'FAIL', label, name,
                                      '' if ok else ': ' + detail))
    vm_dirs = [a.partition('=')[2] for a in argv
               if os.path.exists(os.path.join(a.partition('=')[2], 'guest.log'))]
    st = stats(vm_dirs)
    print('stress: connections=%d bytes=%d fuzz_calls=%d faults=%d races=%d '
          'sanitizer_reports=%d'
          % (st['connections'], st['bytes'], st['fuzz_calls'], st['faults'],
             st['races'], sum(sanitizer_reports(d) for d in vm_dirs)))
    print('%d passed, %d failed' % (total_pass, total_fail))
    return 1 if total_fail else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
