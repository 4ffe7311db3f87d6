#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run integration tests with rtdash-hub under Valgrind memcheck.
#
#   tests/valgrind.sh [TEST_FILE...]      default: test_ws.py test_http.py
#
# RTDASH_BIN    directory of a normal build (default build/bin). Not an ASan build:
#               Valgrind and AddressSanitizer do not work together.
# VALGRIND_OPTS extra valgrind options (e.g. --track-origins=yes).
# KEEP_LOGS=1   keep the work directory (valgrind logs, test output).
#
# The integration harness starts $RTDASH_BIN/rtdash-hub. This script points
# RTDASH_BIN at a work directory where `rtdash-hub` is a small wrapper that
# starts the real binary under valgrind (one log per hub process) and every
# other program is a link to the real one. The wrapper runs valgrind as a
# child and forwards SIGTERM/SIGINT to it: when the harness gives up waiting
# for a (slow, valgrind-run) hub to stop and kills the wrapper, valgrind still
# finishes and writes its leak report. At the end the script waits for every
# hub it started (by PID, bounded), then sums up the logs.
#
# Exit status: 0 when the tests passed and valgrind found no error and no
# definite leak; 1 when a test failed; 2 when valgrind reported errors/leaks
# (or a hub's log has no summary); 3 on a set-up problem.
set -u
cd "$(dirname "$0")/.."
SRC=$PWD
BIN=${RTDASH_BIN:-$SRC/build/bin}
BIN=$(cd "$BIN" 2>/dev/null && pwd) || { echo "valgrind.sh: no directory ${RTDASH_BIN:-build/bin}" >&2; exit 3; }
[ -x "$BIN/rtdash-hub" ] || { echo "valgrind.sh: $BIN/rtdash-hub not found (build first)" >&2; exit 3; }
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 3; }
if grep -q "libasan.so" "$BIN/rtdash-hub"; then
    echo "valgrind.sh: $BIN/rtdash-hub is an ASan build; use a normal build (build/bin)" >&2
    exit 3
fi
[ $# -gt 0 ] || set -- test_ws.py test_http.py

WORK=$(mktemp -d /tmp/rtdash-valgrind.XXXXXX)
LOGS=$WORK/logs
mkdir -p "$WORK/bin" "$LOGS"
for f in "$BIN"/*; do
    [ "$(basename "$f")" = rtdash-hub ] || ln -s "$f" "$WORK/bin/$(basename "$f")"
done
cat > "$WORK/bin/rtdash-hub" <<EOF
#!/bin/sh
# rtdash-hub under valgrind memcheck (written by tests/valgrind.sh)
valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \\
    --error-exitcode=99 --show-leak-kinds=definite,indirect --num-callers=30 \\
    --log-file="$LOGS/hub.%p.log" ${VALGRIND_OPTS:-} "$BIN/rtdash-hub" "\$@" &
child=\$!
echo "\$child" >> "$LOGS/pids"
trap 'kill -TERM "\$child" 2>/dev/null' TERM INT
while :; do
    wait "\$child"
    rc=\$?
    kill -0 "\$child" 2>/dev/null || exit "\$rc"
done
EOF
chmod +x "$WORK/bin/rtdash-hub"

echo "== valgrind $(valgrind --version) on $BIN/rtdash-hub; logs in $LOGS"
test_rc=0
for t in "$@"; do
    case "$t" in */*) path=$t ;; *) path=tests/integration/$t ;; esac
    echo "== $path (hub under valgrind)"
    start=$(date +%s)
    RTDASH_BIN=$WORK/bin RTDASH_SRC=$SRC /usr/bin/python3 "$path" 2>&1 | tee "$WORK/$(basename "$path").out" \
        | grep -E "^(PASS|FAIL|XFAIL|  XFAIL|[0-9]+ passed)" | cut -c1-300
    rc=${PIPESTATUS[0]}
    echo "   ($(( $(date +%s) - start )) s, exit $rc)"
    [ "$rc" = 0 ] || test_rc=1
done

# every hub valgrind started must have finished (bounded), then read the logs
if [ -f "$LOGS/pids" ]; then
    for pid in $(sort -u "$LOGS/pids"); do
        for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "valgrind.sh: hub $pid still running 60 s after the tests; killing it" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
    done
fi

vg_rc=0
n=0; n_err=0; n_nosum=0; def_total=0; ind_total=0
for log in "$LOGS"/hub.*.log; do
    [ -e "$log" ] || continue
    n=$((n + 1))
    if ! grep -q "ERROR SUMMARY" "$log"; then
        n_nosum=$((n_nosum + 1))
        echo "-- $(basename "$log"): no summary (the hub did not exit normally)"
        vg_rc=2
        continue
    fi
    errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d , | tail -1)
    def=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -1)
    ind=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -1)
    def_total=$((def_total + ${def:-0})); ind_total=$((ind_total + ${ind:-0}))
    if [ "${errs:-0}" != 0 ] || [ "${def:-0}" != 0 ]; then
        n_err=$((n_err + 1))
        vg_rc=2
        echo "-- $(basename "$log"): ${errs:-0} errors, ${def:-0} bytes definitely lost"
        grep -E "^==[0-9]+== (Invalid|Conditional|Syscall|Use of|Mismatched|Source and|[0-9,]+ bytes in [0-9,]+ blocks are definitely)" -A 12 "$log" | head -60
    fi
done
echo "== valgrind: $n hub processes; $n_err with errors or definite leaks; $n_nosum without a summary;" \
     "definitely lost $def_total bytes, indirectly lost $ind_total bytes in all"
[ "$test_rc" = 0 ] && echo "== tests: all passed" || echo "== tests: some failed (see above; $WORK/*.out)"
if [ "${KEEP_LOGS:-0}" = 1 ] || [ "$vg_rc" != 0 ] || [ "$test_rc" != 0 ]; then
    echo "== kept $WORK"
else
    rm -rf "$WORK"
fi
[ "$test_rc" = 0 ] || exit 1
exit "$vg_rc"
