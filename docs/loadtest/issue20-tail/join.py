# Per 100 ms of the ramp: the arrivals' added latency beside the bot's
# scheduler (trace) and CPU, the tool's CPU and the LLM connections.
# usage: join.py TIMELINE.csv TRACE.csv (tra-bin TRACE 100)
import csv, sys
tl = sys.argv[1]
rows = [r for r in csv.DictReader(open(tl)) if r['added_ms']]
ev = list(csv.DictReader(open(tl + '.conns.csv')))
off = float([e for e in ev if e['event'] == 'trace asked'][0]['at_ms'])
conns = [float(e['at_ms']) for e in ev if e['event'] == 'llm connection accepted']
cpu = list(csv.DictReader(open(tl + '.cpu.csv')))
tr = {}
for r in csv.DictReader(open(sys.argv[2])):
    k = int((float(r['from_ms']) + off) // 100)
    tr[k] = r
W = 100
print('window_ms   arrivals  p50   max  >10ms | bot_cores tool_cores | P_busy runnable gc_mark assist_ms stw_ms | llm_dials')
for k in range(0, 22):
    a = sorted(float(r['added_ms']) for r in rows if k*W <= float(r['event_ms']) < (k+1)*W)
    c = [x for x in cpu if k*W <= float(x['from_ms']) < (k+1)*W]
    dt = sum(float(x['to_ms'])-float(x['from_ms']) for x in c) or 1
    bot = sum(float(x['bot_cores'])*(float(x['to_ms'])-float(x['from_ms'])) for x in c)/dt
    tool = sum(float(x['tool_cores'])*(float(x['to_ms'])-float(x['from_ms'])) for x in c)/dt
    t = tr.get(k, {})
    d = sum(1 for x in conns if k*W <= x < (k+1)*W)
    if not a: a=[0]
    print('%4d-%4d  %4d  %5.1f %5.1f  %4d | %5.2f %5.2f | %4s %6s %5s %8s %6s | %d' % (k*W, (k+1)*W, len(a), a[len(a)//2], a[-1], sum(1 for x in a if x > 10), bot, tool,
        t.get('running_goroutines','-'), t.get('runnable_goroutines','-'), t.get('gc_mark_share','-'), t.get('assist_ms','-'), t.get('stw_ms','-'), d))
