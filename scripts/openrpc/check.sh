#!/bin/sh
# Checks the OpenRPC document a fresh daemon serves (rpc.discover) against the OpenRPC specification's
# objects, and every answer recorded in ANSWERS (GATEHOUSE_RECORD_ANSWERS_FILE during the test suite)
# against its method's result schema (check.py says how).
#
#   scripts/openrpc/check.sh [ANSWERS.jsonl]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${GATEHOUSE_SDK_VENV:-$repo/.build/sdk-venv}
if ! "$venv/bin/python" -c 'import openrpc, jsonschema' 2>/dev/null; then
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet -r "$here/requirements.txt" >&2
fi
answers=${1:-}
[ -z "$answers" ] || answers=$(cd "$(dirname "$answers")" && pwd)/$(basename "$answers")
# shellcheck disable=SC2016
"$repo/scripts/sdk/with-daemon.sh" sh -c '
    "$GATEHOUSE_BIN" call rpc.discover --config "$GATEHOUSE_WORK/config.yaml" >"$GATEHOUSE_WORK/openrpc.json"
    "$GATEHOUSE_BIN" call system.methods --config "$GATEHOUSE_WORK/config.yaml" >"$GATEHOUSE_WORK/methods.json"
    exec "$0" "$1" "$GATEHOUSE_WORK/openrpc.json" "$GATEHOUSE_WORK/methods.json" ${2:+"$2"}
' "$venv/bin/python" "$here/check.py" "$answers"
