# SPDX-License-Identifier: MIT
"""rtdash_harness - shared pieces of the integration tests.

Every test starts the REAL hub ($RTDASH_BIN/rtdash-hub) as a process on
loopback and talks to it with real clients: ZeroMQ PUB (python3-zmq) for the
collector side, WebSocket (python3-websockets, asyncio) and a small raw-socket
WebSocket client for the browser side, http.client for HTTP. No mocks.

Run a test file as `/usr/bin/python3 tests/integration/test_X.py` with
RTDASH_BIN (directory of the binaries) and RTDASH_SRC (repository root) set;
ctest does that. A file prints "PASS name" / "FAIL name: reason" per test and
ends with the line "N passed, N failed"; it exits 1 if any test failed.
"""

import asyncio
import base64
import collections
import contextlib
import http.client
import inspect
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

import msgpack
import websockets
import zmq

BIN = os.environ.get("RTDASH_BIN", "")
SRC = os.environ.get("RTDASH_SRC", "")
HOST = "127.0.0.1"
SLOW_JOINER_S = 0.3


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    """Assert with a message that says what was expected and what came."""
    if not cond:
        raise TestFailure(msg)


def check_eq(got, want, what):
    if got != want:
        raise TestFailure("%s: expected %s, got %s" % (what, short(want), short(got)))


def short(v, n=600):
    s = v if isinstance(v, str) else json.dumps(v, default=repr) if _jsonable(v) else repr(v)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def _jsonable(v):
    try:
        json.dumps(v)
        return True
    except (TypeError, ValueError):
        return False


def bin_path(name):
    return os.path.join(BIN, name)


def free_port():
    """A free loopback port below the kernel's ephemeral range, picked at
    random: a port from bind(0) is an ephemeral one, which an outgoing
    connection (a test client, another run) may take before the hub binds it."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            eph_lo = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        eph_lo = 32768
    lo, hi = 10000, max(eph_lo, 11000)
    for _ in range(200):
        port = random.randrange(lo, hi)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def now_ms():
    return int(time.time() * 1000)


# ---------------------------------------------------------------- the hub

_STARTED = []  # every process started by the current test (for logs on failure)


class Proc:
    """A child process with stderr (and stdout) captured to a file."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.argv = argv
        self.logf = tempfile.NamedTemporaryFile(prefix="rtdash-%s-" % name, suffix=".log",
                                                delete=False)
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=self.logf, env=full_env)
        self.pid = self.proc.pid
        self.stopped_by_us = False
        _STARTED.append(self)

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        try:
            with open(self.logf.name, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Signal the process and wait; returns the exit code (killed if it hangs)."""
        if self.proc.poll() is None:
            self.stopped_by_us = True
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Hub(Proc):
    """rtdash-hub on 127.0.0.1:port with ingest tcp://127.0.0.1:ingest_port."""

    def __init__(self, extra_args=(), env=None, port=None, ingest_port=None, history=50,
                 wait=True, only_args=False):
        """only_args: pass extra_args alone (port / ingest given some other way,
        e.g. in env; port and ingest_port must then say where)."""
        self.port = port or free_port()
        self.ingest_port = ingest_port or free_port()
        self.ingest = "tcp://%s:%d" % (HOST, self.ingest_port)
        extra_args = list(extra_args)
        supervising = ("--collector" in extra_args or "--collectors-dir" in extra_args or
                       (env or {}).get("RTDASH_COLLECTOR"))
        if supervising and os.geteuid() == 0 and "--collector-user" not in extra_args:
            # as root the hub wants the collectors' user said (SPEC §7); the
            # tests run them as root on purpose
            extra_args += ["--collector-user", "root"]
        if only_args:
            argv = [bin_path("rtdash-hub")] + list(extra_args)
        else:
            argv = [bin_path("rtdash-hub"), "--host", HOST, "--port", str(self.port),
                    "--ingest", self.ingest, "--history", str(history)] + list(extra_args)
        super().__init__("hub", argv, env)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=10.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if not self.alive():
                raise TestFailure("hub exited with code %s before serving /healthz; log:\n%s"
                                  % (self.proc.returncode, self.log()))
            try:
                st, _, _ = http_get(self.port, "/healthz", timeout=1.0)
                if st == 200:
                    return
                last = "status %d" % st
            except OSError as e:
                last = repr(e)
            time.sleep(0.05)
        raise TestFailure("hub did not answer GET /healthz 200 within %.0fs (%s)" % (timeout, last))

    @property
    def ws_url(self):
        return "ws://%s:%d/ws" % (HOST, self.port)

    def check_alive(self):
        check(self.alive(), "hub died with exit code %s" % self.proc.returncode)

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        crashed = not self.alive() and not self.stopped_by_us
        code = self.proc.returncode
        self.stop()
        if crashed and et is None:
            raise TestFailure("hub died during the test with exit code %s" % code)
        return False


def start_proc(name, argv, env=None):
    return Proc(name, argv, env)


# ---------------------------------------------------------------- HTTP

def http_get(port, path, timeout=5.0, headers=None, method="GET"):
    """Returns (status, headers dict lower-cased, body bytes)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


def http_json(port, path):
    st, hd, body = http_get(port, path)
    check(st == 200, "GET %s: expected 200, got %d %r" % (path, st, body[:200]))
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise TestFailure("GET %s: body is not JSON (%s): %r" % (path, e, body[:300]))


def raw_http(port, request_bytes, timeout=5.0):
    """Send raw bytes, read until the peer closes or times out; returns bytes."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(request_bytes)
        out = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                out += d
                if b"\r\n\r\n" in out:
                    head, _, rest = out.partition(b"\r\n\r\n")
                    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
                    if m and len(rest) >= int(m.group(1)):
                        break
        except socket.timeout:
            pass
        return out


# ---------------------------------------------------------------- metrics

_METRIC_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$')
_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text):
    """Parse Prometheus text format strictly: returns [(name, {labels}, value)].
    Raises TestFailure on a line that is not a comment, blank or a sample."""
    out = []
    for i, line in enumerate(text.split("\n")):
        if not line.strip() or line.startswith("#"):
            if line.startswith("# TYPE"):
                parts = line.split()
                check(len(parts) == 4 and parts[3] in
                      ("counter", "gauge", "histogram", "summary", "untyped"),
                      "metrics line %d: bad TYPE line %r" % (i + 1, line))
            continue
        m = _METRIC_RE.match(line)
        check(m is not None, "metrics line %d is not Prometheus text: %r" % (i + 1, line))
        labels = dict(_LABEL_RE.findall(m.group(3) or ""))
        try:
            v = float(m.group(4))
        except ValueError:
            raise TestFailure("metrics line %d: value is not a number: %r" % (i + 1, line))
        out.append((m.group(1), labels, v))
    return out


def metrics(port, headers=None):
    st, hd, body = http_get(port, "/metrics", headers=headers)
    check(st == 200, "GET /metrics: expected 200, got %d" % st)
    return parse_prometheus(body.decode("utf-8"))


def metric_find(ms, name_re, labels=None):
    """Sum of samples whose name matches name_re (search) and carrying labels."""
    rx = re.compile(name_re)
    tot, seen = 0.0, False
    for n, lb, v in ms:
        if rx.search(n) and all(lb.get(k) == val for k, val in (labels or {}).items()):
            tot += v
            seen = True
    return tot if seen else None


def samples_of(msgs, topic=None):
    """The samples among msgs (of one topic when given)."""
    return [m for m in msgs if m.get("type") == "sample" and (topic is None or m["topic"] == topic)]


def drops_by_reason(ms):
    """{reason: value} over every sample with a `reason` label whose name says drop/reject."""
    out = collections.Counter()
    for n, lb, v in ms:
        if "reason" in lb and re.search(r"drop|reject|invalid|discard", n):
            out[(n, lb["reason"])] += v
    return out


def metric_names(ms):
    return sorted({n for n, _, _ in ms})


# ---------------------------------------------------------------- msgpack / ZeroMQ

def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def mp_str_raw(b):
    """A msgpack str holding the raw bytes b (may be invalid UTF-8)."""
    n = len(b)
    if n < 32:
        return bytes([0xA0 | n]) + b
    if n < 256:
        return b"\xd9" + bytes([n]) + b
    if n < 65536:
        return b"\xda" + struct.pack(">H", n) + b
    return b"\xdb" + struct.pack(">I", n) + b


def mp_map_raw(pairs):
    """A msgpack map from (packed_key, packed_value) pairs, in order."""
    n = len(pairs)
    if n < 16:
        head = bytes([0x80 | n])
    elif n < 65536:
        head = b"\xde" + struct.pack(">H", n)
    else:
        head = b"\xdf" + struct.pack(">I", n)
    return head + b"".join(k + v for k, v in pairs)


class Publisher:
    """A ZeroMQ PUB socket connected to one or more hub ingests."""

    def __init__(self, *endpoints, wait=True):
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.PUB)
        self.sock.setsockopt(zmq.SNDHWM, 0)
        self.sock.setsockopt(zmq.LINGER, 500)
        for ep in endpoints:
            self.sock.connect(ep.ingest if isinstance(ep, Hub) else ep)
        self.seqs = collections.Counter()
        if wait:
            time.sleep(SLOW_JOINER_S)

    def send_raw(self, *frames):
        self.sock.send_multipart([f if isinstance(f, bytes) else f.encode() for f in frames])

    def send(self, topic, body):
        self.send_raw(topic.encode() if isinstance(topic, str) else topic,
                      body if isinstance(body, bytes) else pack(body))

    def sample(self, topic, fields, ts=None, seq=None, **extra):
        """A sample with explicit ts/seq (auto: now and this publisher's counter)."""
        if seq is None:
            self.seqs[topic] += 1
            seq = self.seqs[topic]
        body = {"kind": "sample", "ts": now_ms() if ts is None else ts, "seq": seq,
                "fields": fields}
        body.update(extra)
        self.send(topic, body)
        return body

    def event(self, topic, text, level="info", ts=None, seq=None):
        if seq is None:
            self.seqs[topic] += 1
            seq = self.seqs[topic]
        body = {"kind": "event", "ts": now_ms() if ts is None else ts, "seq": seq,
                "text": text, "level": level}
        self.send(topic, body)
        return body

    def meta(self, topic, **meta):
        body = {"kind": "meta"}
        body.update(meta)
        self.send(topic, body)
        return body

    def close(self):
        self.sock.close(0)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


async def apublisher(*endpoints):
    p = Publisher(*endpoints, wait=False)
    await asyncio.sleep(SLOW_JOINER_S)
    return p


# ---------------------------------------------------------------- WebSocket client (asyncio)

class WSClient:
    """websockets (asyncio) client that splits each text frame on '\\n' into
    JSON messages. Every message is kept in `log`; wait_for() consumes from
    `pending` in arrival order."""

    def __init__(self, ws):
        self.ws = ws
        self.frames = []      # raw text frames
        self.log = []         # every message, in order
        self.raw = []         # the raw JSON text of each message (same index as log)
        self.times = []       # time.monotonic() of arrival (same index as log)
        self.pending = collections.deque()
        self.errors = []      # framing problems (invalid JSON line, binary frame, ...)
        self.closed = None    # (code, reason) once closed
        self.cond = asyncio.Condition()
        self.task = asyncio.ensure_future(self._reader())

    @classmethod
    async def connect(cls, hub_or_url, subprotocols=None, expect_welcome=True, **kw):
        url = hub_or_url.ws_url if isinstance(hub_or_url, Hub) else hub_or_url
        ws = await websockets.connect(url, subprotocols=subprotocols, max_size=None,
                                      max_queue=None, ping_interval=None, close_timeout=2,
                                      open_timeout=5, **kw)
        c = cls(ws)
        if expect_welcome:
            c.welcome = await c.wait_for(lambda m: True, 5, "first message (welcome)")
            check_eq(c.welcome.get("type"), "welcome", "type of the first message")
        return c

    async def _reader(self):
        try:
            async for frame in self.ws:
                if isinstance(frame, bytes):
                    self.errors.append("binary frame of %d bytes" % len(frame))
                    continue
                self.frames.append(frame)
                for line in frame.split("\n"):
                    if line == "":
                        self.errors.append("empty line in frame %r" % frame[:200])
                        continue
                    try:
                        m = json.loads(line)
                    except ValueError as e:
                        self.errors.append("invalid JSON line %r: %s" % (line[:200], e))
                        continue
                    if not isinstance(m, dict) or not isinstance(m.get("type"), str):
                        self.errors.append("message without a type: %r" % line[:200])
                    self.log.append(m)
                    self.raw.append(line)
                    self.times.append(time.monotonic())
                    self.pending.append(m)
                async with self.cond:
                    self.cond.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed = (self.ws.close_code, self.ws.close_reason)
            async with self.cond:
                self.cond.notify_all()

    async def send(self, obj):
        await self.ws.send(obj if isinstance(obj, (str, bytes)) else json.dumps(obj))

    def _take(self, pred):
        for i, m in enumerate(self.pending):
            if pred(m):
                del self.pending[i]
                return m
        return None

    async def wait_for(self, pred, timeout=5.0, what="message"):
        """The first pending message matching pred (consumed); fails after timeout."""
        if isinstance(pred, str):
            t = pred
            pred = lambda m: m.get("type") == t
        deadline = time.monotonic() + timeout
        async with self.cond:
            while True:
                m = self._take(pred)
                if m is not None:
                    return m
                if self.closed is not None:
                    raise TestFailure("waiting for %s: connection closed %s; last messages: %s"
                                      % (what, self.closed, short(self.log[-5:])))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestFailure("no %s within %.1fs; last messages: %s"
                                      % (what, timeout, short(self.log[-5:])))
                try:
                    await asyncio.wait_for(self.cond.wait(), left)
                except asyncio.TimeoutError:
                    pass

    async def expect_none(self, pred, duration, what="message"):
        """Wait `duration` seconds; fail if a pending message matches pred."""
        if isinstance(pred, str):
            t = pred
            pred = lambda m: m.get("type") == t
        await asyncio.sleep(duration)
        bad = [m for m in self.pending if pred(m)]
        check(not bad, "unexpected %s: %s" % (what, short(bad)))

    async def command(self, obj, ack_type, timeout=5.0):
        """Send a command, wait for its acknowledgement (or an error)."""
        await self.send(obj)
        m = await self.wait_for(lambda m: m.get("type") in (ack_type, "error"), timeout,
                                "%s acknowledgement" % ack_type)
        check(m["type"] == ack_type, "command %s answered with %s" % (short(obj), short(m)))
        return m

    async def subscribe(self, topics, history=False, since=None):
        cmd = {"type": "subscribe", "topics": topics}
        if history:
            cmd["history"] = True
        if since is not None:
            cmd["since"] = since
        return await self.command(cmd, "subscribed")

    async def ping(self, timeout=5.0):
        await self.send({"type": "ping"})
        await self.wait_for("pong", timeout, "pong")

    def index(self, m):
        """Position of message object m in the log."""
        for i in range(len(self.log) - 1, -1, -1):
            if self.log[i] is m:
                return i
        raise ValueError("message not in log")

    def raw_of(self, m):
        return self.raw[self.index(m)]

    def drain(self):
        out = list(self.pending)
        self.pending.clear()
        return out

    async def wait_closed(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while self.closed is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        check(self.closed is not None, "connection still open after %.1fs" % timeout)
        return self.closed

    def check_framing(self):
        check(not self.errors, "framing errors: %s" % short(self.errors[:5]))

    async def close(self):
        with contextlib.suppress(Exception):
            await self.ws.close()
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task


def is_sample(topic=None, seq=None):
    def p(m):
        return (m.get("type") == "sample" and (topic is None or m.get("topic") == topic)
                and (seq is None or m.get("seq") == seq))
    return p


def of_type(t, topic=None):
    return lambda m: m.get("type") == t and (topic is None or m.get("topic") == topic)


def ordered_keys(raw_json):
    """Top-level keys of a JSON object text, in order."""
    return [k for k, _ in json.loads(raw_json, object_pairs_hook=lambda p: p)]


# ---------------------------------------------------------------- raw WebSocket client (sync)

def ws_client_frame(op, payload=b"", fin=True, rsv=0, mask=None, length=None):
    """A client WebSocket frame: masked (random key unless mask is given), with
    the length field written as `length` when given (a lie about the payload)."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    n = len(payload) if length is None else length
    if n < 126:
        head = bytes([b0, 0x80 | n])
    elif n < 65536:
        head = bytes([b0, 0x80 | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, 0x80 | 127]) + struct.pack(">Q", n)
    if mask is None:
        mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class RawWS:
    """A WebSocket client on a plain socket, for what websockets will not do:
    invalid frames, tiny receive buffers, reading nothing for a while."""

    def __init__(self, port, path="/ws", protocols=None, rcvbuf=None, timeout=5.0,
                 extra_headers=b""):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((HOST, port))
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (path, HOST, port, key))
        if protocols:
            req += "Sec-WebSocket-Protocol: %s\r\n" % ", ".join(protocols)
        self.sock.sendall(req.encode() + extra_headers + b"\r\n")
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(4096)
            if not d:
                break
            self.buf += d
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        parts = lines[0].split(" ")
        self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        self.headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.close_code = None
        self.eof = False

    def send_frame(self, opcode, payload, fin=True, rsv=0):
        data = ws_client_frame(opcode, payload, fin=fin, rsv=rsv)
        try:
            self.sock.sendall(data)
        except OSError:
            pass  # the hub may close while we are still sending; read the close after

    def send_text(self, s):
        self.send_frame(0x1, s.encode() if isinstance(s, str) else s)

    def _need(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(max(65536, n - len(self.buf)))
            if not d:
                self.eof = True
                raise EOFError("connection closed by the hub")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        """(fin, opcode, payload). Raises EOFError / socket.timeout."""
        h = self._need(2)
        fin, op, ln = bool(h[0] & 0x80), h[0] & 0x0F, h[1] & 0x7F
        check(not (h[1] & 0x80), "hub sent a masked frame")
        if ln == 126:
            ln = struct.unpack(">H", self._need(2))[0]
        elif ln == 127:
            ln = struct.unpack(">Q", self._need(8))[0]
        return fin, op, self._need(ln)

    def recv_message(self):
        """Next data message (opcode, bytes); answers nothing; records a close."""
        parts, mop = [], None
        while True:
            fin, op, data = self.recv_frame()
            if op == 0x8:
                self.close_code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else 1005
                return op, data
            if op in (0x9, 0xA):
                continue
            if op != 0:
                mop = op
            parts.append(data)
            if fin:
                return mop, b"".join(parts)

    def read_until_close(self, timeout=5.0):
        """Read (and keep) data messages until a close frame or EOF. Returns the
        close code, or None when the TCP connection ended without a close frame."""
        self.sock.settimeout(timeout)
        self.messages = getattr(self, "messages", [])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                op, data = self.recv_message()
            except EOFError:
                return self.close_code
            except ConnectionResetError:
                self.eof = True
                return self.close_code
            except socket.timeout:
                break
            if op == 0x8:
                return self.close_code
            self.messages.append(data)
        raise TestFailure("no close from the hub within %.1fs" % timeout)

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()


def split_json_frame(data):
    text = data.decode("utf-8")
    return [json.loads(l) for l in text.split("\n")]


# ---------------------------------------------------------------- runner

_SANITIZER_RE = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error: "
                           r"|WARNING: ThreadSanitizer")


def slow_raw_reader(hub, topics=("*",), rcvbuf=4096):
    """A raw WebSocket client with a small receive buffer that has read its
    welcome and subscribed to topics, and then reads nothing: a slow consumer."""
    slow = RawWS(hub.port, rcvbuf=rcvbuf)
    slow.recv_message()  # welcome
    slow.send_text(json.dumps({"type": "subscribe", "topics": list(topics)}))
    return slow


_STAT_FIELDS = {"ppid": 1, "pgrp": 2, "session": 3}  # after the state in /proc/PID/stat


def live_procs_where(key, value):
    """Pids of the live (not zombie) processes whose parent, process group or
    session (key "ppid", "pgrp" or "session") is value."""
    field = _STAT_FIELDS[key] + 2
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[field - 2]) == value and fields[0] not in ("Z", "X"):
            out.append(int(p))
    return out


def rss_kb(pid):
    """Resident set size of process pid in KiB (0 if it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


async def wait_until(pred, timeout, step=0.1):
    """Poll pred until it returns something true (returned) or timeout
    seconds pass (then its last value is returned)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        await asyncio.sleep(step)
    return pred()


def run_tests(namespace, per_test_timeout=90.0):
    """Run every test_* function of namespace in definition order (sync or
    async), print PASS/FAIL lines and the summary; exit 1 on failure."""
    if not BIN or not os.path.exists(bin_path("rtdash-hub")):
        print("FAIL setup: RTDASH_BIN must name the directory of rtdash-hub (got %r)" % BIN)
        print("0 passed, 1 failed")
        sys.exit(1)
    only = set(sys.argv[1:])
    tests = [(n, f) for n, f in namespace.items()
             if n.startswith("test_") and callable(f) and (not only or n in only)]
    tests.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
    passed = failed = 0
    for name, fn in tests:
        del _STARTED[:]
        t0 = time.monotonic()
        timed_out = [False]

        async def bounded(fn=fn):
            try:
                return await asyncio.wait_for(fn(), per_test_timeout)
            except asyncio.TimeoutError:
                if time.monotonic() - t0 >= per_test_timeout - 0.5:
                    timed_out[0] = True
                raise
        try:
            if inspect.iscoroutinefunction(fn):
                asyncio.run(bounded())
            else:
                fn()
            for p in _STARTED:
                if p.name == "hub" and p.proc.returncode not in (None, 0) and not p.stopped_by_us:
                    raise TestFailure("hub exited with code %s" % p.proc.returncode)
            for p in _STARTED:   # stop everything, then look for sanitizer reports
                p.stop(signal.SIGTERM if p.name == "hub" else signal.SIGKILL)
                m = _SANITIZER_RE.search(p.log())
                if m:
                    raise TestFailure("%s (pid %d): sanitizer report: %s"
                                      % (p.name, p.pid, p.log()[m.start():m.start() + 2500]))
            print("PASS %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
            passed += 1
        except BaseException as e:  # noqa: BLE001 - a test's failure of any kind
            if isinstance(e, KeyboardInterrupt):
                raise
            failed += 1
            if timed_out[0]:
                reason = "timed out after %.0fs" % per_test_timeout
            elif isinstance(e, TestFailure):
                reason = str(e)
            else:
                reason = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())
            print("FAIL %s: %s" % (name, reason), flush=True)
            for p in _STARTED:
                log = p.log()
                print("---- %s (pid %d, exit %s) output, last 3000 chars:\n%s\n----"
                      % (p.name, p.pid, p.proc.returncode, log[-3000:]), flush=True)
        finally:
            for p in _STARTED:
                with contextlib.suppress(Exception):
                    p.stop(signal.SIGKILL if p.name != "hub" else signal.SIGTERM)
                with contextlib.suppress(OSError):
                    os.unlink(p.logf.name)
            del _STARTED[:]
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
