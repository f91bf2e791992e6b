#!/bin/sh
# Drives a fresh gatehouse-sandbox with Google's own Looker client (looker-sdk, API 4.0, from
# PyPI), as a Looker user's script would (scripts/sdk/sdk-test.sh says how).
#
#   scripts/sdk/looker.sh
exec "$(dirname "$0")/sdk-test.sh" looker-requirements.txt looker_sdk test_looker_sdk
