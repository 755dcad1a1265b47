#!/usr/bin/env bash
# HTTP API benchmark: starts an agent-server, spawns --agents agents, then
# drives `GET /api/agents?limit=<agents>` and `POST /api/agents/{id}/metrics`
# with wrk for --seconds each; then lists a live demo swarm of as many
# agents, whose states change all the time (the listing is rendered anew
# after every change instead of being reused). wrk shares the machine with the server, so
# the CPU both used is reported next to the rates. Prints a summary per case,
# then one JSON line per figure:
# {"bench":"http.<case>.<rps|p50|p99|server_cpu|wrk_cpu>","params",…,"value","unit"}.
set -euo pipefail
usage() {
  cat <<USAGE
Usage: bench/http/run.sh [options] [path/to/agent-server]
  --seconds N      length of each wrk run (default 10, or AV_BENCH_SECONDS)
  --connections N  open connections (default 64, or AV_BENCH_CONNECTIONS)
  --threads N      wrk threads (default 2, or AV_BENCH_THREADS)
  --agents N       agents spawned and listed (default 200)
  --help           this text
Needs wrk (Debian package wrk), curl and python3.
USAGE
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$here/../../build/runtime/agent-server
seconds=${AV_BENCH_SECONDS:-10}
connections=${AV_BENCH_CONNECTIONS:-64}
threads=${AV_BENCH_THREADS:-2}
agents=200
number() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || {
    echo "$1: expected a positive integer, got '$2'" >&2
    exit 2
  }
}
while (($#)); do
  case $1 in
    --help) usage; exit 0 ;;
    --seconds | --connections | --threads | --agents)
      [[ $# -ge 2 ]] || { echo "$1: missing value" >&2; exit 2; }
      number "$1" "$2"
      case $1 in
        --seconds) seconds=$2 ;;
        --connections) connections=$2 ;;
        --threads) threads=$2 ;;
        --agents) agents=$2 ;;
      esac
      shift 2 ;;
    -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    *) bin=$1; shift ;;
  esac
done
(( agents <= 1000 )) || { echo "--agents: at most 1000 (one page)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || {
  echo "/usr/bin/time not found (Debian package time)" >&2
  exit 2
}
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

# Starts a node with the arguments given and waits until it is ready.
start_server() {
  local port
  port=$(free_port)
  API_PORT=$port METRICS_PORT=$(free_port) WS_PORT=$(free_port) CLUSTER_PORT=$(free_port) \
    MCP_PORT=$(free_port) RATE_LIMIT_MAX_REQUESTS=10000000 LOG_LEVEL=warn \
    "$bin" "$@" >"$work/server.log" 2>&1 &
  server=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 100); do
    curl -sf "$base/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not get ready:" >&2
  cat "$work/server.log" >&2
  exit 1
}

stop_server() {
  kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  server=""
}

start_server

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

# CPU seconds the server has used so far (user + system).
server_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$server/stat"
}

# Runs wrk for one case and prints its summary and JSON lines.
run_case() {
  local name=$1
  shift
  local before after
  before=$(server_cpu)
  /usr/bin/time -f "%U %S" -o "$work/$name.time" \
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$@" \
    >"$work/$name.txt"
  after=$(server_cpu)
  awk -v name="$name" -v c="$connections" -v s="$seconds" -v t="$threads" \
    -v a="$agents" -v srv="$(echo "$before $after" | awk '{ print $2 - $1 }')" \
    -v load="$(cut -d' ' -f1 /proc/loadavg)" '
    function ms(x) {
      if (x ~ /us$/) return substr(x, 1, length(x) - 2) / 1000
      if (x ~ /ms$/) return substr(x, 1, length(x) - 2) + 0
      if (x ~ /s$/) return substr(x, 1, length(x) - 1) * 1000
      return x + 0
    }
    FNR == NR { wrk_cpu = $1 + $2; next }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    /Non-2xx/ { bad = $NF }
    function line(fig, v, unit) {
      printf "{\"bench\":\"http.%s.%s\",\"params\":{\"agents\":%d,\"connections\":%d,\"threads\":%d,\"seconds\":%d,\"non_2xx\":%d,\"load_avg\":%s},\"value\":%s,\"unit\":\"%s\"}\n",
        name, fig, a, c, t, s, bad + 0, load, v, unit
    }
    END {
      printf "%s: %.0f req/s, p50 %.3f ms, p99 %.3f ms, non-2xx %d; CPU: server %.0f %%, wrk %.0f %% (load average %s)\n",
        name, rps, p50, p99, bad + 0, 100 * srv / s, 100 * wrk_cpu / s, load > "/dev/stderr"
      line("rps", sprintf("%.0f", rps), "req/s")
      line("p50", sprintf("%.3f", p50), "ms")
      line("p99", sprintf("%.3f", p99), "ms")
      line("server_cpu", sprintf("%.0f", 100 * srv / s), "%")
      line("wrk_cpu", sprintf("%.0f", 100 * wrk_cpu / s), "%")
    }' "$work/$name.time" "$work/$name.txt"
}

run_case list_agents "$base/api/agents?limit=$agents"
run_case report_metrics -s "$work/metrics.lua" "$base"
stop_server
start_server --demo "$agents"
run_case list_live_agents "$base/api/agents?limit=$agents"
