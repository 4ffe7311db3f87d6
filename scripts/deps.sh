#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what is missing from Debian's archive (as root), or say the one
# command that would (as anyone else). `deps.sh build` = what make run needs,
# `deps.sh test` = that plus what make test needs.
set -eu
BUILD_PKGS="build-essential cmake pkg-config libwebsockets-dev libzmq3-dev libmsgpack-dev libjansson-dev libssl-dev libargon2-dev"
TEST_PKGS="python3 python3-zmq python3-websockets python3-msgpack python3-jwt python3-cryptography python3-pyflakes chromium clang libclang-rt-14-dev clang-format openssl"
want="$BUILD_PKGS"
[ "${1:-build}" = test ] && want="$BUILD_PKGS $TEST_PKGS"
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# Node.js with npm may come from Debian (nodejs + npm) or elsewhere (npm
# bundled with node): only ask for Debian's when the commands are missing.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing
else
    echo "missing Debian packages. Install them with:"
    echo "  apt-get install -y$missing      # as root"
    exit 1
fi
