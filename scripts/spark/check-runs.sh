#!/bin/sh
# The checks of scripts/spark/test.sh, run by scripts/sdk/with-daemon.sh beside
# `gatehouse-sandbox --spark local` and a daemon with alice signed in (see test.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export GATEHOUSE_CONFIG="$GATEHOUSE_WORK/config.yaml"
gh=$GATEHOUSE_BIN
work=$GATEHOUSE_WORK
entity=component:default/engagement-reports
url() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$GATEHOUSE_SANDBOX_PORTS" "$1"; }
fail() {
    echo "spark test: FAILED: $*" >&2
    for log in sandbox daemon; do echo "--- $log.log" >&2; tail -30 "$work/$log.log" >&2; done
    exit 1
}
ok() { echo "  [ok] $*"; }
now() { date +%s; }
# job_field ID EXPR: a value of `gatehouse job status ID --json` (a Python expression over `d`).
job_field() { "$gh" job status "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }
submit() { # submit MAIN ARG...: submits a PySpark job, prints its id
    main=$1; shift
    "$gh" job submit "$entity" --pyspark "$main" --json -- "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])'
}

"$gh" catalog sync >/dev/null || fail "catalog sync"
token=$("$gh" token print --audience google --scope https://www.googleapis.com/auth/cloud-platform) || fail "no Google token"
upload() { # upload FILE OBJECT: a simple media upload, as to Cloud Storage's JSON API
    curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' --data-binary "@$1" \
        "$(url storage)/upload/storage/v1/b/spark-test/o?uploadType=media&name=$2" || fail "upload of $2"
}
python3 -c 'print("id,value"); [print(f"{i},{i * i}") for i in range(1234)]' >"$work/rows.csv"
upload "$work/rows.csv" data/rows.csv
for job in count_rows bad_row sleep; do upload "$here/jobs/$job.py" "jobs/$job.py"; done
ok "uploaded three PySpark scripts and a CSV of 1234 rows to gs://spark-test"

echo "== a row count, streamed back while the job runs"
t0=$(now)
release="$work/release-count"
job=$(submit gs://spark-test/jobs/count_rows.py gs://spark-test/data/rows.csv "$release") || fail "submit count_rows"
tries=0
until "$gh" job logs "$job" 2>/dev/null | grep -q "^rows: 1234$"; do
    tries=$((tries + 1)); [ "$tries" -lt 1800 ] || fail "the count never appeared in job logs"; sleep 0.1
done
state=$(job_field "$job" 'd["state"]')
[ "$state" = RUNNING ] || fail "expected the job RUNNING while the driver waits, got $state"
ok "'rows: 1234' came back through job logs while the job was RUNNING ($(($(now) - t0)) s after submit)"
touch "$release"
"$gh" job logs "$job" --follow >"$work/count.out" 2>&1 || fail "job logs --follow: $(tail -5 "$work/count.out")"
grep -q "^rows: 1234$" "$work/count.out" || fail "job logs --follow did not print the count"
grep -q "^columns: id, value$" "$work/count.out" || fail "job logs --follow did not print the columns"
"$gh" job watch "$job" >"$work/count.watch" 2>&1 || fail "job watch: $(cat "$work/count.watch")"
grep -q "ended DONE" "$work/count.watch" || fail "the count job did not end DONE"
ok "job logs --follow printed the count and returned; the job ended DONE ($(($(now) - t0)) s)"

echo "== a job that raises ends ERROR, its traceback in the output"
t0=$(now)
job=$(submit gs://spark-test/jobs/bad_row.py gs://spark-test/data/rows.csv) || fail "submit bad_row"
"$gh" job watch "$job" >"$work/bad.watch" 2>&1 && fail "job watch exited 0 for a failing job"
grep -q "ended ERROR" "$work/bad.watch" || fail "the failing job did not end ERROR: $(cat "$work/bad.watch")"
"$gh" job logs "$job" >"$work/bad.out" 2>&1 || fail "job logs of the failed job"
grep -q "^Traceback (most recent call last):" "$work/bad.out" || fail "no traceback in job logs"
grep -q "ValueError: bad row in input: 0" "$work/bad.out" || fail "the exception is not in job logs"
ok "ended ERROR; job logs shows the traceback and 'ValueError: bad row in input: 0' ($(($(now) - t0)) s)"
grep -q "ended ERROR: .*ValueError: bad row in input: 0" "$work/bad.watch" || fail "job watch does not name the failure: $(cat "$work/bad.watch")"
ok "job watch names the failure, from Dataproc's status.details: $(grep "ended ERROR:" "$work/bad.watch")"

echo "== a cancel kills the driver"
t0=$(now)
job=$(submit gs://spark-test/jobs/sleep.py) || fail "submit sleep"
tries=0
until "$gh" job logs "$job" 2>/dev/null | grep -q "sleeping until cancelled"; do
    tries=$((tries + 1)); [ "$tries" -lt 1800 ] || fail "the sleeping job never started"; sleep 0.1
done
"$gh" job cancel "$job" >/dev/null || fail "job cancel"
"$gh" job watch "$job" >"$work/sleep.watch" 2>&1 || true
grep -q "ended CANCELLED" "$work/sleep.watch" || fail "the cancelled job did not end CANCELLED: $(cat "$work/sleep.watch")"
pgrep -f "gs/spark-test/jobs/sleep.py" >/dev/null && fail "the cancelled driver still runs"
ok "ended CANCELLED and its driver is gone ($(($(now) - t0)) s)"

echo "== a Serverless batch (projects.locations.batches) runs too"
t0=$(now)
dataproc=$(url dataproc)/v1/projects/demo-project/locations/europe-west1
curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"pysparkBatch": {"mainPythonFileUri": "gs://spark-test/jobs/count_rows.py", "args": ["gs://spark-test/data/rows.csv"]}}' \
    "$dataproc/batches?batchId=spark-count-1" || fail "batches.create"
tries=0
while :; do
    state=$(curl -sf -H "Authorization: Bearer $token" "$dataproc/batches/spark-count-1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    case $state in SUCCEEDED) break ;; FAILED | CANCELLED) fail "the batch ended $state" ;; esac
    tries=$((tries + 1)); [ "$tries" -lt 1800 ] || fail "the batch never ended"; sleep 0.1
done
output=$(curl -sf -H "Authorization: Bearer $token" "$(url storage)/storage/v1/b/dataproc-staging-sandbox/o?prefix=google-cloud-dataproc-metainfo/" |
    python3 -c 'import json,sys; print("\n".join(i["name"] for i in json.load(sys.stdin).get("items", []) if "/batches/spark-count-1/" in i["name"]))')
[ -n "$output" ] || fail "the batch wrote no driver output"
for chunk in $output; do
    curl -sf -H "Authorization: Bearer $token" "$(url storage)/storage/v1/b/dataproc-staging-sandbox/o/$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$chunk")?alt=media"
done >"$work/batch.out"
grep -q "^rows: 1234$" "$work/batch.out" || fail "the batch's driver output has no count"
ok "the batch SUCCEEDED and its driver output says 'rows: 1234' ($(($(now) - t0)) s)"
