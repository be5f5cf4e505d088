#!/usr/bin/env bash
# The queue benchmark of BENCHMARKS.md: RevOS on SQLite and on PostgreSQL, and BullMQ on
# Redis, measured in one session on the same machine, interleaved so that drift in the
# machine's load affects all three alike. Prints one JSON object per run on stdout.
#
# Needs: PostgreSQL on 127.0.0.1:5432 (trust auth), Redis on 127.0.0.1:6379, Node.js and npm.
# BullMQ is installed into a temporary folder, never into the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-20000}
DELAYED=${DELAYED:-2000}
RUNS=${RUNS:-3}

cargo build --release --locked >&2
peer=$(mktemp -d)
cp bench/bullmq/package.json bench/bullmq/bench.mjs "$peer"
(cd "$peer" && npm install --silent --no-audit --no-fund >&2)

for c in 50 10; do
    for _ in $(seq 1 "$RUNS"); do
        node "$peer/bench.mjs" --jobs "$JOBS" --concurrency "$c" --delayed "$DELAYED"
        ./target/release/revos bench queue --backend sqlite --jobs "$JOBS" --concurrency "$c" --delayed "$DELAYED" --json 2>/dev/null
        ./target/release/revos bench queue --backend postgres --jobs "$JOBS" --concurrency "$c" --delayed "$DELAYED" --json 2>/dev/null
    done
done
rm -rf "$peer"
