#!/usr/bin/env bash
# bench/run.sh [-quick] [flags of bench/cmd/run ...]
#
# Builds the load generator, the Go peers and the sockbus server, then runs
# every scenario against every server (sockbus, Node socket.io, zishang520
# socket.io, naive gws), interleaved, server pinned to CPU 0 and load
# generator to CPU 1. Prints the table and writes bench/results/latest.md,
# bench/results/usop.svg, bench/results/rss-slow.svg and
# bench/results/latest.jsonl.
# Exit status is non-zero if any scenario failed or a server could not run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="$(mktemp -d "${TMPDIR:-/tmp}/sockbus-bench-bin.XXXXXX")"
trap 'rm -rf "$bin"' EXIT

echo "bench: building into $bin" >&2
go build -o "$bin/load" ./bench/load
go build -o "$bin/run" ./bench/cmd/run
go build -o "$bin/naive" ./bench/peers/naive
(cd bench/peers/zishang && go build -o "$bin/zishang" .) ||
	echo "bench: WARNING: zishang peer did not build; it will be reported as missing" >&2
go build -o "$bin/sockbus-server" ./bench/sockbus-server ||
	echo "bench: WARNING: sockbus-server did not build; it will be reported as missing" >&2

# The run binary kills every server and load generator it started, on
# success, failure, timeout and SIGINT/SIGTERM.
"$bin/run" -bin "$bin" -root "$root" -command "bench/run.sh $*" "$@"
