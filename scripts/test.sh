#!/usr/bin/env bash
# The one test command: installs what is missing, builds, and runs every test
# (unit, contract and integration tests that start the real daemon and sandbox binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
# A test process that crashes cannot stop the daemons, sandboxes, collectors and PostgreSQL servers it
# started, and leftovers slow every later timing-bound test. Each process started below inherits this
# run's mark in its environment; whatever still carries it when the run ends is killed.
export GATEHOUSE_TEST_RUN="$$-$(date +%s%N)"
kill_leftovers() {
    local environ pid
    for environ in /proc/[0-9]*/environ; do
        pid=${environ#/proc/}; pid=${pid%/environ}
        [ "$pid" != $$ ] && grep -qsaz "^GATEHOUSE_TEST_RUN=$GATEHOUSE_TEST_RUN\$" "$environ" && kill -KILL "$pid" 2>/dev/null
    done
    return 0
}
trap kill_leftovers EXIT
scripts/setup.sh
# The identity tests drive a real third-party OIDC provider (oidc-provider-mock, from PyPI).
GATEHOUSE_OIDC_MOCK_BIN=$(scripts/oidc-mock.sh)
export GATEHOUSE_OIDC_MOCK_BIN
# The published API specs are a test input, passed explicitly: the sandbox checks requests against
# them (strict mode) and the contract check below checks every exchange. The product never reads them.
CONTRACTS=${GATEHOUSE_CONTRACTS:-$(cd .. && pwd)/shared/contracts}
[ -d "$CONTRACTS" ] || { echo "test: no published specs at $CONTRACTS (set GATEHOUSE_CONTRACTS to their directory)" >&2; exit 1; }
export GATEHOUSE_SANDBOX_FIXTURES=$CONTRACTS
# Generated code must be what its generator makes from the spec now.
scripts/generate-discovery-schemas.py --check "$CONTRACTS/google-dataproc.v1.json"
# One format for all Swift code (.swift-format, applied with `swift format format --in-place --recursive Sources Tests Package.swift`).
swift format lint --strict --recursive Sources Tests Package.swift
swift build --build-tests --explicit-target-dependency-import-check error
# The fleet tests (GatehouseFleetTests) start a private PostgreSQL server; they fail, never skip, without one.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || [ -n "${GATEHOUSE_PG_BIN:-}" ] \
    || { echo "test: PostgreSQL server binaries are missing (scripts/setup.sh installs postgresql)" >&2; exit 1; }
# Every answer the daemons of the walk-through and the tests give is recorded (secrets redacted) and checked below against the
# result schemas of rpc.discover (scripts/openrpc/check.sh).
mkdir -p .build/openrpc && rm -f .build/openrpc/answers.jsonl
export GATEHOUSE_RECORD_ANSWERS_FILE="$PWD/.build/openrpc/answers.jsonl"
# The README's first command, as a user runs it: no specs, its own temporary paths and ports.
# It runs its PySpark step on a real local Spark (pyspark from PyPI and Java 17, installed by scripts/spark/setup.sh).
env -u GATEHOUSE_SANDBOX_FIXTURES GATEHOUSE_DEMO_SPARK=1 scripts/demo.sh </dev/null
# Every request and answer the sandbox sees during the suite is recorded, then checked against
# the published specs (scripts/contract).
mkdir -p .build/contract && rm -f .build/contract/exchanges.jsonl
export GATEHOUSE_SANDBOX_EXCHANGES="$PWD/.build/contract/exchanges.jsonl"
# Everything in parallel, except the deadline-bound tests (a call must end within 100 ms of its
# deadline) and the retry tests (bounded by a 10 s deadline): they run alone afterwards, so two busy cores do not decide a timing assertion.
# Time limits (about 8x a normal run) so that a hang fails the run, with the test named by its
# .timeLimit trait, instead of holding CI until its own limit.
timeout --kill-after=30 900 swift test --skip-build --skip DeadlineTests --skip RetryTests \
    --skip GatehouseFleetTests --skip FleetIntegrationTests --skip FleetRetentionIntegrationTests --skip ClockJumpIntegrationTests \
    --skip OutboxTests --skip OIDCProviderMockTests --skip JobLogsIntegrationTests --skip BatchIntegrationTests
GATEHOUSE_SANDBOX_EXCHANGES= timeout --kill-after=30 300 swift test --skip-build --filter "DeadlineTests|RetryTests"
# Other timing-bound tests (the outbox's 10 s recovery, oidc-provider-mock's 10-second tokens, driver output
# arriving before the job ends, 250 batches through timeouts and kill -9) also run after the parallel suite, away from its load.
timeout --kill-after=30 600 swift test --skip-build --filter "OutboxTests|OIDCProviderMockTests|JobLogsIntegrationTests|BatchIntegrationTests"
# The fleet (private PostgreSQL servers, collectors, three daemons under load) and the clock-jump tests
# (daemons on a moved wall clock) run on their own too: beside the parallel suite they load two cores
# enough to push its timing-bound outbox tests past their limits.
timeout --kill-after=30 600 swift test --skip-build --filter "GatehouseFleetTests|FleetIntegrationTests|FleetRetentionIntegrationTests|ClockJumpIntegrationTests"
# A short coverage-guided fuzzing pass of the socket's input path (docs/fuzzing.md); longer runs by hand.
scripts/fuzz.sh 50000
# Google's own Python clients (google-cloud-dataproc, google-cloud-storage) drive the sandbox; their
# exchanges are recorded for the contract check too.
scripts/sdk/dataproc.sh
# Google's own Looker client (looker-sdk) drives the sandbox as a Looker user's script would;
# its error-path calls are not spec exchanges, so they are not recorded.
GATEHOUSE_SANDBOX_EXCHANGES= scripts/sdk/looker.sh
scripts/contract/run.sh --contracts "$CONTRACTS" .build/contract/exchanges.jsonl
# The OpenRPC document (rpc.discover) is valid, and every recorded answer fits its method's result schema.
scripts/openrpc/check.sh .build/openrpc/answers.jsonl
# google-auth (PyPI) runs `gatehouse token google-executable` from the `token google-config` configuration.
scripts/sdk/google-auth.sh
# Real PySpark through Gatehouse on a local Spark: a row count streamed back while the job runs, a failing
# job's traceback, a cancel, a Serverless batch.
GATEHOUSE_SANDBOX_EXCHANGES= scripts/spark/test.sh
# The Python client (clients/python), installed with pip, against a real daemon.
clients/python/run-tests.sh
# The release artifact: a .deb with the Swift runtime linked in, installed and run without the toolchain.
scripts/package-test.sh
