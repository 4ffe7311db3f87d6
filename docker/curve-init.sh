#!/bin/sh
# SPDX-License-Identifier: MIT
# rtdash-curve-init HUBDIR COLLDIR NAME:PATTERN... - the CURVE keys of a compose
# deployment (SPEC §7), made once and kept in two named volumes:
#   HUBDIR/hub.key      the hub's key pair (the hub's --curve-secret)
#   HUBDIR/clients      the allow-list (the hub's --curve-clients), one line per NAME
#   COLLDIR/NAME.key    each collector's key pair (its RTDASH_CURVE_KEYFILE)
#   COLLDIR/hub.pub     the hub's public key (its RTDASH_CURVE_SERVERKEY, read by
#                       rtdash-curve-env: compose cannot put a file in a variable)
# Keys that exist are kept; a NAME seen for the first time gets a key, and the
# allow-list is written again from the keys, NAME allowed the topics PATTERN.
# Only the hub mounts HUBDIR: a collector never sees the hub's secret.
set -eu
[ $# -ge 2 ] || { echo "usage: rtdash-curve-init HUBDIR COLLDIR NAME:PATTERN..." >&2; exit 2; }
hubdir=$1
colldir=$2
shift 2
umask 077

# a key file, made by rtdash-pub --gen-keys through a temporary name, so that a
# stop half-way never leaves half a key
key() {
    [ -s "$1" ] && return 0
    rm -f "$1.new"
    rtdash-pub --gen-keys "$1.new" >/dev/null
    mv "$1.new" "$1"
    echo "rtdash-curve-init: made $1" >&2
}

key "$hubdir/hub.key"
cut -d ' ' -f 1 "$hubdir/hub.key" >"$colldir/hub.pub.new"
mv "$colldir/hub.pub.new" "$colldir/hub.pub"

{
    echo "# The collectors allowed to publish, written by rtdash-curve-init at every"
    echo "# start from the key files (PUBLICKEY NAME PATTERN...)."
    for spec in "$@"; do
        name=${spec%%:*}
        key "$colldir/$name.key"
        printf '%s %s %s\n' "$(cut -d ' ' -f 1 "$colldir/$name.key")" "$name" \
            "$(echo "${spec#*:}" | tr ',' ' ')"
    done
} >"$hubdir/clients.new"
mv "$hubdir/clients.new" "$hubdir/clients"
echo "rtdash-curve-init: the hub's key $(cat "$colldir/hub.pub"); $# collectors allowed"
