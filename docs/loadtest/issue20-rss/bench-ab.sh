#!/bin/bash
# Test binaries of old (main's llm/stream.go, bots/engine/answer.go) and
# new code with the new benchmarks, then 3 alternated pairs of each
# benchmark. Run from the worktree root; it restores the files it swaps.
set -e
out=${OUT:-/tmp/m8/bench}
mkdir -p $out
go test -c -o $out/llm-new.test ./llm
go test -c -o $out/engine-new.test ./bots/engine
cp llm/stream.go $out/stream.go.new; cp bots/engine/answer.go $out/answer.go.new
git show main:llm/stream.go > llm/stream.go
git show main:bots/engine/answer.go > bots/engine/answer.go
go test -c -o $out/llm-old.test ./llm || true
go test -c -o $out/engine-old.test ./bots/engine || true
cp $out/stream.go.new llm/stream.go; cp $out/answer.go.new bots/engine/answer.go
git diff --stat -- llm/stream.go bots/engine/answer.go
for i in 1 2 3; do
  for v in old new; do
    echo "$v $i $(cd llm && $out/llm-$v.test -test.run '^$' -test.bench 'BenchmarkHeldAfterEnd|BenchmarkHeldPerStream' -test.benchtime 10x | grep Benchmark | tr '\n' ' ')" >> $out/bench-llm.txt
    echo "$v $i $(cd bots/engine && $out/engine-$v.test -test.run '^$' -test.bench BenchmarkHeldPerAnswer -test.benchtime 5x | grep Benchmark)" >> $out/bench-engine.txt
  done
done
