#!/usr/bin/env python3
"""usedstack-phase.py DUMP: the stack in use (outermost fp less innermost sp)
of each goroutine of a GOTRACEBACK=system SIGQUIT dump of the bot under the
load tool, grouped by what it waits for (dumpat.py takes the dump)."""
import re,collections,sys
txt=open(sys.argv[1]).read()
i=txt.find('goroutine ')
blocks=txt[i:].split('\n\n')
g=collections.defaultdict(list)
for b in blocks:
    if not b.startswith('goroutine '): continue
    sps=[int(m,16) for m in re.findall(r' sp=0x([0-9a-f]+)',b)]
    fps=[int(m,16) for m in re.findall(r' fp=0x([0-9a-f]+)',b)]
    if not sps: continue
    used=max(fps)-min(sps)
    if 'Streamer).Finish' in b: k='worker in Finish'
    elif 'globalBudget).acquire' in b and 'createMessage' in b: k='runner createMessage acquire'
    elif 'globalBudget).acquire' in b: k='acquire other'
    elif 'pool).next' in b: k='idle worker'
    elif 'writeRequest' in b: k='writeRequest'
    elif 'Engine).read' in b: k='reader'
    elif 'persistConn).readLoop' in b: k='persistConn.readLoop'
    elif 'persistConn).writeLoop' in b: k='persistConn.writeLoop'
    elif 'conn).serve' in b: k='server conn'
    elif 'runner).run' in b: k='runner other'
    else: k='other'
    g[k].append(used)
for k,v in sorted(g.items(), key=lambda x:-len(x[1])):
    v.sort(); print(f'{len(v):5d} {k:40s} used min/med/max {v[0]}/{v[len(v)//2]}/{v[-1]}')
