#!/usr/bin/env python3
"""Median (min-max) of the A/B runs: summarize.py DIR"""
import json, sys, glob, os, statistics as st
d = sys.argv[1]
groups = {}
for f in sorted(glob.glob(os.path.join(d, '*.json'))):
    tag = os.path.basename(f)[:-5]
    v, store, i = tag.rsplit('-', 2)
    r = json.load(open(f))
    al = r['all']['added_latency']
    groups.setdefault((v, store), []).append(dict(
        p50=al['p50_ms'], p99=al['p99_ms'], max=al['max_ms'], conns=r.get('llm_connections', 0),
        cpu=r['bot_cpu_ms_per_reply'], tool=r['load_tool_cpu_seconds'], rss=r['rss_kb_per_in_flight'],
        ok='%d/%d/%d' % (r['completed'], r['lost'], r['duplicated']), r429=r['rate_limited_429s']))
def m(xs):
    return '%s (%s-%s)' % (fmt(st.median(xs)), fmt(min(xs)), fmt(max(xs)))
def fmt(x):
    return '%.3g' % x
for k in sorted(groups, key=lambda k: (k[1], k[0] != 'old')):
    g = groups[k]
    print('%-4s %-6s n=%d added p50 %s | p99 %s | max %s | LLM conns %s | CPU/reply %s ms | tool CPU %s s | RSS/conv %s KB | %s | 429s %s' % (
        k[0], k[1], len(g), m([x['p50'] for x in g]), m([x['p99'] for x in g]), m([x['max'] for x in g]),
        m([x['conns'] for x in g]), m([x['cpu'] for x in g]), m([x['tool'] for x in g]), m([x['rss'] for x in g]),
        ' '.join(x['ok'] for x in g), [x['r429'] for x in g]))
