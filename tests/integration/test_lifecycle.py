# SPDX-License-Identifier: MIT
"""Lifecycle and delivery under stress (SPEC §2 late hub, §3 epoch, §5 slow
consumers, RELIABILITY P6/P19): a hub started after its collectors, SIGTERM,
restart, and a slow client that never reads while others read at full rate."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (Hub, Publisher, WSClient, apublisher, bin_path, check,  # noqa: E402
                            check_eq, free_port, http_json, is_sample, metric_find,
                            metrics, ordered_keys, run_tests, samples_of,
                            slow_raw_reader, start_proc)

T0 = 1764300000000


async def test_hub_started_after_its_collectors():
    port, ingest_port = free_port(), free_port()
    env = {"RTDASH_HUB": "tcp://127.0.0.1:%d" % ingest_port}
    procs = [start_proc("demo", [bin_path("rtdash-demo"), "--interval-ms", "200"], env)]
    if os.path.exists(bin_path("rtdash-sysmetrics")):
        procs.append(start_proc("sysmetrics", [bin_path("rtdash-sysmetrics"), "--interval-ms",
                                               "200"], env))
    await asyncio.sleep(1.5)
    for p in procs:
        check(p.alive(), "%s exited (%s) with no hub running" % (p.name, p.proc.returncode))
    with Hub(port=port, ingest_port=ingest_port) as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["*"])
        await c.wait_for(lambda m: m.get("type") == "sample"
                         and m.get("topic", "").startswith("demo."), 5, "a demo sample")
        if len(procs) > 1:
            await c.wait_for(lambda m: m.get("type") == "sample"
                             and m.get("topic", "").startswith("system."), 5, "a system sample")
        # collectors resend meta every 10 s: the late hub learns every topic's meta
        deadline = time.monotonic() + 12.5
        missing = None
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            tops = http_json(hub.port, "/api/topics")
            if isinstance(tops, dict) and isinstance(tops.get("topics"), list):
                tops = tops["topics"]
            with_data = {m["topic"] for m in samples_of(c.log)}
            metas = {t.get("topic"): t.get("meta") for t in tops}
            missing = sorted(t for t in with_data if not metas.get(t))
            if with_data and not missing:
                break
        check(not missing, "topics without meta 12 s after the hub started: %s" % missing)
        # topic messages with meta reached the client too
        with_meta = {m["topic"] for m in c.log if m.get("type") == "topic" and m.get("meta")}
        check({t for t in {m["topic"] for m in samples_of(c.log)}} <= with_meta,
              "samples of topics never announced with meta: %s"
              % sorted({m["topic"] for m in samples_of(c.log)} - with_meta))
        # seq comes from the collectors (they started before the hub)
        demo = [m for m in samples_of(c.log) if m["topic"].startswith("demo.")]
        check(demo and demo[0]["seq"] > 1, "first demo seq %s: the collector's own counter "
              "should be past 1 after 1.5 s" % (demo[0]["seq"] if demo else None))
        c.check_framing()
        await c.close()
    for p in procs:
        check(p.alive(), "%s died while the hub ran: %s" % (p.name, p.log()[-500:]))
        p.stop()


async def test_sigterm_prompt_exit_0_and_close_1001():
    hub = Hub()
    a = await WSClient.connect(hub)
    b = await WSClient.connect(hub)
    await a.subscribe(["*"])
    pub = await apublisher(hub)
    for i in range(20):
        pub.sample("sig.t", {"v": i})
    await a.wait_for(is_sample("sig.t"), 5, "a sample")
    t0 = time.monotonic()
    hub.proc.send_signal(signal.SIGTERM)
    hub.stopped_by_us = True
    try:
        code = hub.proc.wait(5)
    except Exception:
        hub.proc.kill()
        raise AssertionError("hub still running 5 s after SIGTERM")
    dt = time.monotonic() - t0
    check(dt < 3.0, "hub took %.1fs to exit after SIGTERM" % dt)
    check_eq(code, 0, "exit code after SIGTERM")
    for c, n in ((a, "subscribed client"), (b, "idle client")):
        closed = await c.wait_closed(3)
        check_eq(closed[0], 1001, "close code seen by the %s" % n)
    pub.close()


async def test_restart_new_epoch_empty_history():
    port, ingest = free_port(), free_port()
    with Hub(port=port, ingest_port=ingest) as hub:
        c = await WSClient.connect(hub)
        e1 = c.welcome["epoch"]
        pub = await apublisher(hub)
        pub.sample("rs.a", {"v": 1})
        await asyncio.sleep(0.3)
        await c.close()
        pub.close()
    with Hub(port=port, ingest_port=ingest) as hub:
        c = await WSClient.connect(hub)
        check(c.welcome["epoch"] != e1, "same epoch %s after a restart" % e1)
        check_eq(c.welcome["topics"], [], "topics after a restart")
        check_eq(c.welcome["client_id"], 1, "client_id after a restart")
        await c.close()


def test_settings_from_environment_and_flags():
    """SPEC §1: every setting is a flag and an RTDASH_* variable; a flag wins."""
    out = subprocess.run([bin_path("rtdash-hub"), "--help"], capture_output=True, text=True,
                         timeout=10)
    check_eq(out.returncode, 0, "rtdash-hub --help exit status")
    for flag, env, default in (("--port", "RTDASH_PORT", "8080"), ("--host", "RTDASH_HOST", None),
                               ("--ingest", "RTDASH_INGEST", "tcp://127.0.0.1:5556"),
                               ("--history", "RTDASH_HISTORY", "50"),
                               ("--web-root", "RTDASH_WEB_ROOT", None)):
        line = [l for l in out.stdout.split("\n") if flag + " " in l or l.strip().startswith(flag)]
        check(line and env in line[0] and (default is None or default in line[0]),
              "--help line for %s (%s, default %s): %r" % (flag, env, default, line[:1]))
    port, ingest = free_port(), free_port()
    env = {"RTDASH_PORT": str(port), "RTDASH_HOST": "127.0.0.1",
           "RTDASH_INGEST": "tcp://127.0.0.1:%d" % ingest, "RTDASH_HISTORY": "3"}
    with Hub([], env, port=port, ingest_port=ingest, only_args=True) as hub:
        with Publisher(hub) as pub:
            for s in range(1, 6):
                pub.sample("env.t", {"v": s}, ts=T0 + s, seq=s)
            time.sleep(0.3)
        j = http_json(port, "/api/history/env.t")
        check_eq([p["seq"] for p in j["points"]], [3, 4, 5], "history with RTDASH_HISTORY=3")
    # a flag wins over the environment
    port2, ingest2 = free_port(), free_port()
    with Hub(["--port", str(port2), "--ingest", "tcp://127.0.0.1:%d" % ingest2, "--history", "2"],
             env, port=port2, ingest_port=ingest2, only_args=True) as hub:
        with Publisher(hub) as pub:
            for s in range(1, 6):
                pub.sample("env.t", {"v": s}, ts=T0 + s, seq=s)
            time.sleep(0.3)
        j = http_json(port2, "/api/history/env.t")
        check_eq([p["seq"] for p in j["points"]], [4, 5], "history with --history 2 over env 3")


PAD = "p" * 8000


def check_gaps_marked(smp, topics, who):
    """Per topic: seqs increase; a message after a missing seq has gap:true."""
    for t in topics:
        seqs = [m["seq"] for m, _ in smp if m["topic"] == t]
        check(all(a < b for a, b in zip(seqs, seqs[1:])), "%s, %s: seqs not increasing" % (who, t))
        prev = 0
        for m, _ in smp:
            if m["topic"] != t:
                continue
            if m["seq"] != prev + 1:
                check(m.get("gap") is True, "%s, %s: seq %d after %d without gap:true"
                      % (who, t, m["seq"], prev))
            prev = m["seq"]


def drain_raw(ws, want_last, timeout=20.0):
    """Read the raw client until every (topic, seq) in want_last is seen.
    Returns the list of (message, raw line)."""
    ws.sock.settimeout(timeout)
    got, seen = [], set()
    deadline = time.monotonic() + timeout
    while len(seen) < len(want_last) and time.monotonic() < deadline:
        op, data = ws.recv_message()
        check(op == 0x1, "slow client: opcode %d (close code %s)" % (op, ws.close_code))
        for line in data.decode("utf-8").split("\n"):
            m = json.loads(line)
            got.append((m, line))
            if m.get("type") == "sample" and want_last.get(m["topic"]) == m["seq"]:
                seen.add(m["topic"])
    check_eq(len(seen), len(want_last), "topics whose newest value reached the slow client")
    return got


async def test_slow_client_does_not_delay_others_and_sees_gap():
    with Hub() as hub:
        readers = [await WSClient.connect(hub) for _ in range(2)]
        for r in readers:
            await r.subscribe(["*"])
        slow = slow_raw_reader(hub)
        slow.recv_message()  # subscribed
        pub = await apublisher(hub)
        topics = ["slow.t%d" % i for i in range(4)]
        n_per = 800       # 3200 messages of ~8 KB = ~26 MB
        t0 = time.monotonic()
        for s in range(1, n_per + 1):
            for t in topics:
                pub.sample(t, {"v": s}, ts=T0 + s, seq=s, pad=PAD)
            if s % 20 == 0:
                await asyncio.sleep(0.01)
        last = {t: n_per for t in topics}
        for r in readers:
            for t in topics:
                await r.wait_for(is_sample(t, seq=n_per), 15, "newest %s on a reader" % t)
        dt = time.monotonic() - t0
        counts = [len(samples_of(r.log)) for r in readers]
        print("  (readers got %s of %d samples in %.1fs while the slow client read nothing)"
              % (counts, 4 * n_per, dt))
        m_in = metric_find(metrics(hub.port), r"messages_in")
        check_eq(m_in, 4 * n_per, "messages the hub received (ZeroMQ lost none)")
        for r, n in zip(readers, counts):
            r.check_framing()
            check(n >= 4 * n_per // 2, "a reader got only %d of %d samples" % (n, 4 * n_per))
            check_gaps_marked([(m, None) for m in samples_of(r.log)], topics, "reader")
        ms = metrics(hub.port)
        qb = metric_find(ms, r"queue.*bytes|bytes.*queue")
        if qb is not None:
            check(qb <= 8 * 1024 * 1024, "queued bytes %d: the slow client's queue is unbounded"
                  % qb)
        # now the slow client reads: it has lost old samples, never the newest
        got = drain_raw(slow, last)
        slow.close()
        smp = [(m, line) for m, line in got if m.get("type") == "sample"]
        check(len(smp) < 4 * n_per, "slow client got all %d samples: nothing was dropped "
              "(test did not fill the queue)" % len(smp))
        gaps = [(m, line) for m, line in smp if m.get("gap") is True]
        check(gaps, "no message with \"gap\": true among %d samples to the slow client" % len(smp))
        for m, line in gaps[:3]:
            check_eq(ordered_keys(line)[:2], ["type", "gap"], "gap key position (Decision 16)")
        check_gaps_marked(smp, topics, "slow client")
        hub.check_alive()
        for r in readers:
            await r.close()


async def test_slow_consumer_closed_after_30s():
    with Hub() as hub:
        reader = await WSClient.connect(hub)
        await reader.subscribe(["*"])
        slow = slow_raw_reader(hub)
        slow.recv_message()  # subscribed
        pub = await apublisher(hub)
        clients = (r"^rtdash_(ws_)?clients$", r"clients(_connected)?$")

        def n_clients():
            ms = metrics(hub.port)
            for p in clients:
                v = metric_find(ms, p)
                if v is not None:
                    return v
            return None

        check_eq(n_clients(), 2, "clients before the stall")
        t0 = time.monotonic()
        s = 0
        closed_at = None
        while time.monotonic() - t0 < 45:
            for _ in range(20):
                s += 1
                pub.sample("sc.t%d" % (s % 3), {"v": s}, pad=PAD)
            await asyncio.sleep(0.1)
            el = time.monotonic() - t0
            if el > 20 and int(el * 10) % 10 == 0:
                if n_clients() == 1:
                    closed_at = el
                    break
        check(closed_at is not None, "slow client still connected after 45 s of a full queue")
        check(closed_at >= 25, "slow client closed after only %.1fs (SPEC: 30 s)" % closed_at)
        print("  (slow client closed %.1fs after it stopped reading)" % closed_at)
        # the reader was never affected
        reader.drain()
        pub.sample("sc.end", {"v": 1})
        await reader.wait_for(is_sample("sc.end"), 5, "reader after the slow client was closed")
        check(reader.closed is None, "reader closed: %s" % (reader.closed,))
        # whatever the slow client can still read ends in 1008 (or a bare TCP close)
        code = slow.read_until_close(20)
        check(code in (1008, None), "slow consumer close code %s, expected 1008" % code)
        slow.close()
        await reader.close()


if __name__ == "__main__":
    run_tests(globals(), per_test_timeout=100)
