# Shared functions for the process tests; source it with the agent-server
# path as the first argument. Each test counts checks and ends with `finish`.
# shellcheck shell=bash
# shellcheck disable=SC2034 # `here` and `exit_status` are for the tests
set -euo pipefail

AV_BIN=${1:?usage: $0 path/to/agent-server}
[[ -x $AV_BIN ]] || {
  echo "not an executable: $AV_BIN" >&2
  exit 2
}
# The caller's settings would change what the server prints.
unset LOG_FORMAT LOG_LEVEL
# Another build's tests may run a server at the same time: take a free port
# for every listener instead of the defaults (3000, 9091, 8080, 3001, 4242).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
API_PORT=$(free_port)
METRICS_PORT=$(free_port)
while [[ $METRICS_PORT == "$API_PORT" ]]; do METRICS_PORT=$(free_port); done
WS_PORT=$(free_port)
while [[ $WS_PORT == "$API_PORT" || $WS_PORT == "$METRICS_PORT" ]]; do WS_PORT=$(free_port); done
MCP_PORT=$(free_port)
while [[ $MCP_PORT == "$API_PORT" || $MCP_PORT == "$METRICS_PORT" || $MCP_PORT == "$WS_PORT" ]]; do MCP_PORT=$(free_port); done
CLUSTER_PORT=$(free_port)
while [[ $CLUSTER_PORT == "$API_PORT" || $CLUSTER_PORT == "$METRICS_PORT" || $CLUSTER_PORT == "$WS_PORT" || $CLUSTER_PORT == "$MCP_PORT" ]]; do CLUSTER_PORT=$(free_port); done
export API_PORT METRICS_PORT WS_PORT MCP_PORT CLUSTER_PORT

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/av-process.XXXXXX")
passed=0
failed=0
server_pid=""
server_log=""
exit_status=""

# Kills whatever server is still running and removes the scratch folder.
cleanup() {
  local pid
  for pid in $(jobs -p); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() {
  passed=$((passed + 1))
  echo "ok    $*"
}

fail() {
  failed=$((failed + 1))
  echo "FAIL  $*"
}

# Usage: check DESCRIPTION COMMAND...; passes when COMMAND succeeds. Returns
# 0 either way, so that `set -e` lets the remaining checks run.
check() {
  local what=$1
  shift
  if "$@"; then
    pass "$what"
  else
    fail "$what"
  fi
}

# Prints the counts; the exit status says whether everything passed.
finish() {
  echo "$passed passed, $failed failed"
  ((failed == 0))
}

# Usage: start_server NAME ARGS...; runs agent-server in the background with
# stdout and stderr in $work/NAME.log. Sets server_pid and server_log.
start_server() {
  local name=$1
  shift
  server_log="$work/$name.log"
  # Exists before the server starts, so polling it never races the shell.
  : >"$server_log"
  # Background jobs of a script ignore SIGINT; give the server the default
  # signal handling it gets when started from a terminal.
  env --default-signal "$AV_BIN" "$@" >"$server_log" 2>&1 &
  server_pid=$!
}

# Usage: wait_for_log TEXT SECONDS; polls the log for TEXT. Fails when the
# time is up or the server exits first.
wait_for_log() {
  local text=$1 tries=$(($2 * 10))
  until grep -qF -- "$text" "$server_log"; do
    if ! kill -0 "$server_pid" 2>/dev/null || ((tries-- <= 0)); then
      return 1
    fi
    sleep 0.1
  done
}

# Usage: wait_exit SECONDS; waits for the server to exit and sets
# exit_status. Fails when it still runs after SECONDS.
wait_exit() {
  local tries=$(($1 * 10))
  while kill -0 "$server_pid" 2>/dev/null; do
    ((tries-- > 0)) || return 1
    sleep 0.1
  done
  exit_status=0
  wait "$server_pid" || exit_status=$?
}

# Kills the server for good, after a failed check.
kill_server() {
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}

# Shows the end of the server log, to explain a failure.
show_log() {
  echo "--- last lines of $(basename "$server_log"):"
  tail -n 20 "$server_log" || true
  echo "---"
}

# Usage: use_scratch_database NAME; creates the database NAME on the server
# of DATABASE_URL (scripts/test starts one), points DATABASE_URL at it and
# drops it at exit. Without DATABASE_URL the test is skipped (exit 77).
use_scratch_database() {
  if [[ -z ${DATABASE_URL:-} ]]; then
    echo "skipped: DATABASE_URL is not set (scripts/test sets it)"
    exit 77
  fi
  scratch_db=$1
  scratch_admin=${DATABASE_URL%/*}/postgres
  psql -q "$scratch_admin" -c "CREATE DATABASE $scratch_db"
  trap 'drop_scratch_database; cleanup' EXIT
  export DATABASE_URL=${DATABASE_URL%/*}/$scratch_db
}

drop_scratch_database() {
  psql -q "$scratch_admin" -c "DROP DATABASE IF EXISTS $scratch_db WITH (FORCE)" \
    || true
}

# Usage: start_ready NAME ARGS...; start_server, then ends the test (exit 1,
# with the log) unless the node is ready within 20 s.
start_ready() {
  start_server "$@"
  if ! wait_for_log "node ready" 20; then
    fail "the server started"
    show_log
    finish
    exit 1
  fi
}
