#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Scenario D, ingest: collector messages per second converted and delivered
# to one client, nothing lost: a rate ladder (INGEST_RATES), the highest rate
# delivered whole is reported; rtdash-hub and the stub hub (ZeroMQ + msgpack
# -> JSON, minimal) in the same run, each pinned to CPU 0, load on CPU 1. A
# publisher at "max" would starve the load client on its shared core, so the
# rates are fixed.   tests/bench/ingest.sh BIN_DIR HARNESS_DIR -> JSON lines
set -euo pipefail
bin=$1 work=$2
secs=${INGEST_SECONDS:-5}
tmp=$(mktemp -d)
one() { # name rate ws_port zmq_port cmd...
    local name=$1 rate=$2 wp=$3 zp=$4; shift 4
    taskset -c 0 "$@" > "$tmp/$name.log" 2>&1 &
    local srv=$!
    for _ in $(seq 50); do ss -Hltn "sport = :$wp" | grep -q . && break; sleep 0.1; done
    taskset -c 1 "$work/build/wsload" --url "ws://127.0.0.1:$wp/ws" --proto json \
        --send '{"type":"subscribe","topics":["bench"]}' --clients 1 --warmup 1 \
        --duration "$secs" --watch-pid "$srv" > "$tmp/$name.wl.json" 2> /dev/null &
    local wl=$!
    sleep 0.7
    taskset -c 1 "$work/build/pub" --sys zmq --endpoint "tcp://127.0.0.1:$zp" --rate "$rate" \
        --duration $((secs + 1)) > "$tmp/$name.pub.json" 2> /dev/null || true
    wait "$wl" || true
    kill -TERM "$srv"; wait "$srv" 2> /dev/null || true
    /usr/bin/python3 - "$name" "$rate" "$tmp/$name.wl.json" "$tmp/$name.pub.json" <<'PY'
import json, sys
wl = json.load(open(sys.argv[3]))
pub = json.loads(open(sys.argv[4]).read().strip().splitlines()[-1])
w = (wl.get("watch") or [{}])[0]
rate = int(sys.argv[2])
ok = wl.get("lost") == 0 and wl["msgs_per_s"] >= 0.95 * rate
print(json.dumps({"peer": sys.argv[1], "rate": rate, "ok": ok,
                  "delivered_per_s": wl["msgs_per_s"], "published_per_s": pub.get("rate"),
                  "lost": wl.get("lost"), "server_cpu_pct": w.get("cpu_pct")}))
PY
}
for rate in ${INGEST_RATES:-50000 100000 200000 300000 400000 600000 800000}; do
    one hub "$rate" 18632 15632 "$bin/rtdash-hub" --port 18632 --ingest tcp://127.0.0.1:15632 --log-level warn
    one stub-hub "$rate" 18633 15633 "$work/build/limit_server" --ws-port 18633 --zmq-bind tcp://127.0.0.1:15633 --require-subscribe
done
rm -rf "$tmp"
