#!/usr/bin/env bash
# A bad setting stops the server at once: exit status 2 and exactly one line
# on stderr that names the variable and the value.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

for setting in PHYSICS_UPDATE_RATE=abc POSITION_BATCH_SIZE=0 WS_PORT=70000 \
  DATABASE_URL=nonsense; do
  var=${setting%%=*}
  value=${setting#*=}
  failed_before=$failed
  status=0
  # Bounded, in case the server accepts the value and keeps running.
  env "$setting" timeout -k 2 10 "$AV_BIN" --demo 1 \
    >"$work/stdout" 2>"$work/stderr" || status=$?
  check "$setting: exit status 2 (got $status)" test "$status" -eq 2
  lines=$(grep -c '' "$work/stderr" || true)
  check "$setting: one line on stderr (got $lines)" test "$lines" -eq 1
  check "$setting: the line names $var" grep -qF -- "$var" "$work/stderr"
  check "$setting: the line names '$value'" \
    grep -qwF -- "$value" "$work/stderr"
  if ((failed > failed_before)); then
    echo "--- stderr:"
    cat "$work/stderr"
    echo "---"
  fi
done

finish
