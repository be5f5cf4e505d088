#!/usr/bin/env bash
# What the analytics outbox and the outgoing-webhook lookup cost each event append (BENCHMARKS.md,
# "Event append"): pgbench runs the append as it was before them (event_append/base.sql) and as
# it is (event_append/with_outboxes.sql), one client, prepared statements, in alternating rounds
# so that a busy machine slows both alike, against a migrated database whose events table
# already holds PREFILL events. Twice: with synchronous_commit on (as production commits) and
# off (the statements' own cost, without the commit's flush). Prints one JSON object per
# variant and setting with each round's mean latency in ms and their median.
#   ROUNDS=5 SECONDS_PER_ROUND=20 PREFILL=1000000 bash bench/event_append.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-20}
PREFILL=${PREFILL:-1000000}
DB=revos_bench_event_append
ADMIN=${ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
URL=${ADMIN%/*}/$DB
TENANT=0190a000-0000-7000-8000-000000000001

psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >&2
trap 'psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB" >&2' EXIT
cargo run -q --locked -p revos -- migrate --database-url "$URL" >&2
psql -q "$URL" >&2 <<SQL
INSERT INTO tenants VALUES ('$TENANT', 'bench', now());
INSERT INTO events (id, tenant_id, kind, subject_id, data, occurred_at)
SELECT gen_random_uuid(), '$TENANT', (ARRAY['lead_scraped','lead_enriched','dm_sent'])[1 + i % 3],
       gen_random_uuid(), '{"text":"hello"}', now() - (i || ' seconds')::interval
FROM generate_series(1, $PREFILL) AS i;
VACUUM ANALYZE events;
SQL

for commit in on off; do
    declare -A runs=([base]="" [with_outboxes]="")
    for round in $(seq "$ROUNDS"); do
        for variant in base with_outboxes; do
            ms=$(PGOPTIONS="-c synchronous_commit=$commit" pgbench -n -M prepared -c 1 \
                -T "$SECONDS_PER_ROUND" -D tenant="$TENANT" -f "bench/event_append/$variant.sql" "$URL" 2>&1 |
                awk '/latency average/ { print $4 }')
            runs[$variant]="${runs[$variant]} $ms"
            echo "synchronous_commit=$commit round $round $variant: $ms ms" >&2
        done
    done
    for variant in base with_outboxes; do
        echo "${runs[$variant]}" | tr ' ' '\n' | grep . | sort -n | jq -sc \
            --arg variant "$variant" --arg commit "$commit" --argjson prefill "$PREFILL" \
            --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
            '{variant: $variant, synchronous_commit: $commit, prefill: $prefill, rounds_ms: ., median_ms: .[(length / 2 | floor)], load_average_end: $load}'
    done
done
