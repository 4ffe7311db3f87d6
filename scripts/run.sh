#!/bin/sh
# Start the hub with the two standard collectors under its supervision
# (rtdash-hub --collector): one process tree, Ctrl-C stops all of it.
# Usage: scripts/run.sh BIN_DIR [PORT]
set -eu
bin=$(cd "${1:?usage: run.sh BIN_DIR [PORT]}" && pwd)
port=${2:-8080}
echo
echo "  rtdash: http://localhost:$port/   (Ctrl-C stops it)"
echo
exec "$bin/rtdash-hub" --port "$port" \
    --collector "'$bin/rtdash-sysmetrics'" \
    --collector "'$bin/rtdash-demo'"
