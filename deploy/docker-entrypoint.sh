#!/usr/bin/env bash
# Entry point of the agent-server image (deploy/Dockerfile).
#
# agent-server reads its secrets from the environment only, so this script
# first loads them from files (compose secrets under /run/secrets), which
# keeps them out of the image, the compose file and `docker inspect`:
#
#   MCP_API_KEY_FILE, JWT_SECRET_FILE, CLUSTER_SECRET_FILE,
#   DATABASE_URL_FILE, REDIS_URL_FILE
#       the variable's whole value (a trailing newline is dropped)
#   DATABASE_PASSWORD_FILE, REDIS_PASSWORD_FILE
#       a password, percent-encoded into DATABASE_URL / REDIS_URL, so that
#       PostgreSQL's (POSTGRES_PASSWORD_FILE) and the node's come from one
#       file
#
# Then, when the command serves and DATABASE_URL is set, it applies pending
# migrations (`agent-server migrate`, a step of its own that fails loudly)
# unless MIGRATE_ON_START=false, and finally execs agent-server with the
# arguments, so that the server is the container's main process and gets
# its SIGTERM. AGENT_SERVER names the binary (tests run this script natively).
set -euo pipefail

die() {
  printf 'docker-entrypoint: %s\n' "$*" >&2
  exit 2
}

# Reads file $1 into the variable named $2 (a trailing newline dropped).
read_secret() {
  [[ -r $1 ]] || die "cannot read $1"
  printf -v "$2" '%s' "$(<"$1")"
}

# Sets variable $1 from the file that ${1}_FILE names, if any.
file_env() {
  local name=$1 file_var=${1}_FILE value
  [[ -n ${!file_var:-} ]] || return 0
  [[ -z ${!name:-} ]] || die "both $name and $file_var are set; use one"
  read_secret "${!file_var}" value
  export "$name=$value"
  unset "$file_var"
}

# Prints $1 percent-encoded: everything but RFC 3986's unreserved
# characters, byte by byte.
percent_encode() {
  local LC_ALL=C text=$1 out="" c i
  for ((i = 0; i < ${#text}; i++)); do
    c=${text:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c" && out+=${c: -3} ;;
    esac
  done
  printf '%s' "$out"
}

# Prints URL $1 with password $2 (percent-encoded) in its userinfo:
# scheme://user@host... becomes scheme://user:password@host..., and
# scheme://host... becomes scheme://:password@host... .
with_password() {
  local url=$1 scheme rest authority user=""
  [[ $url == *://* ]] || die "not a URL: cannot put a password into it"
  scheme=${url%%://*}
  rest=${url#*://}
  authority=${rest%%[/?]*}
  if [[ $authority == *@* ]]; then
    user=${authority%@*}
    [[ $user != *:* ]] || die "the URL has a password already"
    rest=${rest#*@}
  fi
  printf '%s://%s:%s@%s' "$scheme" "$user" "$(percent_encode "$2")" "$rest"
}

# Puts the password from the file that $2 names into the URL variable $1.
password_into() {
  local url_var=$1 file_var=$2 password url
  [[ -n ${!file_var:-} ]] || return 0
  [[ -n ${!url_var:-} ]] || die "$file_var is set but $url_var is empty"
  read_secret "${!file_var}" password
  [[ -n $password ]] || die "${!file_var} is empty"
  url=$(with_password "${!url_var}" "$password")
  export "$url_var=$url"
  unset "$file_var"
}

# True when agent-server, given these arguments, runs the server: no other
# subcommand and no flag that only prints something.
serves() {
  local arg
  for arg; do
    case $arg in
      migrate | mcp | -h | --help | --version | --print-config) return 1 ;;
    esac
  done
}

main() {
  local bin=${AGENT_SERVER:-/usr/local/bin/agent-server} name
  for name in MCP_API_KEY JWT_SECRET CLUSTER_SECRET DATABASE_URL REDIS_URL; do
    file_env "$name"
  done
  password_into DATABASE_URL DATABASE_PASSWORD_FILE
  password_into REDIS_URL REDIS_PASSWORD_FILE
  if serves "$@" && [[ -n ${DATABASE_URL:-} ]] \
    && [[ ${MIGRATE_ON_START:-true} != false ]]; then
    "$bin" migrate || die "migrations failed; the server was not started"
  fi
  exec "$bin" "$@"
}

# Sourced (by tests), it only defines the functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
