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

# Prints the packages from scripts/deps/apt.txt, one per line.
av_packages() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$AV_ROOT/scripts/deps/apt.txt" \
    | grep -v '^$'
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
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null \
      || av_die "need root or sudo to install: ${missing[*]}"
    sudo=(sudo)
  fi
  av_say "dependencies: installing ${#missing[@]} of $total: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Prints a value from build/CMakeCache.txt, e.g. CMAKE_BUILD_TYPE.
av_cached() {
  sed -n "s/^$1:[A-Z]*=//p" "$AV_BUILD_DIR/CMakeCache.txt" 2>/dev/null || true
}

# Configures build/ with Ninja for the given build type (only when needed)
# and builds everything. AV_JOBS overrides the number of parallel jobs.
av_build() {
  local type=${1:?usage: av_build <build-type>}
  local jobs=${AV_JOBS:-$(nproc)}
  local generator
  generator=$(av_cached CMAKE_GENERATOR)
  if [[ -n $generator && $generator != Ninja ]]; then
    # CMake cannot switch generators in place.
    av_say "build/ was configured for '$generator'; configuring it for Ninja"
    rm -rf "$AV_BUILD_DIR/CMakeCache.txt" "$AV_BUILD_DIR/CMakeFiles"
  fi
  local current
  current=$(av_cached CMAKE_BUILD_TYPE)
  if [[ ! -f $AV_BUILD_DIR/build.ninja || $current != "$type" ]]; then
    av_say "configuring build/ ($type${current:+, was $current})"
    cmake -S "$AV_ROOT" -B "$AV_BUILD_DIR" -G Ninja \
      -DCMAKE_BUILD_TYPE="$type"
  else
    av_say "build/ is configured ($type)"
  fi
  av_say "building with $jobs jobs"
  cmake --build "$AV_BUILD_DIR" -j"$jobs"
}

# Installs the npm packages of folder $1 from its package-lock.json, only
# when node_modules is missing or older than the lock file. The dashboard's
# Vite needs Node.js 20.19 or newer, so that is what every folder gets.
av_npm_ci() {
  local dir="$AV_ROOT/$1" stamp="$AV_ROOT/$1/node_modules/.package-lock.json"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    av_die "node and npm not found: need Node.js >= 20.19 (e.g. from nodesource)"
  fi
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
    || av_die "Node.js $(node --version) is too old: need >= 20.19"
  if [[ ! -f $stamp || $dir/package-lock.json -nt $stamp ]]; then
    av_say "$1: installing npm packages (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}

# Builds the dashboard into web/dist, which the server serves at /
# (WEB_ROOT).
av_build_web() {
  av_npm_ci web
  av_say "dashboard: building web/dist"
  (cd "$AV_ROOT/web" && npm run --silent build)
}
