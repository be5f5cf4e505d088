#!/usr/bin/env bash
# The agency-scale pipeline benchmark of BENCHMARKS.md ("Pipeline at agency scale"): builds
# revos in release mode, then runs the standard set and prints one JSON object per run on
# stdout (progress on stderr):
#   1. PostgreSQL, 1M leads, 200 campaigns, 20,000 posts, 2,000 accounts, workers in process,
#      pages at 1 and 8 clients (the seed is kept for the runs below);
#   2. the same database with 1, 2 and 4 `revos worker` processes (scale-out);
#   3. SQLite, 200k leads (same campaigns, posts and accounts), at 1 and 8 clients.
# The kept PostgreSQL database (revos_bench_1000000_200_20000_2000) is dropped at the end.
#
# Each JSON object gets `load_average` (the machine's 1, 5 and 15 minute load averages at the
# start and at the end of the run, from /proc/loadavg; needs jq), so a run on a shared
# machine says so.
#
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth) or REVOS_DATABASE_URL naming a server
# where the user may create databases. Sizes and the window can be changed:
#   LEADS=100000 SQLITE_LEADS=20000 DURATION=60 bash bench/pipeline.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LEADS=${LEADS:-1000000}
SQLITE_LEADS=${SQLITE_LEADS:-200000}
CAMPAIGNS=${CAMPAIGNS:-200}
POSTS=${POSTS:-20000}
ACCOUNTS=${ACCOUNTS:-2000}
DURATION=${DURATION:-120}
WORKERS=${WORKERS:-"1 2 4"}

cargo build --release --locked -p revos >&2
revos=./target/release/revos
sizes=(--campaigns "$CAMPAIGNS" --posts "$POSTS" --accounts "$ACCOUNTS" --duration "$DURATION")

# Runs the bench with the given arguments, adding the load averages around the run.
bench() {
    local start finish
    start=$(cut -d' ' -f1-3 /proc/loadavg)
    "$revos" bench pipeline "$@" --json >"${TMPDIR:-/tmp}/revos-bench-$$.json"
    finish=$(cut -d' ' -f1-3 /proc/loadavg)
    jq -c --arg start "$start" --arg finish "$finish" '. + {load_average: {start: $start, end: $finish}}' \
        "${TMPDIR:-/tmp}/revos-bench-$$.json"
    rm -f "${TMPDIR:-/tmp}/revos-bench-$$.json"
}

bench --backend postgres --leads "$LEADS" "${sizes[@]}" --clients 1,8 --keep
for w in $WORKERS; do
    bench --backend postgres --leads "$LEADS" "${sizes[@]}" --workers "$w" \
        --clients 1 --requests 10 --keep
done
psql -q "${REVOS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
    -c "DROP DATABASE IF EXISTS revos_bench_${LEADS}_${CAMPAIGNS}_${POSTS}_${ACCOUNTS} WITH (FORCE)" >&2
bench --backend sqlite --leads "$SQLITE_LEADS" "${sizes[@]}" --clients 1,8
