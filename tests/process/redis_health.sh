#!/usr/bin/env bash
# /health of an idle node tells the truth about Redis: up from the start
# with nothing written, down when Redis goes away while nothing is written,
# up again when it is back. Orchestrator healthchecks (compose, Kubernetes)
# rely on it. Needs the Redis server of scripts/test (REDIS_URL,
# AV_TEST_REDIS_CTL); skipped without it.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

if [[ -z ${REDIS_URL:-} || -z ${AV_TEST_REDIS_CTL:-} ]]; then
  echo "skipped: REDIS_URL or AV_TEST_REDIS_CTL is not set (scripts/test sets it)"
  exit 77
fi
unset DATABASE_URL MCP_API_KEY
# Redis must come back even when a check fails half-way.
trap '"$AV_TEST_REDIS_CTL" start >/dev/null 2>&1 || true; cleanup' EXIT
api="http://127.0.0.1:$API_PORT"

# Polls /health until it answers $1 with Redis's status $2, at most $3
# seconds.
wait_health() {
  local want=$1 status=$2 tries=$(($3 * 10))
  until [[ $(curl -s -o "$work/body" -w '%{http_code}' -m 5 "$api/health") == "$want" ]] \
    && grep -q "\"redis\":{[^}]*\"status\":\"$status\"" "$work/body"; do
    ((tries-- > 0)) || return 1
    sleep 0.1
  done
}

# No demo swarm: nothing is ever written to Redis.
start_ready idle --prometheus-enabled=false
check "/health is 200 with Redis up before anything is written" \
  wait_health 200 up 10

"$AV_TEST_REDIS_CTL" stop >/dev/null
check "/health turns 503 with Redis down while the node is idle" \
  wait_health 503 down 10

"$AV_TEST_REDIS_CTL" start >/dev/null
check "/health is 200 again when Redis is back" wait_health 200 up 20

kill -TERM "$server_pid" 2>/dev/null || true
check "the server stops on SIGTERM" wait_exit 20
((failed == 0)) || show_log
finish
