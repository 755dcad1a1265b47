#!/usr/bin/env bash
# A running node stops cleanly, with status 0, on SIGTERM and on SIGINT.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

for sig in TERM INT; do
  start_server "sig$sig" --demo 20
  if ! wait_for_log "node ready" 20; then
    fail "SIG$sig: 'node ready' within 20 s"
    show_log
    kill_server
    continue
  fi
  pass "SIG$sig: 'node ready' within 20 s"
  kill -s "$sig" "$server_pid" 2>/dev/null || true
  if wait_exit 5; then
    pass "SIG$sig: exits within 5 s"
    check "SIG$sig: exit status 0 (got $exit_status)" \
      test "$exit_status" -eq 0
  else
    fail "SIG$sig: exits within 5 s"
    kill_server
  fi
  if grep -qF "shutting down" "$server_log"; then
    pass "SIG$sig: logs 'shutting down'"
  else
    fail "SIG$sig: logs 'shutting down'"
    show_log
  fi
done

finish
