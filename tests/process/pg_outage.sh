#!/usr/bin/env bash
# PostgreSQL stops under a running server: /health turns degraded, changes
# through the API get 503 with Retry-After once the outage buffer is full,
# and both recover when PostgreSQL is back. Needs the servers of scripts/test
# (DATABASE_URL, AV_TEST_PG_CTL); skipped without them.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

if [[ -z ${AV_TEST_PG_CTL:-} ]]; then
  echo "skipped: AV_TEST_PG_CTL is not set (scripts/test sets it)"
  exit 77
fi
unset REDIS_URL MCP_API_KEY
export RATE_LIMIT_MAX_REQUESTS=1000000 AUTO_MIGRATE=true WRITE_BUFFER_SIZE=100 \
  MCP_TIMEOUT=1000
use_scratch_database "av_process_outage_$$"
# The server must come back even when a check fails half-way.
trap '"$AV_TEST_PG_CTL" start >/dev/null 2>&1 || true; drop_scratch_database; cleanup' EXIT
api="http://127.0.0.1:$API_PORT"

code() {
  curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' -m 10 "$@"
}

# Polls until `code ARGS` answers $1, at most $2 seconds.
wait_code() {
  local want=$1 tries=$(($2 * 10))
  shift 2
  until [[ $(code "$@") == "$want" ]]; do
    ((tries-- > 0)) || return 1
    sleep 0.1
  done
}

start_ready outage --demo 30 --prometheus-enabled=false
check "/health is ok while PostgreSQL runs" wait_code 200 10 "$api/health"

"$AV_TEST_PG_CTL" stop >/dev/null
# The demo swarm keeps writing; its writes fill the buffer of 100.
check "/health turns degraded" wait_code 503 20 "$api/health"
check "and names postgres down" grep -q '"postgres":{[^}]*"status":"down"' \
  "$work/body"
spawn=(-X POST "$api/api/agents" -H 'Content-Type: application/json'
  -d '{"type":"coder"}')
check "a spawn is refused with 503 once the buffer is full" \
  wait_code 503 20 "${spawn[@]}"
check "with Retry-After" grep -qi '^retry-after: 1' "$work/headers"
check "and the error store_busy" grep -q 'store_busy' "$work/body"

"$AV_TEST_PG_CTL" start >/dev/null
check "/health is ok again after PostgreSQL is back" \
  wait_code 200 30 "$api/health"
check "a spawn is answered 201 again" wait_code 201 20 "${spawn[@]}"
id=$(sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' "$work/body")
check "and it is stored" test "$(psql -tAq "$DATABASE_URL" -c \
  "SELECT count(*) FROM agents WHERE id = '$id'")" = 1

kill -TERM "$server_pid" 2>/dev/null || true
check "the server stops on SIGTERM" wait_exit 20
((failed == 0)) || show_log

finish
