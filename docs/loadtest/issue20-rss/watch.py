#!/usr/bin/env python3
"""watch.py OUT -- loadtest args...: runs the load tool and samples the bot
(the load tool's child) every 0.25 s: /proc/PID/status (VmRSS, RssAnon,
RssFile) and runtime.MemStats from /debug/pprof/heap?debug=1. Writes the
samples to OUT (TSV) and prints the idle sample and the one at the RSS peak.
Session 9: at each new RSS maximum (at most once a second) it also keeps the
bot's heap profile (OUT.peak.heap, pprof) and goroutine profile
(OUT.peak.goroutines.txt), so what is held at the peak can be attributed."""
import os, re, subprocess, sys, time, urllib.request
out = sys.argv[1]; args = sys.argv[3:]
lt = subprocess.Popen(args, stdout=open(out + '.lt.txt', 'w'), stderr=subprocess.STDOUT)
bot = args[args.index('-bot') + 1]
def child():
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            st = open(f'/proc/{p}/stat').read()
            if int(st[st.rindex(')') + 2:].split()[1]) == lt.pid and os.readlink(f'/proc/{p}/exe') == os.path.realpath(bot): return int(p)
        except Exception: pass
pid = None
while pid is None and lt.poll() is None:
    pid = child(); time.sleep(0.05)
def ports(pid):
    inodes = set()
    for fd in os.listdir(f'/proc/{pid}/fd'):
        try:
            l = os.readlink(f'/proc/{pid}/fd/{fd}')
            if l.startswith('socket:['): inodes.add(l[8:-1])
        except Exception: pass
    ps = []
    for line in open('/proc/net/tcp').readlines()[1:] + open('/proc/net/tcp6').readlines()[1:]:
        f = line.split()
        if f[3] == '0A' and f[9] in inodes: ps.append(int(f[1].split(':')[1], 16))
    return ps
keys = ['HeapAlloc','HeapSys','HeapIdle','HeapInuse','HeapReleased','Stack','MSpan','GCSys','OtherSys','BuckHashSys','NextGC','Sys']
addr = None; rows = []; best = [0, 0.0]
t0 = time.time()
while lt.poll() is None:
    try:
        s = open(f'/proc/{pid}/status').read()
    except Exception: break
    row = {'t': round(time.time() - t0, 2)}
    for k in ('VmRSS', 'RssAnon', 'RssFile'):
        m = re.search(k + r':\s+(\d+)', s); row[k] = int(m.group(1)) if m else 0
    try:
        if addr is None:
            for p in ports(pid):
                try:
                    urllib.request.urlopen(f'http://127.0.0.1:{p}/debug/pprof/heap?debug=1', timeout=1).read(); addr = p; break
                except Exception: pass
        if addr:
            txt = urllib.request.urlopen(f'http://127.0.0.1:{addr}/debug/pprof/heap?debug=1', timeout=2).read().decode()
            for k in keys:
                m = re.search(r'# ' + k + r' = (\d+)', txt); row[k] = int(m.group(1)) // 1024 if m else 0
            if row['VmRSS'] > best[0] and time.time() - best[1] > 1.0:
                best[0] = row['VmRSS']; best[1] = time.time()
                heap = urllib.request.urlopen(f'http://127.0.0.1:{addr}/debug/pprof/heap', timeout=5).read()
                gor = urllib.request.urlopen(f'http://127.0.0.1:{addr}/debug/pprof/goroutine?debug=1', timeout=5).read()
                open(out + '.peak.heap', 'wb').write(heap); open(out + '.peak.goroutines.txt', 'wb').write(gor)
                open(out + '.peak.at', 'w').write(f"t={row['t']} VmRSS={row['VmRSS']}\n")
    except Exception: pass
    rows.append(row); time.sleep(0.25)
lt.wait()
cols = ['t', 'VmRSS', 'RssAnon', 'RssFile'] + keys
with open(out, 'w') as f:
    f.write('\t'.join(cols) + '\t(kB)\n')
    for r in rows: f.write('\t'.join(str(r.get(c, '')) for c in cols) + '\n')
ok = [r for r in rows if 'HeapSys' in r]
if ok:
    idle = ok[0]; peak = max(ok, key=lambda r: r['VmRSS'])
    for name, r in (('idle', idle), ('peak', peak)):
        print(name, ' '.join(f'{c}={r.get(c)}' for c in cols))
    print('delta', ' '.join(f'{c}={peak.get(c,0)-idle.get(c,0)}' for c in cols[1:]))
