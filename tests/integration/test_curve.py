# SPDX-License-Identifier: MIT
"""CURVE on the ingest (SECURITY.md S5, SPEC §7) against the real hub.

The hub runs with --curve-secret and --curve-clients; publishers are pyzmq PUB
sockets (python3-zmq has CURVE), rtdash-pub, the C library and the examples
with RTDASH_CURVE_SERVERKEY / RTDASH_CURVE_KEYFILE. What arrives is checked
through /api/topics, /api/collectors and /metrics
(rtdash_ingest_auth_failures_total, rtdash_messages_rejected_total,
rtdash_config_reloads_total):

- a listed key is delivered, named by its key; an unlisted key, a plaintext
  publisher and a listed key with the wrong server key are not;
- a key allowed demo.* publishing system.cpu: forbidden_topic;
- SIGHUP removing a key while it publishes: its messages stop within 1 s,
  with no restart; a broken file on SIGHUP keeps the last good list;
- start-up refusals (exit 2, one line): a secret file readable by others, a
  clients file of comments only, one flag without the other, a wide tcp://
  ingest without CURVE (and --ingest-insecure: starts, with a WARN);
- hostile peers: an idle raw TCP connection (CVE-2020-15166), 64 KB of
  random bytes;
- collectors: rtdash-pub (--gen-keys, and publishing), the C library, the
  Python example, and a supervised rtdash-demo (its key made by the hub).

Run with /usr/bin/python3; RTDASH_BIN is the directory of the binaries.
"""

import asyncio
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

import zmq
import zmq.utils.z85

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (HOST, SRC, Hub, TestFailure, WSClient, bin_path, check,  # noqa: E402
                            check_eq, free_port, http_json, metric_find, metrics, now_ms, pack,
                            run_tests, short, start_proc)

SRC_DIR = SRC or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(SRC_DIR, "collectors", "examples")
WORK = tempfile.mkdtemp(prefix="rtdash-test-curve-")


class Keys:
    """A CURVE key pair, written as a key file (PUBLIC SECRET) on demand."""

    def __init__(self):
        self.pub, self.sec = zmq.curve_keypair()

    def write(self, name, mode=0o600):
        path = os.path.join(WORK, name)
        with open(path, "w") as f:
            f.write("%s %s\n" % (self.pub.decode(), self.sec.decode()))
        os.chmod(path, mode)
        return path


def write_file(name, text, mode=0o600):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def clients_text(entries):
    """entries: [(Keys, name, patterns...)] -> an allow-list file's text."""
    lines = ["# collectors allowed to publish"]
    for k, name, *pats in entries:
        lines.append(" ".join([k.pub.decode(), name] + list(pats)))
    return "\n".join(lines) + "\n"


class CurveHub(Hub):
    """A hub with CURVE: its key pair, and an allow-list written from entries."""

    def __init__(self, entries, extra_args=(), env=None, **kw):
        self.keys = Keys()
        self.secret_file = self.keys.write("hub-%d.key" % id(self))
        self.clients_file = write_file("clients-%d" % id(self), clients_text(entries))
        super().__init__(["--curve-secret", self.secret_file, "--curve-clients",
                          self.clients_file] + list(extra_args), env=env, **kw)

    def set_clients(self, entries, text=None):
        tmp = self.clients_file + ".new"
        with open(tmp, "w") as f:
            f.write(text if text is not None else clients_text(entries))
        os.chmod(tmp, 0o600)
        os.rename(tmp, self.clients_file)
        self.proc.send_signal(signal.SIGHUP)


class CurvePub:
    """A pyzmq PUB socket; CURVE client when keys is given (server_key: the hub's
    public key, or another to get it wrong)."""

    def __init__(self, hub, keys=None, server_key=None):
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.PUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        if keys is not None:
            self.sock.curve_serverkey = server_key or hub.keys.pub
            self.sock.curve_publickey = keys.pub
            self.sock.curve_secretkey = keys.sec
        self.sock.connect(hub.ingest)
        self.seq = {}

    def sample(self, topic, value=1.0, **extra):
        self.seq[topic] = self.seq.get(topic, 0) + 1
        body = {"kind": "sample", "ts": now_ms(), "seq": self.seq[topic],
                "fields": {"value": value}}
        body.update(extra)
        self.sock.send_multipart([topic.encode(), pack(body)])

    def meta(self, topic, **meta):
        body = {"kind": "meta"}
        body.update(meta)
        self.sock.send_multipart([topic.encode(), pack(body)])

    def close(self):
        self.sock.close(0)
        self.ctx.term()


def topics(hub):
    return {t["topic"] for t in http_json(hub.port, "/api/topics")}


def auth_failures(hub, reason):
    v = metric_find(metrics(hub.port), r"^rtdash_ingest_auth_failures_total$", {"reason": reason})
    check(v is not None, "no rtdash_ingest_auth_failures_total{reason=%r} in /metrics" % reason)
    return v


async def until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TestFailure("no %s within %.0fs" % (what, timeout))
        await asyncio.sleep(0.1)


async def publish_until(pubs_topics, pred, timeout, what):
    """Keep publishing (each (pub, topic) every 50 ms, so the slow joiner does
    not matter) until pred() holds."""
    deadline = time.monotonic() + timeout
    while True:
        for p, t in pubs_topics:
            p.sample(t)
        if pred():
            return
        if time.monotonic() > deadline:
            raise TestFailure("no %s within %.0fs" % (what, timeout))
        await asyncio.sleep(0.05)


def refused_start(args, want, env=None):
    """The hub with args must exit 2 at once, with a line that contains want."""
    p = subprocess.run([bin_path("rtdash-hub"), "--host", HOST, "--port", str(free_port())] +
                       args, stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
                       env=dict(os.environ, **(env or {})))
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    check(p.returncode == 2, "exit %d (want 2) for %s; output:\n%s" % (p.returncode, args, out))
    check(want in out, "the reason %r is not said; output:\n%s" % (want, out))
    lines = [ln for ln in out.splitlines() if "rtdash-hub:" in ln and want in ln]
    check(len(lines) == 1, "one line saying why, got:\n%s" % out)


# ---------------------------------------------------------------- the table


async def test_listed_unlisted_plaintext_wrong_server_key():
    listed, unlisted, other_server = Keys(), Keys(), Keys()
    with CurveHub([(listed, "sensor-a")]) as hub:
        good = CurvePub(hub, listed)
        stranger = CurvePub(hub, unlisted)
        plain = CurvePub(hub)
        wrong = CurvePub(hub, listed, server_key=other_server.pub)
        try:
            good.meta("curve.good", title="Good", collector="spoofed-name")
            await publish_until([(good, "curve.good"), (stranger, "curve.stranger"),
                                 (plain, "curve.plain"), (wrong, "curve.wrong")],
                                lambda: "curve.good" in topics(hub), 10, "listed key delivered")
            # the others keep trying for a while: nothing of theirs arrives
            for _ in range(20):
                for p, t in ((good, "curve.good"), (stranger, "curve.stranger"),
                             (plain, "curve.plain"), (wrong, "curve.wrong")):
                    p.sample(t)
                await asyncio.sleep(0.05)
            good.meta("curve.good", title="Good", collector="spoofed-name")
            await asyncio.sleep(0.5)
            check_eq(sorted(topics(hub)), ["curve.good"], "topics at the hub")
            await until(lambda: auth_failures(hub, "unknown_key") >= 1, 5, "unknown_key counted")
            await until(lambda: auth_failures(hub, "plaintext") >= 1, 5, "plaintext counted")
            await until(lambda: auth_failures(hub, "bad_handshake") >= 1, 5,
                        "bad_handshake counted (wrong server key)")
            # the name comes from the key, not from the meta's "collector"
            cols = {c["name"]: c for c in http_json(hub.port, "/api/collectors")["collectors"]} \
                if isinstance(http_json(hub.port, "/api/collectors"), dict) else \
                {c["name"]: c for c in http_json(hub.port, "/api/collectors")}
            check("sensor-a" in cols and "spoofed-name" not in cols,
                  "collectors named by the key: %s" % short(cols))
            check("unknown_key" in hub.log() and unlisted.pub.decode() in hub.log(),
                  "the refused key is logged")
            check_eq(metric_find(metrics(hub.port), r"^rtdash_ingest_curve_keys$"), 1.0,
                     "rtdash_ingest_curve_keys")
        finally:
            for p in (good, stranger, plain, wrong):
                p.close()


async def test_forbidden_topic():
    demo = Keys()
    with CurveHub([(demo, "demo-only", "demo.*")]) as hub:
        p = CurvePub(hub, demo)
        try:
            await publish_until([(p, "demo.sales"), (p, "system.cpu")],
                                lambda: "demo.sales" in topics(hub), 10, "demo.sales")
            await until(lambda: auth_failures(hub, "forbidden_topic") >= 1, 5,
                        "forbidden_topic counted")
            ms = metrics(hub.port)
            check(metric_find(ms, r"^rtdash_messages_rejected_total$",
                              {"reason": "forbidden_topic"}) >= 1,
                  "rtdash_messages_rejected_total{reason=forbidden_topic}")
            check("system.cpu" not in topics(hub), "system.cpu must not arrive")
            check('"demo-only" may not publish on "system.cpu"' in hub.log(),
                  "the refusal names the key and the topic")
        finally:
            p.close()


async def test_sighup_revokes_a_key_at_once():
    a, b = Keys(), Keys()
    with CurveHub([(a, "keep"), (b, "revoke")]) as hub:
        pa, pb = CurvePub(hub, a), CurvePub(hub, b)
        c = await WSClient.connect(hub)
        await c.subscribe(["*"])
        try:
            got = {"rev.b": 0, "keep.a": 0}
            await publish_until([(pa, "keep.a"), (pb, "rev.b")],
                                lambda: {"keep.a", "rev.b"} <= topics(hub), 10, "both keys")
            pid = hub.pid
            hub.set_clients([(a, "keep")])
            t_hup = time.monotonic()
            last_b = t_hup
            end = t_hup + 3.0
            while time.monotonic() < end:
                pa.sample("keep.a")
                pb.sample("rev.b")
                await asyncio.sleep(0.02)
                for m in c.drain():
                    if m.get("type") == "sample" and m["topic"] in got:
                        got[m["topic"]] += 1
                        if m["topic"] == "rev.b":
                            last_b = time.monotonic()
            check(last_b - t_hup < 1.0, "the revoked key's samples went on for %.2fs after "
                  "SIGHUP" % (last_b - t_hup))
            check(got["keep.a"] > 50, "the other key keeps publishing: %s" % got)
            check_eq(hub.pid, pid, "same hub process")
            check(hub.alive(), "hub alive")
            ms = metrics(hub.port)
            check_eq(metric_find(ms, r"^rtdash_config_reloads_total$", {"result": "ok"}), 1.0,
                     "reloads ok")
            check(auth_failures(hub, "revoked_key") >= 1, "revoked_key counted")
            # a broken file on SIGHUP keeps the last good list
            hub.set_clients(None, text="# nobody\n")
            await until(lambda: metric_find(metrics(hub.port), r"^rtdash_config_reloads_total$",
                                            {"result": "failed"}) == 1.0, 5, "failed reload")
            check("allows nobody" in hub.log(), "the failed reload says why")
            n0 = got["keep.a"]
            c.drain()
            for _ in range(20):
                pa.sample("keep.a")
                await asyncio.sleep(0.02)
            await c.wait_for(lambda m: m.get("topic") == "keep.a", 3, "keep.a after a bad reload")
            check(n0 > 0, "keep.a delivered before")
        finally:
            await c.close()
            pa.close()
            pb.close()


# ---------------------------------------------------------------- start-up refusals


def test_secret_file_readable_by_others_exit_2():
    k, hubk = Keys(), Keys()
    clients = write_file("c-0644", clients_text([(k, "x")]))
    refused_start(["--curve-secret", hubk.write("hub-0644.key", 0o644), "--curve-clients",
                   clients, "--ingest", "tcp://127.0.0.1:%d" % free_port()],
                  "readable by group or others")


def test_clients_file_of_comments_exit_2():
    hubk = Keys()
    clients = write_file("c-comments", "# nobody yet\n\n#\n")
    refused_start(["--curve-secret", hubk.write("hub-c.key"), "--curve-clients", clients,
                   "--ingest", "tcp://127.0.0.1:%d" % free_port()], "allows nobody")


def test_other_bad_files_exit_2():
    hubk, k = Keys(), Keys()
    secret = hubk.write("hub-ok.key")
    clients = write_file("c-ok", clients_text([(k, "x")]))
    ing = ["--ingest", "tcp://127.0.0.1:%d" % free_port()]
    refused_start(["--curve-secret", secret] + ing, "needs --curve-clients")
    refused_start(["--curve-clients", clients] + ing, "needs --curve-secret")
    refused_start(["--curve-secret", os.path.join(WORK, "missing"), "--curve-clients",
                   clients] + ing, "No such file")
    refused_start(["--curve-secret", write_file("empty.key", ""), "--curve-clients",
                   clients] + ing, "empty")
    refused_start(["--curve-secret", secret, "--curve-clients",
                   write_file("c-writable", clients_text([(k, "x")]), 0o622)] + ing,
                  "writable by group or others")
    refused_start(["--curve-secret", write_file("bad.key", "~" * 40 + " " + hubk.sec.decode() + "\n"), "--curve-clients",
                   clients] + ing, "public key is not 40 Z85")
    other = Keys()
    mixed = write_file("mixed.key", "%s %s\n" % (hubk.pub.decode(), other.sec.decode()))
    refused_start(["--curve-secret", mixed, "--curve-clients", clients] + ing,
                  "the public key is not the secret key's")
    refused_start(["--curve-secret", secret, "--curve-clients",
                   write_file("c-dup", clients_text([(k, "x"), (k, "y")]))] + ing,
                  "line 3: the same key twice")
    # the environment names them too
    refused_start(ing, "allows nobody", env={"RTDASH_CURVE_SECRET": secret,
                                             "RTDASH_CURVE_CLIENTS": write_file("c-e", "#\n")})


async def test_wide_ingest_needs_curve_or_insecure():
    port = free_port()
    refused_start(["--ingest", "tcp://0.0.0.0:%d" % port], "--ingest-insecure")
    refused_start(["--ingest", "tcp://*:%d" % port], "--ingest-insecure")
    refused_start(["--ingest", "tcp://[::]:%d" % port], "--ingest-insecure")
    with _wide_hub(port, ["--ingest-insecure"]) as hub:
        check("warn" in hub.log() and "--ingest-insecure" in hub.log(),
              "a WARN at start: %s" % hub.log()[-1500:])
        hub.ingest = "tcp://127.0.0.1:%d" % port
        p = CurvePub(hub)
        try:
            await publish_until([(p, "insecure.x")], lambda: "insecure.x" in topics(hub), 10,
                                "a plaintext publisher on the insecure ingest")
        finally:
            p.close()
    # a wide ingest with CURVE needs no flag, and warns of nothing
    k, hubk = Keys(), Keys()
    secret = hubk.write("hub-wide.key")
    clients = write_file("c-wide", clients_text([(k, "wide")]))
    with _wide_hub(port, ["--curve-secret", secret, "--curve-clients", clients]) as hub:
        check("--ingest-insecure" not in hub.log(), "no WARN with CURVE")
    # ipc:// and loopback need nothing
    with _wide_hub(None, [], ingest="ipc://" + os.path.join(WORK, "ingest.sock")) as hub:
        hub.check_alive()
    with _wide_hub(None, [], ingest="tcp://127.0.0.2:%d" % port) as hub:
        hub.check_alive()


def _wide_hub(port, args, ingest=None):
    web = free_port()
    return Hub(only_args=True, port=web, ingest_port=port or free_port(),
               extra_args=["--host", HOST, "--port", str(web), "--ingest",
                           ingest or "tcp://0.0.0.0:%d" % port] + list(args))


# ---------------------------------------------------------------- hostile peers


async def test_idle_raw_tcp_connection_does_not_block():
    k = Keys()
    with CurveHub([(k, "legit")]) as hub:
        idle = [socket.create_connection((HOST, hub.ingest_port)) for _ in range(3)]
        try:
            await asyncio.sleep(0.3)
            p = CurvePub(hub, k)
            try:
                await publish_until([(p, "legit.x")], lambda: "legit.x" in topics(hub), 10,
                                    "a legitimate collector's data with idle connections open")
            finally:
                p.close()
        finally:
            for s in idle:
                s.close()


async def test_random_bytes_to_the_ingest():
    k = Keys()
    with CurveHub([(k, "legit")]) as hub:
        for greeting in (b"", b"\xff" + b"\x00" * 8 + b"\x7f\x03\x00CURVE"):
            with socket.create_connection((HOST, hub.ingest_port)) as s:
                try:
                    s.sendall(greeting + os.urandom(64 * 1024))
                except OSError:
                    pass  # the hub may close on us: that is fine
            hub.check_alive()
        p = CurvePub(hub, k)
        try:
            await publish_until([(p, "legit.after")], lambda: "legit.after" in topics(hub), 10,
                                "data after the garbage")
        finally:
            p.close()
        hub.check_alive()
        # the first looks like an old ZeroMQ peer (no CURVE); the second may still wait for
        # the rest of a frame it announced
        await until(lambda: auth_failures(hub, "plaintext") + auth_failures(hub, "bad_handshake")
                    >= 1, 5, "the garbage counted")


# ---------------------------------------------------------------- collectors


def collector_env(hub, keyfile, extra=None):
    e = {"RTDASH_HUB": hub.ingest, "RTDASH_CURVE_SERVERKEY": hub.keys.pub.decode(),
         "RTDASH_CURVE_KEYFILE": keyfile, "RTDASH_INTERVAL_MS": "200", "RTDASH_LOG_LEVEL": "",
         "PATH": os.environ.get("RTDASH_BIN", "") + os.pathsep + os.environ.get("PATH", ""),
         "ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                "detect_leaks=1"]))}
    e.update(extra or {})
    return e


def run_pub(args, env, timeout=20):
    p = subprocess.run([bin_path("rtdash-pub")] + args, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout, env=dict(os.environ, **env))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def gen_keys(name):
    path = os.path.join(WORK, name)
    rc, out, err = run_pub(["--gen-keys", path], {})
    check(rc == 0, "rtdash-pub --gen-keys: exit %d, %s" % (rc, err))
    with open(path) as f:
        words = f.read().split()
    check_eq(out.strip(), words[0], "--gen-keys prints the public key")
    return path, words[0]


def test_gen_keys():
    path, pub = gen_keys("gen.key")
    st = os.stat(path)
    check_eq(stat.S_IMODE(st.st_mode), 0o600, "the key file's mode")
    with open(path) as f:
        text = f.read()
    words = text.split()
    check(len(words) == 2 and all(len(w) == 40 for w in words) and text.endswith("\n") and
          text.count("\n") == 1, "one line PUBLIC SECRET: %r" % text)
    check_eq(zmq.curve_public(words[1].encode()).decode(), words[0], "a real key pair")
    rc, out, err = run_pub(["--gen-keys", path], {})
    check(rc == 1 and "exists already" in err, "never over an existing file: %d %s" % (rc, err))
    with open(path) as f:
        check_eq(f.read(), text, "the file is unchanged")


async def test_rtdash_pub_with_curve():
    keyfile, pub = gen_keys("pub.key")
    other_file, other_pub = gen_keys("pub-unlisted.key")
    with CurveHub([(type("K", (), {"pub": pub.encode()})(), "cli", "cli.*")]) as hub:
        env = collector_env(hub, keyfile)
        rc, out, err = run_pub(["cli.temp", "21.5"], env)
        check(rc == 0, "rtdash-pub: exit %d, %s" % (rc, err))
        await until(lambda: "cli.temp" in topics(hub), 5, "cli.temp from rtdash-pub")
        # the refusals, named by the library's monitor (read when it closes: give the
        # handshake time on a busy machine)
        slow = ["--connect-wait-ms", "1500", "--linger-ms", "500"]
        rc, out, err = run_pub(slow + ["cli.x", "1"], collector_env(hub, other_file))
        check("the hub refused our key" in err and other_pub in err,
              "an unlisted key is said so: %d %s" % (rc, err))
        rc, out, err = run_pub(slow + ["cli.x", "1"], collector_env(
            hub, keyfile, {"RTDASH_CURVE_SERVERKEY": Keys().pub.decode()}))
        check("wrong server key" in err, "a wrong server key is said so: %d %s" % (rc, err))
        rc, out, err = run_pub(slow + ["cli.x", "1"], {"RTDASH_HUB": hub.ingest})
        check("wants CURVE" in err, "a plaintext rtdash-pub is told: %d %s" % (rc, err))
        # bad settings stop it at start
        for extra, want in (({"RTDASH_CURVE_KEYFILE": ""}, "CURVE needs both"),
                            ({"RTDASH_CURVE_SERVERKEY": "short"}, "not a key of 40 Z85"),
                            ({"RTDASH_CURVE_KEYFILE": os.path.join(WORK, "nope")},
                             "No such file"),
                            ({"RTDASH_CURVE_KEYFILE": hub.clients_file}, "more than")):
            rc, out, err = run_pub(["cli.x", "1"], collector_env(hub, keyfile, extra))
            check(rc != 0 and want in err, "%s: exit %d, %s" % (extra, rc, err))
        os.chmod(keyfile, 0o640)
        rc, out, err = run_pub(["cli.x", "1"], env)
        check(rc != 0 and "readable by group or others" in err, "a key file others can read: "
              "%d %s" % (rc, err))
        os.chmod(keyfile, 0o600)
    # a plaintext hub: the CURVE collector is told
    with Hub() as plain:
        plain.keys = Keys()
        rc, out, err = run_pub(slow + ["cli.x", "1"], collector_env(plain, keyfile))
        check("the hub does not use CURVE" in err, "a hub without CURVE is said so: %s" % err)


async def run_collector(name, argv, topic, extra_env=None):
    """A collector with a listed key of its own: its topic arrives, named by its key."""
    keyfile, pub = gen_keys(name + ".key")
    with CurveHub([(type("K", (), {"pub": pub.encode()})(), name)]) as hub:
        p = start_proc(name, argv, collector_env(hub, keyfile, dict(
            {"RTDASH_PORT": str(hub.port), "RTDASH_TOPIC": topic}, **(extra_env or {}))))
        try:
            await until(lambda: topic in topics(hub) or not p.alive(), 15, topic)
            check(p.alive(), "%s exited: %s" % (name, p.log()[-2000:]))
            cols = http_json(hub.port, "/api/collectors")
            check(name in short(cols, 100000), "%s named by its key: %s" % (name, short(cols)))
        finally:
            p.stop()


async def test_c_library_with_curve():
    await run_collector("example-c", [bin_path("rtdash-example-c")], "example.open_files")


async def test_python_example_with_curve():
    await run_collector("example-python", ["/usr/bin/python3",
                                            os.path.join(EXAMPLES, "python", "processes.py")],
                        "example.processes")


async def test_shell_example_with_curve():
    """The shell example goes through rtdash-pub, which takes the key from the
    same RTDASH_CURVE_* variables."""
    watched = tempfile.NamedTemporaryFile(prefix="rtdash-grow-", delete=False)
    watched.write(b"x" * 100)
    watched.close()
    try:
        await run_collector("example-shell", [os.path.join(EXAMPLES, "shell", "file-growth.sh"),
                                              watched.name],
                            "example.growth", {"RTDASH_PUB": bin_path("rtdash-pub"),
                                               "RTDASH_INTERVAL_MS": "200"})
    finally:
        os.unlink(watched.name)


async def test_node_example_with_curve():
    node = shutil.which("node")
    if not node or not os.path.isdir(os.path.join(EXAMPLES, "node", "node_modules")):
        print("(skipped: node or collectors/examples/node/node_modules missing)")
        return
    await run_collector("example-node", [node, os.path.join(EXAMPLES, "node", "url-latency.mjs")],
                        "example.latency")


async def test_supervised_demo_under_curve():
    """The hub makes a key for each collector it runs and lists it: rtdash-demo
    works under CURVE with no setup, named by its key; the key files live in a
    private directory that goes with the hub; the hub's own RTDASH_CURVE_* are
    not passed on."""
    tmp = os.path.join(WORK, "tmp")
    os.makedirs(tmp, exist_ok=True)
    hubk, other = Keys(), Keys()
    secret = hubk.write("hub-sup.key")
    clients = write_file("c-sup", clients_text([(other, "someone-else")]))
    env = {"TMPDIR": tmp, "RTDASH_CURVE_SECRET": secret, "RTDASH_CURVE_CLIENTS": clients,
           "RTDASH_INTERVAL_MS": "200"}
    with Hub(["--collector", bin_path("rtdash-demo"),
              "--collector", "env | grep ^RTDASH_ | sort; exec sleep 30"], env=env) as hub:
        await until(lambda: any(t.startswith("demo.") for t in topics(hub)), 15,
                    "rtdash-demo's topics under CURVE")
        cols = short(http_json(hub.port, "/api/collectors"), 100000)
        check("rtdash-demo" in cols, "rtdash-demo named by its key: %s" % cols)
        check_eq(metric_find(metrics(hub.port), r"^rtdash_ingest_curve_keys$"), 3.0,
                 "keys: the file's and one per collector")
        dirs = [d for d in os.listdir(tmp) if d.startswith("rtdash-hub-keys.")]
        check(len(dirs) == 1, "one key directory: %s" % dirs)
        kdir = os.path.join(tmp, dirs[0])
        check_eq(stat.S_IMODE(os.stat(kdir).st_mode), 0o700, "the key directory's mode")
        files = sorted(os.listdir(kdir))
        check_eq(files, ["collector-1.key", "collector-2.key"], "a key file per collector")
        for f in files:
            check_eq(stat.S_IMODE(os.stat(os.path.join(kdir, f)).st_mode), 0o600,
                     "%s's mode" % f)
        await until(lambda: "RTDASH_CURVE_KEYFILE=" in hub.log(), 10, "the env collector's lines")
        log = hub.log()
        check("RTDASH_CURVE_SERVERKEY=%s" % hubk.pub.decode() in log,
              "the child has the hub's public key")
        check(os.path.join(kdir, "collector-2.key") in log, "the child has its own key file")
        check("RTDASH_CURVE_SECRET" not in log.replace("--curve-secret", "") and
              "RTDASH_CURVE_CLIENTS" not in log, "the hub's own CURVE settings are not passed on")
        hub.stop()
        check(not os.path.exists(kdir), "the keys go with the hub")


def teardown():
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    try:
        run_tests(dict(globals()))
    finally:
        teardown()
