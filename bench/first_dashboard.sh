#!/usr/bin/env bash
# Time to a first dashboard, as a newcomer meets it: clones the repository
# into a scratch folder and runs scripts/run there with an empty compiler
# cache and an empty npm cache, until the dashboard is served (GET / answers
# the built page and /health 200). The Debian packages must be installed
# already (scripts/run installs them, but that time is the mirror's, not the
# project's). Prints the phases, then one JSON line per figure:
# {"bench":"first_dashboard.<total|build|web|start>","params",…,"value","unit":"s"}.
set -euo pipefail
usage() {
  cat <<USAGE
Usage: bench/first_dashboard.sh [options]
  --jobs N      parallel build jobs (default: every core, as scripts/run)
  --commit REV  what to clone (default HEAD)
  --keep        keep the scratch folder (its path is printed)
  --help        this text
USAGE
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source "$root/scripts/lib.sh"
jobs=$(nproc)
commit=HEAD
keep=0
while (($#)); do
  case $1 in
    --help) usage; exit 0 ;;
    --jobs)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "--jobs: expected a positive integer, got '${2:-}'" >&2; exit 2; }
      jobs=$2; shift 2 ;;
    --commit)
      [[ -n ${2:-} ]] || { echo "--commit: missing value" >&2; exit 2; }
      commit=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
rev=$(git -C "$root" rev-parse --verify "$commit^{commit}") \
  || { echo "--commit: not a commit: $commit" >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/av-first-dashboard.XXXXXX")
# PostgreSQL runs as its own user when this runs as root: it must reach
# the clone.
chmod 755 "$scratch"
run_pid=""
finish() {
  if [[ -n $run_pid ]]; then
    # scripts/run stops the server and the stores it started on SIGTERM.
    kill -TERM "$run_pid" 2>/dev/null || true
    wait "$run_pid" 2>/dev/null || true
  fi
  if ((keep)); then echo "kept $scratch"; else rm -rf "$scratch"; fi
}
trap finish EXIT

git clone -q --no-checkout "$root" "$scratch/clone"
git -C "$scratch/clone" checkout -q "$rev"
export CCACHE_DIR="$scratch/ccache" npm_config_cache="$scratch/npm-cache"
export AV_JOBS=$jobs DEMO_AGENTS=200
unset DATABASE_URL REDIS_URL
API_PORT=$(av_free_port)
WS_PORT=$(av_free_port)
MCP_PORT=$(av_free_port)
METRICS_PORT=$(av_free_port)
CLUSTER_PORT=$(av_free_port)
export API_PORT WS_PORT MCP_PORT METRICS_PORT CLUSTER_PORT
api="http://127.0.0.1:$API_PORT"

start=$(date +%s.%N)
elapsed() { awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }'; }
# Prints $1 - $2.
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
log="$scratch/run.log"
# scripts/run's output, each line with the seconds since the start; exec
# keeps $! scripts/run's own pid, which a SIGTERM makes stop what it started.
(cd "$scratch/clone" && exec scripts/run) > >(while IFS= read -r line; do
  printf '%7s %s\n' "$(elapsed)" "$line"
done >"$log") 2>&1 &
run_pid=$!

# The built page (web/dist) loads its bundle from assets/; the page the
# server shows without a build does not.
served() {
  curl -fsS -m 2 "$api/" 2>/dev/null | grep -q 'assets/' \
    && curl -fsS -m 2 -o /dev/null "$api/health"
}
# A cold build on two cores takes minutes; give up after an hour.
until served; do
  if ! kill -0 "$run_pid" 2>/dev/null; then
    tail -n 30 "$log" >&2
    echo "scripts/run ended before the dashboard was served" >&2
    exit 1
  fi
  if (($(minus "$(elapsed)" 3600 | cut -d. -f1) > 0)); then
    echo "no dashboard after an hour" >&2
    exit 1
  fi
  sleep 1
done
total=$(elapsed)

# The phases, from the stamped lines of scripts/run.
stamp() { grep -m1 -F -- "$1" "$log" | awk '{print $1}'; }
built=$(stamp "Linking CXX executable runtime/agent-server")
web=$(stamp "PostgreSQL")
grep -F '==>' "$log" | sed 's/^/  /'
printf 'dashboard served after %s s (build %s s, dashboard %s s, stores and start %s s)\n' \
  "$total" "$built" "$(minus "$web" "$built")" "$(minus "$total" "$web")"
params="{\"jobs\":$jobs,\"cores\":$(nproc),\"commit\":\"${rev:0:12}\"}"
line() { printf '{"bench":"first_dashboard.%s","params":%s,"value":%.1f,"unit":"s"}\n' "$1" "$params" "$2"; }
line total "$total"
line build "$built"
line web "$(minus "$web" "$built")"
line start "$(minus "$total" "$web")"
