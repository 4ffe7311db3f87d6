#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fail when the modules of a directory include each other in a circle.

A module is a .c/.h pair (hub/broker.c + hub/broker.h = "broker"). Module A
depends on B when A.c or A.h includes "B.h". The graph must have no cycle,
so that every module can be read, tested and changed from the bottom up
(the clock, for one, lives in proto/rtclock.h, not in hub.h).

Usage: scripts/check_includes.py DIR [DIR...]   (exit 1 on a cycle)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)


def graph(directory):
    deps = {}
    for name in sorted(os.listdir(directory)):
        base, ext = os.path.splitext(name)
        if ext not in (".c", ".h"):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            text = f.read()
        deps.setdefault(base, set()).update(
            os.path.basename(m) for m in INCLUDE.findall(text) if os.path.basename(m) != base)
    # only edges between modules of this directory
    return {m: {d for d in ds if d in deps} for m, ds in deps.items()}


def find_cycle(deps):
    """One cycle as a list of modules, or None (iterative DFS, colours)."""
    colour = {m: 0 for m in deps}  # 0 new, 1 on the stack, 2 done
    for root in sorted(deps):
        if colour[root]:
            continue
        stack = [(root, iter(sorted(deps[root])))]
        path = [root]
        colour[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
                path.pop()
            elif colour[nxt] == 1:
                return path[path.index(nxt):] + [nxt]
            elif colour[nxt] == 0:
                colour[nxt] = 1
                stack.append((nxt, iter(sorted(deps[nxt]))))
                path.append(nxt)
    return None


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    bad = 0
    for d in argv[1:]:
        cycle = find_cycle(graph(d))
        if cycle:
            print("%s: include cycle: %s" % (d, " -> ".join(cycle)), file=sys.stderr)
            bad = 1
        else:
            print("%s: no include cycle among %d modules" % (d, len(graph(d))))
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
