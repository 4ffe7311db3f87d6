#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: rtdash-hub next to its peers, in one run on this machine, with
# the ratios the targets are stated in (issue 7). Not part of make test.
#
#   tests/bench/run.sh BIN_DIR            # all peers, scenarios A B C, + D, E and instructions
#   PEERS="hub stub-hub" SCENARIOS="A B" tests/bench/run.sh build/bin
#
# The load client, publisher and peer set-ups are the team's harness in
# ../shared/bench (RTDASH_BENCH_SRC overrides); it is copied to a scratch
# directory, patched (wsload-welcome.patch: the hub's welcome repeats the last
# message of each topic from the previous step, which is not a data message),
# and built there. Results: $OUT (default: a scratch dir), printed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$(cd "${1:-$repo/build/bin}" && pwd)
src=${RTDASH_BENCH_SRC:-$repo/../shared/bench}
[ -d "$src" ] || { echo "bench: no harness at $src (set RTDASH_BENCH_SRC)"; exit 1; }
work=$(mktemp -d /tmp/rtdash-bench.XXXXXX)
cp -r "$src/." "$work/"
chmod -R u+w "$work"
(cd "$work" && patch -s -p1 < "$here/wsload-welcome.patch")
for pkg in libmosquitto-dev mosquitto nats-server linux-perf valgrind; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="${missing:-} $pkg"
done
if [ -n "${missing:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench needs:${missing}"; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq $missing
fi
(cd "$work" && make -s)
[ -d "$work/peers/node/node_modules" ] || (cd "$work/peers/node" && npm ci --no-audit --no-fund -s)
out=${OUT:-$work/results/run}
export OUT=$out
export PEERS=${PEERS:-"hub stub-hub limit limit-1w nats node-ws mosquitto py-broadcast"}
export SCENARIOS=${SCENARIOS:-"A B C"}
export HUB_CMD="$bin/rtdash-hub --port 8080 --ingest tcp://127.0.0.1:5556 --max-clients 20000 --log-level warn"
(cd "$work" && ./run-peers.sh) > "$work/run-peers.out" 2>&1 || true
echo "== harness report: $out/report.md"
# D: ingest, and instructions per delivered message (stable across noise)
if [ "${SKIP_D:-0}" != 1 ]; then
    "$here/ingest.sh" "$bin" "$work" > "$out/ingest.json" 2> "$out/ingest.err" || true
fi
# E: realistic dashboard mix (1000 topics, 20 per client), hub and NATS
if [ "${SKIP_E:-0}" != 1 ]; then
    "$here/mix.sh" "$bin" "$work" > "$out/mix.json" 2> "$out/mix.err" || true
fi
if [ "${SKIP_INSTR:-0}" != 1 ]; then
    "$here/instr.sh" "$bin" "$work" > "$out/instr.json" 2> "$out/instr.err" || true
fi
# Auth: A and the instructions again with a token on every client (issue 12:
# within 5 % of the same run without auth)
if [ "${SKIP_AUTH:-0}" != 1 ]; then
    tok=bench-token-0123456789abcdef
    printf '%s viewer bench\n' "$tok" > "$work/bench.tokens"
    chmod 600 "$work/bench.tokens"
    (cd "$work" && OUT="$out/auth" PEERS=hub SCENARIOS=A HUB_WS_PATH="/ws?token=$tok" \
        HUB_CMD="$HUB_CMD --host 127.0.0.1 --auth $work/bench.tokens" ./run-peers.sh) \
        > "$work/run-peers-auth.out" 2>&1 || true
    if [ "${SKIP_INSTR:-0}" != 1 ]; then
        INSTR_HUB_ARGS="--host 127.0.0.1 --auth $work/bench.tokens" \
            INSTR_SUBPROTOCOL="rtdash.v1, bearer.$tok" \
            "$here/instr.sh" "$bin" "$work" > "$out/instr-auth.json" 2> "$out/instr-auth.err" || true
    fi
fi
/usr/bin/python3 "$here/ratios.py" "$out"
