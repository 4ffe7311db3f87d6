#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh NAME SECONDS [libFuzzer options...]
# Build tests/fuzz/fuzz_NAME.c with clang + libFuzzer + ASan/UBSan in
# build-fuzz/ (or $RTDASH_FUZZ_BUILD) and fuzz it for SECONDS, starting from a
# temporary copy of tests/fuzz/corpus/NAME (the committed seeds never grow).
# Crash inputs are written to build-fuzz/fuzz-artifacts/.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 NAME [SECONDS] [libFuzzer options...]   (NAME: mp2json, cmd, topic, influx, jsonl, http, origin, authfile, jwt, curve)" >&2
    exit 2
fi
name=$1
secs=${2:-60}
[ $# -ge 2 ] && shift 2 || shift 1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${RTDASH_FUZZ_BUILD:-$root/build-fuzz}
[ -f "$here/fuzz_$name.c" ] || { echo "no target $here/fuzz_$name.c" >&2; exit 2; }

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DRTDASH_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target "fuzz_$name" -j "$(nproc 2>/dev/null || echo 2)"

work=$(mktemp -d "${TMPDIR:-/tmp}/rtdash-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
if [ -d "$here/corpus/$name" ]; then
    cp "$here/corpus/$name/"* "$work/" 2>/dev/null || true
fi
mkdir -p "$build/fuzz-artifacts"
dict=""
[ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
# shellcheck disable=SC2086
"$build/bin/fuzz_$name" -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$name-" $dict "$@" "$work"
