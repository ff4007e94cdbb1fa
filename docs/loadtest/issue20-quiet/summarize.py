import json,glob,statistics,sys
d=sys.argv[1] if len(sys.argv)>1 else '/tmp/q8/runs'
rows={}
for f in sorted(glob.glob(d+'/*.json')):
    tag=f.split('/')[-1][:-5]
    v,conv,st,i=tag.rsplit('-',3) if tag.count('-')>=3 else (None,)*4
    j=json.load(open(f))
    a=j['all']
    r=dict(al50=a['added_latency']['p50_ms'],al99=a['added_latency']['p99_ms'],
           gap50=a['completion_gap']['p50_ms'],gap99=a['completion_gap']['p99_ms'],
           cpu=j['bot_cpu_ms_per_reply'],rss=j['rss_kb_per_in_flight'],
           ok="%d/%d/%d"%(j['completed'],j['lost'],j['duplicated']),r429=j['rate_limited_429s'])
    rows.setdefault((conv,st,v),[]).append(r)
def fm(xs):
    s=sorted(xs);return "%.3g (%.3g-%.3g)"%(statistics.median(s),s[0],s[-1])
for k in sorted(rows):
    rs=rows[k]
    print(k, len(rs), ' '.join("%s=%s"%(m,fm([r[m] for r in rs])) for m in ['al50','al99','gap50','gap99','cpu','rss']), [r['ok'] for r in rs], [r['r429'] for r in rs])
