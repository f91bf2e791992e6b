#!/bin/sh
# Runs a command beside a fresh gatehouse-sandbox and a gatehouse daemon on private temporary paths,
# for the tests of clients that talk to a real daemon (google-auth, the Python client).
#
#   scripts/sdk/with-daemon.sh [--sign-in] COMMAND [ARG...]
#
# The command sees GATEHOUSE_BIN (the CLI), GATEHOUSE_WORK (the temporary directory: config.yaml,
# impersonate.yaml with identity.service_account set, ports.json), GATEHOUSE_SANDBOX_PORTS,
# GATEHOUSE_SOCKET and XDG_RUNTIME_DIR/XDG_STATE_HOME. With --sign-in, alice (team-a) is signed in
# with the device flow first. Needs built .build/debug/gatehouse and gatehouse-sandbox
# (GATEHOUSE_BIN_DIR overrides the directory). GATEHOUSE_SANDBOX_ARGS adds flags to the sandbox
# (e.g. "--spark local --spark-submit PATH").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sign_in=false
if [ "${1:-}" = "--sign-in" ]; then sign_in=true; shift; fi
bin=${GATEHOUSE_BIN_DIR:-$repo/.build/debug}
work=$(mktemp -d /tmp/gatehouse-with-daemon.XXXXXX)
sandbox_pid="" daemon_pid="" login_pid=""
stop() {
    for pid in $login_pid $daemon_pid $sandbox_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap stop EXIT
fail() {
    echo "with-daemon: $*" >&2
    for log in sandbox daemon login; do [ -s "$work/$log.log" ] && { echo "--- $log.log" >&2; tail -20 "$work/$log.log" >&2; }; done
    exit 1
}
wait_for() { # wait_for TRIES COMMAND...: polls COMMAND every 0.1 s
    tries=$1; shift
    until "$@"; do tries=$((tries - 1)); [ "$tries" -gt 0 ] || return 1; sleep 0.1; done
}

# shellcheck disable=SC2086 # GATEHOUSE_SANDBOX_ARGS is a list of flags
"$bin/gatehouse-sandbox" --ports-file "$work/ports.json" ${GATEHOUSE_SANDBOX_ARGS:-} >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
wait_for 300 test -s "$work/ports.json" || fail "gatehouse-sandbox did not write its ports"
url() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/ports.json" "$1"; }

export XDG_RUNTIME_DIR="$work/run" XDG_STATE_HOME="$work/state"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
identity() {
    cat <<YAML
identity:
  issuer: $(url oidc)
  client_id: gatehouse
  workload_identity_audience: //iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/gatehouse/providers/sandbox
  sts_url: $(url sts)/v1/token
  iam_credentials_url: $(url iamcredentials)
YAML
}
{
    identity
    printf 'catalog:\n  base_url: %s\n  sync_interval_seconds: 0\n' "$(url backstage)"
    printf 'dataproc:\n  base_url: %s\n  storage_base_url: %s\n' "$(url dataproc)" "$(url storage)"
} >"$work/config.yaml"
{ identity; echo "  service_account: dataproc-runner@demo-project.iam.gserviceaccount.com"; } >"$work/impersonate.yaml"

"$bin/gatehouse" serve --config "$work/config.yaml" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
wait_for 300 "$bin/gatehouse" status --config "$work/config.yaml" >/dev/null 2>&1 || fail "the daemon did not start"

if $sign_in; then
    # alice is in team-a, which may impersonate dataproc-runner in the sandbox.
    "$bin/gatehouse" login --device --config "$work/config.yaml" >"$work/login.log" 2>&1 &
    login_pid=$!
    wait_for 100 grep -q "code:" "$work/login.log" || fail "login --device printed no code"
    code=$(sed -n 's/.*code: *//p' "$work/login.log" | head -1)
    curl -sf -o /dev/null -d "user_code=$code&sub=alice" "$(url oidc)/device" || fail "the sandbox IdP refused the device code"
    wait "$login_pid" || fail "login --device failed"
    login_pid=""
fi
GATEHOUSE_BIN="$bin/gatehouse" GATEHOUSE_WORK="$work" GATEHOUSE_SANDBOX_PORTS="$work/ports.json" \
    GATEHOUSE_SOCKET="$XDG_RUNTIME_DIR/gatehouse/gatehouse.sock" "$@"
