#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""processes.py - an rtdash collector in Python: how many processes run on this machine.

Every interval it counts the processes in /proc and reads how many are running
and blocked (/proc/stat), and publishes one sample on its topic to every hub
of RTDASH_HUB. The topic is --topic (RTDASH_TOPIC), by default
`example.processes.HOST` (this file's name without `.py`, and the host name);
the collector's name in its meta is --collector (RTDASH_COLLECTOR, which a
supervising hub sets to the name it shows), by default this file's name. It
announces the topic (meta) at start and every 10 s, so the dashboard draws it
and a hub started later learns it. It never waits for a hub: before a hub has
connected ZeroMQ drops what is sent; while a hub that was connected is away,
up to SNDHWM messages wait for it and go to it when it is back, the rest are
dropped. A second collector on this machine that publishes the same topic to
the same hub is refused at start (the seq numbers of two publishers would
interleave). SIGTERM or Ctrl-C stops it.

    apt-get install python3-zmq python3-msgpack      # as root
    ./processes.py                       # or: RTDASH_HUB=tcp://127.0.0.1:5556 ./processes.py
    RTDASH_INTERVAL_MS=500 ./processes.py --topic my.procs

With a hub that takes CURVE (--curve-secret, --curve-clients), give it the hub's
public key and this collector's key file (`rtdash-pub --gen-keys FILE` writes one):

    RTDASH_CURVE_SERVERKEY='<the hub's public key>' RTDASH_CURVE_KEYFILE=FILE ./processes.py

Copy it, change `read()`, `META` and the topic, and you have your own collector.
"""
import argparse
import os
import re
import signal
import socket
import stat
import sys
import threading
import time

import msgpack  # Debian: python3-msgpack
import zmq  # Debian: python3-zmq

META_EVERY_S = 10
SNDHWM = 1000  # messages kept per hub while it is away (ZeroMQ's default, said out loud)
NAME = os.path.basename(__file__)  # "processes.py": what `rtdash-hub --collector` calls it

META = {
    "kind": "meta",
    "title": "Processes",
    "unit": "processes",
    "chart": "line",
    "fields": {
        "total": {"label": "Total", "color": "#3b82f6"},
        "running": {"label": "Running", "color": "#10b981"},
        "blocked": {"label": "Blocked", "color": "#ef4444"},
    },
}


def read(proc):
    """The values of one sample: {field name: number}."""
    total = sum(1 for name in os.listdir(proc) if name.isdigit())
    values = {"total": total, "running": 0, "blocked": 0}
    with open(os.path.join(proc, "stat")) as f:
        for line in f:
            if line.startswith("procs_running "):
                values["running"] = int(line.split()[1])
            elif line.startswith("procs_blocked "):
                values["blocked"] = int(line.split()[1])
    return values


def default_topic():
    """example.FILE.HOST: another file, or another host, gets another topic."""
    host = socket.gethostname().split(".")[0] or "localhost"
    return "example.%s.%s" % tuple(re.sub(r"[^A-Za-z0-9_-]", "_", s)
                                   for s in (os.path.splitext(NAME)[0], host))


def claim(topic, endpoints):
    """One publisher per topic and hub: hold an abstract Unix socket named after
    (topic, hub) while we run, so that a second copy on this machine fails here
    rather than interleaving its seq numbers with ours. The kernel frees it
    when the process ends, however it ends. The name is the same in every
    example: "rtdash-topic-" and the 64-bit FNV-1a hash of "TOPIC HUB"."""
    held = []
    for endpoint in endpoints:
        h = 0xcbf29ce484222325
        for b in ("%s %s" % (topic, endpoint)).encode():
            h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.bind("\0rtdash-topic-%016x" % h)
        except OSError:
            sys.exit("%s: another collector on this machine already publishes %s to %s: "
                     "give this one its own --topic" % (NAME, topic, endpoint))
        held.append(s)
    return held


def curve(sock):
    """RTDASH_CURVE_SERVERKEY and RTDASH_CURVE_KEYFILE (both, or neither): make the
    socket a CURVE client. A key file is one line PUBLIC SECRET, both Z85 (40
    characters), and nobody else may read it. Exits with a clear line when they are wrong."""
    server = os.environ.get("RTDASH_CURVE_SERVERKEY", "").strip()
    keyfile = os.environ.get("RTDASH_CURVE_KEYFILE", "")
    if not server and not keyfile:
        return
    def fail(why):
        sys.exit("processes.py: %s" % why)
    if not server or not keyfile:
        fail("CURVE needs both RTDASH_CURVE_SERVERKEY and RTDASH_CURVE_KEYFILE")
    if len(server) != 40:
        fail("RTDASH_CURVE_SERVERKEY is not a key of 40 Z85 characters")
    try:
        st = os.stat(keyfile)
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            fail("RTDASH_CURVE_KEYFILE %s: readable or writable by group or others (chmod 600)"
                 % keyfile)
        with open(keyfile) as f:
            words = f.read().split()
    except OSError as e:
        fail("RTDASH_CURVE_KEYFILE %s: %s" % (keyfile, e.strerror))
    if len(words) != 2 or any(len(w) != 40 for w in words):
        fail("RTDASH_CURVE_KEYFILE %s: not one line PUBLIC SECRET (rtdash-pub --gen-keys writes one)"
             % keyfile)
    try:
        if zmq.curve_public(words[1].encode()) != words[0].encode():
            fail("RTDASH_CURVE_KEYFILE %s: the public key is not the secret key's" % keyfile)
        sock.curve_serverkey = server.encode()
        sock.curve_publickey = words[0].encode()
        sock.curve_secretkey = words[1].encode()
    except (zmq.ZMQError, ValueError) as e:
        fail("CURVE: %s" % e)


def main():
    ap = argparse.ArgumentParser(description="Publish the number of processes to rtdash.")
    ap.add_argument("--hub", default=os.environ.get("RTDASH_HUB") or "tcp://127.0.0.1:5556",
                    help="hub endpoints, comma-separated (env RTDASH_HUB)")
    ap.add_argument("--interval-ms", type=int,
                    default=int(os.environ.get("RTDASH_INTERVAL_MS") or 1000),
                    help="milliseconds between samples (env RTDASH_INTERVAL_MS)")
    ap.add_argument("--topic", default=os.environ.get("RTDASH_TOPIC") or default_topic(),
                    help="topic to publish on (env RTDASH_TOPIC; default: %(default)s)")
    ap.add_argument("--collector", default=os.environ.get("RTDASH_COLLECTOR") or NAME,
                    help="the collector's name in its meta (env RTDASH_COLLECTOR)")
    ap.add_argument("--proc", default=os.environ.get("RTDASH_PROC") or "/proc",
                    help="where proc is mounted, e.g. the host's in a container (env RTDASH_PROC)")
    args = ap.parse_args()
    interval = max(args.interval_ms, 50) / 1000.0

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    endpoints = [e.strip() for e in args.hub.split(",") if e.strip()]
    held = claim(args.topic, endpoints)  # ours while we run
    sock = zmq.Context.instance().socket(zmq.PUB)
    sock.setsockopt(zmq.LINGER, 0)  # on exit, drop what is unsent rather than wait
    curve(sock)  # before connecting: CURVE is decided at the handshake
    sock.setsockopt(zmq.SNDHWM, SNDHWM)  # the most that waits for a hub that is away
    for endpoint in endpoints:  # one socket, connected to every hub
        sock.connect(endpoint)
    topic = args.topic.encode()
    meta = dict(META, interval_ms=args.interval_ms, collector=args.collector)

    def send(body):
        try:  # PUB never blocks: what does not fit in a hub's queue is dropped
            sock.send_multipart([topic, msgpack.packb(body)], flags=zmq.DONTWAIT)
        except zmq.Again:
            pass

    stop.wait(0.3)  # let the hubs subscribe: PUB drops what it sends before that
    seq, last_meta = 0, None
    while not stop.is_set():
        if last_meta is None or time.monotonic() - last_meta >= META_EVERY_S:
            send(meta)
            last_meta = time.monotonic()
        seq += 1
        send({"kind": "sample", "ts": int(time.time() * 1000), "seq": seq, "fields": read(args.proc)})
        stop.wait(interval)
    sock.close()
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
