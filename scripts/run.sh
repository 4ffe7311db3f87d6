#!/bin/sh
# Start the hub and the two standard collectors; Ctrl-C stops all of them.
# Usage: scripts/run.sh BIN_DIR [PORT]
set -u
bin=${1:?usage: run.sh BIN_DIR [PORT]}
port=${2:-8080}
pids=""
stop() {
    trap - INT TERM EXIT
    [ -n "$pids" ] && kill $pids 2>/dev/null
    wait 2>/dev/null
    echo "rtdash stopped."
    exit 0
}
trap stop INT TERM EXIT
"$bin/rtdash-hub" --port "$port" &
pids="$!"
sleep 0.3
kill -0 "$pids" 2>/dev/null || { echo "rtdash-hub failed to start (see above)"; exit 1; }
"$bin/rtdash-sysmetrics" & pids="$pids $!"
"$bin/rtdash-demo" & pids="$pids $!"
echo
echo "  rtdash is running: http://localhost:$port/   (Ctrl-C stops it)"
echo
wait
