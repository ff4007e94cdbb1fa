import csv, sys
f=sys.argv[1]
rows=list(csv.DictReader(open(f)))
cpu=list(csv.DictReader(open(f+'.cpu.csv')))
print('conns at (ms):', [(round(float(c['from_ms'])),c['llm_conns_accepted']) for c in cpu if c['llm_conns_accepted']!='0'])
a=[(float(r['added_ms']),int(r['arrival']),float(r['event_ms']),r['platform']) for r in rows if r['added_ms']]
s=sorted(a,reverse=True)
print('slowest 1.5%:', [(round(x[0],1),x[1],round(x[2])) for x in s[:15]])
# cpu per 250ms window
W=250
win={}
for c in cpu:
    t=float(c['from_ms']); dt=(float(c['to_ms'])-t)/1000
    k=int(t//W)
    b,tl,w=win.get(k,(0,0,0))
    win[k]=(b+float(c['bot_cores'])*dt, tl+float(c['tool_cores'])*dt, w+dt)
for k in sorted(win):
    if k*W>4000 or k<-4: continue
    b,tl,w=win[k]
    late=[x for x in a if k*W<=x[2]<(k+1)*W]
    n10=sum(1 for x in late if x[0]>10)
    mx=max([x[0] for x in late],default=0)
    print('%5d-%5d ms bot %.2f tool %.2f cores | arrivals %3d >10ms %3d max %.1f'%(k*W,(k+1)*W,b/w,tl/w,len(late),n10,mx))
