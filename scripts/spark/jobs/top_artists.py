"""The walk-through's PySpark job: plays per artist from a CSV (artist,plays), the top three.

    top_artists.py CSV
"""
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

spark = SparkSession.builder.appName("top-artists").getOrCreate()
plays = spark.read.csv(sys.argv[1], header=True, inferSchema=True)
print(f"rows: {plays.count()}", flush=True)
top = plays.groupBy("artist").agg(F.sum("plays").alias("plays")).orderBy(F.desc("plays"), "artist").limit(3)
for row in top.collect():
    print(f"top artist: {row['artist']} {row['plays']}", flush=True)
spark.stop()
