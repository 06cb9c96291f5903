#!/usr/bin/env bash
# test.sh: the project's test command (README "Run the tests").
# Installs/starts what the tests need (scripts/setup.sh), then runs every suite:
# Go tests with the race detector (unit, real Node peers, Redis, NATS) and the
# Node suites that drive sockbus with the official socket.io-client and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

export REDIS_ADDR="${REDIS_ADDR:-127.0.0.1:6379}"
export NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
export SOCKBUS_REQUIRE_PEERS=1 # tests that need Node/Redis/NATS fail instead of skipping

echo "== go test -race -tags \"interop integration\" ./..."
go test -race -count=1 -timeout 15m -tags "interop integration" ./...

if [ -d interop ] && ls interop/*.test.mjs >/dev/null 2>&1; then
  echo "== node --test interop/ (official socket.io-client against sockbus)"
  node --test --test-concurrency=1 interop/
fi
if [ -d test/e2e ] && ls test/e2e/*.test.mjs >/dev/null 2>&1; then
  echo "== node --test test/e2e/ (chat demo in headless Chromium)"
  node --test --test-concurrency=1 test/e2e/
fi
