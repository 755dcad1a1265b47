#!/bin/sh
# Entry point of the redis service (docker-compose.yml): redis-server with
# the password from the file REDIS_PASSWORD_FILE names (a compose secret).
# The password goes in as configuration read from standard input, never as
# an argument: `ps` on the host shows every container's command line to
# every user. The arguments pass on to redis-server.
set -eu

file=${REDIS_PASSWORD_FILE:?REDIS_PASSWORD_FILE must name the password file}
password=$(cat "$file")
# A configuration line takes no quoting this way, and a URL no escaping.
case $password in
  "" | *[!A-Za-z0-9._~-]*)
    echo "redis-start: the password in $file must be made of A-Z a-z 0-9 . _ ~ -" >&2
    exit 2
    ;;
esac
exec redis-server - "$@" <<EOF
requirepass $password
EOF
