#!/bin/sh
# The spec-contract check. Installs openapi-core and jsonschema into a venv, tests the
# checker itself (it must catch wrong responses, requests and routes), drives every route of a
# fresh gatehouse-sandbox, then checks those exchanges plus any recorded by the test suite
# (GATEHOUSE_SANDBOX_EXCHANGES=FILE while `swift test` ran) against the published specs.
#
#   scripts/contract/run.sh --contracts SPECS_DIR [SUITE_EXCHANGES.jsonl]
#
# Needs a built .build/debug/gatehouse-sandbox (GATEHOUSE_SANDBOX_BIN overrides).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${GATEHOUSE_CONTRACT_VENV:-$repo/.build/contract-venv}
if ! "$venv/bin/python" -c 'import openapi_core, jsonschema, yaml' 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet -r "$here/requirements.txt" >&2
fi
if [ "${1:-}" != "--contracts" ] || [ -z "${2:-}" ]; then
    echo "usage: scripts/contract/run.sh --contracts SPECS_DIR [SUITE_EXCHANGES.jsonl]" >&2; exit 2
fi
contracts=$(cd "$2" && pwd); shift 2
# The sandbox driven below checks requests against the same specs (strict mode).
export GATEHOUSE_SANDBOX_FIXTURES=$contracts
binary=${GATEHOUSE_SANDBOX_BIN:-$repo/.build/debug/gatehouse-sandbox}
# The suite's exchanges, as an absolute path: the checks below run from this script's folder.
suite=""
if [ "$#" -gt 0 ]; then suite=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$here"
"$venv/bin/python" -m unittest -q test_contract_check
"$venv/bin/python" drive_sandbox.py "$binary" "$work/driven.jsonl"
if [ -n "$suite" ]; then
    # Asked to check the suite's exchanges: their absence is a failure, not a quiet pass.
    [ -s "$suite" ] || { echo "contract: no recorded exchanges at $suite" >&2; exit 1; }
    cat "$suite" >> "$work/driven.jsonl"
fi
"$venv/bin/python" contract_check.py --contracts "$contracts" "$work/driven.jsonl"
