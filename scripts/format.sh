#!/bin/sh
# SPDX-License-Identifier: MIT
# The C code's format is .clang-format's, as clang-format 14 (Debian 12)
# writes it: new code reads like the old.
#   scripts/format.sh --check   list the files that differ, exit 1 if any
#   scripts/format.sh --fix     rewrite them in place (make format)
set -eu
cd "$(dirname "$0")/.."
mode=${1:---check}
command -v clang-format >/dev/null 2>&1 || {
    echo "format.sh: clang-format is missing (Debian: apt-get install clang-format)" >&2
    exit 2
}
files=$(git ls-files '*.c' '*.h')
case "$mode" in
--fix)
    # shellcheck disable=SC2086
    clang-format -i --style=file $files
    ;;
--check)
    bad=""
    for f in $files; do
        clang-format --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
    done
    if [ -n "$bad" ]; then
        echo "format.sh: these files differ from clang-format's output (make format fixes them):" >&2
        for f in $bad; do echo "  $f" >&2; done
        exit 1
    fi
    echo "format.sh: $(echo "$files" | wc -l) C files as clang-format writes them"
    ;;
*)
    echo "usage: scripts/format.sh --check | --fix" >&2
    exit 2
    ;;
esac
