#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of the RPC server's input path:
#   frames     the newline frame decoder (input split into reads of varying size) + JSON-RPC parsing
#   canonical  the JSON parser and the canonical writer's round trip (the bytes the audit chain hashes)
#   dispatch   the dispatcher answering whole frames with a table of test methods
#
# Usage: scripts/fuzz.sh [RUNS_PER_TARGET] [TARGET...]     (default: 200000 runs of each target)
# Each target starts from Tests/Fuzz/seeds (JSON-RPC spec examples and the malformed-input tests' frames);
# what it learns goes to .build/fuzz/corpus/TARGET, crashes to .build/fuzz/crashes/TARGET (exit 1).
# A crash input replays without the sanitizers: GATEHOUSE_FUZZ_TARGET=frames .build/debug/gatehouse-fuzz FILE
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-200000}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(frames canonical dispatch)

build=.build/fuzz
echo "building gatehouse-fuzz with -sanitize=fuzzer,address (the first build compiles every dependency: several minutes)"
swift build -c release --build-path "$build/swiftpm" --product gatehouse-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 | grep -E 'error|Compiling gatehouse_fuzz|Build complete' || true
binary="$(swift build -c release --build-path "$build/swiftpm" --show-bin-path)/gatehouse-fuzz"
[ -x "$binary" ] || { echo "fuzz build failed" >&2; exit 1; }

status=0
for target in "${targets[@]}"; do
    corpus="$build/corpus/$target"
    crashes="$build/crashes/$target"
    mkdir -p "$corpus" "$crashes"
    log="$build/$target.log"
    started=$(date +%s)
    # -rss_limit_mb: a leak or unbounded growth is a failure too; -max_len: frames far past the decoder's 4 KiB test limit.
    if GATEHOUSE_FUZZ_TARGET="$target" "$binary" "$corpus" Tests/Fuzz/seeds \
        -runs="$runs" -max_len=16384 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$crashes/" >"$log" 2>&1; then
        result="ok"
    else
        result="FAILED (see $log and $crashes)"
        status=1
    fi
    seconds=$(( $(date +%s) - started ))
    coverage=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 || true)
    features=$(grep -Eo 'ft: [0-9]+' "$log" | tail -1 || true)
    executed=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    echo "$target: $result — $executed inputs in ${seconds}s, $coverage, $features, corpus $(ls "$corpus" | wc -l) files"
done
exit $status
