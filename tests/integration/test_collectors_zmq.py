# SPDX-License-Identifier: MIT
"""The collectors on the wire (SPEC §2): rtdash-sysmetrics, rtdash-demo and
rtdash-pub publish to a ZeroMQ SUB socket that this test binds on loopback, as
the hub would. No hub is started: what is checked is what the collectors send.

sysmetrics values are compared with /proc read by the test itself, and with the
fixture trees tests/fixtures/proc-a and proc-b through --proc. Run with
/usr/bin/python3 (Debian's python3-zmq and python3-msgpack); RTDASH_BIN is the
directory of the binaries, RTDASH_SRC the repository root (defaults to the
checkout this file is in). Prints PASS/FAIL per test and "N passed, N failed".
"""

import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import msgpack
import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("RTDASH_BIN", "")
SRC = os.environ.get("RTDASH_SRC") or os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(SRC, "tests", "fixtures")
INTERVAL = 200
LEVELS = {"info", "success", "warning", "error"}
TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


class Failure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def free_port():
    from rtdash_harness import free_port as harness_free_port  # one policy for every test
    return harness_free_port()


# ---------------------------------------------------------------- ZeroMQ side

class Sub:
    """A SUB socket bound where a hub would be; records every message."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.endpoint = "tcp://127.0.0.1:%d" % self.port
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.SUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.SUBSCRIBE, b"")
        self.sock.bind(self.endpoint)
        self.msgs = []  # (topic, body dict, receive time)

    def pump(self, seconds):
        """Receive for this long."""
        end = time.time() + seconds
        while True:
            left = end - time.time()
            if left <= 0:
                return
            if self.sock.poll(int(left * 1000) + 1):
                self._recv()

    def until(self, pred, timeout, what):
        """Receive until pred(self) is true; fail after timeout seconds."""
        end = time.time() + timeout
        while not pred(self):
            left = end - time.time()
            if left <= 0:
                raise Failure("timed out after %.1fs waiting for %s; got %d messages: %s"
                              % (timeout, what, len(self.msgs), self.summary()))
            if self.sock.poll(int(min(left, 0.2) * 1000) + 1):
                self._recv()

    def _recv(self):
        frames = self.sock.recv_multipart()
        check(len(frames) == 2, "expected 2 frames, got %d: %r" % (len(frames), frames[:3]))
        topic = frames[0].decode("utf-8")
        check(TOPIC_RE.match(topic) and len(topic) <= 128, "invalid topic %r" % topic)
        body = msgpack.unpackb(frames[1], raw=False, strict_map_key=False)
        check(isinstance(body, dict), "%s: body is not a map: %r" % (topic, body))
        check(body.get("kind") in ("sample", "event", "meta"), "%s: bad kind: %r" % (topic, body))
        check(len(frames[1]) <= 65536, "%s: body over 64 KiB" % topic)
        self.msgs.append((topic, body, time.time()))

    def of(self, kind, topic=None, prefix=None):
        return [b for t, b, _ in self.msgs if b.get("kind") == kind
                and (topic is None or t == topic) and (prefix is None or t.startswith(prefix))]

    def topics(self, kind, prefix=""):
        return {t for t, b, _ in self.msgs if b.get("kind") == kind and t.startswith(prefix)}

    def last(self, kind, topic):
        m = self.of(kind, topic)
        return m[-1] if m else None

    def summary(self):
        seen = {}
        for t, b, _ in self.msgs:
            seen.setdefault((t, b.get("kind")), 0)
            seen[(t, b.get("kind"))] += 1
        return ", ".join("%s/%s x%d" % (t, k, n) for (t, k), n in sorted(seen.items()))[:1500]

    def close(self):
        self.sock.close(0)


class Collector:
    """A collector process; stderr goes to a temporary file shown on failure."""

    def __init__(self, name, args, hub=None, env=None, stdin=subprocess.DEVNULL):
        self.name = name
        self.log = tempfile.TemporaryFile()
        e = child_env()
        if hub:
            e["RTDASH_HUB"] = hub
        e.update(env or {})
        self.proc = subprocess.Popen([os.path.join(BIN, name)] + list(args), env=e,
                                     stdin=stdin, stdout=self.log, stderr=self.log)
        RUNNING.append(self)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("%s did not stop within 5 s of SIGTERM" % self.name)
        return self.proc.returncode

    def output(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")


RUNNING = []


def child_env(extra=None):
    """The environment of a child: ours, with leak detection on for ASan builds
    (CI may turn it off globally for browsers) and no stray collector settings."""
    e = dict(os.environ)
    for k in ("RTDASH_HUB", "RTDASH_INTERVAL_MS", "RTDASH_PROC", "RTDASH_LOG_LEVEL"):
        e.pop(k, None)
    e["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=1"]))
    e.update(extra or {})
    return e


def run_pub(args, hub, stdin_text=None, timeout=15, env=None):
    """rtdash-pub to completion: (exit status, stderr). hub is an endpoint, or a
    Sub that keeps receiving meanwhile: a SUB socket sends its subscription to
    a new publisher only while its own thread calls into ZeroMQ (the hub's loop
    does so whenever ZMQ_FD wakes it), so a test must not just block."""
    sub = hub if isinstance(hub, Sub) else None
    e = child_env()
    e["RTDASH_HUB"] = sub.endpoint if sub else hub
    e.update(env or {})
    with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as ferr:
        fin.write((stdin_text or "").encode("utf-8"))
        fin.seek(0)
        p = subprocess.Popen([os.path.join(BIN, "rtdash-pub")] + list(args), env=e, stdin=fin,
                             stdout=subprocess.DEVNULL, stderr=ferr)
        end = time.time() + timeout
        while p.poll() is None:
            if time.time() > end:
                p.kill()
                p.wait()
                raise Failure("rtdash-pub %r did not finish within %ds" % (args, timeout))
            if sub:
                sub.pump(0.02)
            else:
                time.sleep(0.02)
        ferr.seek(0)
        return p.returncode, ferr.read().decode("utf-8", "replace")


# ---------------------------------------------------------------- shared checks

def check_meta(sub, topic, chart=None, unit=None, fields=None, collector=None, interval=INTERVAL):
    m = sub.last("meta", topic)
    check(m is not None, "no meta for %s (have meta for %s)" % (topic, sorted(sub.topics("meta"))))
    if chart is not None:
        check(m.get("chart") == chart, "%s: chart %r, want %r" % (topic, m.get("chart"), chart))
    if unit is not None:
        check(m.get("unit") == unit, "%s: unit %r, want %r" % (topic, m.get("unit"), unit))
    if collector is not None:
        check(m.get("collector") == collector, "%s: collector %r" % (topic, m.get("collector")))
    if interval is not None:
        check(m.get("interval_ms") == interval,
              "%s: interval_ms %r, want %r" % (topic, m.get("interval_ms"), interval))
    check(isinstance(m.get("title"), str) and m["title"], "%s: no title: %r" % (topic, m))
    if fields is not None:
        got = list((m.get("fields") or {}).keys())
        check(got == list(fields), "%s: meta fields %r, want %r" % (topic, got, list(fields)))
        for f, d in m["fields"].items():
            check(isinstance(d, dict) and d.get("label") and d.get("color"),
                  "%s: field %s needs label and color: %r" % (topic, f, d))
    return m


def check_seq(sub, kinds=("sample", "event")):
    """Per topic, samples/events carry seq 1, 2, 3... as received (no loss on loopback)
    and an integer ts close to now."""
    seqs = {}
    now = time.time() * 1000
    for t, b, _ in sub.msgs:
        if b["kind"] not in kinds:
            continue
        check(isinstance(b.get("seq"), int) and b["seq"] >= 1, "%s: bad seq %r" % (t, b))
        check(isinstance(b.get("ts"), int) and abs(b["ts"] - now) < 120000,
              "%s: bad ts %r" % (t, b.get("ts")))
        if t in seqs:
            check(b["seq"] == seqs[t] + 1, "%s: seq %d after %d" % (t, b["seq"], seqs[t]))
        seqs[t] = b["seq"]
    return seqs


def fields_of(body):
    f = body.get("fields")
    check(isinstance(f, dict) and f, "sample without fields: %r" % body)
    for k, v in f.items():
        check(isinstance(v, (int, float)) and math.isfinite(v), "field %s=%r" % (k, v))
    return f


def sanitize(name):
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def proc_net_ifaces(root="/proc"):
    """As sysmetrics reads them: init's namespace (1/net/dev) if readable, else net/dev."""
    try:
        f = open(os.path.join(root, "1/net/dev"))
    except OSError:
        f = open(os.path.join(root, "net/dev"))
    with f:
        names = [ln.split(":", 1)[0].strip() for ln in f if ":" in ln]
    return [n for n in names if n != "lo"]


def proc_disks(root="/proc"):
    """Whole devices as sysmetrics counts them."""
    with open(os.path.join(root, "diskstats")) as f:
        names = [ln.split()[2] for ln in f if len(ln.split()) >= 10]
    names = [n for n in names if not n.startswith(("loop", "ram", "zram"))]
    listed = set(names)

    def parent(n):
        m = re.match(r"^(.*?)(\d+)$", n)
        if not m or not m.group(1):
            return None
        p = m.group(1)
        if len(p) >= 2 and p[-1] == "p" and p[-2].isdigit():
            p = p[:-1]
        return p

    return [n for n in names if parent(n) not in listed]


def meminfo(root="/proc"):
    out = {}
    with open(os.path.join(root, "meminfo")) as f:
        for ln in f:
            k, v = ln.split(":", 1)
            out[k] = int(v.split()[0])
    return out


# ---------------------------------------------------------------- sysmetrics

def test_sysmetrics_matches_proc():
    # Interfaces and disks present before and after the run (containers come and go).
    ifaces, disks = set(proc_net_ifaces()), set(proc_disks())
    sub = Sub()
    c = Collector("rtdash-sysmetrics", ["--interval-ms", str(INTERVAL)], hub=sub.endpoint)
    try:
        sub.until(lambda s: len(s.of("sample", "system.cpu")) >= 4, 10, "4 system.cpu samples")
        sub.pump(0.1)
        ifaces &= set(proc_net_ifaces())
        disks &= set(proc_disks())
    finally:
        check(c.stop() == 0, "exit status %r; log:\n%s" % (c.proc.returncode, c.output()))

    check_meta(sub, "system.cpu", "area", "%", ["usage", "user", "system", "iowait", "steal"],
               "sysmetrics")
    m = sub.last("meta", "system.cpu")
    check(m.get("min") == 0 and m.get("max") == 100, "system.cpu min/max: %r" % m)
    for s in sub.of("sample", "system.cpu"):
        f = fields_of(s)
        check(set(f) == {"usage", "user", "system", "iowait", "steal"}, "cpu fields %r" % f)
        check(all(0 <= v <= 100 for v in f.values()), "cpu percent out of 0..100: %r" % f)
        check(f["usage"] >= f["user"] + f["system"] - 1e-6, "usage < user + system: %r" % f)

    with open("/proc/stat") as fh:
        ncores = len([ln for ln in fh if re.match(r"^cpu\d+ ", ln)])
    cores = fields_of(sub.last("sample", "system.cpu.cores"))
    check(len(cores) == ncores, "cores %r, /proc/stat has %d" % (sorted(cores), ncores))
    check(all(re.match(r"^cpu\d+$", k) and 0 <= v <= 100 for k, v in cores.items()),
          "cores %r" % cores)
    check_meta(sub, "system.cpu.cores", "line", "%", sorted(cores, key=lambda k: int(k[3:])))

    mi = meminfo()
    mem = fields_of(sub.last("sample", "system.memory"))
    check(list(mem) == ["used", "available", "total", "percent"], "memory fields %r" % list(mem))
    check(mem["total"] == mi["MemTotal"] * 1024,
          "memory total %r, /proc/meminfo MemTotal*1024 = %d"
          % (mem["total"], mi["MemTotal"] * 1024))
    check(mem["used"] == mem["total"] - mem["available"], "used != total - available: %r" % mem)
    check(abs(mem["percent"] - mem["used"] * 100 / mem["total"]) < 1e-9, "percent: %r" % mem)
    check(abs(mem["available"] - mi.get("MemAvailable", mi["MemFree"]) * 1024) < 0.2 * mem["total"],
          "available %r far from /proc/meminfo" % mem["available"])
    check_meta(sub, "system.memory", "gauge", "bytes", ["used", "available", "total", "percent"])
    check(sub.last("meta", "system.memory").get("max") == mem["total"], "memory meta max")
    swap = fields_of(sub.last("sample", "system.swap"))
    check(list(swap) == ["used", "total", "percent"], "swap fields %r" % list(swap))
    check(swap["total"] == mi.get("SwapTotal", 0) * 1024, "swap total %r" % swap)
    check(0 <= swap["percent"] <= 100 and (swap["total"] > 0 or swap["percent"] == 0),
          "swap percent %r" % swap)
    check_meta(sub, "system.swap", "gauge", "bytes", ["used", "total", "percent"])

    with open("/proc/loadavg") as fh:
        want = [float(x) for x in fh.read().split()[:3]]
    load = fields_of(sub.last("sample", "system.load"))
    check(list(load) == ["load1", "load5", "load15"], "load fields %r" % list(load))
    check(all(abs(load[k] - w) <= 1 for k, w in zip(("load1", "load5", "load15"), want)),
          "load %r vs /proc/loadavg %r" % (load, want))
    check_meta(sub, "system.load", "line", None, ["load1", "load5", "load15"])

    for iface in sorted(ifaces):
        t = "system.net." + sanitize(iface)
        check_meta(sub, t, "line", "B/s", ["rx", "tx"])
        s = sub.last("sample", t)
        check(s is not None, "no sample for %s" % t)
        f = fields_of(s)
        check(set(f) == {"rx", "tx"} and f["rx"] >= 0 and f["tx"] >= 0, "%s: %r" % (t, f))
    check("system.net.lo" not in sub.topics("meta"), "lo must be skipped")
    want_disks = {"system.disk." + sanitize(d) for d in disks}
    got_disks = sub.topics("meta", "system.disk.")
    check(got_disks >= want_disks,
          "disk topics %r, want %r" % (sorted(got_disks), sorted(want_disks)))
    for t in want_disks:
        f = fields_of(sub.last("sample", t))
        check(set(f) == {"read", "write"} and min(f.values()) >= 0, "%s: %r" % (t, f))

    # Rates need two readings: the first tick has levels only.
    first = {}
    for t, b, _ in sub.msgs:
        if b["kind"] == "sample":
            first.setdefault(t, b["ts"])
    check(first["system.cpu"] > first["system.memory"],
          "system.cpu published on the first tick (ts %d, memory %d)"
          % (first["system.cpu"], first["system.memory"]))
    seqs = check_seq(sub)
    check(seqs["system.memory"] >= 5, "few memory samples: %r" % seqs)
    # Ticks are aligned to the wall clock: consecutive ts are about one interval apart.
    ts = [b["ts"] for b in sub.of("sample", "system.memory")]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    check(all(INTERVAL / 2 < g < INTERVAL * 3 for g in gaps), "tick gaps %r" % gaps)
    sub.close()


def test_sysmetrics_fixture_tree():
    tmp = tempfile.mkdtemp(prefix="rtdash-proc-")
    try:
        shutil.copytree(os.path.join(FIXTURES, "proc-a"), tmp, dirs_exist_ok=True)
        sub = Sub()
        c = Collector("rtdash-sysmetrics", ["--interval-ms", str(INTERVAL), "--proc", tmp,
                                            "--hub", sub.endpoint])
        try:
            sub.until(lambda s: len(s.of("sample", "system.cpu")) >= 2, 10, "2 cpu samples")
            mem = fields_of(sub.last("sample", "system.memory"))
            check(mem["total"] == 16000000 * 1024 and mem["percent"] == 25, "memory %r" % mem)
            swap = fields_of(sub.last("sample", "system.swap"))
            check(swap == {"used": 1000000 * 1024, "total": 4000000 * 1024, "percent": 25},
                  "swap %r" % swap)
            load = fields_of(sub.last("sample", "system.load"))
            check(load == {"load1": 0.5, "load5": 0.4, "load15": 0.3}, "load %r" % load)
            nets = sub.topics("meta", "system.net.")
            check(nets == {"system.net." + n for n in ("eth0", "eth1", "eth2", "wlan0_1", "veth1")},
                  "net topics %r" % sorted(nets))
            disks = sub.topics("meta", "system.disk.")
            want = ("sda", "sdb1", "nvme0n1", "mmcblk0", "dm-0")
            check(disks == {"system.disk." + n for n in want},
                  "disk topics %r" % sorted(disks))
            # Nothing moves in a frozen tree: every rate is 0.
            check(fields_of(sub.last("sample", "system.net.eth0")) == {"rx": 0, "tx": 0},
                  "eth0 %r" % sub.last("sample", "system.net.eth0"))
            check(fields_of(sub.last("sample", "system.cpu"))["usage"] == 0, "cpu usage")
            check(set(fields_of(sub.last("sample", "system.cpu.cores"))) == {"cpu0", "cpu1"},
                  "cores")

            # The machine changes: new values, a new interface, disk and core get meta.
            for rel in ("stat", "meminfo", "loadavg", "net/dev", "diskstats"):
                with open(os.path.join(FIXTURES, "proc-b", rel), "rb") as src, \
                        open(os.path.join(tmp, rel), "r+b") as dst:
                    data = src.read()
                    dst.seek(0)
                    dst.write(data)
                    dst.truncate()
            n0 = len(sub.msgs)
            sub.until(lambda s: any(b["kind"] == "meta" for t, b, _ in s.msgs[n0:]
                                    if t == "system.net.docker0"), 5, "meta of docker0")
            sub.until(lambda s: (s.last("sample", "system.load") or {}).get("fields", {})
                      .get("load1") == 1.25, 5, "load1 1.25")
            sub.pump(3 * INTERVAL / 1000)
            mem = fields_of(sub.last("sample", "system.memory"))
            check(mem["percent"] == 37.5, "memory after change %r" % mem)
            check("system.disk.sdc" in sub.topics("meta"), "no meta for the new disk sdc")
            check("cpu2" in sub.last("meta", "system.cpu.cores")["fields"], "cpu2 not announced")
            check(sub.last("meta", "system.swap").get("max") is None, "swap max with no swap")
            check(fields_of(sub.last("sample", "system.swap"))["percent"] == 0, "swap percent")
            check("system.net.docker0" in sub.topics("sample"), "docker0 samples")
            check(c.alive(), "sysmetrics died: %s" % c.output())
        finally:
            c.stop()
            sub.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_sysmetrics_settings():
    out = subprocess.run([os.path.join(BIN, "rtdash-sysmetrics"), "--help"],
                         stdout=subprocess.PIPE, timeout=10).stdout.decode()
    for word in ("--hub", "RTDASH_HUB", "--interval-ms", "RTDASH_INTERVAL_MS", "1000", "--proc",
                 "RTDASH_PROC", "/proc", "--log-level"):
        check(word in out, "--help lacks %s:\n%s" % (word, out))
    p = subprocess.run([os.path.join(BIN, "rtdash-sysmetrics"), "--interval-ms", "10"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10, env=child_env())
    check(p.returncode == 2 and b"interval-ms" in p.stderr, "interval 10 accepted: %r" % p.stderr)
    p = subprocess.run([os.path.join(BIN, "rtdash-sysmetrics"), "--proc", "/nonexistent"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10, env=child_env())
    check(p.returncode == 1 and b"disabled" in p.stderr,
          "no /proc: %r %r" % (p.returncode, p.stderr))


# ---------------------------------------------------------------- demo

DEMO = {
    "demo.sales": ("Sales", "line", 0, 10000),
    "demo.users": ("Users", "bar", 0, 5000),
    "demo.requests": ("Requests", "area", 0, 2000),
    "demo.views": ("Views", "number", 0, 50000),
}


def demo_run(seed, until_levels=True, interval=50, timeout=15):
    sub = Sub()
    c = Collector("rtdash-demo", ["--interval-ms", str(interval), "--seed", str(seed)],
                  hub=sub.endpoint)
    try:
        if until_levels:
            sub.until(lambda s: {b.get("level") for b in s.of("event")} >= LEVELS, timeout,
                      "events of all four levels")
        else:
            sub.until(lambda s: len(s.of("event")) >= 5, timeout, "5 events")
    finally:
        code = c.stop()
        sub.close()
    check(code == 0, "demo exit status %r: %s" % (code, c.output()))
    return sub


def test_demo():
    sub = demo_run(7)
    for topic, (title, chart, lo, hi) in DEMO.items():
        m = check_meta(sub, topic, chart, None, ["value"], "demo", interval=50)
        check(m["title"] == title and m.get("min") == lo and m.get("max") == hi and m.get("unit"),
              "%s meta %r" % (topic, m))
        vals = [fields_of(b)["value"] for b in sub.of("sample", topic)]
        check(len(vals) >= 5, "%s: %d samples" % (topic, len(vals)))
        check(all(lo <= v <= hi for v in vals), "%s out of range: %r" % (topic, vals))
        check(len(set(vals)) > 1, "%s does not move: %r" % (topic, vals[:10]))
        check(all(set(b["fields"]) == {"value"} for b in sub.of("sample", topic)), "fields")
    feed = sub.last("meta", "demo.feed")
    check(feed and feed.get("title") == "Live feed" and feed.get("collector") == "demo",
          "demo.feed meta %r" % feed)
    events = sub.of("event", "demo.feed")
    for e in events:
        check(e.get("level") in LEVELS, "level %r" % e)
        check(isinstance(e.get("text"), str) and 5 < len(e["text"]) <= 1024, "text %r" % e)
    texts = {e["text"] for e in events}
    check(len(texts) >= min(len(events), 4) and len(texts) > 3, "texts barely vary: %r" % texts)
    ticks = len(sub.of("sample", "demo.sales"))
    check(ticks / 6 <= len(events) <= ticks / 1.5, "%d events in %d ticks" % (len(events), ticks))
    check_seq(sub)


def test_demo_seed_reproducible():
    a, b = demo_run(42, False), demo_run(42, False)
    c = demo_run(43, False)

    def by_seq(sub):
        out = {}
        for t, body, _ in sub.msgs:
            if body["kind"] == "sample":
                out[(t, body["seq"])] = body["fields"]["value"]
            elif body["kind"] == "event":
                out[(t, body["seq"])] = (body["level"], body["text"])
        return out

    sa, sb, sc = by_seq(a), by_seq(b), by_seq(c)
    common = set(sa) & set(sb)
    check(len(common) >= 20, "too little in common: %d" % len(common))
    diff = [k for k in common if sa[k] != sb[k]]
    check(not diff, "same seed, different output at %r: %r vs %r"
          % (diff[:3], [sa[k] for k in diff[:3]], [sb[k] for k in diff[:3]]))
    common_c = set(sa) & set(sc)
    check(any(sa[k] != sc[k] for k in common_c), "seed 43 gives the same output as 42")


# ---------------------------------------------------------------- no hub, then a hub

def s_interval(sub, topic):
    return (sub.last("meta", topic) or {}).get("interval_ms")


def test_no_hub_then_hub():
    port = free_port()
    hub = "tcp://127.0.0.1:%d" % port
    sm = Collector("rtdash-sysmetrics", ["--interval-ms", str(INTERVAL)], hub=hub)
    dm = Collector("rtdash-demo", [], hub=hub, env={"RTDASH_INTERVAL_MS": str(INTERVAL)})
    try:
        time.sleep(2)
        check(sm.alive(), "sysmetrics exited with no hub: %s" % sm.output())
        check(dm.alive(), "demo exited with no hub: %s" % dm.output())
        sub = Sub(port)
        t0 = time.time()
        try:
            sub.until(lambda s: s.of("sample", "system.memory") and s.of("sample", "demo.sales"),
                      5, "samples after the hub appeared")
            # A late hub learns the topics from the meta re-sent every 10 s.
            sub.until(lambda s: s.of("meta", "system.cpu") and s.of("meta", "demo.sales")
                      and s.of("meta", "demo.feed"), 12, "meta re-sent within 10 s")
            check(time.time() - t0 < 12, "meta late")
            check(s_interval(sub, "demo.sales") == INTERVAL, "RTDASH_INTERVAL_MS not used")
            n = len(sub.of("meta", "system.cpu"))
            check(n == 1, "system.cpu meta %d times in under 10 s" % n)
        finally:
            sub.close()
    finally:
        check(sm.stop() == 0, "sysmetrics exit status %r" % sm.proc.returncode)
        check(dm.stop() == 0, "demo exit status %r" % dm.proc.returncode)


# ---------------------------------------------------------------- rtdash-pub

def test_pub_command_line():
    sub = Sub()
    try:
        code, err = run_pub(["room.temp", "21.5"], sub)
        check(code == 0, "exit %d: %s" % (code, err))
        code, err = run_pub(["web.latency", "p50=12", "p99=80.5", "count=-3"], sub)
        check(code == 0, "exit %d: %s" % (code, err))
        code, err = run_pub(["--event", "warning", "ops.feed", "Disk", "/var", "is", "91%",
                             "full"], sub)
        check(code == 0, "exit %d: %s" % (code, err))
        code, err = run_pub(["--title", "Temperature", "--unit", "C", "--chart", "gauge", "--min",
                             "-20", "--max", "50", "--meta-interval-ms", "5000", "room.temp",
                             "22"], sub)
        check(code == 0, "exit %d: %s" % (code, err))
        sub.pump(0.3)
        s = sub.of("sample", "room.temp")
        check(len(s) == 2 and s[0]["fields"] == {"value": 21.5} and s[1]["fields"] == {"value": 22},
              "room.temp samples %r" % s)
        check(all(x["seq"] == 1 for x in s), "each run starts at seq 1: %r" % s)
        s = sub.last("sample", "web.latency")
        check(s and s["fields"] == {"p50": 12, "p99": 80.5, "count": -3}, "fields %r" % s)
        e = sub.last("event", "ops.feed")
        check(e and e["text"] == "Disk /var is 91% full" and e["level"] == "warning",
              "event %r" % e)
        m = sub.of("meta", "room.temp")
        check(len(m) == 1, "meta %r" % m)
        m = m[0]
        check(m["title"] == "Temperature" and m["unit"] == "C" and m["chart"] == "gauge" and
              m["min"] == -20 and m["max"] == 50 and m["interval_ms"] == 5000 and
              m["collector"] == "rtdash-pub", "meta %r" % m)
        order = [b["kind"] for t, b, _ in sub.msgs if t == "room.temp"]
        check(order == ["sample", "meta", "sample"], "meta goes first: %r" % order)
        check("web.latency" not in sub.topics("meta"), "meta without meta options")
    finally:
        sub.close()


def test_pub_usage_errors():
    hub = "tcp://127.0.0.1:%d" % free_port()
    for args, what in ((["room.temp"], "value"), (["bad topic", "1"], "topic"),
                       (["room..temp", "1"], "topic"), (["room.temp", "abc"], "number"),
                       (["room.temp", "x=1", "y"], "FIELD=VALUE"),
                       (["room.temp", "nan"], "number"), (["--event", "loud", "a.b", "x"], "loud"),
                       (["--event", "info", "a.b"], "TEXT"), (["--chart", "pie", "a", "1"], "pie"),
                       (["--min", "low", "a", "1"], "--min"), (["--bogus", "a", "1"], "bogus")):
        t0 = time.time()
        code, err = run_pub(args, hub)
        check(code == 2, "%r: exit %d, want 2; stderr %r" % (args, code, err))
        check(what in err, "%r: stderr %r should mention %r" % (args, err, what))
        check(time.time() - t0 < 2, "%r: a usage error should not wait" % args)
    out = subprocess.run([os.path.join(BIN, "rtdash-pub"), "--help"], stdout=subprocess.PIPE,
                         timeout=10).stdout.decode()
    for word in ("TOPIC VALUE", "FIELD=VALUE", "--event LEVEL", "standard input", "Exit status",
                 "--connect-wait-ms", "--linger-ms", "line N", '{"topic"'):
        check(word in out, "--help lacks %r" % word)


def test_pub_without_hub():
    t0 = time.time()
    code, err = run_pub(["room.temp", "1"], "tcp://127.0.0.1:%d" % free_port())
    check(code == 0, "no hub: exit %d %s" % (code, err))
    check(time.time() - t0 < 3, "no hub: took %.1fs" % (time.time() - t0))


STDIN = """\
# comments and blank lines are skipped

a.b 1
a.c x=1 y=2.5
{"topic":"j.s","value":3,"host":"h1"}
{"topic":"j.f","fields":{"a":1,"b":null},"tags":{"x":[1,{"y":true}]},"note":"ok"}
{"topic":"j.e","kind":"event","text":"Deploy v1.2.3 finished","level":"success"}
{"topic":"j.e","kind":"event","text":"no level"}
{"topic":"j.m","kind":"meta","title":"Mine","unit":"m","chart":"bar","fields":{"v":{"label":"V"}}}
{"topic":"j.t","value":1,"ts":1764300000000,"seq":41}
a.b 2
bad topic 1
a.b notanumber
{"topic":"x.y","kind":"event"}
{bad json
[1,2]
{"topic":"a.b","value":"s"}
{"topic":"a b","value":1}
{"topic":"a.b","kind":"nope","value":1}
{"topic":"a.b","fields":{}}
{"topic":"a.b","kind":"event","text":"x","level":"fatal"}
{"topic":"a.b","value":1,"value":2}
a.b x=
   a.b   3   \r
"""
BAD_LINES = list(range(12, 24))


def test_pub_stdin_forms():
    sub = Sub()
    try:
        deep = "[" * 20 + "]" * 20
        big = '{"topic":"big.one","value":1,"pad":"%s"}' % ("x" * 70000)
        text = STDIN + '{"topic":"deep.one","value":1,"d":%s}\n' % deep + big + "\n" + "last.line 7"
        code, err = run_pub(["--chart", "line", "-"], sub, text)
        sub.pump(0.3)
        check(code == 0, "exit %d, stderr %s" % (code, err))
        lines = [ln for ln in err.splitlines() if ln.strip()]
        got = [int(re.match(r"^rtdash-pub: line (\d+): ", ln).group(1)) for ln in lines
               if re.match(r"^rtdash-pub: line (\d+): ", ln)]
        check(got == BAD_LINES + [25, 26], "bad lines reported %r, want %r; stderr:\n%s"
              % (got, BAD_LINES + [25, 26], err))
        check(len(lines) == len(got), "other stderr lines: %r" % err)
        check("16 levels" in err and "65536" in err, "depth/size reasons: %s" % err)

        ab = sub.of("sample", "a.b")
        check([x["fields"]["value"] for x in ab] == [1, 2, 3] and
              [x["seq"] for x in ab] == [1, 2, 3], "a.b samples %r" % ab)
        check(sub.last("sample", "a.c")["fields"] == {"x": 1, "y": 2.5}, "a.c")
        js = sub.last("sample", "j.s")
        check(js["value"] == 3 and js["host"] == "h1" and isinstance(js["ts"], int) and
              js["seq"] == 1 and list(js)[:3] == ["kind", "ts", "seq"], "j.s %r" % js)
        jf = sub.last("sample", "j.f")
        check(jf["fields"] == {"a": 1, "b": None} and jf["tags"] == {"x": [1, {"y": True}]} and
              jf["note"] == "ok", "j.f %r" % jf)
        je = sub.of("event", "j.e")
        check(len(je) == 2 and je[0]["level"] == "success" and je[0]["text"] ==
              "Deploy v1.2.3 finished" and "level" not in je[1] and
              [x["seq"] for x in je] == [1, 2], "j.e %r" % je)
        jm = sub.of("meta", "j.m")
        check(len(jm) == 1 and jm[0]["title"] == "Mine" and jm[0]["chart"] == "bar" and
              jm[0]["fields"] == {"v": {"label": "V"}} and "seq" not in jm[0], "j.m %r" % jm)
        jt = sub.last("sample", "j.t")
        check(jt["ts"] == 1764300000000 and jt["seq"] == 41, "given ts/seq kept: %r" % jt)
        check(sub.last("sample", "last.line")["fields"] == {"value": 7}, "line without newline")
        # --chart: meta before the first message of each new topic, not for j.m (own meta).
        for t in ("a.b", "a.c", "j.s", "j.f", "j.e", "j.t", "last.line"):
            kinds = [b["kind"] for tt, b, _ in sub.msgs if tt == t]
            check(kinds[0] == "meta" and kinds.count("meta") == 1, "%s: %r" % (t, kinds))
            check(sub.last("meta", t)["chart"] == "line", "%s meta" % t)
        check(not sub.of("sample", "x.y") and not sub.of("sample", "big.one") and
              not sub.of("sample", "deep.one"), "a bad line was sent")
    finally:
        sub.close()


def test_pub_stdin_exit_status():
    hub = "tcp://127.0.0.1:%d" % free_port()
    code, err = run_pub(["--connect-wait-ms", "0", "--linger-ms", "0"], hub, "bad line\n{}\n")
    check(code == 1, "no valid line: exit %d, want 1 (%s)" % (code, err))
    check("line 1: " in err and "line 2: " in err, "stderr %r" % err)
    code, err = run_pub(["--connect-wait-ms", "0", "--linger-ms", "0"], hub, "")
    check(code == 0 and err == "", "empty input: exit %d %r" % (code, err))
    code, err = run_pub(["--connect-wait-ms", "0", "--linger-ms", "0"], hub, "# only\n\n")
    check(code == 0, "only comments: exit %d" % code)
    code, err = run_pub(["--connect-wait-ms", "0", "--linger-ms", "0"], hub, "x 1\nbad\n")
    check(code == 0 and "line 2: " in err, "one valid line: exit %d %r" % (code, err))


def test_pub_stdin_meta_every_10s():
    sub = Sub()
    p = Collector("rtdash-pub", ["--title", "Kept", "--unit", "C"], hub=sub.endpoint,
                  stdin=subprocess.PIPE)
    try:
        p.proc.stdin.write(b'k.one 1\n{"topic":"k.own","kind":"meta","title":"Own"}\n')
        p.proc.stdin.flush()
        sub.until(lambda s: s.of("sample", "k.one") and s.of("meta", "k.own"), 5, "first lines")
        check(len(sub.of("meta", "k.one")) == 1, "k.one meta")
        sub.until(lambda s: len(s.of("meta", "k.one")) >= 2 and len(s.of("meta", "k.own")) >= 2,
                  12, "meta re-sent while stdin stays open")
        check(sub.last("meta", "k.one")["title"] == "Kept", "options meta")
        check(sub.last("meta", "k.own")["title"] == "Own", "own meta line re-sent as it was")
        check(not any(b.get("title") == "Kept" for b in sub.of("meta", "k.own")),
              "options meta sent for a topic with its own meta")
        p.proc.stdin.close()
        p.proc.wait(5)
        check(p.proc.returncode == 0, "exit %r: %s" % (p.proc.returncode, p.output()))
    finally:
        p.stop()
        sub.close()


def test_pub_stdin_bulk():
    sub = Sub()
    try:
        n = 500
        text = "".join("bulk.t v=%d\n" % i for i in range(n))
        code, err = run_pub([], sub, text)
        sub.pump(0.3)
        check(code == 0, "exit %d %s" % (code, err))
        got = [b["fields"]["v"] for b in sub.of("sample", "bulk.t")]
        check(got == list(range(n)), "bulk: got %d of %d, in order: %s"
              % (len(got), n, got == sorted(got)))
    finally:
        sub.close()


# ---------------------------------------------------------------- runner

TESTS = [v for k, v in list(globals().items()) if k.startswith("test_") and callable(v)]


def main():
    if not BIN or not os.path.exists(os.path.join(BIN, "rtdash-sysmetrics")):
        print("RTDASH_BIN must name the directory of rtdash-sysmetrics (got %r)" % BIN)
        return 2
    only = sys.argv[1:]
    passed = failed = 0
    for t in TESTS:
        if only and not any(o in t.__name__ for o in only):
            continue
        t0 = time.time()
        try:
            t()
            passed += 1
            print("PASS %s (%.1fs)" % (t.__name__, time.time() - t0), flush=True)
        except Exception as e:  # noqa: BLE001 - a test runner reports everything
            failed += 1
            print("FAIL %s: %s" % (t.__name__, e), flush=True)
            if not isinstance(e, Failure):
                traceback.print_exc()
            for c in RUNNING:
                out = c.output()
                if out:
                    print("---- %s output ----\n%s" % (c.name, out[-3000:]))
        finally:
            for c in RUNNING:
                try:
                    c.stop()
                except Failure:
                    pass
            RUNNING.clear()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
