#!/usr/bin/env python3
"""peakgor.py FILE...: what the bot's goroutines were doing at the RSS peak
(watch.py's TAG.tsv.peak.goroutines.txt), by the phase of an answer."""
import re, sys
for f in sys.argv[1:]:
    t = open(f).read()
    tot = int(re.search(r'total (\d+)', t).group(1))
    c = {'reading': 0, 'writeRequest': 0, 'final text (worker in Finish)': 0, 'writer in a Discord call': 0,
         'usage/journal write': 0, 'idle worker': 0}
    for b in t.split('\n\n'):
        m = re.search(r'^(\d+) @', b, re.M)
        if not m:
            continue
        n = int(m.group(1))
        if 'Engine).read' in b:
            c['reading'] += n
        elif 'writeRequest' in b:
            c['writeRequest'] += n
        elif 'Streamer).Finish' in b:
            c['final text (worker in Finish)'] += n
        elif 'restClient).do' in b:
            c['writer in a Discord call'] += n
        elif 'bbolt' in b and 'Engine)' in b:
            c['usage/journal write'] += n
        elif 'pool).next' in b:
            c['idle worker'] += n
    print(f.split('.')[0], 'goroutines', tot, c)
