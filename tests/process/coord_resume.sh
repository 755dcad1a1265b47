#!/usr/bin/env bash
# A pipeline running when the server is killed (-9) is resumed by the next
# server on the same database: same id, the finished stage not redone, the
# open stage given again, and it completes. Needs the PostgreSQL server of
# scripts/test (DATABASE_URL); skipped without it.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

unset REDIS_URL MCP_API_KEY
export AUTO_MIGRATE=true
use_scratch_database "av_process_resume_$$"
api="http://127.0.0.1:$API_PORT"

# Usage: field URL EXPR; prints EXPR (Python, `x` is the JSON answer).
field() {
  curl -s -m 10 "$1" | python3 -c "import json, sys; x = json.load(sys.stdin); print($2)"
}

post() {
  curl -s -m 10 -X POST "$api$1" -H 'Content-Type: application/json' -d "$2"
}

# Usage: poll COMMAND...; runs COMMAND every 0.1 s until it succeeds, at
# most 10 s.
poll() {
  local tries=100
  until "$@"; do
    ((tries-- > 0)) || return 1
    sleep 0.1
  done
}

has_task() { [[ $(field "$api/api/agents/$1" "x['currentTask'] or ''") ]]; }

# Completes agent $1's running task with output $2, once it has one.
complete_task() {
  poll has_task "$1" || return 1
  local task
  task=$(field "$api/api/agents/$1" "x['currentTask']")
  post "/api/agents/$1/tasks/$task/complete" \
    "{\"success\":true,\"output\":\"$2\"}" | grep -q '"success":true'
}

stored_step_is() {
  [[ $(psql -tAq "$DATABASE_URL" -c "SELECT checkpoint->>'stepsDone' FROM \
    coordinations WHERE id = '$id'") == "$1" ]]
}

outcome_is() {
  [[ $(field "$api/api/coordinations/$id" "x['status'], x['result']") == "$1" ]]
}

start_ready first --prometheus-enabled=false
for name in s1 s2 s3; do
  post /api/agents "{\"type\":\"coder\",\"name\":\"$name\"}" >/dev/null
done
id=$(post /api/coordinations \
  '{"pattern":"pipeline","participants":[1,2,3],"task":"raw","timeoutMs":120000}' \
  | python3 -c "import json, sys; print(json.load(sys.stdin)['id'])")
check "stage 1 completes" complete_task s1 cleaned
# Progress is written behind, not awaited: kill once it is committed.
check "its step is committed" poll stored_step_is 1
kill -KILL "$server_pid"
wait "$server_pid" 2>/dev/null || true

start_server second --prometheus-enabled=false
check "the server starts again after the kill" wait_for_log "node ready" 20
check "the coordination is back, ACTIVE at step 1 of 3" test \
  "$(field "$api/api/coordinations/$id" "x['status'], x['stepsDone'], x['stepsTotal']")" \
  = "ACTIVE 1 3"
check "stage 1 is not given again" test \
  "$(field "$api/api/agents/s1" "x['currentTask']")" = None
check "stage 2 is given again and completes" complete_task s2 analyzed
check "stage 3 completes" complete_task s3 report
check "the pipeline completes with the last stage's output" \
  poll outcome_is "COMPLETED report"
kill -TERM "$server_pid" 2>/dev/null || true
check "and stops on SIGTERM" wait_exit 20
((failed == 0)) || show_log

finish
