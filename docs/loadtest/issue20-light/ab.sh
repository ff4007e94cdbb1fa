#!/bin/bash
# Old (main at f3c9a1a) against new (s8-cpu), alternated, 3 rounds; each
# run through measure.sh watch (the bot's /proc/PID/task/*/stat at the end).
# Binaries: go build -o /tmp/cpu/mb-old ./cmd/mistralbot (main),
# go build -o /tmp/cpu/mb-new ./cmd/mistralbot (this branch),
# go build -o /tmp/cpu/lt ./cmd/loadtest.
unset GODEBUG
OUT=${OUT:-/tmp/cpu/ab}  # then copied to runs/ (uptime.txt beside)
mkdir -p $OUT
for r in 1 2 3; do
  for V in old new; do
    for S in h2-10 h1-10 h2-200; do
      case $S in
        h2-10) ARGS="-conversations 10 -channels 10" ;;
        h1-10) ARGS="-conversations 10 -channels 10 -llm-tls=false" ;;
        h2-200) ARGS="-conversations 200 -channels 40" ;;
      esac
      echo "$V-$S-$r $(date -u +%H:%M:%S) $(uptime)" >> $OUT/uptime.txt
      timeout 300 /tmp/cpu/measure.sh watch /tmp/cpu/mb-$V $OUT/$V-$S-$r -platforms discord $ARGS
    done
  done
done
