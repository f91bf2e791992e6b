#!/usr/bin/env bash
# Writes the gatehouse man pages (gatehouse.1 and one page per subcommand) into DIR (default:
# .build/man), generated from the command definitions by swift-argument-parser's generate-manual
# plugin (it reads `gatehouse --experimental-dump-help`; nothing is fetched).
# Usage: scripts/man.sh [DIR]   (CONFIGURATION=release to reuse a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-.build/man}
CONFIGURATION=${CONFIGURATION:-debug}
swift package plugin --allow-writing-to-package-directory generate-manual \
  --configuration "$CONFIGURATION" --multi-page --authors "The Gatehouse authors" >&2
GENERATED=$(find .build/plugins -type d -path '*GenerateManual*' -name gatehouse | head -1)
[ -n "$GENERATED" ] || { echo "man.sh: the plugin wrote no gatehouse pages" >&2; exit 1; }
mkdir -p "$OUT"
cp "$GENERATED"/*.1 "$OUT"/
ls "$OUT"
