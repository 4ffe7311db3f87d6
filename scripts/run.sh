#!/bin/sh
# SPDX-License-Identifier: MIT
# Start the hub with the two standard collectors under its supervision
# (rtdash-hub --collector): one process tree, Ctrl-C stops all of it.
# Usage: scripts/run.sh BIN_DIR [COMMAND]
# The hub takes every RTDASH_* setting from the environment (RTDASH_PORT,
# RTDASH_INGEST...); the commands of RTDASH_COLLECTOR (comma-separated) and
# COMMAND (one command, commas and all) run as collectors next to the two.
# The URL is printed once the hub listens on its port; if it cannot (the port
# is taken), the hub's error is the last thing said and the exit status its.
set -eu
bin=$(cd "${1:?usage: run.sh BIN_DIR [COMMAND]}" && pwd)
more=${2:-}
port=${RTDASH_PORT:-8080}
case ${RTDASH_HOST:-} in
'' | 0.0.0.0 | '::' | '*') host=localhost ;;
*) host=$RTDASH_HOST ;;
esac

set -- --collector "'$bin/rtdash-sysmetrics'" --collector "'$bin/rtdash-demo'"
# The hub would drop RTDASH_COLLECTOR at the first --collector flag: its
# commands go in flags too, split at commas as the hub splits it.
rest=${RTDASH_COLLECTOR:-}
while [ -n "$rest" ]; do
    item=${rest%%,*}
    case $rest in *,*) rest=${rest#*,} ;; *) rest= ;; esac
    case $item in *[![:space:]]*) set -- "$@" --collector "$item" ;; esac
done
[ -z "$more" ] || set -- "$@" --collector "$more"
# As root the hub asks who its collectors run as (SPEC §7): make run is a
# machine's own dashboard, so they run as you, and the hub says so.
if [ "$(id -u)" = 0 ] && [ -z "${RTDASH_COLLECTOR_USER:-}" ]; then
    set -- "$@" --collector-user root
fi

"$bin/rtdash-hub" "$@" &
hub=$!
# Ctrl-C reaches the hub from the terminal; a signal to this script alone is
# passed on. Either way the hub stops its collectors, and we wait for it.
trap 'kill -TERM "$hub" 2>/dev/null || :' INT TERM HUP

# The hub runs (a zombie does not count).
running() {
    state=$(sed -n 's/.*) \(.\) .*/\1/p' "/proc/$hub/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# The hub holds a listening TCP socket on the port: one of its file
# descriptors is a socket whose inode /proc/net/tcp* lists in state 0A on it.
listening() {
    inodes=$(find "/proc/$hub/fd" -mindepth 1 -printf '%l\n' 2>/dev/null |
        sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
    [ -n "$inodes" ] || return 1
    tables=""
    for t in /proc/net/tcp /proc/net/tcp6; do [ -r "$t" ] && tables="$tables $t"; done
    # shellcheck disable=SC2086 # $tables: the files that exist
    awk -v port="$(printf %04X "$port")" -v inodes=" $inodes" '
        $4 == "0A" && substr($2, length($2) - 3) == port && index(inodes, " " $10 " ") { ok = 1 }
        END { exit !ok }' $tables
}

listened=0
while running; do
    if listening; then
        printf '\n  rtdash: http://%s:%s/   (Ctrl-C stops it)\n\n' "$host" "$port"
        listened=1
        break
    fi
    sleep 0.1
done

while :; do
    status=0
    wait "$hub" || status=$?
    running || break # else a signal ended the wait, not the hub
done
if [ "$listened" = 0 ] && [ "$status" = 1 ]; then
    echo "run.sh: rtdash-hub stopped before it listened on port $port (the reason is above)." \
        "Another rtdash running? Then give this one other ports:" \
        "make run PORT=8081 RTDASH_INGEST=tcp://127.0.0.1:5557" >&2
fi
exit "$status"
