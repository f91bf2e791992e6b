"""A job that runs until it is cancelled (at most 2 minutes)."""
import time

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("sleep").getOrCreate()
print("sleeping until cancelled", flush=True)
time.sleep(120)
