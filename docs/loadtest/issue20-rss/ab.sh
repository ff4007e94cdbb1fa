#!/bin/bash
# Issue 20, session 8 (RSS per conversation): old (main at f3c9a1a) and new
# (s8-mem) alternated, 3 rounds; each round: old, new, new with GOGC=50 on
# the bolt store (the default scenario), then old and new on the memory
# store. watch.py runs the load tool and samples the bot's /proc status
# and runtime.MemStats every 0.25 s (pprof is on through -heapprofile).
#   go build -o /tmp/m8/lt ./cmd/loadtest && go build -o /tmp/m8/mb-old ./cmd/mistralbot   # at f3c9a1a
#   go build -o /tmp/m8/mb-new ./cmd/mistralbot                                            # on s8-mem
cd /tmp/m8
out=${OUT:-/tmp/m8/runs}
mkdir -p $out
for i in 1 2 3; do
  for run in "old bolt 100" "new bolt 100" "new bolt 50" "old memory 100" "new memory 100"; do
    set -- $run; v=$1; store=$2; gogc=$3
    tag=$v-$store-gogc$gogc-$i
    echo "$tag $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load average/')" >> $out/uptime.txt
    GOGC=$gogc python3 ./watch.py $out/$tag.tsv -- ./lt -bot /tmp/m8/mb-$v -store $store -progress=false -json $out/$tag.json -heapprofile $out/$tag.heap > $out/$tag.watch.txt 2>&1
  done
done
echo "done $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load average/')" >> $out/uptime.txt
