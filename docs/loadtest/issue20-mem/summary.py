import json,glob,statistics as st,sys,re
d=sys.argv[1]
rows={}
for f in sorted(glob.glob(d+'/*.json')):
    tag=f.split('/')[-1][:-5]
    v,conv,i=tag.split('-')
    j=json.load(open(f))
    ms=open(f[:-5]+'.heap.memstats.txt').read() if glob.glob(f[:-5]+'.heap.memstats.txt') else ''
    m=re.search(r'# Stack = (\d+)',ms) or re.search(r'StackInuse[ =:]+(\d+)',ms)
    stack=int(m.group(1))/1e6 if m else float('nan')
    g=j['goroutines_mid_load']; pif=j['peak_in_flight']
    rows.setdefault((conv,v),[]).append((j['bot_cpu_ms_per_reply'],j['rss_kb_per_in_flight'],g/max(pif,1),stack,j['completed'],j['lost'],j['duplicated'],j['rate_limited_429s']))
def f3(xs): return "%.1f (%.1f-%.1f)"%(st.median(xs),min(xs),max(xs))
for k in sorted(rows):
    r=rows[k]
    print(k, 'cpu/reply',f3([x[0] for x in r]),'| RSS/conv KB',f3([x[1] for x in r]),'| gor/conv',f3([x[2] for x in r]),'| stack MB',f3([x[3] for x in r]),'| ok/lost/dup/429',[x[4:] for x in r])
