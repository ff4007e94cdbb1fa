#!/usr/bin/env python3
"""acct.py TAG...: the KB per in-flight conversation at the bot's RSS peak,
less its idle sample, from watch.py's samples (TAG.tsv), the heap profile
it took at the peak (TAG.tsv.peak.heap: its in-use total is the heap live
at the last collection before the peak, sampled) and the load tool's JSON
(TAG.json). Needs the bot binary of each TAG: BIN=path (old/new by TAG)."""
import json, os, re, subprocess, sys, statistics
rows = {}
for tag in sys.argv[1:]:
    bin_ = os.environ['BIN_' + tag.split('-')[0].upper()]
    j = json.load(open(tag + '.json')); n = max(j['peak_in_flight'], 1)
    lines = [l.rstrip('\n').split('\t') for l in open(tag + '.tsv')]
    cols = lines[0][:-1]
    ok = [dict(zip(cols, [float(x) if x else 0.0 for x in r])) for r in lines[1:] if len(r) > 5 and r[5]]
    idle, peak = ok[0], max(ok, key=lambda x: x['VmRSS'])
    top = subprocess.run(['go', 'tool', 'pprof', '-sample_index=inuse_space', '-top', '-nodecount=1', bin_, tag + '.tsv.peak.heap'], capture_output=True, text=True).stdout
    m = re.search(r'of ([\d.]+)(kB|MB) total', top)
    live = float(m.group(1)) * (1024 if m.group(2) == 'MB' else 1)
    a = {
        'goroutine stacks (Stack)': peak['Stack'] - idle['Stack'],
        'live heap (heap profile at the peak, sampled)': live - idle['HeapAlloc'],
        'heap garbage and fragmentation (HeapInuse - live)': (peak['HeapInuse'] - live) - (idle['HeapInuse'] - idle['HeapAlloc']),
        'free heap spans kept (HeapIdle - HeapReleased)': (peak['HeapIdle'] - peak['HeapReleased']) - (idle['HeapIdle'] - idle['HeapReleased']),
        'runtime metadata (MSpan + GCSys + OtherSys)': sum(peak[k] - idle[k] for k in ('MSpan', 'GCSys', 'OtherSys')),
        'file-backed pages (RssFile)': peak['RssFile'] - idle['RssFile'],
    }
    a = {k: v / n for k, v in a.items()}
    a['rest (RSS less the above)'] = (peak['VmRSS'] - idle['VmRSS']) / n - sum(a.values())
    a['RSS per in-flight conversation (load tool)'] = j['rss_kb_per_in_flight']
    a['peak at (s into the run)'] = peak['t']
    rows.setdefault(tag.rsplit('-', 1)[0], []).append(a)
for var, rs in rows.items():
    print(f'{var} ({len(rs)} runs): median (min-max), KB per conversation')
    for k in rs[0]:
        v = [r[k] for r in rs]
        print(f'  {k:52s} {statistics.median(v):6.1f} ({min(v):.1f}-{max(v):.1f})')
