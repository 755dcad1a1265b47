#!/usr/bin/env bash
# HTTP API benchmark: starts an agent-server with 200 agents, then drives
# `GET /api/agents?limit=200` and `POST /api/agents/{id}/metrics` with wrk
# at concurrency 64 for AV_BENCH_SECONDS (10) each. Prints one JSON line per
# case: {"bench":"http","case":…,"rps":…,"p50_ms":…,"p99_ms":…}.
# Usage: bench/http/run.sh [path/to/agent-server]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-$here/../../build/runtime/agent-server}
seconds=${AV_BENCH_SECONDS:-10}
connections=${AV_BENCH_CONNECTIONS:-64}
threads=${AV_BENCH_THREADS:-2}
agents=200
command -v wrk >/dev/null || {
  echo "wrk not found (Debian package wrk)" >&2
  exit 2
}
[[ -x $bin ]] || {
  echo "not an executable: $bin" >&2
  exit 2
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
work=$(mktemp -d "${TMPDIR:-/tmp}/av-bench-http.XXXXXX")
server=""
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
API_PORT=$port METRICS_PORT=$(free_port) WS_PORT=$(free_port) \
  RATE_LIMIT_MAX_REQUESTS=10000000 LOG_LEVEL=warn \
  "$bin" >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do
  curl -sf "$base/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "$base/ready" >/dev/null || {
  echo "the server did not get ready:" >&2
  cat "$work/server.log" >&2
  exit 1
}

ids=()
for i in $(seq "$agents"); do
  ids+=("$(curl -sf -X POST "$base/api/agents" -H 'Content-Type: application/json' \
    --data "{\"type\":\"bench\",\"name\":\"bench-$i\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["numId"])')")
done

# Reports to every agent in turn.
joined=$(IFS=,; echo "${ids[*]}")
cat >"$work/metrics.lua" <<LUA
local ids = {$joined}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"tasksCompleted":3,"successRate":0.9,"averageResponseTime":120,"resourceUtilization":0.5}'
request = function()
  n = n % #ids + 1
  return wrk.format(nil, "/api/agents/" .. ids[n] .. "/metrics")
end
LUA

# Prints the JSON line of one wrk run from its --latency output.
report() {
  local name=$1 file=$2
  awk -v name="$name" -v c="$connections" -v s="$seconds" '
    function ms(x) {
      if (x ~ /us$/) return substr(x, 1, length(x) - 2) / 1000
      if (x ~ /ms$/) return substr(x, 1, length(x) - 2) + 0
      if (x ~ /s$/) return substr(x, 1, length(x) - 1) * 1000
      return x + 0
    }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    /Non-2xx/ { bad = $NF }
    END {
      printf "{\"bench\":\"http\",\"case\":\"%s\",\"connections\":%d,\"seconds\":%d,\"rps\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"non_2xx\":%d}\n",
        name, c, s, rps, p50, p99, bad + 0
    }' "$file"
}

wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency \
  "$base/api/agents?limit=$agents" >"$work/list.txt"
report list_agents "$work/list.txt"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency \
  -s "$work/metrics.lua" "$base" >"$work/metrics.txt"
report report_metrics "$work/metrics.txt"
