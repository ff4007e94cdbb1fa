#!/usr/bin/env bash
# One-time setup: Go modules, the staticcheck linter, and a local Redis for
# the store tests (installed with apt-get when absent). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || { echo "Go 1.26+ is required: https://go.dev/dl/" >&2; exit 1; }
echo "setup: downloading Go modules (a few minutes on a cold machine)..."
go mod download
echo "setup: building bin/mistralbot and bin/llmtest..."
go build -o bin/mistralbot ./cmd/mistralbot
go build -o bin/llmtest ./llm/llmtest/cmd/llmtest
echo "setup: staticcheck and Redis..."
command -v staticcheck >/dev/null || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
scripts/ensure-redis.sh || echo "warning: no Redis; the store tests need one on 127.0.0.1:6379" >&2
echo "ready: bin/mistralbot and bin/llmtest built"
