#!/usr/bin/env bash
# Deploys the compose stack on this host (docs/deployment.md).
#
#   deploy/deploy.sh              prepare, check, build, migrate, start the
#                                 stack, wait until it is healthy, print URLs
#   deploy/deploy.sh --prepare    only make what is missing: the secrets and
#                                 a self-signed certificate
#   deploy/deploy.sh --check      only check, changing nothing (needs
#                                 docker-compose, not a Docker engine)
#   --env-file FILE               the settings (default .env)
#
# COMPOSE is the compose command (default `docker compose` where that
# plugin exists, else docker-compose); DEPLOY_TIMEOUT bounds the wait for
# health in seconds (default 300). Running it again upgrades: the image is
# rebuilt, migrations run, changed containers are recreated.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=SCRIPTDIR/../scripts/lib.sh
source scripts/lib.sh

# The secret files of docker-compose.yml; --prepare takes a missing one from
# the variable of the same name in upper case, or makes a random one. The
# nodes' cluster certificate and key (cluster_tls_cert, cluster_tls_key) are
# secret files too, made by --prepare as a self-signed pair.
secrets=(postgres_password redis_password mcp_api_key jwt_secret
  grafana_admin_password cluster_secret)
env_file=.env
mode=deploy
while (($# > 0)); do
  case $1 in
    --check) mode=check ;;
    --prepare) mode=prepare ;;
    --env-file)
      env_file=${2:?--env-file needs a file}
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"
      exit 0
      ;;
    *) av_die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done

problems=()
problem() {
  problems+=("$*")
}

# Settings from the env file, read as compose reads it (NAME=value, taken
# literally), never run as shell code.
declare -A cfg
load_env() {
  [[ -f $env_file ]] \
    || av_die "$env_file is missing: cp .env.example .env and edit it"
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      cfg[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
    else
      problem "$env_file: not a NAME=value line: $line"
    fi
  done <"$env_file"
}

# Prints setting $1, or $2 when unset or empty (as compose's ${NAME:-$2}).
setting() {
  local value=${cfg[$1]:-}
  printf '%s' "${value:-$2}"
}

# Prints path setting $1 (default $2) made absolute from the repository.
path_setting() {
  local path
  path=$(setting "$1" "$2")
  [[ $path == /* ]] || path=$PWD/${path#./}
  printf '%s' "$path"
}

# Sets `public_host` and `public_port` from PUBLIC_URL, or notes a problem.
parse_public_url() {
  local url https_port
  url=$(setting PUBLIC_URL "")
  https_port=$(setting HTTPS_PORT 443)
  public_host=localhost
  public_port=443
  if [[ ! $url =~ ^https://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:([0-9]+))?$ ]]; then
    problem "PUBLIC_URL=\"$url\": expected https://host or https://host:port, no path, no trailing /"
    return 0
  fi
  public_host=${BASH_REMATCH[1]}
  public_port=${BASH_REMATCH[3]:-443}
  if [[ $public_port != "$https_port" ]]; then
    problem "PUBLIC_URL names port $public_port but HTTPS_PORT is $https_port"
  fi
}

check_settings() {
  local name value
  for name in "${!cfg[@]}"; do
    value=${cfg[$name]}
    if [[ $value == *[\"\'[:space:]]* ]]; then
      problem "$name: quotes and spaces are taken literally by compose; remove them"
    fi
  done
  for name in HTTP_PORT HTTPS_PORT GRAFANA_PORT PROMETHEUS_PORT \
    JAEGER_UI_PORT; do
    value=${cfg[$name]:-}
    if [[ -n $value ]] && ! [[ $value =~ ^[0-9]+$ && $value -ge 1 \
      && $value -le 65535 ]]; then
      problem "$name=\"$value\": expected a port from 1 to 65535"
    fi
  done
  parse_public_url
}

byte_length() {
  local LC_ALL=C
  printf '%s' "${#1}"
}

# Checks secret $1 in the secrets folder.
check_secret() {
  local file=$secrets_dir/$1 value
  if [[ ! -s $file ]]; then
    problem "secret $1 is missing or empty: $file (deploy/deploy.sh --prepare makes it)"
    return 0
  fi
  value=$(<"$file")
  case $1 in
    mcp_api_key) ((${#value} >= 16)) || problem "secret mcp_api_key: at least 16 characters" ;;
    jwt_secret)
      (($(byte_length "$value") >= 32)) \
        || problem "secret jwt_secret: at least 32 bytes"
      ;;
    redis_password)
      [[ $value =~ ^[A-Za-z0-9._~-]+$ ]] \
        || problem "secret redis_password: only A-Z a-z 0-9 . _ ~ - (deploy/redis/redis-start.sh)"
      ;;
    grafana_admin_password) ((${#value} >= 8)) || problem "secret grafana_admin_password: at least 8 characters" ;;
    cluster_secret) ((${#value} >= 16)) || problem "secret cluster_secret: at least 16 characters" ;;
  esac
}

check_secrets() {
  local name
  if [[ -d $secrets_dir ]] && (($(stat -c '%a' "$secrets_dir") % 10 != 0)); then
    problem "$secrets_dir is open to other users: chmod 700 it"
  fi
  for name in "${secrets[@]}"; do
    check_secret "$name"
  done
}

# Checks the certificate $2 and its key $3 (problems named by $1): both
# there, a PEM certificate, the key its own, not expired. Fails when the
# certificate cannot be read.
check_pair() {
  local what=$1 cert=$2 key=$3
  if [[ ! -s $cert || ! -s $key ]]; then
    problem "$what: $cert and $key are needed (deploy/deploy.sh --prepare makes a self-signed pair)"
    return 1
  fi
  if ! openssl x509 -in "$cert" -noout 2>/dev/null; then
    problem "$what: $cert is not a PEM certificate"
    return 1
  fi
  if [[ $(openssl x509 -in "$cert" -noout -pubkey) \
    != "$(openssl pkey -in "$key" -pubout 2>/dev/null)" ]]; then
    problem "$what: $key is not the key of $cert"
  fi
  openssl x509 -in "$cert" -noout -checkend 0 >/dev/null \
    || problem "$what: $cert has expired"
}

check_tls() {
  local cert=$tls_dir/fullchain.pem
  check_pair TLS "$cert" "$tls_dir/privkey.pem" || return 0
  local host=${public_host#[} kind=-checkhost
  host=${host%]}
  [[ $host =~ ^[0-9.]+$|: ]] && kind=-checkip
  openssl x509 -in "$cert" -noout "$kind" "$host" | grep -q 'does match' \
    || problem "TLS: $cert is not made out for $host (PUBLIC_URL)"
}

compose_cmd() {
  if [[ -n ${COMPOSE:-} ]]; then
    read -r -a compose <<<"$COMPOSE"
  elif docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
  else
    compose=(docker-compose)
  fi
  compose+=(--env-file "$env_file")
}

check_compose() {
  local out
  command -v "${compose[0]}" >/dev/null \
    || {
      problem "${compose[0]} not found: install docker-compose or Docker's compose plugin"
      return 0
    }
  out=$("${compose[@]}" config -q 2>&1) \
    || problem "docker-compose.yml with $env_file: $out"
}

check() {
  check_settings
  check_secrets
  check_pair "cluster TLS" "$secrets_dir/cluster_tls_cert" \
    "$secrets_dir/cluster_tls_key" || true
  check_tls
  check_compose
  if ((${#problems[@]} > 0)); then
    printf 'problem: %s\n' "${problems[@]}" >&2
    av_die "$env_file: ${#problems[@]} problem(s); nothing was started"
  fi
  av_say "checked: $env_file, secrets in $secrets_dir, TLS in $tls_dir, docker-compose.yml"
}

prepare() {
  local name var value
  mkdir -p "$secrets_dir"
  # The containers' users (uid 999, 472, 10001) read the files; the folder
  # keeps every other user of the host out.
  chmod 700 "$secrets_dir"
  for name in "${secrets[@]}"; do
    [[ -s $secrets_dir/$name ]] && continue
    var=${name^^}
    value=${!var:-$(openssl rand -hex 32)}
    # No newline: every reader gets the value as it is.
    (umask 022 && printf '%s' "$value" >"$secrets_dir/$name")
    av_say "secret $name: made $secrets_dir/$name${!var:+ from \$$var}"
  done
  # The nodes' TLS between each other (docs/deployment.md, "Cluster
  # profile"): one certificate for every node, which is its own CA. Only
  # the nodes read it: it is no certificate for a name, and never nginx's.
  if [[ ! -e $secrets_dir/cluster_tls_cert && ! -e $secrets_dir/cluster_tls_key ]]; then
    self_signed "$secrets_dir/cluster_tls_cert" "$secrets_dir/cluster_tls_key" \
      3650 -subj "/CN=agent-visualizer cluster"
    chmod 644 "$secrets_dir/cluster_tls_key"
    av_say "cluster TLS: made a self-signed certificate in $secrets_dir (valid 3650 days)"
  fi
  parse_public_url
  local cert=$tls_dir/fullchain.pem key=$tls_dir/privkey.pem
  [[ ! -e $cert && ! -e $key ]] || return 0
  local host=${public_host#[} san=DNS
  host=${host%]}
  [[ $host =~ ^[0-9.]+$|: ]] && san=IP
  mkdir -p "$tls_dir"
  self_signed "$cert" "$key" 365 -subj "/CN=$host" \
    -addext "subjectAltName=$san:$host"
  av_say "TLS: made a self-signed certificate for $host in $tls_dir (valid 365 days)"
}

# Makes certificate $1 (mode 644) and its ECDSA P-256 key $2 (mode 600),
# self-signed, valid $3 days; the rest are openssl req's arguments.
self_signed() {
  local cert=$1 key=$2 days=$3
  shift 3
  (umask 077 && openssl req -x509 -newkey ec \
    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days" "$@" \
    -keyout "$key" -out "$cert" 2>/dev/null) \
    || av_die "openssl could not make a certificate in $(dirname "$cert")"
  chmod 644 "$cert"
}

# Prints the state of service $1: its health, or its status when it has no
# health check; "missing" without a container.
service_state() {
  local id
  id=$("${compose[@]}" ps -q "$1" 2>/dev/null | head -n1)
  [[ -n $id ]] || {
    echo missing
    return 0
  }
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id"
}

# Waits until every service in $@ is healthy (or running, without a health
# check), at most DEPLOY_TIMEOUT seconds; stops at the first that failed.
wait_healthy() {
  local deadline=$((SECONDS + ${DEPLOY_TIMEOUT:-300})) service state pending
  while :; do
    pending=()
    for service; do
      state=$(service_state "$service")
      case $state in
        healthy | running) ;;
        unhealthy | exited | dead)
          "${compose[@]}" logs --tail=50 "$service" >&2 || true
          av_die "$service is $state"
          ;;
        *) pending+=("$service ($state)") ;;
      esac
    done
    ((${#pending[@]} == 0)) && return 0
    ((SECONDS < deadline)) \
      || av_die "not healthy after ${DEPLOY_TIMEOUT:-300} s: ${pending[*]}"
    sleep 2
  done
}

deploy() {
  "${compose[@]}" build agent-visualizer
  "${compose[@]}" up -d postgres redis
  wait_healthy postgres redis
  av_say "applying migrations"
  "${compose[@]}" run --rm --no-deps agent-visualizer migrate
  "${compose[@]}" up -d --remove-orphans
  # The services up made containers for: those of the profiles in use
  # (docker-compose 1.29's `config --services` lists the others too).
  local services=() service
  while read -r service; do
    [[ -z $("${compose[@]}" ps -q "$service" 2>/dev/null) ]] \
      || services+=("$service")
  done < <("${compose[@]}" config --services)
  wait_healthy "${services[@]}"
  local url
  url=$(setting PUBLIC_URL "")
  curl -fsS -o /dev/null --cacert "$tls_dir/fullchain.pem" \
    --resolve "$public_host:$public_port:127.0.0.1" "$url/health" \
    || av_say "warning: $url/health does not answer 200 from this host (a certificate from a CA this host does not trust?)"
  av_say "deployed"
  cat <<URLS
    dashboard   $url/
    API         $url/api   (health: $url/health)
    WebSocket   ${url/https:/wss:}/ws
    MCP         $url/mcp   (Authorization: Bearer \$(cat $secrets_dir/mcp_api_key))
    Grafana     http://$public_host:$(setting GRAFANA_PORT 3001)/   (user $(setting GRAFANA_ADMIN_USER admin), password in $secrets_dir/grafana_admin_password)
    Prometheus  http://127.0.0.1:$(setting PROMETHEUS_PORT 9090)/   (on this host only)
    Jaeger      http://127.0.0.1:$(setting JAEGER_UI_PORT 16686)/   (on this host only)
URLS
}

load_env
secrets_dir=$(path_setting SECRETS_DIR ./deploy/secrets)
tls_dir=$(path_setting TLS_DIR ./deploy/tls)
compose_cmd
case $mode in
  prepare) prepare ;;
  check) check ;;
  deploy)
    prepare
    check
    deploy
    ;;
esac
