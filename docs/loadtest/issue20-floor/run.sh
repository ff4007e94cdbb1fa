#!/bin/sh
# The floor of CPU per streamed reply on this machine: what a process
# spends only receiving the model's stream (README.md here; BENCHMARKS.md,
# issue 20 session 9). Each line printed is the client process's CPU.
set -e
cd "$(dirname "$0")"
go build -o /tmp/floor ./floor
for i in 1 2 3; do
  echo "== round $i: $(uptime)"
  /tmp/floor -streams 10
  GOMAXPROCS=1 /tmp/floor -streams 10
  /tmp/floor -streams 10 -h1
  /tmp/floor -streams 10 -raw
  GOMAXPROCS=1 /tmp/floor -streams 10 -raw
  /tmp/floor -streams 10 -raw -tick 5ms
  /tmp/floor -streams 200
  GOMAXPROCS=1 /tmp/floor -streams 200
  /tmp/floor -streams 200 -raw
done
