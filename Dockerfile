# rtdash: one image for every part (hub, collectors, CLI).
#   docker build -t rtdash .
#   docker run --rm -p 8080:8080 rtdash                        # the hub (default command)
#   docker run --rm rtdash rtdash-demo --hub tcp://HUB:5556    # any other part: name it
# docker-compose.yml starts the hub and both collectors from this image.

# --- web: the page's npm dependencies (Chart.js), served by the hub at /vendor/ ---
FROM debian:bookworm AS web
ARG DEBIAN_FRONTEND=noninteractive
# PEM certificates to trust in addition to Debian's, for a TLS-intercepting proxy
# between this build and the npm registry. Used in this stage only (empty: none).
ARG EXTRA_CA_CERTS=""
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates nodejs npm \
 && rm -rf /var/lib/apt/lists/* \
 && if [ -n "$EXTRA_CA_CERTS" ]; then \
        printf '%s\n' "$EXTRA_CA_CERTS" >/usr/local/share/ca-certificates/extra.crt \
        && update-ca-certificates; \
    fi
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
# The lockfile pins every package and its sha512.
RUN NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt npm ci --omit=dev --no-audit --no-fund
COPY web/ ./

# --- build: the C programs, with the project's own flags (-Wall -Wextra -Werror ...) ---
FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake pkg-config \
        libwebsockets-dev libzmq3-dev libmsgpack-dev libjansson-dev libssl-dev libargon2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# tests/ is needed to configure (CMake declares the unit and fuzz-replay tests);
# only the programs are built. .dockerignore leaves out what configure does not read.
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY proto/ proto/
COPY hub/ hub/
COPY collectors/ collectors/
COPY tests/ tests/
COPY docker/healthcheck.c docker/
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build -j "$(nproc)" --target rtdash-hub rtdash-sysmetrics rtdash-demo rtdash-pub \
 && cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -o /build/bin/rtdash-healthcheck docker/healthcheck.c \
 && strip /build/bin/rtdash-*

# --- runtime: shared libraries only, no compiler, no node ---
FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="rtdash" \
      org.opencontainers.image.description="rtdash real-time dashboard: rtdash-hub (default), rtdash-sysmetrics, rtdash-demo, rtdash-pub" \
      org.opencontainers.image.licenses="MIT"
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends libwebsockets17 libzmq5 libmsgpackc2 libjansson4 libargon2-1 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 rtdash \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin rtdash \
 && install -d -o 10001 -g 10001 -m 0700 /run/rtdash/curve-hub /run/rtdash/curve
# ^ where docker-compose.yml mounts the CURVE keys' named volumes: a new volume
#   takes this owner and mode from the image
COPY docker/curve-init.sh /usr/local/bin/rtdash-curve-init
COPY docker/curve-env.sh /usr/local/bin/rtdash-curve-env
COPY --from=build /build/bin/rtdash-hub /build/bin/rtdash-sysmetrics /build/bin/rtdash-demo \
                  /build/bin/rtdash-pub /build/bin/rtdash-healthcheck /usr/local/bin/
COPY --from=web /src/web/ /usr/local/share/rtdash/web/
ENV RTDASH_WEB_ROOT=/usr/local/share/rtdash/web
# Numeric, so that a runtime can verify "non-root" without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080
# Every program stops cleanly on SIGTERM (the hub closes its WebSockets first).
STOPSIGNAL SIGTERM
CMD ["rtdash-hub"]
