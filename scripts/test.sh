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
# Every request and answer the sandbox sees during the suite is recorded, then checked against
# the real specs in ../shared/contracts (scripts/contract: issue 3's spec-contract test).
mkdir -p .build/contract && rm -f .build/contract/exchanges.jsonl
export GATEHOUSE_SANDBOX_EXCHANGES="$PWD/.build/contract/exchanges.jsonl"
# Everything in parallel, except the deadline-bound tests (a call must end within 100 ms of its
# deadline) and the retry tests (bounded by a 10 s deadline): they run alone afterwards, so two busy cores do not decide a timing assertion.
# Time limits (about 8x a normal run) so that a hang fails the run, with the test named by its
# .timeLimit trait, instead of holding CI until its own limit.
timeout --kill-after=30 900 swift test --skip-build --skip DeadlineTests --skip RetryTests
GATEHOUSE_SANDBOX_EXCHANGES= timeout --kill-after=30 300 swift test --skip-build --filter "DeadlineTests|RetryTests"
scripts/contract/run.sh .build/contract/exchanges.jsonl
