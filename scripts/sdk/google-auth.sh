#!/bin/sh
# Google's own auth library (google-auth, PyPI) runs `gatehouse token google-executable` as its
# executable credential source, from the configuration `gatehouse token google-config` prints:
# refresh through the sandbox STS, plainly and with service-account impersonation, the output-file
# cache, and failures reported in the contract's shape. Installs the libraries into the
# project's venv under .build/ on first use.
#
#   scripts/sdk/google-auth.sh
#
# Needs built .build/debug/gatehouse and gatehouse-sandbox (GATEHOUSE_BIN_DIR overrides the directory).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${GATEHOUSE_SDK_VENV:-$repo/.build/sdk-venv}
if ! "$venv/bin/python" -c 'import google.auth.pluggable, google.cloud.dataproc_v1' 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet -r "$here/requirements.txt" >&2
fi
"$here/with-daemon.sh" --sign-in env PYTHONPATH="$here" "$venv/bin/python" -m unittest -v test_google_auth
