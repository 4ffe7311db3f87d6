# SPDX-License-Identifier: MIT
"""`make run` as a newcomer runs it: the Makefile's run target, scripts/run.sh,
the hub and its two standard collectors.

make is run as `make -C SRC -o build run BUILD=BUILD_DIR`: the source tree's
Makefile and the build directory under test, `-o build` so that the build
(done already: these are its binaries) is not redone. It runs in a session of
its own, and Ctrl-C is SIGINT to that session's process group, as a terminal
sends it. Checked: the port comes from RTDASH_PORT (and from `make run
PORT=...`, which wins), the page answers there, the URL is printed only once
the hub listens, `make run COLLECTOR='...'` adds a collector, Ctrl-C stops
every process; and with the port taken, the hub's error is said, no URL is
printed, and make fails.

Run with /usr/bin/python3; RTDASH_BIN is the directory of the binaries,
RTDASH_SRC the repository root.
"""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (BIN, check, free_port, http_get, http_json,  # noqa: E402
                            live_procs_where, metrics, run_tests)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("RTDASH_SRC") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.dirname(os.path.abspath(BIN)) if BIN else ""


class MakeRun:
    """`make run` in a session of its own, its output in a file."""

    def __init__(self, args=(), env=None):
        self.out = tempfile.NamedTemporaryFile(prefix="rtdash-make-run-", suffix=".log",
                                               delete=False)
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("RTDASH_") and k not in ("PORT", "COLLECTOR", "MAKEFLAGS",
                                                          "MAKELEVEL", "MFLAGS")}
        e.update(env or {})
        self.proc = subprocess.Popen(["make", "-C", SRC, "-o", "build", "--no-print-directory",
                                      "run", "BUILD=" + BUILD] + list(args),
                                     stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=subprocess.STDOUT, env=e, start_new_session=True)

    def log(self):
        with open(self.out.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.log())
            if m:
                return m
            check(self.proc.poll() is None, "make run exited (%r) without %r:\n%s"
                  % (self.proc.returncode, pattern, self.log()[-3000:]))
            check(time.monotonic() < deadline, "no %r within %.0fs:\n%s"
                  % (pattern, timeout, self.log()[-3000:]))
            time.sleep(0.05)

    def session(self):
        """Pids of the live processes of its session."""
        return live_procs_where("session", self.proc.pid)

    def ctrl_c(self, timeout=10):
        """SIGINT to its process group, as the terminal sends it; the exit status."""
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def check_clean(self):
        """No sanitizer report from the hub or its collectors (ASan builds)."""
        m = re.search(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error: ", self.log())
        check(m is None, "sanitizer report:\n%s" % self.log()[m.start():m.start() + 2500]
              if m else "")

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pid in self.session():  # collectors are in groups of their own
            os.kill(pid, signal.SIGKILL)
        os.unlink(self.out.name)


async def test_port_from_the_environment():
    """RTDASH_PORT=P make run: the page answers on P, the URL printed is P's,
    printed once the hub listens; Ctrl-C stops the hub and both collectors."""
    port, ingest = free_port(), free_port()
    run = MakeRun(env={"RTDASH_PORT": str(port),
                       "RTDASH_INGEST": "tcp://127.0.0.1:%d" % ingest})
    try:
        run.wait_for(r"rtdash: http://localhost:%d/ +\(Ctrl-C stops it\)" % port, 20)
        log = run.log()
        hub_line = re.search(r"rtdash-hub notice: rtdash-hub \S+: http://\S+:%d/" % port, log)
        check(hub_line and hub_line.start() < log.index("rtdash: http://"),
              "the URL comes after the hub's start line (its own, once it listens):\n%s"
              % log[-3000:])
        st, hd, body = http_get(port, "/")
        check(st == 200 and b"<html" in body.lower(), "GET / on %d: %d %r" % (port, st, body[:200]))
        deadline = time.monotonic() + 10
        while not {"rtdash-demo", "rtdash-sysmetrics"} <= {c["name"] for c in http_json(port, "/api/collectors")}:
            check(time.monotonic() < deadline, "collectors: %s" % http_json(port,
                                                                          "/api/collectors"))
            await asyncio.sleep(0.2)
        check(len(run.session()) >= 3, "make, run.sh, the hub and its collectors: %r"
              % run.session())
        t0 = time.monotonic()
        code = run.ctrl_c()
        check(code is not None and time.monotonic() - t0 < 10, "make run did not stop on Ctrl-C")
        deadline = time.monotonic() + 5
        while run.session():
            check(time.monotonic() < deadline, "left running after Ctrl-C: %r" % run.session())
            await asyncio.sleep(0.1)
        check("rtdash-hub notice: stopped" in run.log(), "the hub stopped:\n%s"
              % run.log()[-2000:])
        run.check_clean()
    finally:
        run.close()


async def test_port_and_collector_on_the_make_command_line():
    """`make run PORT=P` wins over RTDASH_PORT (a flag-like setting on the
    command line), and `make run COLLECTOR='...'` runs one more collector,
    its command whole."""
    port, other, ingest = free_port(), free_port(), free_port()
    example = os.path.join(SRC, "collectors", "examples", "python", "processes.py")
    hubs = "tcp://127.0.0.1:%d,tcp://127.0.0.1:%d" % (free_port(), ingest)  # a comma in it
    run = MakeRun(["PORT=%d" % port, "COLLECTOR=/usr/bin/python3 '%s' --hub %s" % (example, hubs)],
                  env={"RTDASH_PORT": str(other), "RTDASH_LOG_LEVEL": "info",
                       "RTDASH_INGEST": "tcp://127.0.0.1:%d" % ingest})
    try:
        run.wait_for(r"rtdash: http://localhost:%d/" % port, 20)
        check(http_get(port, "/healthz")[0] == 200, "/healthz on %d" % port)
        with socket.socket() as s:
            check(s.connect_ex(("127.0.0.1", other)) != 0, "nothing on RTDASH_PORT %d" % other)
        run.wait_for(r"\[collector processes\.py\] command: /usr/bin/python3 .* "
                     r"--hub %s" % re.escape(hubs), 10)
        names = {lb["name"] for n, lb, v in metrics(port) if n == "rtdash_supervised_up"}
        check(names == {"rtdash-sysmetrics", "rtdash-demo", "processes.py"},
              "supervised: %s" % sorted(names))
        deadline = time.monotonic() + 10  # its data comes, through the second hub of --hub
        while "processes.py" not in {c["name"] for c in http_json(port, "/api/collectors")}:
            check(time.monotonic() < deadline, "processes.py not in /api/collectors")
            await asyncio.sleep(0.2)
        check(run.ctrl_c() is not None, "make run did not stop on Ctrl-C")
        run.check_clean()
    finally:
        run.close()


async def test_port_taken():
    """With the port taken, the hub's error is said, no URL is printed, the
    hint names the way out, and make fails."""
    port, ingest = free_port(), free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("0.0.0.0", port))
        taken.listen()
        run = MakeRun(env={"RTDASH_PORT": str(port),
                           "RTDASH_INGEST": "tcp://127.0.0.1:%d" % ingest})
        try:
            code = run.proc.wait(20)
            log = run.log()
            check(code not in (0, None), "make run exit status %r:\n%s" % (code, log))
            check(re.search(r"rtdash-hub error: cannot listen on .*\bport %d\b" % port, log),
                  "the hub's error:\n%s" % log)
            check("http://" not in log, "no URL:\n%s" % log)
            check("make run PORT=8081 RTDASH_INGEST=" in log, "the way out:\n%s" % log)
            check(not run.session(), "left running: %r" % run.session())
            run.check_clean()
        finally:
            run.close()


if __name__ == "__main__":
    run_tests(dict(globals()), per_test_timeout=60)
