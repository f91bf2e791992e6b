#!/bin/sh
# Installs the Python client with pip from this directory into the project's venv under .build/
# (as a user would: `pip install clients/python`) and runs its tests against a real daemon
# (scripts/sdk/with-daemon.sh). scripts/test.sh runs this.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${GATEHOUSE_SDK_VENV:-$repo/.build/sdk-venv}
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
# Built in a copy: pip's build leaves build/ and *.egg-info beside the sources otherwise.
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp -R "$here/pyproject.toml" "$here/gatehouse_client" "$copy/"
"$venv/bin/pip" install --quiet --force-reinstall --no-deps "$copy" >&2
cd "$here/tests"
"$repo/scripts/sdk/with-daemon.sh" "$venv/bin/python" -m unittest -v test_client
