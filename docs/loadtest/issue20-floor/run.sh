#!/bin/sh
# The floor of CPU per streamed reply on this machine: what a process
# spends only receiving the model's stream, doing nothing with it
# (BENCHMARKS.md, issue 20 session 9). Each program starts its server in
# the parent and the client as a child process, and prints the child's
# CPU (getrusage) per stream and per token.
#   floor: net/http over HTTPS + HTTP/2 (or -h1: plain HTTP/1.1), each
#          stream read line by line and discarded, as the bot's SSE reader
#          would take it.
#   raw:   plain TCP, one goroutine per connection, Read into a buffer:
#          no TLS, no HTTP. -tick D: one goroutine reads every
#          connection, non-blocking, every D instead (batched reads).
# Server side as the load tool's fake LLM: 500 ms to the first token, 50
# tokens/s, 300 tokens, the streams starting over 2 s.
set -e
cd "$(dirname "$0")"
go build -o /tmp/floor-fl ./floor
go build -o /tmp/floor-raw ./raw
for i in 1 2 3; do
  echo "== round $i: $(uptime)"
  /tmp/floor-fl -streams 10
  GOMAXPROCS=1 /tmp/floor-fl -streams 10
  /tmp/floor-fl -streams 10 -h1
  /tmp/floor-raw -streams 10
  GOMAXPROCS=1 /tmp/floor-raw -streams 10
  /tmp/floor-raw -streams 10 -tick 5ms
  /tmp/floor-fl -streams 200
  GOMAXPROCS=1 /tmp/floor-fl -streams 200
  /tmp/floor-raw -streams 200
done
