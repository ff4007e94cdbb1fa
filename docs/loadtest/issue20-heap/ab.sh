#!/bin/bash
# Alternated old/new runs (session 7, heap per request): per pair, the
# default 1,000-conversation scenario.
cd /tmp/s7h
out=/tmp/s7h/runs
for i in 1 2 3; do
  for v in old new; do
    tag=$v-1000-$i
    echo "$tag $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load average/')" >> $out/uptime.txt
    ./lt -bot /tmp/s7h/mb-$v -progress=false -json $out/$tag.json -heapprofile $out/$tag.heap > $out/$tag.txt 2>&1
  done
done
echo "done $(date -u +%H:%M:%S)" >> $out/uptime.txt
