#!/bin/sh
# Session 10: mistralbot (OLD, main) against floorbot (NEW,
# ../issue20-floor/floorbot), every scenario of issue 20, 3 alternated
# runs each; new/old is then floor/bot.
#   go build -o /tmp/s10/mb-old ./cmd/mistralbot && go build -o /tmp/s10/lt ./cmd/loadtest
#   (cd docs/loadtest/issue20-floor && go build -o /tmp/s10/floorbot ./floorbot)
# Usage: ab.sh BOT FLOORBOT LT OUTDIR
set -e
OLD=$1; NEW=$2; LT=$3; OUT=$4
mkdir -p "$OUT"
run() { name=$1; shift; uptime > "$OUT/$name.load"; "$LT" -bot "$NEW" -ab "$OLD" -runs 3 "$@" -progress=false -json "$OUT/$name.json" > "$OUT/$name.txt" 2>&1; uptime >> "$OUT/$name.load"; }
run 1000-memory -store memory
run 1000-bolt
run 10-h2 -platforms discord -conversations 10 -channels 10
run 200 -platforms discord -conversations 200 -channels 40
