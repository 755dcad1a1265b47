#!/usr/bin/env bash
# --help and --version print to stdout and exit 0.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh" "$@"

status=0
timeout -k 2 10 "$AV_BIN" --help >"$work/help" 2>"$work/help.err" || status=$?
check "--help: exit status 0 (got $status)" test "$status" -eq 0
check "--help: lists --demo" grep -qF -- "--demo" "$work/help"

check "--help: points to the shell" grep -qF -- "agent-server shell" "$work/help"

status=0
timeout -k 2 10 "$AV_BIN" shell --help >"$work/shell" 2>"$work/shell.err" \
  || status=$?
check "shell --help: exit status 0 (got $status)" test "$status" -eq 0
for option in --connect --key -c --json --tls-ca; do
  check "shell --help: lists $option" grep -qe "^ *$option" "$work/shell"
done
check "shell --help: names the commands" grep -q "^Commands: nodes, ps, top" \
  "$work/shell"

status=0
timeout -k 2 10 "$AV_BIN" --version >"$work/version" 2>"$work/version.err" \
  || status=$?
check "--version: exit status 0 (got $status)" test "$status" -eq 0
check "--version: prints 'agent-server <version>'" \
  grep -q '^agent-server ' "$work/version"

if ((failed > 0)); then
  for file in help help.err shell shell.err version version.err; do
    echo "--- $file:"
    cat "$work/$file"
  done
fi

finish
