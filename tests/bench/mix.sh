#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Scenario E, "realistic dashboard mix": 1000 topics (mix.c<k>.t<j>) published
# by 10 collectors (100 topics each); MIX_CLIENTS (1000) WebSocket clients,
# each subscribed to its own 20 topics (drawn by a seeded PRNG: ~20
# subscribers per topic). A publish-rate ladder (total msgs/s over all
# topics, MIX_LADDER) climbs until a step fails, then MIX_REFINE log-bisection
# steps. A step passes when p99 < P99_LIMIT_MS (100), nothing is lost (seq
# gaps per client per topic), every client got messages, delivered >= 95 % of
# expected (rate / 1000 x subscriptions) and the publisher reached 95 % of its
# target. rtdash-hub and nats-server (WebSocket, subjects = topics) in the
# same run; the server is pinned to CPU 0, load client + publisher to CPU 1;
# every step starts a fresh server. The load client is mixload.c and the
# publisher mixpub.c (shared helpers in mix_common.h),
# built here.
#   tests/bench/mix.sh BIN_DIR WORKDIR   -> one JSON line per peer on stdout,
#   progress on stderr, per-step files in WORKDIR/mix/
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$(cd "${1:?usage: mix.sh BIN_DIR WORKDIR}" && pwd)
mkdir -p "${2:?usage: mix.sh BIN_DIR WORKDIR}"
work=$(cd "$2" && pwd)
src=${RTDASH_BENCH_SRC:-$repo/../shared/bench}
clients=${MIX_CLIENTS:-1000}
rates=${MIX_LADDER:-"1000 3000 10000 30000 100000 300000"}
below=${MIX_BELOW:-"300 100"}          # tried, in order, when the first rate fails
refine=${MIX_REFINE:-2}
warm=${MIX_WARMUP:-1} secs=${MIX_SECONDS:-3}
peers=${MIX_PEERS:-"hub nats"}
p99_limit=${P99_LIMIT_MS:-100}
retry_budget=${MIX_RETRY_BUDGET_S:-40} # re-run a failed step once if the machine was busy, within this
server_cpu=${SERVER_CPU-0} client_cpu=${CLIENT_CPU-1}
out=$work/mix
mkdir -p "$out"
log() { printf '%s mix: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck disable=SC2046
for prog in mixload mixpub; do
    cc -O2 -g -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags libzmq msgpack libcrypto) \
        -o "$work/$prog" "$here/$prog.c" $(pkg-config --libs libzmq msgpack libcrypto)
done
ml=$work/mixload mp=$work/mixpub
if [ -f "$work/peers/nats.conf" ]; then cp "$work/peers/nats.conf" "$out/nats.conf"
elif [ -f "$src/peers/nats.conf" ]; then cp "$src/peers/nats.conf" "$out/nats.conf"; fi
ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
STS=(); [ -n "$server_cpu" ] && STS=(taskset -c "$server_cpu")
CTS=(); [ -n "$client_cpu" ] && CTS=(taskset -c "$client_cpu")

peer_def() { # sets SRV URL PROTO PUBARGS PORTS
    case "$1" in
    hub)
        SRV=("$bin/rtdash-hub" --port 8080 --ingest tcp://127.0.0.1:5556 --max-clients 20000 --log-level warn ${MIX_HUB_ARGS:-})
        URL=ws://127.0.0.1:8080/ws PROTO=rtdash PORTS="8080 5556"
        PUBARGS=(--sys zmq --endpoint tcp://127.0.0.1:5556) ;;
    nats)
        [ -f "$out/nats.conf" ] || { log "no nats.conf (set RTDASH_BENCH_SRC)"; return 1; }
        command -v nats-server > /dev/null || { log "no nats-server"; return 1; }
        SRV=(nats-server -c "$out/nats.conf")
        URL=ws://127.0.0.1:9222/ PROTO=nats PORTS="9222 14222"
        PUBARGS=(--sys nats --port 14222) ;;
    *) log "unknown peer $1"; return 1 ;;
    esac
}

busy() { [ -n "$(ss -Hltn "sport = :$1" 2> /dev/null)" ]; }

SRV_PID="" WL_PID="" PUB_PID=""
stop_pid() { # pid: TERM, then KILL after 5 s
    [ -n "$1" ] || return 0
    kill -TERM "$1" 2> /dev/null || true
    for _ in $(seq 50); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2> /dev/null || true
    wait "$1" 2> /dev/null || true
}
cleanup() { stop_pid "$PUB_PID"; stop_pid "$WL_PID"; stop_pid "$SRV_PID"; PUB_PID="" WL_PID="" SRV_PID=""; }
trap 'cleanup; exit 130' INT TERM

# step PEER RATE TAG -> TAG.{load,pub}.json (+ .metrics for the hub); 1 if the server would not start
step() {
    local peer=$1 rate=$2 tag=$3 p up
    for p in $PORTS; do # ports of an earlier step (TIME_WAIT is fine) or of someone else: wait
        for _ in $(seq 120); do busy "$p" || break; sleep 0.5; done
        busy "$p" && { log "port $p stays busy"; return 1; }
    done
    "${STS[@]}" "${SRV[@]}" >> "$out/$peer.server.log" 2>&1 &
    SRV_PID=$!
    for _ in $(seq 100); do
        up=1
        for p in $PORTS; do busy "$p" || up=0; done
        [ $up = 1 ] && break
        kill -0 "$SRV_PID" 2> /dev/null || break
        sleep 0.1
    done
    if [ $up != 1 ]; then log "$peer did not start (see $out/$peer.server.log)"; cleanup; return 1; fi
    sleep 0.3
    rm -f "$out/$tag.ready"
    "${CTS[@]}" timeout -s TERM $((90 + warm + secs)) "$ml" --proto "$PROTO" --url "$URL" \
        --clients "$clients" --warmup "$warm" --duration "$secs" --ready-file "$out/$tag.ready" \
        --watch-pid "$SRV_PID" --label "$tag" > "$out/$tag.load.json" 2> "$out/$tag.load.err" &
    WL_PID=$!
    for _ in $(seq 600); do
        [ -f "$out/$tag.ready" ] && break
        kill -0 "$WL_PID" 2> /dev/null || break
        sleep 0.1
    done
    "${CTS[@]}" timeout -s TERM $((30 + warm + secs)) "$mp" "${PUBARGS[@]}" --rate "$rate" \
        --duration $((warm + secs + 3)) > "$out/$tag.pub.json" 2> "$out/$tag.pub.err" &
    PUB_PID=$!
    wait "$WL_PID" || true
    WL_PID=""
    stop_pid "$PUB_PID" # prints its result on TERM
    PUB_PID=""
    if [ "$peer" = hub ]; then
        curl -s -m 3 http://127.0.0.1:8080/metrics > "$out/$tag.metrics" 2> /dev/null || true
    fi
    stop_pid "$SRV_PID"
    SRV_PID=""
    return 0
}

# judge TAG RATE -> one JSON line (appended to steps.jsonl); exit 0 = pass
judge() {
    /usr/bin/python3 - "$out" "$1" "$2" "$p99_limit" <<'PY'
import json, os, re, sys
out, tag, rate, lim = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            for line in f:
                if line.startswith("{"):
                    return json.loads(line)
    except (OSError, ValueError):
        pass
    return None
wl, pub = load(tag + ".load.json"), load(tag + ".pub.json")
why = []
s = {"tag": tag, "rate": int(rate)}
if not wl:
    why.append("no load result")
else:
    lat = wl["latency_ms"]
    w = wl.get("watch") or {}
    expected = rate / wl["topics"] * wl["subscriptions_at_window"]
    n = wl["clients"]
    if wl["ready"] < n or wl["conn_failures"]:
        why.append("ready %d/%d (failures %d)" % (wl["ready"], n, wl["conn_failures"]))
    if wl["closed_by_server"]:
        why.append("%d closed by server" % wl["closed_by_server"])
    for k in ("lost", "out_of_order", "unexpected", "ws_errors", "proto_errors"):
        if wl[k]:
            why.append("%s %d" % (k.replace("_", "-"), wl[k]))
    if lat["count"] == 0:
        why.append("no messages")
    elif lat["p99"] >= lim:
        why.append("p99 %.1f ms >= %g ms" % (lat["p99"], lim))
    if wl["msgs_per_s"] < 0.95 * expected:
        why.append("delivered %.0f/s < 95%% of %.0f/s" % (wl["msgs_per_s"], expected))
    if wl["clients_zero_msgs"]:
        why.append("%d clients got nothing" % wl["clients_zero_msgs"])
    used = wl["client_cpu_pct"] + max(w.get("cpu_pct", 0), 0) + ((pub or {}).get("cpu_pct") or 0)
    other = wl["host_busy_pct"] - used if wl["host_busy_pct"] >= 0 else None
    s.update({"delivered_per_s": round(wl["msgs_per_s"]), "expected_per_s": round(expected),
              "p50_ms": lat["p50"], "p99_ms": lat["p99"], "max_ms": lat["max"], "lost": wl["lost"],
              "gap_marks": wl["gap_marks"], "ready": wl["ready"],
              "server_cpu_pct": w.get("cpu_pct"), "server_rss_kb": w.get("rss_kb"),
              "client_cpu_pct": wl["client_cpu_pct"], "client_idle_pct": wl.get("client_idle_pct"),
              "client_core_busy_pct": wl["client_core_busy_pct"],
              "client_limited": wl["client_limited"],
              "other_cpu_pct": round(other, 1) if other is not None else None})
if not pub:
    why.append("no publisher result")
else:
    if pub.get("failed") or pub.get("errors"):
        why.append("publisher failed (errors %s)" % pub.get("errors"))
    if pub["rate"] < 0.95 * rate:
        why.append("publisher reached only %.0f/s" % pub["rate"])
    s.update({"pub_rate": pub["rate"], "pub_cpu_pct": pub["cpu_pct"]})
try:  # the hub's own view: what it took in, seq gaps it saw from collectors, drops
    text = open(os.path.join(out, tag + ".metrics")).read()
    def metric(pat):
        m = re.search(r"^" + pat + r" (\d+)", text, re.M)
        return int(m.group(1)) if m else None
    s["hub_metrics"] = {"in": metric("rtdash_messages_in_total"),
                        "missing": metric("rtdash_messages_missing_total"),
                        "out": metric("rtdash_messages_out_total"),
                        "dropped_slow": metric(r'rtdash_dropped_total\{reason="slow_consumer"\}')}
except OSError:
    pass
s["pass"] = not why
s["noise"] = bool(s.get("other_cpu_pct") is not None and s["other_cpu_pct"] > 25)
s["why"] = why
line = json.dumps(s)
with open(os.path.join(out, "steps.jsonl"), "a") as f:
    f.write(line + "\n")
print(line)
sys.exit(0 if s["pass"] else 1)
PY
}

RETRY_SPENT=0
run_step() { # peer rate -> 0 pass, 1 fail, 2 could not run
    local peer=$1 rate=$2 tag="$1.E.r$2" t0 v rc
    for attempt in 1 2; do
        t0=$SECONDS
        step "$peer" "$rate" "$tag" || return 2
        rc=0
        v=$(judge "$tag" "$rate") || rc=$?
        log "$peer rate=$rate: $(printf '%s' "$v" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print(("PASS" if s["pass"] else "FAIL"), "delivered=%s/%s p50=%s p99=%s max=%s srv_cpu=%s cli_cpu=%s cli_idle=%s core=%s%s%s %s" % (
    s.get("delivered_per_s"), s.get("expected_per_s"), s.get("p50_ms"), s.get("p99_ms"), s.get("max_ms"),
    s.get("server_cpu_pct"), s.get("client_cpu_pct"), s.get("client_idle_pct"), s.get("client_core_busy_pct"),
    " [client-limited]" if s.get("client_limited") else "", " [noise %s%%]" % s["other_cpu_pct"] if s.get("noise") else "",
    "; ".join(s["why"])))')"
        printf '%s\n' "$v" >> "$out/$peer.steps"
        [ $rc = 0 ] && return 0
        [ "$attempt" = 1 ] && [ $((RETRY_SPENT)) -lt "$retry_budget" ] && [[ "$v" == *'"noise": true'* ]] || return 1
        RETRY_SPENT=$((RETRY_SPENT + SECONDS - t0))
        log "  (failed while the machine was busy: re-running)"
        sleep 2
    done
    return 1
}

ladder() { # peer -> LBEST LFAIL
    local peer=$1 r d k rc pass="" fail="" first=1
    for r in $rates; do
        rc=0; run_step "$peer" "$r" || rc=$?
        [ $rc = 2 ] && return 1
        if [ $rc = 0 ]; then pass=$r; first=0; continue; fi
        fail=$r
        if [ $first = 1 ]; then # the lowest rate failed: walk down
            for d in $below; do
                rc=0; run_step "$peer" "$d" || rc=$?
                [ $rc = 2 ] && return 1
                if [ $rc = 0 ]; then pass=$d; break; else fail=$d; fi
            done
        fi
        break
    done
    for ((k = 0; k < refine; k++)); do
        if [ -z "$pass" ] || [ -z "$fail" ]; then break; fi
        r=$(/usr/bin/python3 -c "import math; g=math.sqrt($pass*$fail); e=10**max(0,int(math.log10(g))-1); print(int(round(g/e)*e))")
        if [ "$r" -le "$pass" ] || [ "$r" -ge "$fail" ]; then break; fi
        rc=0; run_step "$peer" "$r" || rc=$?
        [ $rc = 2 ] && return 1
        if [ $rc = 0 ]; then pass=$r; else fail=$r; fi
    done
    LBEST=$pass LFAIL=$fail
}

t_start=$SECONDS
for peer in $peers; do
    peer_def "$peer" || continue
    rm -f "$out/$peer.steps"
    log "== $peer: ${SRV[*]} ($clients clients x 20 of 1000 topics, ladder $rates)"
    LBEST="" LFAIL=""
    ladder "$peer" || { log "$peer: could not run"; continue; }
    /usr/bin/python3 - "$out/$peer.steps" "$peer" "$clients" "${LBEST:-0}" "${LFAIL:-0}" <<'PY'
import json, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
peer, clients, best, fail = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
b = next((s for s in reversed(steps) if s["rate"] == best and s["pass"]), {})
f = next((s for s in reversed(steps) if s["rate"] == fail and not s["pass"]), None)
# a lower bound: the deciding failure (or the best step) had the client core >= 90 % busy
# (client_idle_pct tells whether the load client itself still waited for data)
limited = bool(b.get("client_limited") or (f and f.get("client_limited")))
print(json.dumps({
    "peer": peer, "scenario": "E", "clients": clients, "topics": 1000, "subs_per_client": 20,
    "best_rate": best or None, "delivered_per_s": b.get("delivered_per_s"),
    "expected_per_s": b.get("expected_per_s"),
    "p50_ms": b.get("p50_ms"), "p99_ms": b.get("p99_ms"), "max_ms": b.get("max_ms"),
    "server_cpu_pct": b.get("server_cpu_pct"), "server_rss_kb": b.get("server_rss_kb"),
    "client_cpu_pct": b.get("client_cpu_pct"), "client_idle_pct": b.get("client_idle_pct"),
    "client_core_busy_pct": b.get("client_core_busy_pct"),
    "client_limited": limited, "ladder_exhausted": f is None and best > 0,
    "first_failure": {"rate": f["rate"], "why": f["why"], "client_limited": f.get("client_limited"),
                      "client_core_busy_pct": f.get("client_core_busy_pct"),
                      "client_idle_pct": f.get("client_idle_pct"), "server_cpu_pct": f.get("server_cpu_pct")}
                     if f else None,
    "steps": steps}))
PY
done
log "total $((SECONDS - t_start)) s; step files in $out"
