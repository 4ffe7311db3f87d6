# SPDX-License-Identifier: MIT
"""The example collectors of collectors/examples/ against the real hub.

Each example (Python, Node.js, shell via rtdash-pub, C via rtdash.h) runs as a
newcomer would run it, publishing to a real rtdash-hub; a WebSocket client
must see its meta (title, unit, chart, interval_ms, collector) and its samples
arrive. Also: each one honours RTDASH_HUB as a list (publishes to every hub in
it, including one that is not there), RTDASH_INTERVAL_MS, keeps running with no
hub, announces its meta again so a hub started later learns it, and exits with
status 0 on SIGTERM and SIGINT. Each one's default topic is example.FILE.HOST
and its collector name its file's (a copy under another name publishes on
another topic), a second copy on the same topic and hub is refused at start,
the shell example says on stderr that its file is missing (and sends nothing)
rather than charting 0, a supervised example appears under the same name in
/metrics and /api/collectors, and the README's `rtdash-pub --check` example
works as written.

Run with /usr/bin/python3 (Debian's python3-zmq, python3-msgpack,
python3-websockets); RTDASH_BIN is the directory of the binaries, RTDASH_SRC
the repository root. The Node.js example needs `npm ci` in
collectors/examples/node; without node_modules its tests are skipped (said so
on the first line of output).
"""

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (BIN, Hub, TestFailure, WSClient, bin_path, check, check_eq,  # noqa: E402
                            free_port, http_json, metrics, run_tests, short, start_proc)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("RTDASH_SRC") or os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(SRC, "collectors", "examples")
NODE_DIR = os.path.join(EXAMPLES, "node")
NODE = shutil.which("node")
NODE_READY = NODE is not None and os.path.isdir(os.path.join(NODE_DIR, "node_modules"))
INTERVAL = 200
HOST = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname().split(".")[0] or "localhost")


def default_topic(name):
    """An example's default topic: example.NAME.HOST (NAME without its extension)."""
    return "example.%s.%s" % (re.sub(r"[^A-Za-z0-9_-]", "_", os.path.splitext(name)[0]), HOST)


def child_env(hubs, interval=INTERVAL, extra=None):
    """The environment of an example: RTDASH_HUB and RTDASH_INTERVAL_MS, rtdash-pub on
    PATH, leak detection on for ASan builds, no stray settings from ours."""
    e = {"RTDASH_HUB": ",".join(hubs), "RTDASH_INTERVAL_MS": str(interval),
         "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
         "ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                "detect_leaks=1"]))}
    for k in ("RTDASH_PORT", "RTDASH_LOG_LEVEL", "RTDASH_PUB", "RTDASH_TOPIC", "RTDASH_COLLECTOR"):
        e[k] = ""
    e.update(extra or {})
    return e


class Example:
    """How to run one example and what it must publish."""

    def __init__(self, name, argv, topic, meta, fields, check_sample=None, setup=None):
        self.name = name
        self.argv = argv
        self.topic = topic
        self.meta = meta            # keys the meta must have, with these values
        self.fields = fields        # the fields every sample has
        self.check_sample = check_sample or (lambda s, ctx: None)
        self.setup = setup or (lambda ctx: None)

    def start(self, hubs, ctx, interval=INTERVAL, extra_env=None):
        self.setup(ctx)
        argv = [a(ctx) if callable(a) else a for a in self.argv]
        return start_proc("example-" + self.name, argv, child_env(hubs, interval, extra_env))


def proc_count():
    return sum(1 for n in os.listdir("/proc") if n.isdigit())


def file_nr_max():
    with open("/proc/sys/fs/file-nr") as f:
        return int(f.read().split()[2])


def check_python(s, ctx):
    f = s["fields"]
    n = proc_count()
    check(0 < f["total"] <= 4 * n + 100 and f["total"] * 4 + 100 >= n,
          "total %r is not near the %d processes in /proc" % (f["total"], n))
    check(f["running"] >= 1, "at least the collector itself runs: %r" % f)
    check(f["blocked"] >= 0, "blocked %r" % f)


def check_c(s, ctx):
    f = s["fields"]
    check(0 < f["open"] <= file_nr_max(), "fields %r vs file-nr max %d" % (f, file_nr_max()))


def check_node(s, ctx):
    f = s["fields"]
    # The URL is the hub's own /healthz unless the hub is not up yet; the
    # status travels as an extra (passthrough) key, not as a charted field.
    check(s.get("status") in (200, 0), "status %r" % s)
    check((s["status"] == 200) == (f["ms"] is not None), "ms %r with status %r"
          % (f["ms"], s["status"]))
    if s["status"] == 200:
        check(0 <= f["ms"] < 5000, "latency %r ms" % f["ms"])


def shell_setup(ctx):
    fd, ctx["file"] = tempfile.mkstemp(prefix="rtdash-growth-")
    os.close(fd)


def check_shell(s, ctx):
    f = s["fields"]
    check(f["bytes_per_s"] >= 0, "the file only grows: %r" % f)


def examples():
    out = [
        Example("python", ["/usr/bin/python3", os.path.join(EXAMPLES, "python", "processes.py")],
                default_topic("processes.py"),
                {"title": "Processes", "unit": "processes", "chart": "line",
                 "collector": "processes.py"},
                {"total", "running", "blocked"}, check_python),
        Example("shell", [os.path.join(EXAMPLES, "shell", "file-growth.sh"),
                          lambda ctx: ctx["file"]],
                default_topic("file-growth.sh"),
                {"unit": "B/s", "chart": "line", "collector": "file-growth.sh"},
                {"bytes_per_s"}, check_shell, shell_setup),
        Example("c", [bin_path("rtdash-example-c")], default_topic("rtdash-example-c"),
                {"title": "Open files", "unit": "files", "chart": "line", "min": 0,
                 "collector": "rtdash-example-c"},
                {"open"}, check_c),
    ]
    if NODE_READY:
        out.append(Example("node", [NODE, os.path.join(NODE_DIR, "url-latency.mjs")],
                           default_topic("url-latency.mjs"),
                           {"unit": "ms", "chart": "line", "collector": "url-latency.mjs"},
                           {"ms"}, check_node))
    return out


def by_name(name):
    for ex in examples():
        if ex.name == name:
            return ex
    raise TestFailure("no example %r" % name)


# ---------------------------------------------------------------- checks


class Seen:
    """What one WebSocket client learnt: meta per topic (welcome and topic
    messages) and samples per topic."""

    def __init__(self, client):
        self.c = client
        self.meta = {t["topic"]: t["meta"] for t in client.welcome.get("topics", [])
                     if t.get("meta") is not None}
        self.samples = {}

    def take(self):
        for m in self.c.drain():
            if m.get("type") == "topic" and m.get("meta") is not None:
                self.meta[m["topic"]] = m["meta"]
            elif m.get("type") == "sample":
                self.samples.setdefault(m["topic"], []).append(m)

    async def until(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            self.take()
            if pred(self):
                return
            if time.monotonic() > deadline:
                raise TestFailure("no %s within %.0fs; meta for %s, samples for %s"
                                  % (what, timeout, sorted(self.meta),
                                     {t: len(v) for t, v in self.samples.items()}))
            await asyncio.sleep(0.05)


def has(ex, nsamples):
    return lambda seen: ex.topic in seen.meta and len(seen.samples.get(ex.topic, [])) >= nsamples


def check_published(ex, seen, ctx, interval=INTERVAL):
    meta = seen.meta[ex.topic]
    for k, v in ex.meta.items():
        check_eq(meta.get(k), v, "%s meta %s" % (ex.name, k))
    check_eq(meta.get("interval_ms"), interval, "%s meta interval_ms (RTDASH_INTERVAL_MS)"
             % ex.name)
    check(isinstance(meta.get("title"), str) and meta["title"], "%s meta title %r"
          % (ex.name, meta))
    samples = seen.samples[ex.topic]
    for s in samples:
        check_eq(set(s["fields"]), ex.fields, "%s sample fields" % ex.name)
        check(isinstance(s["ts"], int) and abs(s["ts"] - time.time() * 1000) < 60000,
              "%s ts %r" % (ex.name, s["ts"]))
        ex.check_sample(s, ctx)
    seqs = [s["seq"] for s in samples]
    check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "%s seq %r" % (ex.name, seqs))


def check_stops(proc, sig, what):
    t0 = time.monotonic()
    code = proc.stop(sig, timeout=5.0)
    took = time.monotonic() - t0
    check(code == 0, "%s: exit status %r after %s (want 0); output:\n%s"
          % (what, code, signal.Signals(sig).name, proc.log()[-2000:]))
    check(took < 4.5, "%s took %.1fs to stop" % (what, took))


async def run_one(name):
    """One example against one hub, with a dead endpoint first in RTDASH_HUB."""
    ex = by_name(name)
    ctx = {}
    with Hub() as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["example.*"])
        seen = Seen(c)
        dead = "tcp://127.0.0.1:%d" % free_port()
        extra = {"RTDASH_PORT": str(hub.port)}  # the Node example's default URL
        p = ex.start([dead, hub.ingest], ctx, extra_env=extra)
        grow = ctx.get("file")
        deadline = time.monotonic() + 15
        while True:
            if grow:
                with open(grow, "ab") as f:
                    f.write(b"x" * 5000)
            seen.take()
            if has(ex, 4)(seen):
                break
            check(p.alive(), "%s exited with %r:\n%s" % (name, p.proc.returncode, p.log()))
            check(time.monotonic() < deadline, "no meta and 4 samples of %s within 15s; seen "
                  "meta %s, samples %s" % (ex.topic, sorted(seen.meta),
                                           short({t: len(v) for t, v in seen.samples.items()})))
            await asyncio.sleep(0.1)
        check_published(ex, seen, ctx)
        if name == "shell":
            check(any(s["fields"]["bytes_per_s"] > 0 for s in seen.samples[ex.topic]),
                  "the file grew but bytes_per_s stayed 0: %s" % short(seen.samples[ex.topic]))
        if name == "node":
            check(any(s.get("status") == 200 for s in seen.samples[ex.topic]),
                  "the default URL is the hub's /healthz: %s" % short(seen.samples[ex.topic]))
        gaps = [b["ts"] - a["ts"] for a, b in zip(seen.samples[ex.topic][1:],
                                                  seen.samples[ex.topic][2:])]
        check(all(0 < g < INTERVAL * 5 for g in gaps), "%s: RTDASH_INTERVAL_MS=%d but samples "
              "%s ms apart" % (name, INTERVAL, gaps))
        check_stops(p, signal.SIGTERM, name)
        await c.close()
        if grow:
            os.unlink(grow)


async def test_python_example():
    await run_one("python")


async def test_shell_example():
    await run_one("shell")


async def test_c_example():
    check(os.path.exists(bin_path("rtdash-example-c")),
          "rtdash-example-c is not built: collectors/CMakeLists.txt must add_subdirectory("
          "examples/c)")
    await run_one("c")


async def test_node_example():
    await run_one("node")


async def test_no_hub_then_two_late_hubs():
    """Every example starts with no hub at all, keeps running, and once two
    hubs come up (both in RTDASH_HUB) each of them learns every topic's meta
    (re-sent every 10 s) and gets its samples. SIGINT stops each one cleanly."""
    exs = [ex for ex in examples() if ex.name != "c" or os.path.exists(ex.argv[0])]
    ports = [free_port(), free_port()]
    hubs = ["tcp://127.0.0.1:%d" % p for p in ports]
    ctx = {}
    procs = [(ex, ex.start(hubs, ctx, interval=500)) for ex in exs]
    await asyncio.sleep(2.0)
    for ex, p in procs:
        check(p.alive(), "%s died with no hub: %r\n%s" % (ex.name, p.proc.returncode, p.log()))
    h1, h2 = Hub(ingest_port=ports[0]), Hub(ingest_port=ports[1])
    with h1, h2:
        seens = []
        for h in (h1, h2):
            c = await WSClient.connect(h)
            await c.subscribe(["example.*"])
            seens.append(Seen(c))
        for seen, h in zip(seens, (h1, h2)):
            for ex in exs:
                await seen.until(has(ex, 2), 15, "meta and samples of %s at the hub on :%d"
                                 % (ex.topic, h.port))
                check_published(ex, seen, ctx, interval=500)
        for ex, p in procs:
            check_stops(p, signal.SIGINT, ex.name)
        for seen in seens:
            await seen.c.close()
    if ctx.get("file"):
        os.unlink(ctx["file"])


async def test_copies_get_their_own_topic_and_a_second_copy_is_refused():
    """A copy of an example under another name publishes on another topic (the
    default is example.FILE.HOST) next to the original, under its own
    collector name; a second run of an example on the same topic and hub is
    refused at start and says to give it its own topic, across languages too
    (the C example told to use the Python one's topic); on another hub it is
    not. No topic's seq interleaves."""
    d = tempfile.mkdtemp(prefix="rtdash-copies-")
    py_file = os.path.join(EXAMPLES, "python", "processes.py")
    my_py = os.path.join(d, "my_collector.py")
    shutil.copy(py_file, my_py)
    my_c = os.path.join(d, "my-collector")  # the C example built under another name
    os.symlink(bin_path("rtdash-example-c"), my_c)
    procs = []
    try:
        with Hub() as hub:
            c = await WSClient.connect(hub)
            await c.subscribe(["example.*"])
            seen = Seen(c)
            env = child_env([hub.ingest])
            runs = [("processes.py", ["/usr/bin/python3", py_file]),
                    ("my_collector.py", ["/usr/bin/python3", my_py]),
                    ("rtdash-example-c", [bin_path("rtdash-example-c")]),
                    ("my-collector", [my_c])]
            procs = [start_proc(name, argv, env) for name, argv in runs]
            topics = {name: default_topic(name) for name, _ in runs}
            await seen.until(lambda s: all(len(s.samples.get(t, [])) >= 3
                                           for t in topics.values()), 15,
                             "samples of the examples and their copies")
            for name, topic in topics.items():
                check_eq(seen.meta[topic].get("collector"), name, "collector of %s" % topic)

            again = [(["/usr/bin/python3", py_file], topics["processes.py"], "--topic"),
                     ([bin_path("rtdash-example-c")], topics["rtdash-example-c"], "--topic"),
                     ([my_c, "--topic", topics["processes.py"]], topics["processes.py"], "--topic")]
            ctx = {}
            sh = by_name("shell")
            procs.append(sh.start([hub.ingest], ctx))
            again.append(([sh.argv[0], ctx["file"]], sh.topic, "TOPIC"))
            if NODE_READY:
                procs.append(by_name("node").start([hub.ingest], ctx))
                again.append(([NODE, os.path.join(NODE_DIR, "url-latency.mjs")],
                              default_topic("url-latency.mjs"), "--topic"))
                await asyncio.sleep(1.5)  # node takes a moment to claim its topic
            for argv, topic, how in again:
                p = start_proc("again", argv, env)
                try:
                    code = p.proc.wait(10)
                except Exception:
                    raise TestFailure("a second %s on %s was not refused:\n%s"
                                      % (argv[-1], topic, p.log()))
                want = "already publishes %s to %s: give this one its own %s" % (
                    topic, hub.ingest, how)
                check(code == 1 and want in p.log(), "second %s: exit %r, want 1 and %r in:\n%s"
                      % (argv, code, want, p.log()))
            # the same topic to another hub is another publisher's business
            other = start_proc("other-hub", ["/usr/bin/python3", py_file],
                               child_env(["tcp://127.0.0.1:%d" % free_port()]))
            await asyncio.sleep(1.0)
            check(other.alive(), "refused although its hub is another:\n%s" % other.log())
            other.stop()

            seen.take()
            for topic in topics.values():
                seqs = [m["seq"] for m in seen.samples[topic]]
                check(seqs == sorted(set(seqs)), "%s: seq %r" % (topic, seqs))
            for p in procs:
                check_stops(p, signal.SIGTERM, p.name)
            await c.close()
            if ctx.get("file"):
                os.unlink(ctx["file"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


async def test_shell_example_says_when_its_file_is_missing():
    """A file that is not there is said on stderr, once, and no sample goes out
    (a flat 0 would look like a file that does not grow); once it appears,
    samples come. Without FILE it watches /var/log/dpkg.log."""
    d = tempfile.mkdtemp(prefix="rtdash-growth-")
    f = os.path.join(d, "later.log")
    sh = by_name("shell")
    try:
        with Hub() as hub:
            c = await WSClient.connect(hub)
            await c.subscribe(["example.*"])
            seen = Seen(c)
            p = start_proc("example-shell", [sh.argv[0], f], child_env([hub.ingest]))
            await asyncio.sleep(1.5)
            seen.take()
            check(not seen.samples.get(sh.topic), "samples of a missing file: %s"
                  % short(seen.samples.get(sh.topic)))
            log = p.log()
            check(log.count("file-growth.sh: %s does not exist: no samples until it does" % f)
                  == 1, "said once on stderr:\n%s" % log)
            deadline = time.monotonic() + 10
            while len(seen.samples.get(sh.topic, [])) < 3:
                with open(f, "ab") as out:
                    out.write(b"x" * 4000)
                check(time.monotonic() < deadline, "no samples once %s exists" % f)
                await asyncio.sleep(0.1)
                seen.take()
            check("file-growth.sh: %s exists now" % f in p.log(), "said:\n%s" % p.log())
            growth = [m["fields"]["bytes_per_s"] for m in seen.samples[sh.topic]]
            check(all(g >= 0 for g in growth) and any(g > 0 for g in growth),
                  "bytes_per_s %r" % growth)
            check_stops(p, signal.SIGTERM, "shell")
            if os.path.exists("/var/log/dpkg.log"):
                p = start_proc("example-shell", [sh.argv[0]], child_env([hub.ingest]))
                await seen.until(lambda s: sh.topic in s.meta and
                                 s.meta[sh.topic].get("title") == "Growth of dpkg.log", 10,
                                 "meta of the default file")
                check("does not exist" not in p.log(), p.log())
                check_stops(p, signal.SIGTERM, "shell")
            await c.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


async def test_supervised_examples_have_one_name():
    """Run by the hub (--collector), each example appears in /metrics
    (rtdash_supervised_*{name}) and in /api/collectors under the same name:
    the hub gives it RTDASH_COLLECTOR, and it announces that name."""
    fd, grow = tempfile.mkstemp(prefix="rtdash-growth-")
    os.close(fd)
    cmds = {"processes.py": "/usr/bin/python3 '%s'" % os.path.join(EXAMPLES, "python",
                                                                   "processes.py"),
            "rtdash-example-c": "'%s'" % bin_path("rtdash-example-c"),
            "file-growth.sh": "'%s' '%s'" % (os.path.join(EXAMPLES, "shell", "file-growth.sh"),
                                             grow),
            # the standard collectors too: make run supervises them
            "rtdash-demo": "'%s'" % bin_path("rtdash-demo"),
            "rtdash-sysmetrics": "'%s'" % bin_path("rtdash-sysmetrics")}
    if NODE_READY:
        cmds["url-latency.mjs"] = "node '%s'" % os.path.join(NODE_DIR, "url-latency.mjs")
    args = [a for cmd in cmds.values() for a in ("--collector", cmd)]
    env = child_env([], extra={"RTDASH_HUB": "", "RTDASH_COLLECTOR": "set for the hub"})
    try:
        with Hub(extra_args=args, env=env) as hub:
            want = set(cmds)
            deadline = time.monotonic() + 15
            while True:
                api = {c["name"] for c in http_json(hub.port, "/api/collectors")}
                if want <= api:
                    break
                check(time.monotonic() < deadline, "/api/collectors %s, want %s; hub log:\n%s"
                      % (sorted(api), sorted(want), hub.log()[-3000:]))
                await asyncio.sleep(0.2)
            sup = {lb["name"] for n, lb, v in metrics(hub.port) if n == "rtdash_supervised_up"}
            check_eq(sorted(sup), sorted(want), "names in /metrics")
            check_eq(sorted(api), sorted(want), "names in /api/collectors")
    finally:
        os.unlink(grow)


def test_readme_check_example():
    """The README's `rtdash-pub --check` example works as written: the sample
    file it names is shipped, and the output is the one it shows."""
    with open(os.path.join(SRC, "README.md")) as f:
        readme = f.read()
    m = re.search(r"\n(rtdash-pub --check --format influx < (\S+))\n((?:# .*\n)+)", readme)
    check(m is not None, "no --check example in README.md")
    path = os.path.join(SRC, m.group(2))
    check(os.path.isfile(path), "README's %s is not in the repository" % m.group(2))
    want = [line[2:] for line in m.group(3).splitlines()]
    with open(path, "rb") as f:
        r = subprocess.run([bin_path("rtdash-pub"), "--check", "--format", "influx"], stdin=f,
                           capture_output=True, text=True, timeout=10)
    got_out, got_err = r.stdout.splitlines(), r.stderr.splitlines()
    check_eq(got_out, [w for w in want if not w.startswith("rtdash-pub:")], "standard output")
    check_eq(got_err, [w for w in want if w.startswith("rtdash-pub:")], "standard error")
    check_eq(r.returncode, 1, "exit status (a bad line)")


if __name__ == "__main__":
    tests = dict(globals())
    if not NODE_READY:
        print("SKIP test_node_example: %s" % (
            "node is not on PATH" if NODE is None else
            "collectors/examples/node/node_modules is missing: run `npm ci` in "
            "collectors/examples/node (make test does)"), flush=True)
        del tests["test_node_example"]
    run_tests(tests)
