# SPDX-License-Identifier: MIT
"""A publisher pointed at the wrong port says so (issue #17), for real.

A real hub runs on loopback. rtdash-pub pointed at its web port (a server
that answers, but not with ZeroMQ) must print the collector library's line
naming the endpoint and its own summary, and exit with status 3; pointed at
the ingest endpoint it exits 0, silently, and the sample arrives; with both
it exits 0 and still names the bad one; with nothing listening it exits 0 as
before, saying on stderr that no hub was reached. A long-running collector (rtdash-demo) on the web port logs the line
once, not once per ZeroMQ reconnect, and keeps running.

Run with /usr/bin/python3; RTDASH_BIN is the directory of the binaries.
Prints PASS/FAIL per test and "N passed, N failed".
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (HOST, Hub, bin_path, check, check_eq, free_port,  # noqa: E402
                            http_json, run_tests, start_proc)

EXIT_NOT_A_HUB = 3
NOT_A_PEER = ("%s: not a ZeroMQ peer (handshake failed): is this the hub's ingest port? "
              "the web port is not")


def child_env():
    """Our environment without stray settings, leak detection on (ASan builds)."""
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("RTDASH_"):
            del e[k]
    e["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=1"]))
    return e


def run_pub(hubs, args, stdin_text=""):
    """rtdash-pub --hub HUBS ARGS to completion: (exit status, stderr)."""
    p = subprocess.run([bin_path("rtdash-pub"), "--hub", hubs] + args, input=stdin_text.encode(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env(),
                       timeout=30)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def web_endpoint(hub):
    return "tcp://%s:%d" % (HOST, hub.port)


def test_pub_to_the_web_port_fails_and_says_why():
    with Hub() as hub:
        web = web_endpoint(hub)
        code, err = run_pub(web, ["room.temp", "21.5"])
        check_eq(code, EXIT_NOT_A_HUB, "exit status (stderr %r)" % err)
        check((NOT_A_PEER % web) in err, "no 'not a ZeroMQ peer' line naming %s: %r" % (web, err))
        check("rtdash-pub: no hub received the 1 message: %s answered but is not a ZeroMQ peer"
              % web in err, "no summary line: %r" % err)
        check("--help" not in err, "a usage error? %r" % err)
        # Standard input too; the same line once, however often ZeroMQ retried.
        code, err = run_pub(web, ["--linger-ms", "1500"], "a.b 1\na.b 2\n")
        check_eq(code, EXIT_NOT_A_HUB, "exit status from standard input (stderr %r)" % err)
        check_eq(err.count(NOT_A_PEER % web), 1, "'not a ZeroMQ peer' lines in %r" % err)
        check("no hub received the 2 messages" in err, "no summary line: %r" % err)
        hub.check_alive()


def test_pub_to_the_ingest_still_exits_0():
    with Hub() as hub:
        code, err = run_pub(hub.ingest, ["room.temp", "21.5"])
        check_eq(code, 0, "exit status (stderr %r)" % err)
        check_eq(err, "", "stderr")
        deadline = time.time() + 5
        last = None
        while time.time() < deadline and last is None:
            last = {t["topic"]: t.get("last") for t in http_json(hub.port, "/api/topics")} \
                .get("room.temp")
            time.sleep(0.05)
        check(last is not None and last.get("fields") == {"value": 21.5},
              "the sample did not arrive: %r" % last)
        # The web port and the ingest together: delivered, so 0, but the bad
        # endpoint is still named.
        web = web_endpoint(hub)
        code, err = run_pub("%s,%s" % (web, hub.ingest), ["room.temp", "22"])
        check_eq(code, 0, "exit status with one good endpoint (stderr %r)" % err)
        check((NOT_A_PEER % web) in err, "the bad endpoint is not named: %r" % err)
        check("no hub received" not in err, "summary line with a hub reached: %r" % err)


def test_pub_with_nobody_listening_still_exits_0():
    nobody = "tcp://%s:%d" % (HOST, free_port())
    code, err = run_pub(nobody, ["room.temp", "21.5"])
    check_eq(code, 0, "exit status (stderr %r)" % err)
    check("not a ZeroMQ peer" not in err, "stderr %r" % err)
    check("no hub reached at %s" % nobody in err and "dropped" in err,
          "a person learns the message went nowhere: %r" % err)


def test_collector_on_the_web_port_logs_once_and_runs_on():
    with Hub() as hub:
        web = web_endpoint(hub)
        env = child_env()
        env["RTDASH_HUB"] = web
        demo = start_proc("rtdash-demo", [bin_path("rtdash-demo"), "--interval-ms", "100"], env)
        time.sleep(2.5)  # ~15 ZeroMQ reconnects, each failing its handshake
        check(demo.alive(), "rtdash-demo exited (%s): %s" % (demo.proc.returncode, demo.log()))
        log = demo.log()
        check_eq(log.count(NOT_A_PEER % web), 1, "'not a ZeroMQ peer' lines in %r" % log)
        check_eq(demo.stop(), 0, "rtdash-demo exit status")
        hub.check_alive()


if __name__ == "__main__":
    run_tests(globals())
