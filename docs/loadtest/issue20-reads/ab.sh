#!/bin/bash
# Alternated old / new (hold 2 ms after reads of >= 512 bytes) runs.
cd /tmp/reads
out=/tmp/reads/runs
for sc in "10 10" "200 40"; do
  set -- $sc; conv=$1; ch=$2
  for i in 1 2 3; do
    for v in old a2; do
      tag=$v-$conv-$i
      [ $v = old ] && tag=old2-$conv-$i
      echo "$tag $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load average/')" >> $out/uptime.txt
      ./watch.sh $out/$tag.txt ./lt -bot /tmp/reads/rd-$v -platforms discord -conversations $conv -channels $ch -store memory -progress=false -json $out/$tag.json
    done
  done
done
echo "done $(date -u +%H:%M:%S)" >> $out/uptime.txt
