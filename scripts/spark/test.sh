#!/bin/sh
# Real PySpark runs through Gatehouse: installs pyspark and Java 17 once (setup.sh), starts
# `gatehouse-sandbox --spark local` and a signed-in daemon (scripts/sdk/with-daemon.sh), and runs
# check-runs.sh against them: a row count streamed back while the job runs, a failing job ending
# ERROR with its traceback, a cancel, and a Serverless batch (the walk-through's step, demo-step.sh,
# runs in scripts/demo.sh). Prints how long each part took.
#
#   scripts/spark/test.sh
#
# Needs built .build/debug/gatehouse and gatehouse-sandbox (GATEHOUSE_BIN_DIR overrides).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
started=$(date +%s)
spark_submit=$("$here/setup.sh")
echo "spark test: setup (pyspark, Java) took $(($(date +%s) - started)) s" >&2
GATEHOUSE_SANDBOX_ARGS="--spark local --spark-submit $spark_submit --spark-timeout-seconds 300" \
    "$repo/scripts/sdk/with-daemon.sh" --sign-in "$here/check-runs.sh"
echo "spark test: passed in $(($(date +%s) - started)) s" >&2
