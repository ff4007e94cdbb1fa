#!/bin/bash
# usage: watch.sh OUT -- loadtest command; appends the bot's last utime/stime and context switches (read from /proc every 0.2 s) to OUT
out=$1; shift
"$@" > $out 2>&1 &
lt=$!
pid=""
while [ -z "$pid" ] && kill -0 $lt 2>/dev/null; do sleep 0.1; pid=$(pgrep -P $lt | head -1); done
last=""
while [ -n "$pid" ] && kill -0 $pid 2>/dev/null; do
  s=$(awk '{print $14, $15}' /proc/$pid/stat 2>/dev/null); c=$(cat /proc/$pid/task/*/status 2>/dev/null | awk "/^voluntary_ctxt/{v+=\$2} /^nonvoluntary_ctxt/{n+=\$2} END{print v, n}")
  [ -n "$s" ] && last="utime/stime(ticks) $s ctxt(vol nonvol) $c"
  sleep 0.2
done
wait $lt
echo "bot process at exit (start included): $last" >> $out
