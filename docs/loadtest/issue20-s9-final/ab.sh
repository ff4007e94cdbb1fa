#!/bin/sh
# Session 9's result: main at the session's start (OLD) against main after
# the merges (NEW), every scenario of issue 20, 3 alternated runs each.
#   git -C /work/main worktree add /tmp/s9/old 47a6ec9 && (cd /tmp/s9/old && go build -o /tmp/s9/mb ./cmd/mistralbot)
#   go build -o /tmp/s9/mb-new ./cmd/mistralbot && go build -o /tmp/s9/lt ./cmd/loadtest
# Usage: ab.sh OLD NEW LT OUTDIR
set -e
OLD=$1; NEW=$2; LT=$3; OUT=$4
mkdir -p "$OUT"
run() { name=$1; shift; "$LT" -bot "$NEW" -ab "$OLD" -runs 3 "$@" -progress=false -json "$OUT/$name.json" > "$OUT/$name.txt" 2>&1; }
run 10-h2 -platforms discord -conversations 10 -channels 10
run 10-h1 -platforms discord -conversations 10 -channels 10 -llm-tls=false
run 200 -platforms discord -conversations 200 -channels 40
run 1000-bolt
run 1000-memory -store memory
