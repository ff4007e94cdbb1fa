#!/bin/bash
# measure.sh MODE BIN OUTPREFIX [lt args...]: runs the load tool against BIN
# and reads the bot's /proc (CPU per thread, context switches, I/O) from 1 s
# after it is ready until it exits. MODE: watch (only /proc), prof (perf
# record of the CPU with stacks) or trace (perf record of every system call
# and context switch). Was prof.sh, trace.sh and watch.sh (session 8).
MODE=$1; BIN=$2; OUT=$3; shift 3
rm -f /tmp/cpu/m/botpid /tmp/cpu/m/bot.log
/tmp/cpu/lt -bot /tmp/cpu/wrap-$(basename $BIN).sh -progress=false -json $OUT.json -bot-log /tmp/cpu/m/bot.log "$@" > $OUT.txt 2>&1 &
LT=$!
while [ ! -s /tmp/cpu/m/botpid ]; do sleep 0.02; done
BOT=$(cat /tmp/cpu/m/botpid)
while ! grep -q "mistralbot running" /tmp/cpu/m/bot.log 2>/dev/null; do sleep 0.02; done
sleep 1.1
threads() { for t in /proc/$BOT/task/*; do echo "$(basename $t) $(cut -d" " -f14,15 $t/stat)"; done; }
switches() { for t in /proc/$BOT/task/*; do echo "$(cat $t/comm) $(grep ctxt $t/status | tr '\n' ' ')"; done; }
cat /proc/$BOT/stat > $OUT.stat0; threads > $OUT.tstat0; switches > $OUT.ctx0
PERF=
case $MODE in
prof) perf record -q -e cpu-clock -F 4999 -g -p $BOT -o $OUT.perf 2>/dev/null & PERF=$! ;;
trace) perf record -q -e raw_syscalls:sys_enter -e sched:sched_switch -p $BOT -o $OUT.perf 2>/dev/null & PERF=$! ;;
esac
# watch until the bot exits, keep the last reading
while kill -0 $BOT 2>/dev/null; do
  cat /proc/$BOT/stat > $OUT.stat1.tmp 2>/dev/null && mv $OUT.stat1.tmp $OUT.stat1
  threads > $OUT.tstat1.tmp 2>/dev/null && mv $OUT.tstat1.tmp $OUT.tstat1
  cat /proc/$BOT/io > $OUT.io1.tmp 2>/dev/null && mv $OUT.io1.tmp $OUT.io1
  switches > $OUT.ctx1.tmp 2>/dev/null && mv $OUT.ctx1.tmp $OUT.ctx1
  sleep 0.2
done
wait $LT; [ -n "$PERF" ] && wait $PERF
