#!/bin/sh
# Installs what `gatehouse-sandbox --spark local` runs PySpark with, only when Spark is wanted:
# Java 17 from Debian (openjdk-17-jre-headless) where no java is on PATH, and pyspark (pinned in
# requirements.txt) into its own venv, .build/spark-venv (GATEHOUSE_SPARK_VENV overrides).
# Prints the spark-submit to pass as `--spark-submit`.
#
#   scripts/spark/setup.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${GATEHOUSE_SPARK_VENV:-$repo/.build/spark-venv}
if ! command -v java >/dev/null 2>&1; then
    echo "spark setup: installing openjdk-17-jre-headless" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
if ! "$venv/bin/python" -c "import pyspark" 2>/dev/null; then
    echo "spark setup: installing pyspark into $venv" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet -r "$here/requirements.txt" >&2
fi
echo "$venv/bin/spark-submit"
