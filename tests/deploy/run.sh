#!/usr/bin/env bash
# The deployment checks (docs/deployment.md, "How the configs are tested").
# No Docker engine is needed: this starts natively, on free loopback ports
# and in a throwaway folder, what the compose stack runs, from the same
# files -- secrets and a certificate made by deploy/deploy.sh --prepare,
# PostgreSQL initialised with the password file, Redis through
# deploy/redis/redis-start.sh, agent-server through the image's entrypoint
# with the compose file's environment, nginx with the rendered template,
# Prometheus with prometheus.yml -- then runs tests/deploy/*.test.mjs
# against them. Then the cluster profile: its second and third node join
# the first, nginx is rendered for the three and reloaded, and
# tests/deploy/cluster/*.test.mjs run. Everything stops when it ends.
# Usage: tests/deploy/run.sh [JUNIT_REPORT]; AV_SERVER names the binary
# (default build/runtime/agent-server).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/lib.sh
source "$here/../../scripts/lib.sh"
cd "$AV_ROOT"

server=${AV_SERVER:-$AV_BUILD_DIR/runtime/agent-server}
[[ -x $server ]] || av_die "no agent-server at $server (build it, or set AV_SERVER)"
pg_bin=${AV_PG_BIN:-/usr/lib/postgresql/15/bin}
av_npm_ci tests/deploy

work=$(mktemp -d "${TMPDIR:-/tmp}/av-deploy.XXXXXX")
# PostgreSQL's own user has to reach its folder in here.
chmod 755 "$work"
pids=()
pg_as=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -s $work/pg/data/postmaster.pid ]]; then
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop \
      >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Distinct free ports: av_free_port alone may hand out one twice. The
# first node's are api, ws, ...; the cluster profile's nodes' api-2, ws-2,
# ... and api-3, ws-3, ...
declare -A port
taken=" "
node_ports=(api ws mcp metrics cluster)
for name in "${node_ports[@]}" "${node_ports[@]/%/-2}" "${node_ports[@]/%/-3}" \
  http https prometheus postgres redis; do
  p=$(av_free_port)
  while [[ $taken == *" $p "* ]]; do p=$(av_free_port); done
  taken+="$p "
  port[$name]=$p
done

# Prints the last lines of log $2 and gives up with message $1.
give_up() {
  tail -n 30 "$2" >&2 || true
  av_die "$1 (log: $2)"
}

# The settings of .env.example, moved into $work and onto the test ports.
sed -e "s|^PUBLIC_URL=.*|PUBLIC_URL=https://localhost:${port[https]}|" \
  -e "s|^HTTPS_PORT=.*|HTTPS_PORT=${port[https]}|" \
  -e "s|^HTTP_PORT=.*|HTTP_PORT=${port[http]}|" \
  -e "s|^TLS_DIR=.*|TLS_DIR=$work/tls|" \
  -e "s|^SECRETS_DIR=.*|SECRETS_DIR=$work/secrets|" .env.example >"$work/env"
# A password a URL has to escape, so the entrypoint's encoding is tried.
POSTGRES_PASSWORD='p@ss:w/rd%?#é' COMPOSE=docker-compose \
  deploy/deploy.sh --env-file "$work/env" --prepare >/dev/null
secrets=$work/secrets

# PostgreSQL as the postgres image sets it up: the user and password from
# the secret file (initdb --pwfile, as POSTGRES_PASSWORD_FILE does), and
# passwords checked (scram-sha-256), so a wrongly encoded URL fails.
mkdir -p "$work/pg/sock"
cp "$secrets/postgres_password" "$work/pg/pwfile"
if ((EUID == 0)); then
  chown -R postgres "$work/pg"
  pg_as=(runuser -u postgres --)
fi
"${pg_as[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U agent_user \
  --pwfile="$work/pg/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C \
  --no-sync >"$work/pg/initdb.log" 2>&1 \
  || give_up "initdb failed" "$work/pg/initdb.log"
"${pg_as[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" \
  -w -t 60 -o "-p ${port[postgres]} -k $work/pg/sock -c listen_addresses=127.0.0.1 -c fsync=off" \
  start >/dev/null || give_up "PostgreSQL did not start" "$work/pg/server.log"
PGPASSWORD=$(<"$secrets/postgres_password") "$pg_bin/psql" -q -h 127.0.0.1 \
  -p "${port[postgres]}" -U agent_user -d postgres -c "CREATE DATABASE agent_db"

mkdir -p "$work/redis"
REDIS_PASSWORD_FILE=$secrets/redis_password deploy/redis/redis-start.sh \
  --bind 127.0.0.1 --port "${port[redis]}" --dir "$work/redis" \
  --appendonly yes >"$work/redis/log" 2>&1 &
pids+=($!)
# shellcheck disable=SC2317 # called by av_wait_for
redis_up() {
  REDISCLI_AUTH=$(<"$secrets/redis_password") \
    redis-cli -p "${port[redis]}" ping | grep -q PONG
}
av_wait_for 100 redis_up || give_up "Redis did not start" "$work/redis/log"

# The nodes: agent-server through the image's entrypoint, with the compose
# file's environment for its service; only addresses, ports and paths
# change. Node N is agent-visualizer, then the cluster profile's
# agent-visualizer-N, on 127.0.0.1 with ports of its own (the stack's nodes
# share port numbers, each at its address; here the MCP transport of a node
# bound to 127.0.0.2 would take no Host but that address). The names the
# compose file gives the nodes on `data` become 127.0.0.1 and the first
# node's cluster port, and the secrets mounted at /run/secrets/ are the
# files in $secrets. The first node runs a demo swarm, which makes events.
# Nothing else of this shell's environment leaks in. The dashboard when it
# is built (scripts/test builds it before this stage), else a page that
# stands in for it.
web_root=$AV_ROOT/web/dist
if [[ ! -s $web_root/index.html ]]; then
  web_root=$work/web
  mkdir -p "$web_root"
  echo '<!doctype html><title>stand-in dashboard</title>' >"$web_root/index.html"
fi
# Prints node $2's port $1 (api, ws, mcp, metrics, cluster).
node_port() {
  if (($2 == 1)); then echo "${port[$1]}"; else echo "${port[$1-$2]}"; fi
}
node_log() {
  if (($1 == 1)); then echo "$work/node.log"; else echo "$work/node-$1.log"; fi
}
start_node() {
  local n=$1 service=agent-visualizer node_env
  ((n == 1)) || service+=-$n
  mapfile -t node_env < <(node "$here/compose-env.mjs" "$service" | sed -E \
    -e "s/agent-visualizer(-[0-9]+)?\.data:4242/127.0.0.1:${port[cluster]}/g" \
    -e "s/agent-visualizer(-[0-9]+)?\.data$/127.0.0.1/" \
    -e "s|/run/secrets/|$secrets/|")
  node_env+=(
    BIND_ADDRESS=127.0.0.1 CLUSTER_BIND_ADDRESS=127.0.0.1
    "API_PORT=$(node_port api "$n")" "WS_PORT=$(node_port ws "$n")"
    "MCP_PORT=$(node_port mcp "$n")" "METRICS_PORT=$(node_port metrics "$n")"
    "CLUSTER_PORT=$(node_port cluster "$n")"
    "ALLOWED_ORIGINS=https://localhost:${port[https]}" TRUSTED_PROXIES=127.0.0.1
    "DATABASE_URL=postgresql://agent_user@127.0.0.1:${port[postgres]}/agent_db"
    "REDIS_URL=redis://127.0.0.1:${port[redis]}/0"
    "WEB_ROOT=$web_root" "MCP_CONFIG=$AV_ROOT/config/mcp-config.json"
    "AGENT_SERVER=$server"
  )
  ((n > 1)) || node_env+=(DEMO_AGENTS=50 LOG_LEVEL=debug)
  env -i "PATH=$PATH" "${node_env[@]}" deploy/docker-entrypoint.sh serve \
    >"$(node_log "$n")" 2>&1 &
  pids+=($!)
}
# Waits until node $1 answers /health.
wait_node() {
  av_wait_for 300 curl -fsS "http://127.0.0.1:$(node_port api "$1")/health" \
    || give_up "agent-server $1 is not healthy" "$(node_log "$1")"
}
start_node 1
wait_node 1

# nginx with the rendered template inside a main file that does what the
# image's /etc/nginx/nginx.conf does around conf.d/, with paths in $work.
# The template's upstreams name the nodes by a name that nginx resolves
# again and again (`resolve`); Debian's nginx 1.22 cannot, so each such line
# becomes a line per node that the name stands for in the stack: the first
# node alone, then the three of the cluster profile.
mkdir -p "$work/nginx/conf.d"
template=deploy/nginx/templates/default.conf.template
# shellcheck disable=SC2016 # the ${NGINX_...} names themselves
names=$(grep -o '\${NGINX_[A-Z_]*}' "$template" | sort -u | tr '\n' ' ')
mapfile -t nginx_env < <(node "$here/compose-env.mjs" nginx-proxy)
nginx_env+=(
  "NGINX_HTTP_LISTEN=127.0.0.1:${port[http]}"
  "NGINX_HTTPS_LISTEN=127.0.0.1:${port[https]}"
  "NGINX_PUBLIC_HTTPS_PORT=${port[https]}"
  "NGINX_TLS_CERT=$work/tls/fullchain.pem" "NGINX_TLS_KEY=$work/tls/privkey.pem"
  "NGINX_API_PORT=${port[api]}" "NGINX_WS_PORT=${port[ws]}"
  "NGINX_MCP_PORT=${port[mcp]}" NGINX_RESOLVER=127.0.0.1
)
# Renders the template for the nodes $@ (numbers): a server line on the
# first node's port of a kind becomes one on each node's port of that kind.
render_nginx() {
  local kind n group groups=()
  for kind in api ws mcp; do
    group=""
    for n; do group+=${group:+:}$(node_port "$kind" "$n"); done
    groups+=("$group")
  done
  env -i "${nginx_env[@]}" envsubst "$names" <"$template" \
    | awk -v groups="${groups[*]}" '
        $1 == "server" && $3 == "resolve;" {
          port = $2
          sub(/^.*:/, "", port)
          split(groups, group, " ")
          found = 0
          for (g in group) {
            n = split(group[g], ports, ":")
            if (ports[1] != port) continue
            for (i = 1; i <= n; i++) printf "    server 127.0.0.1:%s;\n", ports[i]
            found = 1
          }
          named++
          missed += !found
          next
        }
        { print }
        END { exit named == 0 || missed > 0 }' >"$work/nginx/conf.d/default.conf" \
    || av_die "$template: no server line that nginx resolves, or one on no node port: update $0"
}
render_nginx 1
user=""
((EUID != 0)) || user="user $(id -un) $(id -gn);"
cat >"$work/nginx/nginx.conf" <<CONF
$user
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $work/nginx/access.log;
  sendfile on;
  keepalive_timeout 65;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  include conf.d/*.conf;
}
CONF
nginx_cmd=(nginx -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log")
"${nginx_cmd[@]}" -t -q || give_up "nginx refuses the config" "$work/nginx/error.log"
"${nginx_cmd[@]}" -g 'daemon off;' &
pids+=($!)
av_wait_for 100 curl -s -o /dev/null "http://127.0.0.1:${port[http]}/" \
  || give_up "nginx did not start" "$work/nginx/error.log"

# Prometheus with prometheus.yml, its targets moved to the test ports.
mkdir -p "$work/prometheus"
ln -s "$AV_ROOT/deploy/prometheus/alerts" "$work/prometheus/alerts"
for target in agent-visualizer:9091 localhost:9090; do
  grep -q "\"$target\"" deploy/prometheus/prometheus.yml \
    || av_die "prometheus.yml no longer scrapes $target: update $0"
done
sed -e "s/\"agent-visualizer:9091\"/\"127.0.0.1:${port[metrics]}\"/" \
  -e "s/\"localhost:9090\"/\"127.0.0.1:${port[prometheus]}\"/" \
  deploy/prometheus/prometheus.yml >"$work/prometheus/prometheus.yml"
prometheus --config.file="$work/prometheus/prometheus.yml" \
  --storage.tsdb.path="$work/prometheus/data" \
  --web.listen-address="127.0.0.1:${port[prometheus]}" \
  >"$work/prometheus/log" 2>&1 &
pids+=($!)
av_wait_for 300 curl -fs "http://127.0.0.1:${port[prometheus]}/-/ready" \
  || give_up "Prometheus is not ready" "$work/prometheus/log"

export AV_SERVER=$server AV_DEPLOY_WORK=$work AV_DEPLOY_SECRETS=$secrets \
  AV_DEPLOY_CA=$work/tls/fullchain.pem AV_DEPLOY_NODE_LOG=$work/node.log \
  AV_DEPLOY_NGINX_LOG=$work/nginx/access.log AV_DEPLOY_WEB_ROOT=$web_root \
  AV_DEPLOY_HTTP_PORT=${port[http]} AV_DEPLOY_HTTPS_PORT=${port[https]} \
  AV_DEPLOY_API_URL=http://127.0.0.1:${port[api]} \
  AV_DEPLOY_PROMETHEUS_URL=http://127.0.0.1:${port[prometheus]} \
  AV_DEPLOY_PG="-h 127.0.0.1 -p ${port[postgres]} -U agent_user -d agent_db"
# Runs the test files $2... with the JUnit report $1 (none when empty);
# notes a failure in `status`.
status=0
run_tests() {
  local reporters=(--test-reporter=spec --test-reporter-destination=stdout)
  [[ -z $1 ]] || reporters+=(--test-reporter=junit --test-reporter-destination="$1")
  shift
  node --test --test-concurrency=1 "${reporters[@]}" "$@" || status=$?
}
run_tests "${1:-}" "$here"/*.test.mjs

# The cluster profile: the second and third node join the first, and nginx,
# reloaded, finds them behind its upstream name, as it does in the stack
# when they start.
start_node 2
start_node 3
wait_node 2
wait_node 3
render_nginx 1 2 3
"${nginx_cmd[@]}" -s reload
# shellcheck disable=SC2317 # called by av_wait_for
proxy_reaches() {
  curl -fsS --cacert "$work/tls/fullchain.pem" \
    --resolve "localhost:${port[https]}:127.0.0.1" \
    "https://localhost:${port[https]}/health" | grep -q "\"node\":\"$1\""
}
av_wait_for 100 proxy_reaches agent-visualizer-3 \
  || give_up "nginx does not reach the third node" "$work/nginx/error.log"
AV_DEPLOY_NODE_URLS="" AV_DEPLOY_METRICS_URLS=""
for n in 1 2 3; do
  AV_DEPLOY_NODE_URLS+=" http://127.0.0.1:$(node_port api "$n")"
  AV_DEPLOY_METRICS_URLS+=" http://127.0.0.1:$(node_port metrics "$n")"
done
export AV_DEPLOY_NODE_URLS AV_DEPLOY_METRICS_URLS
cluster_report=${1:+$work/cluster-junit.xml}
run_tests "$cluster_report" "$here"/cluster/*.test.mjs
# One report for the stage: the cluster's test cases join the first's.
if [[ -n $cluster_report && -s $1 && -s $cluster_report ]]; then
  # shellcheck disable=SC2016 # JavaScript, not the shell's
  node -e '
    const fs = require("fs");
    const [all, more] = process.argv.slice(1);
    const cases = fs.readFileSync(more, "utf8").replace(/^[^]*?<testsuites>|<\/testsuites>\s*$/g, "");
    fs.writeFileSync(all, fs.readFileSync(all, "utf8").replace(/<\/testsuites>\s*$/, `${cases}</testsuites>\n`));
  ' "$1" "$cluster_report"
fi
exit "$status"
