#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/docker/compose_test.sh - prove that `docker compose up` works: build the
# image, start docker-compose.yml on a private Docker engine, see live data of
# both collectors through the published port, check the image, tear it all down.
#
#   tests/docker/compose_test.sh   (as root)          (ctest: docker.compose, label docker)
#
# Steps: static checks (docker-compose config -q, two npm Dockerfile linters);
# Debian's docker.io + docker-compose 1.29 + debootstrap (installed if missing);
# a dockerd of our own (own socket, exec root and pidfile in a temp dir, data
# root in a cache dir; --iptables=false --ip-forward=false --bridge=none, so it
# leaves no firewall rules); local debian:bookworm and :bookworm-slim made with
# debootstrap --variant=minbase + docker import (no registry is used); then
# `docker-compose -f docker-compose.yml -f docker/ci.override.yml up -d --build`,
# the hub's health, HTTP and WebSocket from the host, the image's user and
# contents, a clean stop, and the clean-up.
#
# Skips (exit 0, "0 passed, 0 failed, 1 skipped") only when not root or when
# dockerd cannot start at all. Environment:
#   RTDASH_TEST_PORT      host port for the dashboard (default 18480, on 127.0.0.1)
#   RTDASH_DOCKER_CACHE   kept between runs: base tarball + engine data (default /var/cache/rtdash-docker)
#   RTDASH_DOCKER_FRESH=1 use a throw-away engine data root (a cold build, nothing reused)
#   RTDASH_DEBIAN_MIRROR  mirror for debootstrap (default: the one in /etc/apt/sources*)
#   RTDASH_DOCKER_BUILDER buildkit (default: what Compose v2 uses) or classic
# shellcheck disable=SC2016,SC2317  # sh -c scripts in single quotes; functions run from traps
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$SRC/tests/docker
PORT=${RTDASH_TEST_PORT:-18480}
CACHE=${RTDASH_DOCKER_CACHE:-/var/cache/rtdash-docker}
PROJECT=rtdashci
IMAGE=rtdash:latest
BASE_TAR=$CACHE/debian-bookworm-minbase.tar
T0=$SECONDS
pass=0
fail=0
RUN=""
DPID=""

step() { printf '\n== [%4ds] %s\n' $((SECONDS - T0)) "$*"; }
ok() { pass=$((pass + 1)); printf 'PASS  %s\n' "$*"; }
ko() { fail=$((fail + 1)); printf 'FAIL  %s\n' "$*"; }
skip() {
    printf 'SKIP  %s\n' "$*"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}
# check "what" command...: PASS/FAIL by exit status; the end of its output is shown.
check() {
    local what=$1 out
    shift
    if out=$("$@" 2>&1); then
        ok "$what"
        [ -n "$out" ] && printf '%s\n' "$out" | tail -n 3 | cut -c1-200 | sed 's/^/      /'
    else
        ko "$what"
        printf '%s\n' "$out" | tail -n 30 | sed 's/^/      /'
    fi
}

[ "$(id -u)" = 0 ] || skip "needs root: it installs Debian packages and starts its own dockerd (run it as root)"

cd "$SRC" || exit 1
export DEBIAN_FRONTEND=noninteractive
# 1.29 reads these; the compose file publishes the hub on RTDASH_PUBLISH (loopback).
export RTDASH_PUBLISH=127.0.0.1:$PORT
unset RTDASH_HISTORY RTDASH_INTERVAL_MS RTDASH_SEED RTDASH_LOG_LEVEL
# The image builder: BuildKit (default), as Compose v2 uses, or the classic one.
BUILDER=${RTDASH_DOCKER_BUILDER:-buildkit}
# Where this machine reaches npm through a TLS-intercepting proxy, the image build
# must trust the local CAs the host trusts (docker/ci.override.yml passes them on).
RTDASH_CI_CA_CERTS=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)
export RTDASH_CI_CA_CERTS
COMPOSE=(docker-compose -f docker-compose.yml -f docker/ci.override.yml -p "$PROJECT")

# ---------------------------------------------------------------------------
step "packages: docker.io docker-compose debootstrap python3-websockets"
missing=""
for p in docker.io docker-compose debootstrap python3-websockets; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    t=$SECONDS
    if apt-get -o DPkg::Lock::Timeout=900 update -qq &&
        apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing >/dev/null; then
        echo "installed in $((SECONDS - t)) s"
    else
        ko "apt-get install$missing"
        echo "$pass passed, $fail failed"
        exit 1
    fi
else
    echo "all present"
fi
DOCKER=/usr/bin/docker # docker.io's client, same version as its engine

# ---------------------------------------------------------------------------
step "static checks"
check "docker-compose config -q (docker-compose.yml)" docker-compose -f docker-compose.yml config -q
check "docker-compose config -q (with docker/ci.override.yml)" "${COMPOSE[@]}" config -q
default_publish_check() {
    # without RTDASH_PUBLISH (the test sets it), every published port is on loopback
    local ports
    ports=$(env -u RTDASH_PUBLISH docker-compose -f docker-compose.yml config |
        awk '/^    ports:/ {p = 1; next} p && /^    - / {print $2; next} {p = 0}')
    echo "published by default: ${ports:-nothing}"
    [ -n "$ports" ] && ! printf '%s\n' "$ports" | grep -qv '^127\.0\.0\.1:'
}
check "by default the compose file publishes on 127.0.0.1 only (S1.3)" default_publish_check
lint_ready=1
if ! command -v npm >/dev/null; then
    ko "npm not found (scripts/deps.sh build installs nodejs and npm)"
    lint_ready=0
elif [ ! -f "$HERE/node_modules/.package-lock.json" ] ||
    [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || { ko "npm ci in tests/docker"; lint_ready=0; }
fi
if [ "$lint_ready" = 1 ]; then
    for f in Dockerfile docker/*.Dockerfile; do
        [ -f "$f" ] || continue
        check "dockerfile-utils lint $f (syntax)" \
            sh -c 'cd "$1" && npx --no-install dockerfile-utils lint "$2"' - "$HERE" "$SRC/$f"
        check "dockerfilelint $f (instructions, apt hygiene)" \
            sh -c 'cd "$1" && npx --no-install dockerfilelint "$2" >/dev/null || npx --no-install dockerfilelint "$2"' - "$HERE" "$SRC/$f"
    done
fi

# ---------------------------------------------------------------------------
step "a private dockerd"
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
if ! flock -w 900 9; then
    ko "another run holds $CACHE/lock"
    echo "$pass passed, $fail failed"
    exit 1
fi
RUN=$(mktemp -d /tmp/rtdash-docker.XXXXXX)
if [ "${RTDASH_DOCKER_FRESH:-0}" = 1 ]; then DATA=$RUN/data; else DATA=$CACHE/engine; fi
mkdir -p "$DATA"
export DOCKER_HOST=unix://$RUN/docker.sock
if [ "$BUILDER" = classic ]; then
    # docker-compose 1.29 builds through the engine's API.
    export COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0
else
    # docker-compose 1.29 runs `docker build` with BuildKit: that must be docker.io's
    # 20.10 client (its BuildKit is built in), not a newer one without buildx.
    export COMPOSE_DOCKER_CLI_BUILD=1 DOCKER_BUILDKIT=1 BUILDKIT_PROGRESS=plain
    mkdir -p "$RUN/bin" && ln -s "$DOCKER" "$RUN/bin/docker"
    export PATH=$RUN/bin:$PATH
fi

# What the host's firewall and forwarding look like now; compared at the end.
firewall() {
    local t
    for t in iptables-legacy-save iptables-nft-save ip6tables-legacy-save ip6tables-nft-save; do
        command -v "$t" >/dev/null && "$t" 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
    done
    sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding 2>/dev/null
}
FW_BEFORE=$(firewall)

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$DPID" ]; then
        step "clean-up"
        if kill -0 "$DPID" 2>/dev/null; then
            "${COMPOSE[@]}" --profile examples down -v --remove-orphans -t 5 >/dev/null 2>&1
            # The data root may be kept for the next run: drop what would pile up in
            # it (containers of failed build steps, images superseded by this build,
            # BuildKit cache beyond 4 GB, least recently used first).
            $DOCKER container prune -f >/dev/null 2>&1
            $DOCKER image prune -f >/dev/null 2>&1
            $DOCKER builder prune -f --keep-storage 4GB >/dev/null 2>&1
            kill -TERM "$DPID" 2>/dev/null
            for _ in $(seq 1 60); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.5; done
            if kill -0 "$DPID" 2>/dev/null; then
                echo "dockerd $DPID did not stop in 30 s: SIGKILL"
                kill -KILL "$DPID" 2>/dev/null
            fi
            wait "$DPID" 2>/dev/null
        fi
        # Anything still running from our exec root (containerd, shims) is ours.
        # (The pattern comes from a file, so that grep's own command line does not match.)
        local left
        printf '%s/\n' "$RUN" >"$CACHE/.procs-pattern"
        left=$(grep -lsF -f "$CACHE/.procs-pattern" /proc/[0-9]*/cmdline | cut -d/ -f3 | grep -vx "$$")
        if [ -n "$left" ]; then
            echo "ending leftover processes of this run: $left"
            kill -KILL $left 2>/dev/null
        fi
        # Mounts left by a daemon that did not stop cleanly.
        awk -v a="$RUN/" -v b="$DATA/" 'index($2, a) == 1 || index($2, b) == 1 { print $2 }' /proc/mounts |
            sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
        local fw_after
        fw_after=$(firewall)
        if [ "$fw_after" = "$FW_BEFORE" ]; then
            ok "no firewall rules or forwarding settings left behind"
        else
            ko "the firewall or forwarding settings changed:"
            diff <(printf '%s\n' "$FW_BEFORE") <(printf '%s\n' "$fw_after") | sed 's/^/      /'
        fi
        [ -n "$RUN" ] && [ "${KEEP_LOGS:-0}" != 1 ] && rm -rf "$RUN"
    fi
    printf '\n%d passed, %d failed   (%d s)\n' "$pass" "$fail" $((SECONDS - T0))
    [ "$fail" = 0 ] && [ "$rc" = 0 ] && exit 0
    exit 1
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 1' INT TERM

dockerd --data-root "$DATA" --exec-root "$RUN/exec" --pidfile "$RUN/dockerd.pid" \
    -H "$DOCKER_HOST" --iptables=false --ip-forward=false --bridge=none \
    >"$RUN/dockerd.log" 2>&1 &
DPID=$!
up=0
for _ in $(seq 1 120); do
    if $DOCKER version >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$DPID" 2>/dev/null || break
    sleep 0.5
done
if [ "$up" != 1 ]; then
    echo "dockerd did not start; its log:"
    tail -n 20 "$RUN/dockerd.log" | sed 's/^/      /'
    kill -TERM "$DPID" 2>/dev/null
    wait "$DPID" 2>/dev/null
    DPID=""
    rm -rf "$RUN"
    trap - EXIT
    if [ "$fail" != 0 ]; then
        echo "dockerd cannot start here, and the static checks failed"
        echo "$pass passed, $fail failed"
        exit 1
    fi
    echo "(the $pass static checks above passed)"
    skip "dockerd cannot start on this machine (log above); the compose stack was not tried"
fi
echo "dockerd $DPID: $($DOCKER version -f '{{.Server.Version}}'), $($DOCKER info -f '{{.Driver}}') on $DATA; builder: $BUILDER"
# Leftovers of an interrupted run on the kept data root.
"${COMPOSE[@]}" --profile examples down -v --remove-orphans -t 1 >/dev/null 2>&1

# ---------------------------------------------------------------------------
step "base images debian:bookworm, debian:bookworm-slim (debootstrap --variant=minbase)"
if $DOCKER image inspect debian:bookworm debian:bookworm-slim >/dev/null 2>&1; then
    echo "present in the engine's data root"
else
    if [ ! -s "$BASE_TAR" ]; then
        mirror=${RTDASH_DEBIAN_MIRROR:-}
        if [ -z "$mirror" ]; then
            mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' |
                grep -v security | head -n 1)
        fi
        if [ -z "$mirror" ]; then
            mirror=$(grep -hsE '^deb +(\[[^]]*\] +)?(https?|ftp)://[^ ]+ +bookworm ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
                sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}' | head -n 1)
        fi
        mirror=${mirror:-http://deb.debian.org/debian}
        echo "debootstrap from $mirror"
        t=$SECONDS
        if debootstrap --variant=minbase bookworm "$RUN/rootfs" "$mirror" >"$RUN/debootstrap.log" 2>&1; then
            rm -rf "$RUN"/rootfs/var/lib/apt/lists/* "$RUN"/rootfs/var/cache/apt/*.bin \
                "$RUN"/rootfs/var/cache/apt/archives/*.deb
            tar -C "$RUN/rootfs" --numeric-owner -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
            rm -rf "$RUN/rootfs"
            echo "rootfs in $((SECONDS - t)) s: $BASE_TAR ($(du -h "$BASE_TAR" | cut -f1))"
        else
            tail -n 20 "$RUN/debootstrap.log" | sed 's/^/      /'
        fi
    fi
    if [ -s "$BASE_TAR" ] &&
        $DOCKER import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD ["bash"]' "$BASE_TAR" debian:bookworm >/dev/null &&
        $DOCKER tag debian:bookworm debian:bookworm-slim; then
        echo "imported $BASE_TAR"
    fi
fi
check "local debian:bookworm and debian:bookworm-slim" \
    $DOCKER image inspect -f '{{.RepoTags}} {{.Created}}' debian:bookworm

# ---------------------------------------------------------------------------
step "docker-compose up -d --build (project $PROJECT, dashboard on 127.0.0.1:$PORT)"
t=$SECONDS
if "${COMPOSE[@]}" up -d --build >"$RUN/up.log" 2>&1; then
    if [ "$BUILDER" = classic ]; then
        steps=$(grep -c '^Step ' "$RUN/up.log")
        cached=$(grep -c '^ ---> Using cache' "$RUN/up.log")
    else
        steps=$(grep -cE '^#[0-9]+ \[[a-z0-9-]+ +[0-9]+/[0-9]+\]' "$RUN/up.log")
        cached=$(grep -cE '^#[0-9]+ CACHED' "$RUN/up.log")
    fi
    ok "docker-compose up -d --build ($((SECONDS - t)) s; $steps build steps for 3 services, $cached from the cache)"
    grep -E '^(Building|Successfully tagged|Creating|Recreating|Starting)|naming to' "$RUN/up.log" | grep -v ' \.\.\. $' | sed 's/^/      /'
    STACK=1
else
    ko "docker-compose up -d --build ($((SECONDS - t)) s); the end of its output:"
    tail -n 40 "$RUN/up.log" | sed 's/^/      /'
    STACK=0
fi
if [ "$STACK" = 0 ] || ! $DOCKER image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "the stack did not start: the remaining checks were not run"
    "${COMPOSE[@]}" logs --no-color --tail 20 2>&1 | sed 's/^/      /'
    exit 1
fi

cid() { "${COMPOSE[@]}" ps -q "$1" 2>/dev/null | head -n 1; }
health() { $DOCKER inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null; }
# wait_healthy SERVICE SECONDS
wait_healthy() {
    local id s=""
    for _ in $(seq 1 $(($2 * 2))); do
        id=$(cid "$1")
        [ -n "$id" ] && s=$(health "$id")
        [ "$s" = healthy ] && return 0
        sleep 0.5
    done
    echo "$1: health ${s:-no container}"
    [ -n "${id:-}" ] && $DOCKER inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' "$id" | tail -n 5
    return 1
}

step "the stack"
running() {
    $DOCKER ps --filter "label=com.docker.compose.project=$PROJECT" \
        --format '{{.Label "com.docker.compose.service"}}' | sort | tr '\n' ' '
}
check "docker-compose up starts hub, sysmetrics and demo (no profile services)" \
    sh -c '[ "$1" = "demo hub sysmetrics " ] || { echo "running: $1"; exit 1; }' - "$(running)"
check "hub healthy (rtdash-healthcheck: GET /healthz inside the container)" wait_healthy hub 60
HUB=$(cid hub)
check "curve-init made the CURVE keys and exited 0; the hub takes those keys only" \
    sh -c 'id=$('"${COMPOSE[*]}"' ps -q curve-init | head -n 1) &&
        [ "$('"$DOCKER"' inspect -f "{{.State.Status}} {{.State.ExitCode}}" "$id")" = "exited 0" ] &&
        '"$DOCKER"' logs "$1" 2>&1 | grep -E "ingest tcp://\*:5556: CURVE, 3 collector keys"' - "$HUB"
check "ingest 5556 not published, only 8080" \
    sh -c '[ "$('"$DOCKER"' port "$1" | cut -d/ -f1 | sort -u | tr "\n" " ")" = "8080 " ]' - "$HUB"
check "published on loopback only (host IP 127.0.0.1)" \
    sh -c '[ "$('"$DOCKER"' port "$1" 8080/tcp | cut -d: -f1 | sort -u | tr "\n" " ")" = "127.0.0.1 " ]' - "$HUB"
check "the hub's container: uid 10001, no capabilities, read-only, no-new-privileges, pids and memory bounded" \
    sh -c 'v=$('"$DOCKER"' inspect -f "{{.Config.User}} {{.HostConfig.CapDrop}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.SecurityOpt}} {{.HostConfig.PidsLimit}} {{.HostConfig.Memory}}" "$1") &&
        echo "$v" && [ "$v" = "10001:10001 [ALL] true [no-new-privileges:true] 256 536870912" ]' - "$HUB"
http_check() {
    /usr/bin/python3 - "$@" <<'EOF'
import json, sys, urllib.request
base = sys.argv[1]
with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
    h = json.load(r)
    assert r.status == 200 and h["status"] == "ok", h
with urllib.request.urlopen(base + "/", timeout=5) as r:
    page = r.read().decode()
    assert r.status == 200 and "/vendor/chart.js/dist/chart.umd.min.js" in page, page[:200]
with urllib.request.urlopen(base + "/vendor/chart.js/dist/chart.umd.min.js", timeout=5) as r:
    js = r.read()
    assert r.status == 200 and len(js) > 10000, len(js)
print(f"healthz {h}; page and Chart.js ({len(js)} bytes) served")
EOF
}
check "HTTP from the host: /healthz, the page, Chart.js at /vendor/" http_check "http://127.0.0.1:$PORT"
echo "WebSocket ws://127.0.0.1:$PORT/ws, subscribe system.* and demo.*:"
if /usr/bin/python3 "$HERE/ws_check.py" "ws://127.0.0.1:$PORT/ws" 20; then
    ok "live system.* and demo.* samples through the published port"
else
    ko "live system.* and demo.* samples through the published port"
    "${COMPOSE[@]}" logs --no-color --tail 20 2>&1 | sed 's/^/      /'
fi
# The compose network's bridge exists only in the host's network namespace: when
# sysmetrics publishes its traffic, it reads the host's /proc, not the container's.
host_net_check() {
    local bridge topics
    bridge=br-$($DOCKER network ls -q --no-trunc --filter "label=com.docker.compose.project=$PROJECT" | head -n 1 | cut -c1-12)
    for _ in $(seq 1 30); do
        topics=$(/usr/bin/python3 -c 'import json, sys, urllib.request as u
print(" ".join(t["topic"] for t in json.load(u.urlopen(sys.argv[1], timeout=5)) if t["topic"].startswith("system.net.")))' \
            "http://127.0.0.1:$PORT/api/topics" 2>/dev/null)
        case " $topics " in *" system.net.$bridge "*)
            echo "system.net.$bridge among: $topics"
            return 0 ;;
        esac
        sleep 0.5
    done
    echo "no system.net.$bridge; network topics: ${topics:-none}"
    return 1
}
check "sysmetrics shows the host (system.net.<the compose bridge>, seen only from the host's /proc)" host_net_check
check "sysmetrics healthy (its data is at the hub)" wait_healthy sysmetrics 45
check "demo healthy (its data is at the hub)" wait_healthy demo 45

# ---------------------------------------------------------------------------
SERVICES="hub sysmetrics demo"
if grep -q 'profiles: \["examples"\]' docker-compose.yml; then
    step "the examples profile: docker-compose --profile examples up -d --build"
    t=$SECONDS
    if "${COMPOSE[@]}" --profile examples up -d --build >"$RUN/up-examples.log" 2>&1; then
        ok "--profile examples up -d --build ($((SECONDS - t)) s): $("${COMPOSE[@]}" --profile examples config --services | grep -vxE 'hub|sysmetrics|demo|curve-init' | tr '\n' ' ')"
        SERVICES="$SERVICES $("${COMPOSE[@]}" --profile examples config --services | grep -vxE 'hub|sysmetrics|demo|curve-init' | tr '\n' ' ')"
        echo "WebSocket ws://127.0.0.1:$PORT/ws, subscribe example.*:"
        if /usr/bin/python3 "$HERE/ws_check.py" "ws://127.0.0.1:$PORT/ws" 20 example; then
            ok "live example.* samples through the published port"
        else
            ko "live example.* samples through the published port"
            "${COMPOSE[@]}" --profile examples logs --no-color --tail 20 2>&1 | sed 's/^/      /'
        fi
        for s in $SERVICES; do
            case $s in hub | sysmetrics | demo) ;; *) check "$s healthy" wait_healthy "$s" 45 ;; esac
        done
    else
        ko "--profile examples up -d --build ($((SECONDS - t)) s); the end of its output:"
        tail -n 30 "$RUN/up-examples.log" | sed 's/^/      /'
    fi
fi

# ---------------------------------------------------------------------------
step "with people and tokens: docker/auth.override.yml, files as Docker secrets"
SECRETS=$RUN/secrets
mkdir -p "$SECRETS"
AUTH_TOKEN=compose-viewer-0123456789abcdef
HASH=$(printf 'pw' | "${COMPOSE[@]}" run --rm --no-deps -T hub rtdash-hub --hash-password 2>/dev/null | tail -n 1)
printf 'alice admin %s\n' "$HASH" > "$SECRETS/users"
printf '%s viewer demo.* system.*\n' "$AUTH_TOKEN" > "$SECRETS/tokens"
chown 10001:10001 "$SECRETS/users" "$SECRETS/tokens"
chmod 400 "$SECRETS/users" "$SECRETS/tokens"
AUTHC=("${COMPOSE[@]}" -f docker/auth.override.yml)
export RTDASH_USERS_FILE=$SECRETS/users RTDASH_TOKENS_FILE=$SECRETS/tokens
auth_check() {
    /usr/bin/python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
line = s.recv(4096).split(b"\r\n")[0]
print("anonymous upgrade:", line.decode())
sys.exit(0 if b" 401" in line else 1)' "$1"
}
if "${AUTHC[@]}" up -d hub >"$RUN/up-auth.log" 2>&1; then
    check "hub healthy with auth on (/healthz stays open)" wait_healthy hub 60
    check "an anonymous WebSocket gets 401" auth_check "$PORT"
    if /usr/bin/python3 "$HERE/ws_check.py" "ws://127.0.0.1:$PORT/ws?token=$AUTH_TOKEN" 20; then
        ok "a viewer token reads live system.* and demo.* samples"
    else
        ko "a viewer token reads live system.* and demo.* samples"
        "${AUTHC[@]}" logs --no-color --tail 20 hub 2>&1 | sed 's/^/      /'
    fi
else
    ko "up -d hub with docker/auth.override.yml; the end of its output:"
    tail -n 30 "$RUN/up-auth.log" | sed 's/^/      /'
fi
unset RTDASH_USERS_FILE RTDASH_TOKENS_FILE

# ---------------------------------------------------------------------------
step "the image"
for img in "$IMAGE" $($DOCKER image ls --format '{{.Repository}}:{{.Tag}}' 'rtdash-example-*'); do
    check "$img runs as a non-root user" \
        sh -c 'u=$('"$DOCKER"' run --rm --pull=never --network none --entrypoint id "$1" -u) && echo "uid $u" && [ "$u" != 0 ]' - "$img"
done
check "holds no compiler and no node" $DOCKER run --rm --pull=never --network none --entrypoint sh "$IMAGE" -c \
    'for c in cc gcc c99 c89 clang tcc as ld node npm; do if command -v $c; then exit 1; fi; done; ! ls /usr/bin/*-gcc* 2>/dev/null'
check "every program finds its libraries and runs" $DOCKER run --rm --pull=never --network none --entrypoint sh "$IMAGE" -c \
    '! ldd /usr/local/bin/rtdash-* | grep "not found" && for p in hub sysmetrics demo pub; do rtdash-$p --version || exit 1; done'

# ---------------------------------------------------------------------------
step "stop: SIGTERM, every container exits 0 well within the grace period"
t=$SECONDS
"${COMPOSE[@]}" --profile examples stop -t 10 >"$RUN/stop.log" 2>&1
took=$((SECONDS - t))
codes=""
want=""
for s in $SERVICES; do
    id=$(cid "$s")
    codes="$codes $s=$([ -n "$id" ] && $DOCKER inspect -f '{{.State.ExitCode}}' "$id")"
    want="$want $s=0"
done
if [ "$took" -lt 8 ] && [ "$codes" = "$want" ]; then
    ok "clean stop in $took s:$codes"
else
    ko "stop took $took s, exit codes:$codes (137 = SIGKILL after the grace period)"
fi
check "docker-compose down -v" "${COMPOSE[@]}" --profile examples down -v --remove-orphans -t 5
exit 0
