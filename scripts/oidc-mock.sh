#!/bin/sh
# Installs the third-party OIDC provider `oidc-provider-mock` (PyPI) into a venv and prints the
# path of its executable. The identity tests run it for the PKCE loopback flow; CI calls this
# script first so that the test finds it (GATEHOUSE_OIDC_MOCK_BIN overrides the location).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${GATEHOUSE_OIDC_VENV:-$repo/.build/oidc-mock-venv}
if [ ! -x "$venv/bin/oidc-provider-mock" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet 'oidc-provider-mock==0.3.4' >&2
fi
echo "$venv/bin/oidc-provider-mock"
