#!/bin/bash
# SPDX-License-Identifier: MIT
# file-growth.sh - an rtdash collector in shell: how fast a file grows.
#
#     file-growth.sh [FILE [TOPIC]]
#
# Every interval it prints one line "TOPIC bytes_per_s=N" into rtdash-pub,
# which publishes it to every hub of RTDASH_HUB and announces the topic (the
# --title/--unit/--chart options: meta) at start and every 10 s. FILE is by
# default /var/log/dpkg.log, which every Debian has (it grows when packages
# are installed); while FILE does not exist it says so on stderr and sends no
# sample. TOPIC (or RTDASH_TOPIC) is by default example.file-growth.HOST (this
# script's name and the host name); the collector's name in the meta is
# RTDASH_COLLECTOR (which a supervising hub sets to the name it shows), by
# default this script's name. A second collector on this machine that
# publishes the same topic to the same hub is refused at start (the seq
# numbers of two publishers would interleave). It never waits for a hub (see
# rtdash-pub --help). SIGTERM or Ctrl-C stops it. rtdash-pub is found on PATH
# (or set RTDASH_PUB to it).
#
#     PATH=$PWD/build/bin:$PATH collectors/examples/shell/file-growth.sh
#     RTDASH_INTERVAL_MS=5000 file-growth.sh /var/log/nginx/access.log web.accesslog
#
# Copy it, change what the loop prints and the topic, and you have your own
# collector: any program whose output is "TOPIC FIELD=VALUE ..." lines is one.
set -eu

name=${0##*/}
file=${1:-/var/log/dpkg.log}
host=$(uname -n)
host=${host%%.*}
base=${name%.*}
topic=${2:-${RTDASH_TOPIC:-example.${base//[^A-Za-z0-9_-]/_}.${host//[^A-Za-z0-9_-]/_}}}
collector=${RTDASH_COLLECTOR:-$name}
interval_ms=${RTDASH_INTERVAL_MS:-1000}
pub=${RTDASH_PUB:-rtdash-pub}

size() { stat -c %s "$file" 2>/dev/null; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# From here on, everything this script prints goes to rtdash-pub (which reads
# RTDASH_HUB itself). When the script exits, rtdash-pub sees the end of its
# input and exits too.
exec > >(exec "$pub" --collector "$collector" --title "Growth of ${file##*/}" \
    --unit B/s --chart line --meta-interval-ms "$interval_ms")

# One publisher per topic and hub: a lock named after (topic, hub), held while
# we run, so that a second copy on this machine fails here rather than
# interleaving its seq numbers with ours. Named as the other examples name
# theirs ("rtdash-topic-" and the 64-bit FNV-1a hash of "TOPIC HUB"), but a
# lock file (flock) where they hold an abstract Unix socket, which bash cannot
# bind. Taken once rtdash-pub runs, so that it does not inherit the lock and
# hold it a moment after we are gone.
fnv1a() {
    local s=$1 h=$((0xcbf29ce484222325)) c i
    for ((i = 0; i < ${#s}; i++)); do
        printf -v c %d "'${s:i:1}"
        h=$(((h ^ c) * 0x100000001b3))
    done
    printf %016x "$h"
}
IFS=, read -ra hubs <<<"${RTDASH_HUB:-tcp://127.0.0.1:5556}"
for hub in "${hubs[@]}"; do
    hub=${hub#"${hub%%[![:space:]]*}"} hub=${hub%"${hub##*[![:space:]]}"}
    [ -n "$hub" ] || continue
    lock=${XDG_RUNTIME_DIR:-/tmp}/rtdash-topic-$(fnv1a "$topic $hub").lock
    { exec {fd}>>"$lock"; } 2>/dev/null || continue # not ours to open: no check
    if ! flock -n "$fd"; then
        echo "$name: another collector on this machine already publishes $topic to $hub:" \
            "give this one its own TOPIC" >&2
        exit 1
    fi
done

# `sleep ... & wait` rather than a plain sleep: a trap runs at once, not when
# the sleep ends. `|| :`: the sleep may have ended already, and under set -e a
# failed kill would make the exit status 1.
trap 'kill $! 2>/dev/null || :; exit 0' TERM INT

# A missing file is said on stderr (once, and again when it comes back) and
# sends no sample: a flat 0 would look like a file that does not grow.
missing() {
    [ -z "${said_missing:-}" ] &&
        echo "$name: $file does not exist: no samples until it does" >&2
    said_missing=1
}
prev_size=$(size) || missing
prev_ms=$(now_ms)
while :; do
    sleep "$((interval_ms / 1000)).$(printf %03d $((interval_ms % 1000)))" &
    wait $!
    cur_ms=$(now_ms)
    if ! cur_size=$(size); then
        missing
    elif [ -z "$prev_size" ]; then
        [ -n "${said_missing:-}" ] && echo "$name: $file exists now" >&2
        said_missing=
    else
        elapsed=$((cur_ms - prev_ms > 0 ? cur_ms - prev_ms : 1))
        echo "$topic bytes_per_s=$(((cur_size - prev_size) * 1000 / elapsed))"
    fi
    prev_size=${cur_size:-}
    prev_ms=$cur_ms
done
