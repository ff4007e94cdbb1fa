#!/bin/bash
# Session 8, quiet machine: old (08e2137, when issue 20 was filed) against new,
# alternated, 3 pairs: the default 1,000-conversation scenario on bolt and on
# memory, then 10/10 and 200/40 on Discord (memory store).
cd /tmp/q8
out=/tmp/q8/runs
for i in 1 2 3; do
  for v in old new; do
    for sc in "1000 x bolt" "1000 x memory" "10 10 bolt" "200 40 bolt"; do
      set -- $sc; conv=$1; ch=$2; st=$3
      tag=$v-$conv-$st-$i
      echo "$tag $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load average/')" >> $out/uptime.txt
      if [ $conv = 1000 ]; then
        ./lt -bot /tmp/q8/mb-$v -store $st -progress=false -json $out/$tag.json > $out/$tag.txt 2>&1
      else
        ./lt -bot /tmp/q8/mb-$v -platforms discord -conversations $conv -channels $ch -store $st -progress=false -json $out/$tag.json > $out/$tag.txt 2>&1
      fi
    done
  done
done
echo "done $(date -u +%H:%M:%S)" >> $out/uptime.txt
