#!/bin/bash
# usage: watch.sh BIN -- loadtest args ; prints the bot's last ctxt switches and utime/stime
bin=$1; shift
"$@" > /tmp/perf20/watch.out 2>&1 &
lt=$!
pid=""
while [ -z "$pid" ]; do sleep 0.2; pid=$(pgrep -f "^$bin " -P $lt | head -1); [ -z "$pid" ] && pid=$(pgrep -n -x $(basename $bin)); done
last=""
while kill -0 $pid 2>/dev/null; do
  s=$(awk '{print $14, $15}' /proc/$pid/stat 2>/dev/null); c=$(cat /proc/$pid/task/*/status 2>/dev/null | awk "/^voluntary_ctxt/{v+=\$2} /^nonvoluntary_ctxt/{n+=\$2} END{print v, n}")
  [ -n "$s" ] && last="utime/stime(ticks) $s ctxt(vol nonvol) $c"
  sleep 0.2
done
wait $lt
grep -E "CPU per|completed" /tmp/perf20/watch.out
echo "$last"
