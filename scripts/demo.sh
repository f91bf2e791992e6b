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
cleanup() { kill "${DAEMON:-}" "${SANDBOX:-}" "${LOGIN:-}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

step "Starting the sandbox: local stand-ins for Backstage, Looker, Dataproc, Google STS and an OIDC provider"
"$BIN/gatehouse-sandbox" --ports-file "$WORK/ports.json" --dataproc-step-seconds 2 >"$WORK/sandbox.log" 2>&1 &
SANDBOX=$!
for _ in $(seq 100); do [ -s "$WORK/ports.json" ] && break; sleep 0.2; done
cat "$WORK/ports.json"; echo
url() { python3 -c "import json,sys; print(json.load(open('$WORK/ports.json'))[sys.argv[1]])" "$1"; }

step "Configuring the daemon (YAML; every key is listed by 'gatehouse config keys')"
echo "looker-admin-secret" >"$WORK/looker-secret"; chmod 600 "$WORK/looker-secret"
# Production needs more than ownership: an explicit grant (and, from scripts, a person's approval).
cat >"$WORK/rules.yaml" <<'YAML'
rules:
  - name: team-a-production-jobs
    effect: allow
    actions: [job.submit, job.view]
    groups: [team-a]
    lifecycles: [production]
YAML
cat >"$GATEHOUSE_CONFIG" <<YAML
identity:
  issuer: $(url oidc)
  client_id: gatehouse
  workload_identity_audience: //iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/gatehouse/providers/sandbox
  sts_url: $(url sts)/v1/token
  iam_credentials_url: $(url iamcredentials)
catalog:
  base_url: $(url backstage)
  sync_interval_seconds: 0
looker:
  base_url: $(url looker)
  client_id: looker-admin-id
  client_secret_file: $WORK/looker-secret
  fresh_ttl: 3
dataproc:
  base_url: $(url dataproc)
policy:
  rules_file: $WORK/rules.yaml
YAML
echo "# $WORK/rules.yaml"; cat "$WORK/rules.yaml"
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

step "Signing in as alice with the device flow (a headless box: the code is typed on another device)"
"$BIN/gatehouse" login --device >"$WORK/login.out" 2>&1 &
LOGIN=$!
for _ in $(seq 100); do grep -q "code:" "$WORK/login.out" 2>/dev/null && break; sleep 0.1; done
cat "$WORK/login.out"
CODE=$(sed -n 's/.*code: *//p' "$WORK/login.out" | head -1)
echo "(the person approves on the provider's page; scripted here:)"
show curl -s -o /dev/null -w "POST /device -> HTTP %{http_code}\n" -d "user_code=$CODE&sub=alice" "$(url oidc)/device"
for _ in $(seq 150); do kill -0 "$LOGIN" 2>/dev/null || break; sleep 0.2; done
wait "$LOGIN"; LOGIN=""; tail -1 "$WORK/login.out"
show "$BIN/gatehouse" auth status

step "Mirroring the Backstage catalog into SQLite (served offline from here on)"
show "$BIN/gatehouse" catalog sync
show "$BIN/gatehouse" catalog mine

step "Least-privilege policy from ownership, explained (alice is in team-a, inside data-eng, inside platform)"
for who in alice bob; do
  show "$BIN/gatehouse" policy check job.submit component:default/artist-lookup --as "$who" || true
done
show "$BIN/gatehouse" policy explain dashboard.view component:default/artist-lookup --as alice

step "A dashboard of an entity alice owns, from Looker, as terminal tables"
show "$BIN/gatehouse" dashboard show component:default/analytics-pipeline
step "... and one she does not own: denied before Looker is asked (exit code 4)"
show "$BIN/gatehouse" dashboard show component:default/backstage-existing || echo "(exit code $?)"

step "Submitting a Dataproc job for an entity alice owns (durable outbox: answered QUEUED at once)"
JOB1=$("$BIN/gatehouse" job submit component:default/engagement-reports --pyspark gs://demo/engagement.py --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
echo "job $JOB1"

step "Dataproc goes offline; the next job still answers QUEUED and waits in the outbox"
curl -s -X POST "$(url admin)/admin/faults/dataproc" -d '{"kind":"down"}' -H 'content-type: application/json' >/dev/null
JOB2=$("$BIN/gatehouse" job submit component:default/engagement-reports --pyspark gs://demo/weekly.py --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
sleep 1
show "$BIN/gatehouse" job status "$JOB2"

step "Dataproc is back: the outbox sends it exactly once (same requestId), and both jobs run to the end"
curl -s -X DELETE "$(url admin)/admin/faults/dataproc" >/dev/null
show "$BIN/gatehouse" job watch "$JOB2"
show "$BIN/gatehouse" job watch "$JOB1"
show "$BIN/gatehouse" job ls
echo "Jobs Dataproc itself holds: $(curl -s "$(url admin)/admin/dataproc/jobs" | python3 -c 'import json,sys; d=json.load(sys.stdin); j=d.get("jobs", d) if isinstance(d, dict) else d; print(len(j))')"

step "A script (no terminal: caller class 'automation') asks for a job on a production entity: it waits for a person"
# setsid detaches the CLI from any terminal, as a cron job, a CI runner or an AI agent would be.
setsid -w "$BIN/gatehouse" job submit component:default/analytics-pipeline --pyspark gs://demo/nightly.py --json </dev/null >"$WORK/pending.json"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print("state:", a["state"], " approval:", a["approvalId"])' "$WORK/pending.json"
APPROVAL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["approvalId"])' "$WORK/pending.json")
JOB3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["jobId"])' "$WORK/pending.json")
show "$BIN/gatehouse" approvals
echo "Another script cannot approve it:"
show setsid -w "$BIN/gatehouse" approve "$APPROVAL" </dev/null || echo "(exit code $?)"
echo "A person at a terminal can (script(1) gives this walk-through a pseudo-terminal):"
show script -qec "'$BIN/gatehouse' approve $APPROVAL" /dev/null
show "$BIN/gatehouse" job watch "$JOB3"

step "The upstream goes down: catalog reads and the cached dashboard keep working (stale, offline)"
curl -s -X POST "$(url admin)/admin/faults/backstage" -d '{"kind":"down"}' -H 'content-type: application/json' >/dev/null
curl -s -X POST "$(url admin)/admin/faults/looker" -d '{"kind":"down"}' -H 'content-type: application/json' >/dev/null
show "$BIN/gatehouse" call catalog.get '{"ref": "group:default/team-a"}' | head -12
# The first read after the outage starts a refresh that fails; from then on the copy is marked offline.
"$BIN/gatehouse" dashboard show component:default/analytics-pipeline >/dev/null; sleep 1
show sh -c "'$BIN/gatehouse' dashboard show component:default/analytics-pipeline | head -8"

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
