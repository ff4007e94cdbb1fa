#!/bin/bash
# Alternated old/new runs (session 7, goroutines per reply): per pair, the
# default 1,000-conversation scenario, then 10/10 and 200/40 on Discord.
cd /tmp/s7g
out=/tmp/s7g/runs
for i in 1 2 3; do
  for v in old new2; do
    for sc in "1000 x" "10 10" "200 40"; do
      set -- $sc; conv=$1; ch=$2
      tag=$v-$conv-$i
      echo "$tag $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load average/')" >> $out/uptime.txt
      if [ $conv = 1000 ]; then
        ./lt -bot /tmp/s7g/mb-$v -progress=false -json $out/$tag.json -heapprofile $out/$tag.heap > $out/$tag.txt 2>&1
      else
        ./lt -bot /tmp/s7g/mb-$v -platforms discord -conversations $conv -channels $ch -store memory -progress=false -json $out/$tag.json -heapprofile $out/$tag.heap > $out/$tag.txt 2>&1
      fi
    done
  done
done
echo "done $(date -u +%H:%M:%S)" >> $out/uptime.txt
