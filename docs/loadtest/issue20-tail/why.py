# Which slow arrivals overlap a GC cycle or an LLM connection dial?
# usage: why.py TIMELINE.csv BOT.log [threshold_ms]
import csv, re, sys
tl, log = sys.argv[1], sys.argv[2]
thr = float(sys.argv[3]) if len(sys.argv) > 3 else 10
rows = [r for r in csv.DictReader(open(tl)) if r['added_ms']]
ev = list(csv.DictReader(open(tl + '.conns.csv')))
start = float([e for e in ev if e['event'] == 'bot started'][0]['at_ms'])
conns = [float(e['at_ms']) for e in ev if e['event'] == 'llm connection accepted']
gcs = []
for line in open(log):
    m = re.match(r'gc (\d+) @([\d.]+)s \d+%: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock', line)
    if m:
        t = start + float(m.group(2)) * 1000
        gcs.append((t, t + float(m.group(3)) + float(m.group(4)) + float(m.group(5)), float(m.group(3)) + float(m.group(5))))
ramp_gcs = [g for g in gcs if -100 < g[0] < 2500]
print('GC cycles in the ramp: %d, in GC %.0f ms of 2000 (STW %.1f ms); LLM connections: %d at %s' % (
    len(ramp_gcs), sum(min(b, 2000) - max(a, 0) for a, b, _ in ramp_gcs if b > 0 and a < 2000), sum(s for *_, s in ramp_gcs),
    len(conns), [round(c) for c in conns[:12]]))
cat = {'gc': 0, 'dial': 0, 'both': 0, 'neither': 0}
slow = [r for r in rows if float(r['added_ms']) > thr]
for r in slow:
    a = float(r['event_ms']); b = a + float(r['added_ms'])
    g = any(x < b and y > a for x, y, _ in gcs)
    d = any(a - 5 <= c <= b for c in conns)
    cat['both' if g and d else 'gc' if g else 'dial' if d else 'neither'] += 1
# share of all arrivals whose window overlaps a GC
ing = sum(1 for r in rows if any(x < float(r['event_ms']) + float(r['added_ms']) and y > float(r['event_ms']) for x, y, _ in gcs))
print('arrivals %d, over %g ms: %d -> %s; arrivals overlapping a GC at all: %d' % (len(rows), thr, len(slow), cat, ing))
