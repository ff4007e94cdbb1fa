#!/bin/bash
# Issue 20, the added latency's tail: old (main) against new, alternated,
# 3 pairs, the default 1,000-conversation scenario on bolt and on memory.
# Both binaries are driven by the same (new) load tool, so that only the
# bot differs; -timeline keeps each arrival's added latency, the bot's and
# the tool's CPU and the fake LLM's connections; gctrace the bot's GCs.
#   go build -o /tmp/tail/mb-old ./cmd/mistralbot     # at main
#   go build -o /tmp/tail/mb-new ./cmd/mistralbot     # on s8-tail
#   go build -o /tmp/tail/lt-new ./cmd/loadtest       # on s8-tail
set -u
out=${OUT:-/tmp/tail/ab}
mkdir -p $out
for i in 1 2 3; do
  for v in old new; do
    for st in bolt memory; do
      tag=$v-$st-$i
      echo "$tag $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load average/')" >> $out/uptime.txt
      /tmp/tail/lt-new -bot /tmp/tail/mb-$v -store $st -progress=false \
        -bot-env GODEBUG=gctrace=1 -bot-log $out/$tag.log \
        -json $out/$tag.json -timeline $out/$tag.csv > $out/$tag.txt 2>&1
    done
  done
done
echo "done $(date -u +%H:%M:%S) $(uptime | sed 's/.*load average/load average/')" >> $out/uptime.txt
