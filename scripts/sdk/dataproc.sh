#!/bin/sh
# Drives a fresh gatehouse-sandbox with Google's own client libraries (google-cloud-dataproc, REST
# transport, and google-cloud-storage for driver output, from PyPI), as a user's Python script
# would (scripts/sdk/sdk-test.sh says how).
#
#   scripts/sdk/dataproc.sh
exec "$(dirname "$0")/sdk-test.sh" requirements.txt "google.cloud.dataproc_v1, google.cloud.storage" test_dataproc_sdk
