# Functions shared by scripts/run and scripts/test; source this file.
# shellcheck shell=bash

AV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AV_BUILD_DIR="$AV_ROOT/build"

av_say() {
  printf '==> %s\n' "$*"
}

av_die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Prints the packages from scripts/deps/apt.txt, one per line; with a tag
# (`build`, `runtime`), only those of the sections whose heading starts with
# it in brackets, which is how deploy/Dockerfile takes its packages from the
# same list. A section runs from its heading to the next blank line.
# shellcheck disable=SC2120 # the tag is for deploy/Dockerfile
av_packages() {
  awk -v tag="${1:-}" '
    /^[[:space:]]*$/ { keep = 0; start = 1; next }
    /^#/ {
      if (start) keep = tag != "" && index($0, "# [" tag "]") == 1
      start = 0
      next
    }
    { start = 0; sub(/#.*/, ""); gsub(/[[:space:]]/, "") }
    $0 != "" && (tag == "" || keep)
  ' "$AV_ROOT/scripts/deps/apt.txt"
}

# Installs the Debian packages "$@" with apt-get, through sudo unless root.
av_apt_install() {
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || av_die "need root or sudo to install: $*"
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "$@"
}

# Installs the packages from scripts/deps/apt.txt that are not installed yet.
av_install_deps() {
  command -v dpkg-query >/dev/null \
    || av_die "dpkg-query not found: these scripts need Debian 12 (or a derivative)"
  local pkg status total=0
  local missing=()
  while read -r pkg; do
    total=$((total + 1))
    # shellcheck disable=SC2016 # ${Status} is a dpkg-query field, not bash
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done < <(av_packages)
  if ((${#missing[@]} == 0)); then
    av_say "dependencies: all $total packages installed"
    return 0
  fi
  av_say "dependencies: installing ${#missing[@]} of $total: ${missing[*]}"
  av_apt_install "${missing[@]}"
}

# Prints a value from build/CMakeCache.txt, e.g. CMAKE_BUILD_TYPE.
av_cached() {
  sed -n "s/^$1:[A-Z]*=//p" "$AV_BUILD_DIR/CMakeCache.txt" 2>/dev/null || true
}

# Configures build/ with Ninja for the given build type (only when needed)
# and builds the targets named after it, or everything. AV_JOBS overrides
# the number of parallel jobs; AV_SANITIZE (scripts/test --sanitize) builds
# with those sanitizers, and without the benchmarks, which measure only
# plain builds; AV_PREFIX_PATH names where to look for libraries first.
av_build() {
  local type=${1:?usage: av_build <build-type> [target...]}
  shift
  local targets=()
  (($# == 0)) || targets=(--target "$@")
  local jobs=${AV_JOBS:-$(nproc)}
  local generator
  generator=$(av_cached CMAKE_GENERATOR)
  if [[ -n $generator && $generator != Ninja ]]; then
    # CMake cannot switch generators in place.
    av_say "build/ was configured for '$generator'; configuring it for Ninja"
    rm -rf "$AV_BUILD_DIR/CMakeCache.txt" "$AV_BUILD_DIR/CMakeFiles"
  fi
  if [[ -f $AV_BUILD_DIR/CMakeCache.txt \
    && $(av_cached CMAKE_PREFIX_PATH) != "${AV_PREFIX_PATH:-}" ]]; then
    # Libraries found elsewhere before stay in the cache: start it again.
    rm -rf "$AV_BUILD_DIR/CMakeCache.txt" "$AV_BUILD_DIR/build.ninja"
  fi
  local current
  current=$(av_cached CMAKE_BUILD_TYPE)
  if [[ ! -f $AV_BUILD_DIR/build.ninja || $current != "$type" ]]; then
    av_say "configuring build/ ($type${current:+, was $current})"
    cmake -S "$AV_ROOT" -B "$AV_BUILD_DIR" -G Ninja \
      -DCMAKE_BUILD_TYPE="$type" -DAV_SANITIZE="${AV_SANITIZE:-}" \
      -DAV_BUILD_BENCH="$([[ -n ${AV_SANITIZE:-} ]] && echo OFF || echo ON)" \
      -DCMAKE_PREFIX_PATH="${AV_PREFIX_PATH:-}"
  else
    av_say "build/ is configured ($type)"
  fi
  av_say "building ${*:-everything} with $jobs jobs"
  cmake --build "$AV_BUILD_DIR" -j"$jobs" "${targets[@]}"
}

# The oldest Node.js that the dashboard's tooling (Vite 6, Vitest 3,
# playwright-core 1.61), the MCP SDK and `node --test` with the junit
# reporter and --test-concurrency run on: Debian 12's.
AV_NODE_MIN=18.20

# Makes sure node and npm are on PATH, with Node.js AV_NODE_MIN or newer.
# Where no node is found, installs Debian's nodejs and npm. They are not in
# scripts/deps/apt.txt: where Node.js came from elsewhere, e.g. nodesource's
# nodejs (which bundles npm and conflicts with Debian's npm package), apt
# would refuse Debian's npm and the whole list would fail to install.
av_require_node() {
  if ! command -v node >/dev/null; then
    av_say "Node.js: none found; installing Debian's nodejs and npm"
    av_apt_install nodejs npm
    command -v node >/dev/null || av_die "installed nodejs, but node is not on PATH"
  fi
  local found
  found="$(node --version) at $(command -v node)"
  command -v npm >/dev/null \
    || av_die "found Node.js $found but no npm: install the npm that goes with it"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
    const [x, y] = process.argv[1].split(".").map(Number);
    process.exit(a > x || (a === x && b >= y) ? 0 : 1)' "$AV_NODE_MIN" \
    || av_die "found Node.js $found: need $AV_NODE_MIN or newer"
}

# Installs the npm packages of folder $1 from its package-lock.json, only
# when node_modules is missing or older than the lock file. --engine-strict:
# a lock that pulls in a package needing a newer Node.js fails here, naming
# the package, rather than later in the build or the tests.
av_npm_ci() {
  local dir="$AV_ROOT/$1" stamp="$AV_ROOT/$1/node_modules/.package-lock.json"
  av_require_node
  if [[ ! -f $stamp || $dir/package-lock.json -nt $stamp ]]; then
    av_say "$1: installing npm packages (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --engine-strict)
  fi
}

# Builds the dashboard into web/dist, which the server serves at /
# (WEB_ROOT).
av_build_web() {
  av_npm_ci web
  av_say "dashboard: building web/dist"
  (cd "$AV_ROOT/web" && npm run --silent build)
}

# Prints a TCP port on the loopback interface that is free right now.
av_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Prints the port kept in $1/port, choosing a free one the first time, so
# that a service folder gets the same port on every start.
av_service_port() {
  if [[ ! -s $1/port ]]; then
    av_free_port >"$1/port"
  fi
  cat "$1/port"
}

# Polls `$@` until it succeeds, at most $1 tenths of a second.
av_wait_for() {
  local tries=$1
  shift
  while ! "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    ((tries > 0)) || return 1
    sleep 0.1
  done
}

# Starts (or finds running) a PostgreSQL 15 server with its data, socket and
# log under $1, listening on 127.0.0.1; the port is kept in $1/port so that
# the same folder gets the same port again. Extra arguments are server
# options such as `-c fsync=off`. Writes $1/ctl (start|stop|status, as the
# right user) and exports DATABASE_URL for database `av`, user `av`.
av_start_postgres() {
  local dir=$1
  shift
  local bin=${AV_PG_BIN:-/usr/lib/postgresql/15/bin}
  [[ -x $bin/pg_ctl ]] || av_die "PostgreSQL 15 not found in $bin (set AV_PG_BIN)"
  mkdir -p "$dir/sock"
  local port
  port=$(av_service_port "$dir")
  # PostgreSQL refuses to run as root: use its own account then.
  local as_user=()
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || av_die "running as root needs the postgres user"
    chown -R postgres "$dir"
    as_user=(runuser -u postgres --)
  fi
  if [[ ! -s $dir/data/PG_VERSION ]]; then
    av_say "PostgreSQL: creating a cluster in $dir/data"
    "${as_user[@]}" "$bin/initdb" -D "$dir/data" -U av -A trust -E UTF8 \
      --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
      || av_die "initdb failed, see $dir/initdb.log"
  fi
  local opts="-p $port -k $dir/sock -c listen_addresses=127.0.0.1 $*"
  cat >"$dir/ctl" <<CTL
#!/usr/bin/env bash
# start | stop | status of the PostgreSQL server in $dir.
exec ${as_user[*]} "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" -m fast "\$@"
CTL
  chmod +x "$dir/ctl"
  if ! "$dir/ctl" status >/dev/null 2>&1; then
    "$dir/ctl" start >/dev/null || av_die "PostgreSQL did not start, see $dir/server.log"
  fi
  av_wait_for 300 "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" \
    || av_die "PostgreSQL on port $port is not ready, see $dir/server.log"
  if [[ -z $("$bin/psql" -h 127.0.0.1 -p "$port" -U av -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'av'") ]]; then
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U av -d postgres \
      -c "CREATE DATABASE av" || av_die "cannot create database av"
  fi
  export DATABASE_URL="postgresql://av@127.0.0.1:$port/av"
  av_say "PostgreSQL ready: $DATABASE_URL"
}

# Starts (or finds running) a Redis server with its files under $1 on
# 127.0.0.1, without persistence; the port is kept in $1/port. Writes $1/ctl
# (start|stop|status) and exports REDIS_URL.
av_start_redis() {
  local dir=$1
  mkdir -p "$dir"
  local port
  port=$(av_service_port "$dir")
  cat >"$dir/ctl" <<CTL
#!/usr/bin/env bash
# start | stop | status of the Redis server in $dir.
ping() { redis-cli -h 127.0.0.1 -p $port ping 2>/dev/null | grep -q PONG; }
case \$1 in
  start)
    ping && exit 0
    redis-server --bind 127.0.0.1 --port $port --dir "$dir" --save "" \\
      --appendonly no --daemonize yes --pidfile "$dir/redis.pid" \\
      --logfile "$dir/redis.log" || exit 1
    for _ in \$(seq 300); do ping && exit 0; sleep 0.1; done
    exit 1 ;;
  stop)
    ping || exit 0
    redis-cli -h 127.0.0.1 -p $port shutdown nosave >/dev/null 2>&1
    for _ in \$(seq 300); do ping || exit 0; sleep 0.1; done
    exit 1 ;;
  status) ping ;;
  *) echo "usage: \$0 start|stop|status" >&2; exit 2 ;;
esac
CTL
  chmod +x "$dir/ctl"
  "$dir/ctl" start || av_die "Redis did not start, see $dir/redis.log"
  export REDIS_URL="redis://127.0.0.1:$port/0"
  av_say "Redis ready: $REDIS_URL"
}
