#!/usr/bin/env python3
"""summary.py DIR: medians (min-max) of the A/B runs in DIR (ab.sh's output)."""
import json, os, statistics, sys

d = sys.argv[1] if len(sys.argv) > 1 else "."
rows = {}
for f in sorted(os.listdir(d)):
    if not f.endswith(".json"):
        continue
    v, s1, s2, r = f[:-5].split("-")
    j = json.load(open(os.path.join(d, f)))
    a = j["all"]
    # sysmon is the bot's second thread (the runtime starts it first).
    sysmon = None
    t = os.path.join(d, f[:-5] + ".tstat1")
    if os.path.exists(t):
        ticks = sorted((int(x.split()[0]), int(x.split()[1]) + int(x.split()[2])) for x in open(t) if len(x.split()) == 3)
        if len(ticks) > 1:
            sysmon = ticks[1][1] * 10
    key = (s1 + "-" + s2, v)
    rows.setdefault(key, []).append(dict(
        cpu=j["bot_cpu_ms_per_reply"], p50=a["completion_gap"]["p50_ms"], p99=a["completion_gap"]["p99_ms"],
        sysmon=sysmon, done=j["completed"], lost=j["lost"], dup=j["duplicated"], n429=j["rate_limited_429s"],
        calls=j["platform_calls_per_reply"], total=j["bot_cpu_seconds"]))

def fmt(xs, p=1):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    return f"{statistics.median(xs):.{p}f} ({min(xs):.{p}f}-{max(xs):.{p}f})"

print("scenario  binary  runs  cpu ms/reply  sysmon thread ms (whole run)  gap p50 ms  gap p99 ms  calls/reply  completed/lost/dup/429")
for (s, v), rs in sorted(rows.items()):
    print(f"{s:8} {v:4} {len(rs)}  {fmt([r['cpu'] for r in rs])}  {fmt([r['sysmon'] for r in rs],0)}  {fmt([r['p50'] for r in rs],2)}  {fmt([r['p99'] for r in rs],2)}  {fmt([r['calls'] for r in rs])}  "
          + ",".join(f"{r['done']}/{r['lost']}/{r['dup']}/{r['n429']}" for r in rs))
