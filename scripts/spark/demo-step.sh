# shellcheck shell=bash
# The walk-through's real-Spark step: sourced by scripts/demo.sh once the sandbox runs with
# `--spark local` and alice is signed in. Uses demo.sh's step, run, expect, says, url, fail,
# $GH and $WORK. Uploads a PySpark job and a CSV to the sandbox's Cloud Storage the way one
# uploads to Cloud Storage (a simple media upload with a Google token from the daemon), submits
# it, and streams its driver output in the terminal as Spark prints it.
step "Real Spark: a PySpark job over a CSV, uploaded to (sandbox) Cloud Storage, its output streamed back as it runs"
SPARK_TOKEN=$("$GH" token print --audience google --scope https://www.googleapis.com/auth/cloud-platform)
python3 -c '
import random
random.seed(7)
print("artist,plays")
for _ in range(5000):
    print(f"artist-{random.randint(1, 40)},{random.randint(1, 100)}")' >"$WORK/plays.csv"
spark_upload() { # spark_upload FILE OBJECT
  printf '$ curl -H "Authorization: Bearer $(gatehouse token print)" --data-binary @%s "%s"\n' "$(basename "$1")" \
    "$(url storage)/upload/storage/v1/b/demo-uploads/o?uploadType=media&name=$2"
  curl -sf -o /dev/null -H "Authorization: Bearer $SPARK_TOKEN" -H 'Content-Type: application/octet-stream' --data-binary "@$1" \
    "$(url storage)/upload/storage/v1/b/demo-uploads/o?uploadType=media&name=$2" || fail "the upload of $2 was refused"
}
spark_upload scripts/spark/jobs/top_artists.py top_artists.py
spark_upload "$WORK/plays.csv" plays.csv
run "$GH" job submit component:default/engagement-reports --pyspark gs://demo-uploads/top_artists.py \
  --property spark.log.level=WARN --json -- gs://demo-uploads/plays.csv
expect "the PySpark job is accepted" exited 0
SPARK_JOB=$(field 'd["jobId"]')
printf '$ %s\n' "$GH job logs $SPARK_JOB --follow"
"$GH" job logs "$SPARK_JOB" --follow | tee "$WORK/spark-job.out"
OUT=$(cat "$WORK/spark-job.out")
expect "Spark counted the 5000 rows of the CSV" says "^rows: 5000$"
expect "and printed the top artists" says "^top artist: artist-[0-9]+ [0-9]+$"
run "$GH" job watch "$SPARK_JOB"
expect "the real run ended DONE" says "ended DONE"
