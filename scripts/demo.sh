#!/usr/bin/env bash
# The main job, end to end and visible: builds Gatehouse, starts the upstream sandbox and the
# daemon on private temporary paths, and walks through what the broker does, step by step.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Building (debug; the first build fetches and compiles dependencies: a few minutes)"
swift build --product gatehouse --product gatehouse-sandbox 2>&1 | tail -1
BIN=$(swift build --show-bin-path)

WORK=$(mktemp -d /tmp/gatehouse-demo.XXXXXX)
export XDG_RUNTIME_DIR=$WORK/run XDG_STATE_HOME=$WORK/state GATEHOUSE_CONFIG=$WORK/config.yaml
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
cleanup() { kill "${DAEMON:-}" "${SANDBOX:-}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

step "Starting the sandbox: local stand-ins for Backstage, Looker, Dataproc, Google STS and an OIDC provider"
"$BIN/gatehouse-sandbox" --ports-file "$WORK/ports.json" >"$WORK/sandbox.log" 2>&1 &
SANDBOX=$!
for _ in $(seq 100); do [ -s "$WORK/ports.json" ] && break; sleep 0.2; done
cat "$WORK/ports.json"; echo
url() { python3 -c "import json,sys; print(json.load(open('$WORK/ports.json'))[sys.argv[1]])" "$1"; }

step "Configuring the daemon (YAML; every key is listed by 'gatehouse config keys')"
cat >"$GATEHOUSE_CONFIG" <<YAML
catalog:
  base_url: $(url backstage)
  sync_interval_seconds: 0
YAML
cat "$GATEHOUSE_CONFIG"

step "Starting the daemon: JSON-RPC 2.0 on a private Unix socket, SQLite (WAL) store, audit on"
"$BIN/gatehouse" serve >"$WORK/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do "$BIN/gatehouse" status >/dev/null 2>&1 && break; sleep 0.2; done
show "$BIN/gatehouse" status
ls -l "$XDG_RUNTIME_DIR/gatehouse/"

step "Any script can talk to it: socat ..."
SOCK=$XDG_RUNTIME_DIR/gatehouse/gatehouse.sock
show sh -c "echo '{\"jsonrpc\":\"2.0\",\"method\":\"system.ping\",\"id\":1}' | socat -t 5 - UNIX-CONNECT:$SOCK"
step "... or Python (a batch, with a malformed member: each gets its own answer)"
python3 - "$SOCK" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'[{"jsonrpc":"2.0","method":"system.ping","id":"a"},{"jsonrpc":"2.0","method":"no.such","id":"b"},42]\n')
for answer in json.loads(s.makefile().readline()):
    print(json.dumps(answer))
PY

step "Mirroring the Backstage catalog into SQLite (served offline from here on)"
show "$BIN/gatehouse" call catalog.sync
show "$BIN/gatehouse" call catalog.owners '{"ref": "component:default/artist-lookup"}'

step "Least-privilege policy from ownership, explained (alice is in team-a, inside data-eng, inside platform)"
for who in alice bob; do
  show "$BIN/gatehouse" call policy.check "{\"as\": \"$who\", \"action\": \"job.submit\", \"entity\": \"component:default/artist-lookup\"}" || true
done
show "$BIN/gatehouse" call policy.explain '{"as": "alice", "action": "dashboard.view", "entity": "component:default/artist-lookup"}'

step "The upstream goes down: catalog reads keep working from the snapshot"
curl -s -X POST "$(url admin)/admin/faults/backstage" -d '{"kind":"down"}' -H 'content-type: application/json' >/dev/null
show "$BIN/gatehouse" call catalog.get '{"ref": "group:default/team-a"}' | head -12

step "The audit trail: every request and decision, hash-chained"
show "$BIN/gatehouse" audit query --newest --limit 12
show "$BIN/gatehouse" audit verify

step "Stopping the daemon (SIGTERM: finish in-flight requests, flush the audit, remove the socket)"
kill -TERM "$DAEMON"; wait "$DAEMON" || true; DAEMON=""
show "$BIN/gatehouse" audit verify
step "Tampering with one record (sqlite3, after dropping the append-only trigger) is caught"
show sqlite3 "$XDG_STATE_HOME/gatehouse/gatehouse.db" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET method='system.pinG' WHERE seq=2;"
show "$BIN/gatehouse" audit verify || echo "(exit code $? — as it should be)"
echo; echo "Done. Files of this run: $WORK"
