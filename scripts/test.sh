#!/usr/bin/env bash
# The one test command: installs what is missing, builds, and runs every test
# (unit, contract and integration tests that start the real daemon and sandbox binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The identity tests drive a real third-party OIDC provider (oidc-provider-mock, from PyPI).
GATEHOUSE_OIDC_MOCK_BIN=$(scripts/oidc-mock.sh)
export GATEHOUSE_OIDC_MOCK_BIN
swift build --build-tests
swift test --skip-build
