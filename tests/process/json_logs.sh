#!/usr/bin/env bash
# With LOG_FORMAT=json every line the server prints is a JSON object with ts,
# level and msg.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

# JAEGER_AGENT_HOST: traces go to its OTLP/HTTP port; nothing listens there,
# which the node must survive (and log as JSON too).
LOG_FORMAT=json JAEGER_AGENT_HOST=127.0.0.1 start_server json --demo 5
if wait_for_log "node ready" 20; then
  pass "'node ready' within 20 s"
else
  fail "'node ready' within 20 s"
  show_log
fi
# Everything up to this offset was printed before SIGTERM.
before=$(stat -c %s "$server_log")
kill -TERM "$server_pid" 2>/dev/null || true
if wait_exit 5; then
  check "exits with status 0 (got $exit_status)" test "$exit_status" -eq 0
else
  fail "exits within 5 s of SIGTERM"
  kill_server
fi

check "every line before SIGTERM is a JSON log object" \
  python3 "$here/check_json_lines.py" "$server_log" "$before"
check "every line after SIGTERM is a JSON log object too" \
  python3 "$here/check_json_lines.py" "$server_log"
check "'node ready' is a msg" grep -qF '"msg":"node ready"' "$server_log"
check "'shutting down' is a msg" grep -qF '"msg":"shutting down"' "$server_log"
check "JAEGER_AGENT_HOST sends traces to its OTLP/HTTP port" grep -qF \
  '"msg":"exporting traces over OTLP/HTTP","endpoint":"http://127.0.0.1:4318"' \
  "$server_log"

finish
