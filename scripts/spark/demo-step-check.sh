#!/usr/bin/env bash
# Runs demo-step.sh standalone, with the few helpers of scripts/demo.sh it uses, against the
# sandbox and daemon scripts/sdk/with-daemon.sh started (scripts/spark/test.sh runs it).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GATEHOUSE_CONFIG="$GATEHOUSE_WORK/config.yaml"
GH=$GATEHOUSE_BIN WORK=$GATEHOUSE_WORK STEP=""
step() { STEP="$*"; printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; set +e; OUT=$("$@" 2>&1); RC=$?; set -e; [ -z "$OUT" ] || printf '%s\n' "$OUT"; }
fail() { printf '\ndemo: step "%s" did not behave: %s\n' "$STEP" "$*" >&2; tail -20 "$WORK/daemon.log" >&2; exit 1; }
expect() { local what=$1; shift; if "$@"; then printf '  [ok] %s\n' "$what"; else fail "expected: $what"; fi; }
says() { grep -qE -- "$1" <<<"$OUT"; }
exited() { [ "$RC" -eq "$1" ]; }
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$OUT" "$1"; }
url() { python3 -c "import json,sys; print(json.load(open('$GATEHOUSE_SANDBOX_PORTS'))[sys.argv[1]])" "$1"; }
"$GH" catalog sync >/dev/null
# shellcheck source=demo-step.sh
. scripts/spark/demo-step.sh
