#!/bin/bash
# trace.sh BIN OUTPREFIX [lt args...]: runs lt against BIN, perf-records the bot's syscalls from 1 s after ready until exit.
BIN=$1; OUT=$2; shift 2
rm -f /tmp/cpu/m/botpid /tmp/cpu/m/bot.log
/tmp/cpu/lt -bot /tmp/cpu/wrap-$(basename $BIN).sh -progress=false -json $OUT.json -bot-log /tmp/cpu/m/bot.log "$@" > $OUT.txt 2>&1 &
LT=$!
while [ ! -s /tmp/cpu/m/botpid ]; do sleep 0.02; done
BOT=$(cat /tmp/cpu/m/botpid)
while ! grep -q "mistralbot running" /tmp/cpu/m/bot.log 2>/dev/null; do sleep 0.02; done
sleep 1.1
cat /proc/$BOT/stat > $OUT.stat0; for t in /proc/$BOT/task/*; do echo "$(basename $t) $(cut -d" " -f14,15 $t/stat)"; done > $OUT.tstat0
for t in /proc/$BOT/task/*; do echo "$(cat $t/comm) $(grep ctxt $t/status | tr '\n' ' ')"; done > $OUT.ctx0
PERF=

# watch until the bot exits, keep last reading
while kill -0 $BOT 2>/dev/null; do
  cat /proc/$BOT/stat > $OUT.stat1.tmp 2>/dev/null && mv $OUT.stat1.tmp $OUT.stat1
  (for t in /proc/$BOT/task/*; do echo "$(basename $t) $(cut -d" " -f14,15 $t/stat)"; done) > $OUT.tstat1.tmp 2>/dev/null && mv $OUT.tstat1.tmp $OUT.tstat1
  cat /proc/$BOT/io > $OUT.io1.tmp 2>/dev/null && mv $OUT.io1.tmp $OUT.io1
  (for t in /proc/$BOT/task/*; do echo "$(cat $t/comm) $(grep ctxt $t/status | tr '\n' ' ')"; done) > $OUT.ctx1.tmp 2>/dev/null && mv $OUT.ctx1.tmp $OUT.ctx1
  sleep 0.2
done
wait $LT; 
