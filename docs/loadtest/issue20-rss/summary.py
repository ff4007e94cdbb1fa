#!/usr/bin/env python3
"""summary.py DIR: per variant (old/new, store, GOGC), the median (min-max)
of the load tool's figures over the runs in DIR, and, from watch.py's
samples, the bot's memory at its RSS peak less its idle sample (kB):
stacks, heap in use, heap goal, runtime metadata, file-backed RSS."""
import glob, json, os, statistics, sys
d = sys.argv[1]
runs = {}
for f in sorted(glob.glob(os.path.join(d, '*.json'))):
    tag = os.path.basename(f)[:-5]
    var, i = tag.rsplit('-', 1)
    j = json.load(open(f))
    r = {'rss/conv KB': j['rss_kb_per_in_flight'], 'CPU/reply ms': j['bot_cpu_ms_per_reply'],
         'goroutines/conv': j['goroutines_mid_load'] / max(j['peak_in_flight'], 1),
         'completed': j['completed'], 'lost': j['lost'], 'dup': j['duplicated'], '429s': j['rate_limited_429s']}
    tsv = f[:-5] + '.tsv'
    if os.path.exists(tsv):
        rows = [l.rstrip('\n').split('\t') for l in open(tsv)]
        cols = rows[0][:-1]
        ok = [dict(zip(cols, map(lambda x: float(x) if x else 0.0, row))) for row in rows[1:] if len(row) > 5 and row[5]]
        if ok:
            idle, peak = ok[0], max(ok, key=lambda x: x['VmRSS'])
            n = max(j['peak_in_flight'], 1)
            for k in ('VmRSS', 'RssAnon', 'RssFile', 'Stack', 'HeapInuse', 'HeapSys', 'HeapReleased', 'NextGC', 'MSpan', 'GCSys', 'OtherSys'):
                r['peak-idle ' + k + ' KB/conv'] = (peak[k] - idle[k]) / n
            r['max Stack KB/conv'] = (max(x['Stack'] for x in ok) - idle['Stack']) / n
            # The accounting at the RSS peak, less idle: the heap goal is
            # live + (live + stacks) * GOGC/100 (globals ~0.5 MB left out),
            # so live ~ (NextGC - GOGC/100 * Stack) / (1 + GOGC/100).
            g = float(var.split('gogc')[-1]) / 100
            def acct(x):
                live = (x['NextGC'] - g * x['Stack']) / (1 + g)
                return {'stacks': x['Stack'], 'live heap (est.)': live,
                        'heap garbage (GOGC headroom)': x['HeapInuse'] - live,
                        'free heap kept': x['HeapSys'] - x['HeapInuse'] - x['HeapReleased'],
                        'runtime metadata': x['MSpan'] + x['GCSys'] + x['OtherSys'],
                        'file-backed (code)': x['RssFile']}
            a, b = acct(peak), acct(idle)
            for k in a:
                r['acct ' + k + ' KB/conv'] = (a[k] - b[k]) / n
            r['acct other (RSS - sum) KB/conv'] = (peak['VmRSS'] - idle['VmRSS']) / n - sum((a[k] - b[k]) / n for k in a)
    runs.setdefault(var, []).append(r)
def fmt(v):
    return f'{v:.1f}' if isinstance(v, float) else str(v)
for var, rs in runs.items():
    print(f'{var} ({len(rs)} runs)')
    for k in rs[0]:
        vals = [r[k] for r in rs if k in r]
        print(f'  {k:34s} {fmt(statistics.median(vals))} ({fmt(min(vals))}-{fmt(max(vals))})')
