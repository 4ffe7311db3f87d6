#!/bin/sh
# SPDX-License-Identifier: MIT
# rtdash-curve-env COMMAND [ARG...] - run a collector with RTDASH_CURVE_SERVERKEY
# read from the file named by RTDASH_CURVE_SERVERKEY_FILE (the hub's public key,
# written by rtdash-curve-init): compose cannot put a file's content in a
# variable. Without RTDASH_CURVE_SERVERKEY_FILE, COMMAND runs as it is.
set -eu
if [ -n "${RTDASH_CURVE_SERVERKEY_FILE:-}" ]; then
    RTDASH_CURVE_SERVERKEY=$(cat "$RTDASH_CURVE_SERVERKEY_FILE")
    export RTDASH_CURVE_SERVERKEY
fi
exec "$@"
