#!/bin/sh
# Drives a fresh gatehouse-sandbox with a vendor's own Python client from PyPI, as a user's script
# would: installs the client into the project's SDK venv under .build/ on first use, starts the
# sandbox on a manual clock (the tests move it through the admin API, so nothing depends on timing),
# and runs one unittest module against it (it reads the sandbox's URLs from GATEHOUSE_SANDBOX_PORTS).
#
#   scripts/sdk/sdk-test.sh REQUIREMENTS_FILE PYTHON_IMPORTS TEST_MODULE
#
# Needs a built .build/debug/gatehouse-sandbox (GATEHOUSE_SANDBOX_BIN overrides).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
requirements=$1 imports=$2 module=$3
venv=${GATEHOUSE_SDK_VENV:-$repo/.build/sdk-venv}
if ! "$venv/bin/python" -c "import $imports" 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet -r "$here/$requirements" >&2
fi
binary=${GATEHOUSE_SANDBOX_BIN:-$repo/.build/debug/gatehouse-sandbox}
work=$(mktemp -d)
sandbox_pid=""
stop() {
    if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap stop EXIT
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
GATEHOUSE_SANDBOX_PORTS="$work/ports.json" PYTHONPATH="$here" "$venv/bin/python" -m unittest -v "$module"
