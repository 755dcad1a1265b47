#!/usr/bin/env bash
# Write-through: agents spawned through the API are answered only after they
# are committed, so a `kill -9` of the server while spawns are streaming in
# loses none that were answered. Needs the PostgreSQL server of scripts/test
# (DATABASE_URL); skipped without it.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

unset REDIS_URL MCP_API_KEY
export RATE_LIMIT_MAX_REQUESTS=1000000 AUTO_MIGRATE=true
use_scratch_database "av_process_kill9_$$"
api="http://127.0.0.1:$API_PORT"

start_ready first --prometheus-enabled=false

# Spawns agents one after another and records the id of each answered 201.
spawner() {
  local i=0 out
  while :; do
    i=$((i + 1))
    out=$(curl -s -m 10 -w '\n%{http_code}' -X POST "$api/api/agents" \
      -H 'Content-Type: application/json' \
      -d "{\"type\":\"coder\",\"name\":\"k9-$i\"}") || continue
    if [[ ${out##*$'\n'} == 201 ]]; then
      sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' <<<"${out%$'\n'*}" \
        >>"$work/acked"
    fi
  done
}
: >"$work/acked"
spawner &
spawner_pid=$!
# Let a good number of spawns through, then kill the server mid-stream.
tries=200
while (($(wc -l <"$work/acked") < 50 && tries-- > 0)); do sleep 0.05; done
kill -KILL "$server_pid"
wait "$server_pid" 2>/dev/null || true
kill "$spawner_pid" 2>/dev/null || true
wait "$spawner_pid" 2>/dev/null || true

acked=$(sort -u "$work/acked" | grep -c . || true)
check "spawns were answered before the kill (got $acked)" test "$acked" -ge 50
psql -tAq "$DATABASE_URL" -c "SELECT id FROM agents" | sort -u >"$work/stored"
missing=$(comm -23 <(sort -u "$work/acked") "$work/stored" | grep -c . || true)
check "every answered spawn is in PostgreSQL ($acked answered, $missing missing)" \
  test "$missing" -eq 0

# The server starts again on the same database.
start_server second --prometheus-enabled=false
check "the server starts again after the kill" wait_for_log "node ready" 20
# The agents come back with their UUIDs and numbers.
first=$(head -n 1 "$work/acked")
stored_num=$(psql -tAq "$DATABASE_URL" -c \
  "SELECT num_id FROM agents WHERE id = '$first'")
served=$(curl -s -m 10 "$api/api/agents/$first")
check "a spawned agent is served again after the restart" \
  grep -q "\"id\":\"$first\"" <<<"$served"
check "with its number ($stored_num)" \
  grep -q "\"numId\":${stored_num}[,}]" <<<"$served"
total=$(curl -s -m 10 "$api/api/agents?limit=1" \
  | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
check "every stored agent is back ($total served, $acked answered)" \
  test "${total:-0}" -ge "$acked"
kill -TERM "$server_pid" 2>/dev/null || true
check "and stops on SIGTERM" wait_exit 20
((failed == 0)) || show_log

finish
