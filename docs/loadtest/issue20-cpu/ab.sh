#!/bin/bash
# Alternated old/new runs: for each scenario and store, old new old new old new.
cd /tmp/perf20
out=/tmp/perf20/runs
for sc in "10 10" "200 40"; do
  set -- $sc; conv=$1; ch=$2
  for store in memory bolt; do
    for i in 1 2 3; do
      for v in old new; do
        tag=$v-$conv-$store-$i
        echo "$tag $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load average/')" >> $out/uptime.txt
        ./watch.sh /tmp/perf20/mb-$v ./lt-new -bot /tmp/perf20/mb-$v -platforms discord -conversations $conv -channels $ch -store $store -progress=false -json $out/$tag.json -heapprofile $out/$tag.heap > $out/$tag.sum 2>&1
        cp watch.out $out/$tag.txt
      done
    done
  done
done
echo done >> $out/uptime.txt
