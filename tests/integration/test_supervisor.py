# SPDX-License-Identifier: MIT
"""rtdash-hub as a collector supervisor: --collector and --collectors-dir.

The real hub starts the real rtdash-demo (and small shell collectors) with
RTDASH_HUB pointing at its own ingest; the test sees the data at a WebSocket
client, the collector's output in the hub's log as "[collector NAME] line",
a killed collector come back within seconds (and its data with it), a
crash-looping one restarted with backoff, /metrics describing them, and every
collector gone once the hub stops.

Run with /usr/bin/python3; RTDASH_BIN is the directory of the binaries.
Prints PASS/FAIL per test and "N passed, N failed".
"""

import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (Hub, WSClient, bin_path, check, check_eq, free_port,  # noqa: E402
                            http_get, live_procs_where, metric_find, metrics, run_tests, short,
                            start_proc)

STARTED_RE = r"\[collector %s\] started \(pid (\d+)\)"


def pids_started(hub, name):
    return [int(p) for p in re.findall(STARTED_RE % re.escape(name), hub.log())]


def gone(pid):
    """True when pid no longer runs (or is a zombie that nobody reaps)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True


def group_members(pgid):
    """Pids of the live processes in process group pgid."""
    return live_procs_where("pgrp", pgid)


async def wait_until(pred, timeout, what, hub):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("no %s within %.0fs; hub log:\n%s"
                                 % (what, timeout, hub.log()[-3000:]))
        await asyncio.sleep(0.05)


async def samples_of(c, topic, n, timeout=10):
    out = []
    while len(out) < n:
        out.append(await c.wait_for(lambda m: m.get("type") == "sample" and
                                    m.get("topic") == topic, timeout, "sample of " + topic))
    return out


async def test_supervised_demo_comes_back():
    demo = "%s --interval-ms 200" % bin_path("rtdash-demo")
    with Hub(extra_args=["--collector", demo]) as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["demo.*"])
        first = await samples_of(c, "demo.sales", 3)
        check(all(s["fields"]["value"] >= 0 for s in first), "samples %s" % short(first))
        await wait_until(lambda: pids_started(hub, "rtdash-demo"), 5, "start line", hub)
        pid = pids_started(hub, "rtdash-demo")[0]
        check("[collector rtdash-demo] " in hub.log().replace("started (pid", ""),
              "the demo's own stderr is in the hub's log with its name:\n%s" % hub.log()[-2000:])

        # A crash: the collector is back within seconds, and so is its data.
        os.kill(pid, signal.SIGKILL)
        t0 = time.monotonic()
        await wait_until(lambda: len(pids_started(hub, "rtdash-demo")) >= 2, 5, "restart", hub)
        back = time.monotonic() - t0
        check(back < 2.5, "restarted after %.1fs (backoff starts at 1 s)" % back)
        check(re.search(r"\[collector rtdash-demo\] killed by signal 9", hub.log()),
              "the crash is logged:\n%s" % hub.log()[-2000:])
        c.drain()
        again = await samples_of(c, "demo.sales", 2)
        check(again[0]["seq"] <= 3, "samples from the new process (seq restarts): %s"
              % short(again))
        ms = metrics(hub.port)
        check(metric_find(ms, r"^rtdash_supervised_up$", {"name": "rtdash-demo"}) == 1 and
              metric_find(ms, r"^rtdash_supervised_restarts_total$", {"name": "rtdash-demo"}) == 1
              and metric_find(ms, r"^rtdash_supervised_last_exit_signal$",
                              {"name": "rtdash-demo"}) == 9,
              "/metrics: %s" % [m for m in ms if m[0].startswith("rtdash_supervised")])
        new_pid = pids_started(hub, "rtdash-demo")[-1]
        await c.close()

        # Stopping the hub stops its collectors.
        t0 = time.monotonic()
        code = hub.stop(signal.SIGTERM, timeout=10)
        check(code == 0, "hub exit status %r" % code)
        check(time.monotonic() - t0 < 5, "hub took %.1fs to stop" % (time.monotonic() - t0))
        await wait_until(lambda: gone(new_pid), 2, "demo pid %d gone" % new_pid, hub)


async def test_crash_loop_backoff():
    with Hub(extra_args=["--collector", "echo boom >&2; exit 7"]) as hub:
        await wait_until(lambda: len(pids_started(hub, "echo")) >= 3, 6, "two restarts", hub)
        log = hub.log()
        check("[collector echo] boom" in log, "output logged:\n%s" % log[-2000:])
        check(re.search(r"\[collector echo\] exited with status 7 after [\d.]+ s; restarting "
                        r"in 1\.0 s", log) and re.search(r"restarting in 2\.0 s", log),
              "backoff 1 s then 2 s:\n%s" % log[-2000:])
        ms = metrics(hub.port)
        check(metric_find(ms, r"^rtdash_supervised_last_exit_code$", {"name": "echo"}) == 7,
              "/metrics exit code: %s" % [m for m in ms if m[0].startswith("rtdash_supervised")])
        hub.check_alive()


async def test_comma_in_a_flag_is_one_command():
    """`--collector 'rtdash-demo --hub A,B'` is one collector: the demo publishes
    to both endpoints (a dead one, then the hub's own ingest), not a second
    process started from whatever follows the comma."""
    dead, ingest_port = "tcp://127.0.0.1:%d" % free_port(), free_port()
    demo = "%s --interval-ms 200 --hub %s,tcp://127.0.0.1:%d" % (bin_path("rtdash-demo"), dead,
                                                                ingest_port)
    with Hub(extra_args=["--collector", demo, "--log-level", "info"],
             ingest_port=ingest_port) as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["demo.*"])
        await samples_of(c, "demo.sales", 2)
        await asyncio.sleep(1.5)  # time for a second start, if there were one
        log = hub.log()
        # the command is logged at info only (it may hold what an operator typed)
        starts = re.findall(r"\[collector ([^\]]+)\] command: (.*)", log)
        check(starts == [("rtdash-demo", demo)], "one collector, the whole command: %r\n%s"
              % (starts, log[-2000:]))
        ms = metrics(hub.port)
        names = sorted(lb["name"] for n, lb, v in ms if n == "rtdash_supervised_up")
        check(names == ["rtdash-demo"], "/metrics names %r" % names)
        check(metric_find(ms, r"^rtdash_supervised_starts_total$", {"name": "rtdash-demo"}) == 1,
              "started once")
        await c.close()


async def test_split_environment_command_refused_at_start():
    """RTDASH_COLLECTOR is split at commas: a command with one leaves a piece
    (`tcp://b:2`) that is not a command. The hub says so and exits 2 before
    it starts anything; no restart loop."""
    cmd = "%s --hub tcp://127.0.0.1:1,tcp://b:2" % bin_path("rtdash-demo")
    hub = start_proc("hub-refused", [bin_path("rtdash-hub"), "--port", str(free_port()),
                                     "--ingest", "tcp://127.0.0.1:%d" % free_port()],
                     {"RTDASH_COLLECTOR": cmd})
    code = hub.proc.wait(10)
    log = hub.log()
    check(code == 2, "exit status %r (want 2):\n%s" % (code, log))
    check("rtdash-hub: RTDASH_COLLECTOR: collector 'tcp://b:2' cannot run: tcp://b:2: No such "
          "file or directory" in log, "the piece and why:\n%s" % log)
    check("RTDASH_COLLECTOR is split at every comma; a command with a comma in it goes in a "
          "--collector flag" in log, "the way out:\n%s" % log)
    check("started" not in log, "nothing was started:\n%s" % log)

    # the same with a program that is not there, in a flag: refused too
    hub = start_proc("hub-refused", [bin_path("rtdash-hub"), "--port", str(free_port()),
                                     "--collector", "nosuch-rtdash-collector --x"])
    code = hub.proc.wait(10)
    check(code == 2 and "--collector: collector 'nosuch-rtdash-collector --x' cannot run: "
          "nosuch-rtdash-collector: not found (not on PATH, not a shell builtin)" in hub.log(),
          "exit %r:\n%s" % (code, hub.log()))


async def test_command_not_found_is_not_restarted():
    """A command the shell cannot run exits 127 at once: it would again, so it
    is left stopped, said in the log and in /metrics (rtdash_supervised_failed)."""
    with Hub(extra_args=["--collector", "true && nosuch-rtdash-command"]) as hub:
        await wait_until(lambda: "not restarted" in hub.log(), 5, "the give-up line", hub)
        await asyncio.sleep(1.5)  # a restart would come after 1 s
        log = hub.log()
        check(re.search(r"\[collector true\] exited with status 127 after [\d.]+ s: the command "
                        r"cannot run \(not found\); not restarted", log), log[-2000:])
        check(len(pids_started(hub, "true")) == 1, "started once:\n%s" % log[-2000:])
        ms = metrics(hub.port)
        for name, want in (("rtdash_supervised_failed", 1), ("rtdash_supervised_up", 0),
                           ("rtdash_supervised_starts_total", 1),
                           ("rtdash_supervised_last_exit_code", 127)):
            got = metric_find(ms, "^%s$" % name, {"name": "true"})
            check(got == want, "%s %r, want %r" % (name, got, want))
        hub.check_alive()


async def test_collectors_dir():
    d = tempfile.mkdtemp(prefix="rtdash-collectors-")
    script = os.path.join(d, "loop.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n# publishes to $RTDASH_HUB, set by the hub\n"
                "while :; do echo \"dirtest.value v=42\"; sleep 0.2; done | %s --title Dir\n"
                % bin_path("rtdash-pub"))
    os.chmod(script, 0o755)
    with open(os.path.join(d, "README"), "w") as f:  # not executable: not started
        f.write("not a collector\n")
    try:
        with Hub(extra_args=["--collectors-dir", d]) as hub:
            c = await WSClient.connect(hub)
            await c.subscribe(["dirtest.*"])
            s = await samples_of(c, "dirtest.value", 2)
            check(s[0]["fields"] == {"v": 42}, "sample %s" % short(s))
            check(pids_started(hub, "loop.sh") and not pids_started(hub, "README"),
                  "what was started:\n%s" % hub.log()[-2000:])
            pid = pids_started(hub, "loop.sh")[0]
            members = group_members(pid)  # the collector's own group: sh, its loop, rtdash-pub
            check(len(members) >= 3, "process group of loop.sh: %r" % members)
            await c.close()
            check(hub.stop(signal.SIGTERM, timeout=10) == 0, "hub exit status")
            await wait_until(lambda: not group_members(pid), 2,
                             "every process of loop.sh's group gone", hub)
    finally:
        for n in os.listdir(d):
            os.unlink(os.path.join(d, n))
        os.rmdir(d)


async def test_collectors_dir_admission():
    """StrictModes (SECURITY.md S6): a world-writable file, a symlink and a file
    owned by another user are skipped with the reason logged; the others
    still run; a directory writable by others stops the hub (exit 2)."""
    d = tempfile.mkdtemp(prefix="rtdash-admit-")
    good = os.path.join(d, "good.sh")
    with open(good, "w") as f:
        f.write("#!/bin/sh\nexec sleep 30\n")
    os.chmod(good, 0o755)
    planted = os.path.join(d, "planted.sh")
    with open(planted, "w") as f:
        f.write("#!/bin/sh\nexec sleep 30\n")
    os.chmod(planted, 0o777)
    os.symlink("/bin/true", os.path.join(d, "link"))
    other = None
    if os.geteuid() == 0:
        other = os.path.join(d, "others.sh")
        with open(other, "w") as f:
            f.write("#!/bin/sh\nexec sleep 30\n")
        os.chmod(other, 0o755)
        os.chown(other, 65534, 65534)
    try:
        with Hub(extra_args=["--collectors-dir", d]) as hub:
            await wait_until(lambda: pids_started(hub, "good.sh"), 5, "good.sh started", hub)
            log = hub.log()
            check("planted.sh skipped: writable by group or others" in log, "planted:\n" + log)
            check("link skipped: a symlink" in log, "symlink:\n" + log)
            if other:
                check("others.sh skipped: owned by another user" in log, "others:\n" + log)
            check(not pids_started(hub, "planted.sh") and not pids_started(hub, "link"),
                  "a skipped entry ran:\n" + log)
        os.chmod(d, 0o777)
        r = subprocess.run([bin_path("rtdash-hub"), "--port", str(free_port()), "--ingest",
                            "tcp://127.0.0.1:%d" % free_port(), "--collectors-dir", d,
                            "--collector-user", "root" if os.geteuid() == 0 else ""],
                           capture_output=True, timeout=10)
        check(r.returncode == 2 and b"writable by group or others" in r.stderr,
              "a world-writable collectors directory: exit %d %r" % (r.returncode, r.stderr))
    finally:
        os.chmod(d, 0o700)
        for n in os.listdir(d):
            os.unlink(os.path.join(d, n))
        os.rmdir(d)


async def test_child_environment_allow_list():
    """A collector gets PATH, HOME, the collectors' RTDASH_* settings and what
    --collector-env names; never the hub's secrets or other variables."""
    d = tempfile.mkdtemp(prefix="rtdash-env-")
    tokens = os.path.join(d, "tokens-of-the-hub")
    with open(tokens, "w") as f:
        f.write("env-test-admin-token-0123456789 admin\n")
    os.chmod(tokens, 0o600)
    # RTDASH_AUTH: a file the hub reads (so auth is on); its path must not reach a child
    env = {"SEC": "hunter2", "RTDASH_AUTH": tokens, "RTDASH_INTERVAL_MS": "750",
           "PASSME": "yes", "RTDASH_JWT_AUD": "the-hubs-own"}
    with Hub(extra_args=["--collector", "env | sort; exec sleep 30", "--collector-env", "PASSME"],
             env=env) as hub:
        await wait_until(lambda: "RTDASH_INTERVAL_MS=750" in hub.log(), 5, "the child's env", hub)
        log = hub.log()
        check("SEC=" not in log and "hunter2" not in log, "a hub variable leaked:\n" + log)
        check("RTDASH_JWT_AUD" not in log, "the hub's own setting leaked:\n" + log)
        check("RTDASH_AUTH" not in log and "tokens-of-the-hub" not in log,
              "the hub's tokens file leaked:\n" + log)
        st, _, _ = http_get(hub.port, "/api/topics")
        check_eq(st, 401, "the hub read RTDASH_AUTH (auth is on)")
        check("PASSME=yes" in log and "PATH=" in log and "RTDASH_HUB=" in log,
              "what the child should get:\n" + log)


async def test_root_needs_a_collector_user():
    if os.geteuid() != 0:
        print("  (not root: skipped)")
        return
    r = subprocess.run([bin_path("rtdash-hub"), "--port", str(free_port()), "--ingest",
                        "tcp://127.0.0.1:%d" % free_port(), "--collector", "true"],
                       capture_output=True, timeout=10)
    check(r.returncode == 2 and b"--collector-user" in r.stderr,
          "as root without --collector-user: exit %d %r" % (r.returncode, r.stderr))
    with Hub(extra_args=["--collector", "echo uid=$(id -u); exec sleep 30",
                         "--collector-user", "nobody"]) as hub:
        await wait_until(lambda: "uid=65534" in hub.log(), 5, "the child's uid", hub)


if __name__ == "__main__":
    run_tests(dict(globals()))
