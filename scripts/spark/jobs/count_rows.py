"""Counts the rows of a CSV (with a header line) on Spark: the walk-through's and the test's job.

    count_rows.py CSV [RELEASE_FILE]

With RELEASE_FILE, waits (at most 2 minutes) until that file exists before ending, so a test can
read the streamed output while the job is still RUNNING.
"""
import os
import sys
import time

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("count-rows").getOrCreate()
spark.sparkContext.setLogLevel("WARN")
rows = spark.read.csv(sys.argv[1], header=True)
print(f"rows: {rows.count()}", flush=True)
print(f"columns: {', '.join(rows.columns)}", flush=True)
if len(sys.argv) > 2:
    deadline = time.time() + 120
    while not os.path.exists(sys.argv[2]) and time.time() < deadline:
        time.sleep(0.1)
spark.stop()
