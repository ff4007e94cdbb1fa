#!/usr/bin/env python3
"""usedstack.py DUMP: from a GOTRACEBACK=system goroutine dump (SIGQUIT),
the stack each goroutine uses (its outermost frame's fp less its
innermost sp), grouped by where it waits: the reply reading the model's
stream (Engine.read over net/http's HTTP/2 body) and net/http's request
goroutine (writeRequest). Made by:
  cd bots/engine && HELD_STACK_DUMP=1 GOTRACEBACK=system go test -run '^$' -bench BenchmarkHeldPerAnswer -benchtime 1x > DUMP 2>&1"""
import re, sys
groups = {'reader (Engine.read in the HTTP/2 body Read)': lambda b: 'h2_bundle.go:9852' in b and 'Engine).read' in b,
          "net/http's writeRequest": lambda b: 'writeRequest' in b}
used = {k: [] for k in groups}
for b in open(sys.argv[1]).read().split('\n\n'):
    sps = [int(m, 16) for m in re.findall(r' sp=0x([0-9a-f]+)', b)]
    fps = [int(m, 16) for m in re.findall(r' fp=0x([0-9a-f]+)', b)]
    for k, f in groups.items():
        if sps and f(b):
            used[k].append(max(fps) - min(sps))
for k, v in used.items():
    if v:
        print(f'{k}: {len(v)} goroutines, {min(v)}-{max(v)} bytes used')
