#!/usr/bin/env bash
# --help and --version print to stdout and exit 0.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

status=0
timeout -k 2 10 "$AV_BIN" --help >"$work/help" 2>"$work/help.err" || status=$?
check "--help: exit status 0 (got $status)" test "$status" -eq 0
check "--help: lists --demo" grep -qF -- "--demo" "$work/help"

status=0
timeout -k 2 10 "$AV_BIN" --version >"$work/version" 2>"$work/version.err" \
  || status=$?
check "--version: exit status 0 (got $status)" test "$status" -eq 0
check "--version: prints 'agent-server <version>'" \
  grep -q '^agent-server ' "$work/version"

if ((failed > 0)); then
  for file in help help.err version version.err; do
    echo "--- $file:"
    cat "$work/$file"
  done
fi

finish
