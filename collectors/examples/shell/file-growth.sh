#!/bin/bash
# file-growth.sh - an rtdash collector in shell: how fast a file grows.
#
#     file-growth.sh FILE [TOPIC]
#
# Every interval it prints one line "TOPIC bytes_per_s=N" into
# rtdash-pub, which publishes it to every hub of RTDASH_HUB and announces the
# topic (the --title/--unit/--chart options: meta) at start and every 10 s.
# With no hub there, messages are dropped: nothing waits. SIGTERM or Ctrl-C
# stops it. rtdash-pub is found on PATH (or set RTDASH_PUB to it).
#
#     PATH=$PWD/build/bin:$PATH collectors/examples/shell/file-growth.sh /var/log/syslog
#     RTDASH_INTERVAL_MS=5000 file-growth.sh /var/log/nginx/access.log web.accesslog
#
# Copy it, change what the loop prints, and you have your own collector: any
# program whose output is "TOPIC FIELD=VALUE ..." lines is one.
set -eu

file=${1:?usage: file-growth.sh FILE [TOPIC]}
topic=${2:-example.filegrowth}
interval_ms=${RTDASH_INTERVAL_MS:-1000}
pub=${RTDASH_PUB:-rtdash-pub}

size() { stat -c %s "$file" 2>/dev/null || echo 0; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# From here on, everything this script prints goes to rtdash-pub (which reads
# RTDASH_HUB itself). When the script exits, rtdash-pub sees the end of its
# input and exits too.
exec > >(exec "$pub" --collector example-shell --title "Growth of ${file##*/}" \
    --unit B/s --chart line --meta-interval-ms "$interval_ms")

# `sleep ... & wait` rather than a plain sleep: a trap runs at once, not when
# the sleep ends.
trap 'kill $! 2>/dev/null; exit 0' TERM INT

prev_size=$(size)
prev_ms=$(now_ms)
while :; do
    sleep "$((interval_ms / 1000)).$(printf %03d $((interval_ms % 1000)))" &
    wait $!
    cur_size=$(size)
    cur_ms=$(now_ms)
    elapsed=$((cur_ms - prev_ms > 0 ? cur_ms - prev_ms : 1))
    echo "$topic bytes_per_s=$(((cur_size - prev_size) * 1000 / elapsed))"
    prev_size=$cur_size
    prev_ms=$cur_ms
done
