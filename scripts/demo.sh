#!/usr/bin/env bash
# The main job, end to end and visible: builds Gatehouse, starts the upstream sandbox and the
# daemon on private temporary paths, and walks through what the broker does, step by step.
#
# Every step also checks its outcome ("[ok] ..."). A step that does not behave stops the walk-through
# with exit 1, naming the step and what was expected, and prints the tail of the daemon's log.
# It needs no terminal and no input, so scripts/test.sh runs it on every CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

if [ -t 1 ]; then BOLD=$'\033[1m' RED=$'\033[31m' PLAIN=$'\033[0m'; else BOLD="" RED="" PLAIN=""; fi
STEP="setup"
step() { STEP="$*"; printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
show() { printf '$ %s\n' "$*"; "$@"; }
# run: shows a command and its output; keeps the output in $OUT and the exit code in $RC, whatever it is.
run() {
  printf '$ %s\n' "$*"
  set +e; OUT=$("$@" 2>&1); RC=$?; set -e
  [ -z "$OUT" ] || printf '%s\n' "$OUT"
}
fail() {
  printf '\n%sdemo: step "%s" did not behave: %s%s\n' "$RED" "$STEP" "$*" "$PLAIN" >&2
  if [ -n "${WORK:-}" ] && [ -s "$WORK/daemon.log" ]; then
    echo "--- last lines of the daemon's log ($WORK/daemon.log)" >&2; tail -20 "$WORK/daemon.log" >&2
  fi
  exit 1
}
# expect WHAT CMD...: CMD must succeed, else the walk-through stops naming WHAT.
expect() { local what=$1; shift; if "$@"; then printf '  [ok] %s\n' "$what"; else fail "expected: $what"; fi; }
says() { grep -qE -- "$1" <<<"$OUT"; }
exited() { [ "$RC" -eq "$1" ]; }
# field EXPR: a value of the JSON in $OUT (a Python expression over `d`).
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$OUT" "$1"; }

step "Building (debug; the first build fetches and compiles dependencies: a few minutes)"
# One product per invocation: given several --product flags, SwiftPM builds only the last.
for product in gatehouse gatehouse-sandbox gatehouse-collector; do swift build --product "$product" 2>&1 | tail -1; done
BIN=$(swift build --show-bin-path)
GH=$BIN/gatehouse
[ -x "$GH" ] && [ -x "$BIN/gatehouse-sandbox" ] && [ -x "$BIN/gatehouse-collector" ] || fail "the binaries built in $BIN"

WORK=$(mktemp -d /tmp/gatehouse-demo.XXXXXX)
export XDG_RUNTIME_DIR=$WORK/run XDG_STATE_HOME=$WORK/state GATEHOUSE_CONFIG=$WORK/config.yaml
mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
cleanup() {
  kill "${DAEMON:-}" "${BOB_DAEMON:-}" "${COLLECTOR:-}" "${SANDBOX:-}" "${LOGIN:-}" 2>/dev/null || true; wait 2>/dev/null || true
  if [ -n "${PGDIR:-}" ]; then as_postgres "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"; fi
}
trap cleanup EXIT

step "Starting the sandbox: local stand-ins for Backstage, Looker, Dataproc, Google STS and an OIDC provider"
# Real Spark when installed (scripts/spark/setup.sh; GATEHOUSE_DEMO_SPARK=1 installs it), else simulated runs.
SPARK_ARGS=()
if [ -n "${GATEHOUSE_DEMO_SPARK:-}" ] || [ -x .build/spark-venv/bin/spark-submit ]; then
  SPARK_ARGS=(--spark local --spark-submit "$(scripts/spark/setup.sh)")
fi
"$BIN/gatehouse-sandbox" --ports-file "$WORK/ports.json" --dataproc-step-seconds 2 "${SPARK_ARGS[@]}" >"$WORK/sandbox.log" 2>&1 &
SANDBOX=$!
for _ in $(seq 100); do [ -s "$WORK/ports.json" ] && break; sleep 0.2; done
[ -s "$WORK/ports.json" ] || fail "the sandbox wrote its ports (log: $WORK/sandbox.log)"
cat "$WORK/ports.json"; echo
url() { python3 -c "import json,sys; print(json.load(open('$WORK/ports.json'))[sys.argv[1]])" "$1"; }
fault() { curl -sf -X POST "$(url admin)/admin/faults/$1" -d "{\"kind\":\"$2\"}" -H 'content-type: application/json' >/dev/null; }
clear_faults() { curl -sf -X DELETE "$(url admin)/admin/faults/$1" >/dev/null; }

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
  storage_base_url: $(url storage)
policy:
  rules_file: $WORK/rules.yaml
YAML
echo "# $WORK/rules.yaml"; cat "$WORK/rules.yaml"
cat "$GATEHOUSE_CONFIG"

step "Starting the daemon: JSON-RPC 2.0 on a private Unix socket, SQLite (WAL) store, audit on"
"$GH" serve >"$WORK/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do "$GH" status >/dev/null 2>&1 && break; sleep 0.2; done
run "$GH" status
expect "the daemon answers status" exited 0
expect "it reports itself running" says "running \(pid"
SOCK=$XDG_RUNTIME_DIR/gatehouse/gatehouse.sock
run ls -l "$SOCK"
expect "the socket is private to its owner (srw-------)" says '^srw------- '

step "Any script can talk to it: socat ..."
run sh -c "echo '{\"jsonrpc\":\"2.0\",\"method\":\"system.ping\",\"id\":1}' | socat -t 5 - UNIX-CONNECT:$SOCK"
expect "system.ping answers pong to id 1" [ "$(field 'd["result"], d["id"]')" = "('pong', 1)" ]
step "... or Python (a batch, with a malformed member: each gets its own answer)"
run python3 - "$SOCK" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'[{"jsonrpc":"2.0","method":"system.ping","id":"a"},{"jsonrpc":"2.0","method":"no.such","id":"b"},42]\n')
for answer in json.loads(s.makefile().readline()):
    print(json.dumps(answer))
PY
expect "three answers" [ "$(grep -c . <<<"$OUT")" = 3 ]
expect "pong for the ping" says '"result": "pong", "id": "a"'
expect "method not found (-32601) for no.such" says '"code": -32601'
expect "invalid request (-32600) for the malformed member" says '"code": -32600'

step "Signing in as alice with the device flow (a headless box: the code is typed on another device)"
# device_login SUBJECT CLI...: `CLI login --device`, with SUBJECT approving the code at the sandbox IdP.
device_login() {
  local subject=$1; shift
  "$@" login --device >"$WORK/login-$subject.out" 2>&1 &
  LOGIN=$!
  for _ in $(seq 100); do grep -q "code:" "$WORK/login-$subject.out" 2>/dev/null && break; sleep 0.1; done
  cat "$WORK/login-$subject.out"
  CODE=$(sed -n 's/.*code: *//p' "$WORK/login-$subject.out" | head -1)
  [ -n "$CODE" ] || fail "login --device printed a user code"
  echo "(the person approves on the provider's page; scripted here:)"
  show curl -s -o /dev/null -w "POST /device -> HTTP %{http_code}\n" -d "user_code=$CODE&sub=$subject" "$(url oidc)/device"
  for _ in $(seq 150); do kill -0 "$LOGIN" 2>/dev/null || break; sleep 0.2; done
  wait "$LOGIN" || fail "login --device exited 0 (output: $WORK/login-$subject.out)"
  LOGIN=""; tail -1 "$WORK/login-$subject.out"
}
device_login alice "$GH"
run "$GH" auth status
expect "signed in as alice, in team-a" says "signed in as alice@example.com" && expect "groups include team-a" says "groups: .*team-a"

step "Mirroring the Backstage catalog into SQLite (served offline from here on)"
run "$GH" catalog sync
expect "the sync succeeded" exited 0
run "$GH" catalog mine
expect "alice owns artist-lookup, through team-a" says "component:default/artist-lookup .*group:default/team-a"

step "Least-privilege policy from ownership, explained (alice is in team-a, inside data-eng, inside platform)"
run "$GH" policy check job.submit component:default/artist-lookup --as alice
expect "alice is allowed by rule owner" says "^allow \(rule owner\)"
run "$GH" policy check job.submit component:default/artist-lookup --as bob
expect "bob is denied (exit 4)" exited 4
expect "bob's denial names the rule and what to do" says "^deny \(rule default-deny\).*policy.rules_file"
run "$GH" policy explain dashboard.view component:default/artist-lookup --as alice
expect "the explanation walks alice → team-a → ownership" says "user:default/alice memberOf group:default/team-a"

step "A dashboard of an entity alice owns, from Looker, as terminal tables"
run "$GH" dashboard show component:default/analytics-pipeline
expect "dashboard 12 is shown with its tiles" says "^Artist engagement \(dashboard 12\)" && expect "a tile's rows are printed" says "^artists-1 "
step "... and finance's, which nobody above alice owns: denied before Looker is asked (exit code 4)"
run "$GH" dashboard show component:default/ledger-close
expect "denied with exit 4" exited 4

step "Submitting a Dataproc job for an entity alice owns (durable outbox: answered QUEUED at once)"
run "$GH" job submit component:default/engagement-reports --pyspark gs://demo/engagement.py --json
expect "the job is accepted QUEUED" [ "$(field 'd["state"]')" = QUEUED ]
JOB1=$(field 'd["jobId"]')

step "Dataproc goes offline; the next job still answers QUEUED and waits in the outbox"
fault dataproc down
run "$GH" job submit component:default/engagement-reports --pyspark gs://demo/weekly.py --json
expect "answered QUEUED while Dataproc is down" [ "$(field 'd["state"]')" = QUEUED ]
JOB2=$(field 'd["jobId"]')
sleep 1
run "$GH" job status "$JOB2"
expect "still QUEUED, with the reason" says "QUEUED" && expect "the last error says Dataproc is unreachable" says "Dataproc is unreachable"

step "Dataproc is back: the outbox sends it exactly once (same requestId), both jobs run to the end, and their output comes back"
clear_faults dataproc
run "$GH" job watch "$JOB2"
expect "the queued job ended DONE" says "ended DONE"
run "$GH" job watch "$JOB1"
expect "the first job ended DONE" says "ended DONE"
run "$GH" job logs "$JOB1"
expect "the job's driver output comes back" [ -n "$OUT" ] && expect "job logs exits 0" exited 0
show "$GH" job ls
HELD=$(curl -s "$(url admin)/admin/dataproc/jobs" | python3 -c 'import json,sys; d=json.load(sys.stdin); j=d.get("jobs", d) if isinstance(d, dict) else d; print(len(j))')
echo "Jobs Dataproc itself holds: $HELD"
expect "Dataproc holds exactly the two jobs (none sent twice)" [ "$HELD" = 2 ]

step "A script (no terminal: caller class 'automation') asks for a job on a production entity: it waits for a person"
# setsid detaches the CLI from any terminal, as a cron job, a CI runner or an AI agent would be.
run setsid -w "$GH" job submit component:default/analytics-pipeline --pyspark gs://demo/nightly.py --json </dev/null
expect "the job is held: PENDING_APPROVAL" [ "$(field 'd["state"]')" = PENDING_APPROVAL ]
expect "exit 7: it waits for a person's approval" exited 7
APPROVAL=$(field 'd["approvalId"]'); JOB3=$(field 'd["jobId"]')
show "$GH" approvals
echo "Another script cannot approve it:"
run setsid -w "$GH" approve "$APPROVAL" </dev/null
expect "refused from automation" says "approvals must come from a person at a terminal"
expect "with a non-zero exit" [ "$RC" -ne 0 ]
echo "A person at a terminal can (script(1) gives this walk-through a pseudo-terminal):"
run script -qec "'$GH' approve $APPROVAL" /dev/null
expect "approved from a terminal" says "$APPROVAL approved"
run "$GH" job watch "$JOB3"
expect "the approved job ran to DONE" says "ended DONE"
if [ ${#SPARK_ARGS[@]} -gt 0 ]; then source scripts/spark/demo-step.sh; else echo "(real Spark: scripts/spark/setup.sh installs it, or GATEHOUSE_DEMO_SPARK=1)"; fi

step "The upstream goes down: catalog reads and the cached dashboard keep working (stale, offline)"
fault backstage down
fault looker down
printf '$ %s | head -12\n' "$GH call catalog.get '{\"ref\": \"group:default/team-a\"}'"
OUT=$("$GH" call catalog.get '{"ref": "group:default/team-a"}') || fail "catalog.get answered with Backstage down"
head -12 <<<"$OUT"
expect "the catalog still answers from SQLite" [ "$(field 'd["document"]["metadata"]["name"]')" = team-a ]
# The first read after the outage starts a refresh that fails; from then on the copy is marked offline.
"$GH" dashboard show component:default/analytics-pipeline >/dev/null; sleep 1
run sh -c "'$GH' dashboard show component:default/analytics-pipeline | head -8"
expect "the last good copy is served, marked OFFLINE" says "OFFLINE: Looker is unreachable, showing the last good copy"

step "The audit trail: every request and decision, hash-chained"
show "$GH" audit query --newest --limit 12
run "$GH" audit verify
expect "the chain is intact" exited 0

step "The fleet: a collector on PostgreSQL witnesses every host's audit chain (alice's host and bob's)"
# A private PostgreSQL server for this run: initdb into a temporary directory, listening only on a socket
# there (the server refuses to run as root, so as root it runs as the postgres user).
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PG_BIN/initdb" ] || fail "PostgreSQL's server binaries are installed (scripts/setup.sh installs postgresql)"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PGDIR=$(mktemp -d /tmp/gatehouse-demo-pg.XXXXXX)
[ "$(id -u)" != 0 ] || chown postgres "$PGDIR"
as_postgres "$PG_BIN/initdb" -D "$PGDIR/data" -A trust -U gatehouse -N --no-instructions >"$WORK/initdb.log" 2>&1 \
  || fail "initdb made a database cluster (log: $WORK/initdb.log)"
as_postgres "$PG_BIN/pg_ctl" -D "$PGDIR/data" -o "-k $PGDIR -c listen_addresses= -p 5432" -l "$PGDIR/log" -w start >/dev/null \
  || fail "PostgreSQL started (log: $PGDIR/log)"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $PGDIR/.s.PGSQL.5432"
# Hosts register with a person's ID token from the IdP; members of team-a may query every host's records.
clear_faults backstage; clear_faults looker
COLLECTOR_ARGS=(--port 0 --pg-host "$PGDIR" --pg-database postgres --witness-key "$WORK/witness.key"
  --oidc-issuer "$(url oidc)" --allow-insecure-http --auditor-group team-a)
printf '$ gatehouse-collector %s &\n' "${COLLECTOR_ARGS[*]}"
"$BIN/gatehouse-collector" "${COLLECTOR_ARGS[@]}" >"$WORK/collector.log" 2>&1 &
COLLECTOR=$!
for _ in $(seq 150); do grep -q "^listening on " "$WORK/collector.log" 2>/dev/null && break; sleep 0.2; done
COLLECTOR_URL="http://$(sed -n 's/^listening on //p' "$WORK/collector.log" | head -1)"
[ "$COLLECTOR_URL" != "http://" ] || fail "the collector listens (log: $WORK/collector.log)"
echo "collector: $COLLECTOR_URL"
printf 'fleet:\n  collector_url: %s\n' "$COLLECTOR_URL" >>"$GATEHOUSE_CONFIG"
echo "alice's daemon restarts with fleet.collector_url set: it makes its host key, registers and ships"
kill -TERM "$DAEMON"; wait "$DAEMON" || true
"$GH" serve >>"$WORK/daemon.log" 2>&1 &
DAEMON=$!
# shipped CLI...: waits until that daemon has shipped every record; prints its host id.
shipped() {
  local status
  for _ in $(seq 150); do
    status=$("$@" call system.status 2>/dev/null || true)
    if [ -n "$status" ] && python3 -c 'import json,sys; f=json.loads(sys.argv[1])["components"]["fleet"]; sys.exit(0 if f.get("lagRecords")==0 and f.get("shippedSeq",0)>0 else 1)' "$status" 2>/dev/null; then
      python3 -c 'import json,sys; print(json.loads(sys.argv[1])["components"]["fleet"]["hostId"])' "$status"; return 0
    fi
    sleep 0.2
  done
  return 1
}
ALICE_HOST=$(shipped "$GH") || fail "alice's host shipped its records (log: $WORK/daemon.log)"
echo "alice's host: $ALICE_HOST"
echo "bob's laptop: its own daemon, socket and database, the same collector"
mkdir -p "$WORK/bob/run" && chmod 700 "$WORK/bob/run"
cp "$GATEHOUSE_CONFIG" "$WORK/bob/config.yaml"
BOB_ENV=(env XDG_RUNTIME_DIR="$WORK/bob/run" XDG_STATE_HOME="$WORK/bob/state" GATEHOUSE_CONFIG="$WORK/bob/config.yaml")
bob() { "${BOB_ENV[@]}" "$GH" "$@"; }
# env execs the daemon, so $! is its pid (a function run in the background would be a subshell's).
"${BOB_ENV[@]}" "$GH" serve >"$WORK/bob/daemon.log" 2>&1 &
BOB_DAEMON=$!
for _ in $(seq 100); do bob status >/dev/null 2>&1 && break; sleep 0.2; done
device_login bob bob
bob catalog sync >/dev/null
run bob policy check job.submit component:default/artist-lookup
BOB_HOST=$(shipped bob) || fail "bob's host shipped its records (log: $WORK/bob/daemon.log)"
echo "bob's host: $BOB_HOST"
echo "An auditor (alice is in team-a) queries every host's records at the collector:"
run "$GH" fleet audit query --method policy.check --csv
expect "the query answers" exited 0
expect "alice's host's records are there" says "^$ALICE_HOST,"
expect "and bob's" says "^$BOB_HOST,"
run "$GH" fleet verify "$BOB_HOST"
expect "bob's chain verifies centrally" says "fleet chain of $BOB_HOST intact"
run bob fleet audit query
expect "bob, no auditor, is refused (exit 4)" exited 4
shipped bob >/dev/null || fail "bob's host shipped the record of the refusal"
echo "Bob stops his daemon and deletes his newest audit records; his own audit verify catches it:"
kill -TERM "$BOB_DAEMON"; wait "$BOB_DAEMON" || true; BOB_DAEMON=""
expect "bob's daemon has stopped" [ ! -e "$WORK/bob/run/gatehouse/gatehouse.sock" ]
show sqlite3 "$WORK/bob/state/gatehouse/gatehouse.db" "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 2 FROM audit_log);"
run bob audit verify
expect "verify exits 1" exited 1
expect "naming the records the collector cosigned that are gone" says "are missing: the fleet collector cosigned"

step "Stopping the daemon (SIGTERM: finish in-flight requests, flush the audit, remove the socket)"
kill -TERM "$DAEMON"; wait "$DAEMON" || true; DAEMON=""
expect "the socket is gone" [ ! -e "$SOCK" ]
run "$GH" audit verify
expect "the chain is still intact, read straight from the database" exited 0
step "Tampering with one record (sqlite3, after dropping the append-only trigger) is caught"
show sqlite3 "$XDG_STATE_HOME/gatehouse/gatehouse.db" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET method='system.pinG' WHERE seq=2;"
run "$GH" audit verify
expect "verify exits 1" exited 1
expect "and names record 2" says "BROKEN at record 2"
echo; echo "Done: every step behaved. Files of this run: $WORK"
