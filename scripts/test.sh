#!/usr/bin/env bash
# The test command: every package, with the race detector. Needs a Redis
# server on 127.0.0.1:6379 (scripts/ensure-redis.sh starts one) or
# MISTRALBOT_TEST_REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -race -count=1 -timeout 20m ./...
