#!/bin/sh
# Drives a fresh gatehouse-sandbox with Google's own Looker client (looker-sdk, API 4.0, from
# PyPI), as a Looker user's script would. Installs it into the project's SDK venv under .build/
# on first use.
#
#   scripts/sdk/looker.sh
#
# Needs a built .build/debug/gatehouse-sandbox (GATEHOUSE_SANDBOX_BIN overrides).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${GATEHOUSE_SDK_VENV:-$repo/.build/sdk-venv}
if ! "$venv/bin/python" -c 'import looker_sdk' 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet -r "$here/looker-requirements.txt" >&2
fi
binary=${GATEHOUSE_SANDBOX_BIN:-$repo/.build/debug/gatehouse-sandbox}
work=$(mktemp -d)
sandbox_pid=""
stop() {
    if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap stop EXIT
# A manual clock: nothing in the test depends on time passing.
"$binary" --clock manual --ports-file "$work/ports.json" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
tries=0
until [ -s "$work/ports.json" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 200 ] || ! kill -0 "$sandbox_pid" 2>/dev/null; then
        echo "sdk: gatehouse-sandbox did not start:" >&2
        cat "$work/sandbox.log" >&2
        exit 1
    fi
    sleep 0.1
done
GATEHOUSE_SANDBOX_PORTS="$work/ports.json" PYTHONPATH="$here" "$venv/bin/python" -m unittest -v test_looker_sdk
