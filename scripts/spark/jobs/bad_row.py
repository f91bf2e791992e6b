"""A job that fails the way a real one does: a Python exception in the driver."""
import sys

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("bad-row").getOrCreate()
first = spark.read.csv(sys.argv[1], header=True).first()
raise ValueError(f"bad row in input: {first['id']}")
