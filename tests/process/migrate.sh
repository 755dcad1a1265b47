#!/usr/bin/env bash
# `agent-server migrate [--status]` on a fresh database, and `serve`
# refusing a database that is not migrated unless AUTO_MIGRATE=true. Needs
# the PostgreSQL server of scripts/test (DATABASE_URL); skipped without it.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

unset REDIS_URL AUTO_MIGRATE
use_scratch_database "av_process_migrate_$$"

status=0
"$AV_BIN" migrate --status >"$work/status1" 2>&1 || status=$?
check "migrate --status on an empty database exits 0 (got $status)" \
  test "$status" -eq 0
check "it lists 001_schema.sql as pending" \
  grep -q '^pending  001_schema.sql' "$work/status1"

status=0
timeout -k 2 20 "$AV_BIN" --prometheus-enabled=false \
  >"$work/refused" 2>&1 || status=$?
check "serve on an unmigrated database exits 1 (got $status)" \
  test "$status" -eq 1
# shellcheck disable=SC2016 # the backticks are part of the message
check "and says to run agent-server migrate" \
  grep -qF 'run `agent-server migrate`' "$work/refused"

status=0
"$AV_BIN" migrate >"$work/migrate1" 2>&1 || status=$?
check "migrate exits 0 (got $status)" test "$status" -eq 0
check "migrate applies 001_schema.sql" \
  grep -q '^applied  001_schema.sql' "$work/migrate1"
"$AV_BIN" migrate >"$work/migrate2" 2>&1 || status=$?
check "a second migrate finds the database up to date" \
  grep -q 'up to date' "$work/migrate2"
"$AV_BIN" migrate --status >"$work/status2" 2>&1 || status=$?
check "migrate --status lists it as applied" \
  grep -q '^applied  001_schema.sql' "$work/status2"

psql -q "$DATABASE_URL" -c \
  "UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1"
status=0
"$AV_BIN" migrate >"$work/tampered" 2>&1 || status=$?
check "a tampered checksum makes migrate exit 1 (got $status)" \
  test "$status" -eq 1
check "and the message names the changed migration" \
  grep -q '001_schema.sql was changed' "$work/tampered"
if ((failed > 0)); then
  for f in "$work"/status1 "$work"/refused "$work"/migrate1 "$work"/tampered; do
    echo "--- $f"
    cat "$f"
  done
fi

finish
