#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 10s each; new inputs
# are minimized for at most 1s so the time goes to fuzzing). Crashers
# found are written to the package's testdata/fuzz and become regression
# seeds that plain `go test` replays.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-10s}"
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "-- $pkg $target ($fuzztime)"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 1s
  done
done
