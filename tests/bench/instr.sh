#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions per delivered message: the hub under callgrind (counts
# instructions, so the figure does not move with machine noise), 10 clients
# subscribed to one topic, N messages; minus an identical run with no
# messages, divided by the messages the clients received.
#   tests/bench/instr.sh BIN_DIR HARNESS_DIR   -> one JSON line on stdout
set -euo pipefail
bin=$1 work=$2
clients=${INSTR_CLIENTS:-10} rate=${INSTR_RATE:-500} secs=${INSTR_SECONDS:-10}
# INSTR_HUB_ARGS: more hub flags (e.g. --auth FILE); INSTR_SUBPROTOCOL: the
# clients' Sec-WebSocket-Protocol (e.g. "rtdash.v1, bearer.TOKEN")
read -r -a hub_args <<< "${INSTR_HUB_ARGS:-}"
proto_args=()
[ -n "${INSTR_SUBPROTOCOL:-}" ] && proto_args=(--subprotocol "$INSTR_SUBPROTOCOL")
tmp=$(mktemp -d)
run() { # rate -> "Ir delivered"
    local r=$1
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$r" \
        "$bin/rtdash-hub" --port 18631 --ingest tcp://127.0.0.1:15631 --log-level warn \
        "${hub_args[@]}" \
        2> "$tmp/vg.$r.err" &
    local hub=$!
    for _ in $(seq 100); do ss -Hltn 'sport = :18631' | grep -q . && break; sleep 0.2; done
    "$work/build/wsload" --url ws://127.0.0.1:18631/ws --proto json "${proto_args[@]}" \
        --send '{"type":"subscribe","topics":["bench"]}' --clients "$clients" \
        --warmup 1 --duration $((secs + 3)) > "$tmp/wl.$r.json" 2> /dev/null &
    local wl=$!
    sleep 2
    if [ "$r" != 0 ]; then
        "$work/build/pub" --sys zmq --endpoint tcp://127.0.0.1:15631 --rate "$r" \
            --duration "$secs" > /dev/null 2>&1
    else
        sleep "$secs"
    fi
    wait "$wl" || true
    kill -TERM "$hub"; wait "$hub" || true
    local ir
    ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$tmp/cg.$r")
    echo "$ir $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["msgs_total"])' "$tmp/wl.$r.json")"
}
read -r ir0 d0 < <(run 0)
read -r ir1 d1 < <(run "$rate")
/usr/bin/python3 - "$ir0" "$d0" "$ir1" "$d1" "$clients" "$rate" "$secs" <<'PY'
import json, sys
ir0, d0, ir1, d1 = (int(x) for x in sys.argv[1:5])
clients, rate, secs = (int(x) for x in sys.argv[5:8])
per = (ir1 - ir0) / d1 if d1 else None
print(json.dumps({"instr_per_delivered": per, "ir_idle": ir0, "ir_run": ir1, "delivered": d1,
                  "clients": clients, "rate": rate, "seconds": secs}))
PY
rm -rf "$tmp"
