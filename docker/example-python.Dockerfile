# The Python example collector (collectors/examples/python/processes.py) as an
# image of its own: Debian's python3-zmq and python3-msgpack, nothing else.
# docker-compose.yml starts it with the "examples" profile.
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-zmq python3-msgpack \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 rtdash \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin rtdash
COPY collectors/examples/python/processes.py /usr/local/bin/rtdash-example-processes
COPY docker/curve-env.sh /usr/local/bin/rtdash-curve-env
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER 10001:10001
STOPSIGNAL SIGTERM
CMD ["rtdash-curve-env", "rtdash-example-processes"]
