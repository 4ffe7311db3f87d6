# SPDX-License-Identifier: MIT
"""SPEC §6: the hub's HTTP side on its one port: /healthz, /metrics,
/api/topics, /api/history/TOPIC (json, csv), the page at /, 404s, and the
WebSocket upgrade with and without the rtdash.v1 subprotocol."""

import asyncio
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (SRC, Hub, RawWS, WSClient, apublisher, check, check_eq,  # noqa: E402
                            drops_by_reason, http_get, http_json, is_sample, metric_find,
                            metric_names, metrics, of_type, parse_prometheus, raw_http, run_tests,
                            short)

T0 = 1764300000000


def test_healthz():
    with Hub() as hub:
        st, hd, body = http_get(hub.port, "/healthz")
        check_eq(st, 200, "/healthz status")
        check("json" in hd.get("content-type", ""), "/healthz content-type: %r"
              % hd.get("content-type"))
        j = json.loads(body)
        check(isinstance(j, dict) and j, "/healthz body: %r" % body[:200])
        check_eq(j.get("status"), "ok", "/healthz status field")
        check(len(body) < 4096, "/healthz is not small: %d bytes" % len(body))


def _metric(ms, *patterns):
    """First pattern that names a metric present in ms: its summed value."""
    for p in patterns:
        v = metric_find(ms, p)
        if v is not None:
            return v
    raise AssertionError("no metric matching %s among %s" % (patterns, metric_names(ms)))


CLIENTS = (r"^rtdash_(ws_)?clients$", r"clients(_connected)?$", r"clients")
TOPICS = (r"^rtdash_topics$", r"topics$", r"topics")
MSG_IN = (r"messages_in(_total)?$", r"(ingest|received).*messages.*total", r"messages_received")
MSG_OUT = (r"messages_out(_total)?$", r"(sent|out).*messages.*total", r"messages_sent")
QUEUE = (r"queue.*bytes", r"bytes.*queue")


async def test_metrics_prometheus_text():
    with Hub() as hub:
        st, hd, body = http_get(hub.port, "/metrics")
        check_eq(st, 200, "/metrics status")
        check(hd.get("content-type", "").startswith("text/plain"),
              "/metrics content-type: %r" % hd.get("content-type"))
        text = body.decode("utf-8")
        ms = parse_prometheus(text)
        check(any(l.startswith("# TYPE ") for l in text.split("\n")), "no # TYPE lines")
        check(any(l.startswith("# HELP ") for l in text.split("\n")), "no # HELP lines")
        names = metric_names(ms)
        for what, pats in (("clients", CLIENTS), ("topics", TOPICS), ("messages in", MSG_IN),
                           ("messages out", MSG_OUT), ("queue bytes", QUEUE)):
            try:
                _metric(ms, *pats)
            except AssertionError:
                raise AssertionError("/metrics has no %s metric; names: %s" % (what, names))
        check(drops_by_reason(ms), "/metrics has no drops with a reason label; names: %s" % names)
        check_eq(_metric(ms, *CLIENTS), 0, "clients at start")
        check_eq(_metric(ms, *TOPICS), 0, "topics at start")
        # the values follow what happens
        a = await WSClient.connect(hub)
        b = await WSClient.connect(hub)
        await a.subscribe(["*"])
        await b.subscribe(["m.a"])
        await asyncio.sleep(0.2)
        check_eq(_metric(metrics(hub.port), *CLIENTS), 2, "clients with two connected")
        ms0 = metrics(hub.port)
        pub = await apublisher(hub)
        for i in range(10):
            pub.sample("m.a", {"v": i})
        for i in range(5):
            pub.sample("m.b.%d" % i, {"v": i})
        pub.send("bad topic", {"kind": "sample", "value": 1})
        pub.send("m.bad", b"\xc1")
        for i in range(5):
            await a.wait_for(is_sample("m.b.%d" % i), 5, "sample m.b.%d" % i)
        await b.wait_for(lambda m: m.get("type") == "sample" and m["fields"]["v"] == 9, 5,
                         "last m.a sample on b")
        await asyncio.sleep(0.3)
        ms1 = metrics(hub.port)
        check_eq(_metric(ms1, *TOPICS), 6, "topics after 6 new topics")
        check_eq(_metric(ms1, *MSG_IN) - _metric(ms0, *MSG_IN), 17,
                 "messages in after 15 good + 2 rejected messages")
        d_out = _metric(ms1, *MSG_OUT) - _metric(ms0, *MSG_OUT)
        # 15 samples + 6 topic messages to a, 10 samples + 6 topic messages to b (at least;
        # a hub may count frames instead of messages, so the exact count is not fixed)
        check(d_out >= 25, "messages out rose by %s, expected at least 25 deliveries" % d_out)
        d0, d1 = drops_by_reason(ms0), drops_by_reason(ms1)
        check_eq(sum(d1.values()) - sum(d0.values()), 2, "drops after 2 rejected messages")
        await b.close()
        await asyncio.sleep(0.3)
        check_eq(_metric(metrics(hub.port), *CLIENTS), 1, "clients after one left")
        await a.close()


async def test_api_topics():
    with Hub() as hub:
        pub = await apublisher(hub)
        meta = {"title": "Sales", "unit": "$", "chart": "line"}
        pub.meta("api.sales", **meta)
        pub.sample("api.sales", {"v": 1}, ts=T0 + 1, seq=1)
        pub.sample("api.sales", {"v": 2}, ts=T0 + 2, seq=2)
        pub.event("api.feed", "hi", level="success", ts=T0 + 3, seq=1)
        await asyncio.sleep(0.5)
        j = http_json(hub.port, "/api/topics")
        if isinstance(j, dict) and isinstance(j.get("topics"), list):
            j = j["topics"]
        check(isinstance(j, list), "/api/topics: expected a list of topics, got %s" % short(j))
        tops = {t.get("topic"): t for t in j}
        check_eq(sorted(tops), ["api.feed", "api.sales"], "topics listed")
        check_eq(tops["api.sales"].get("meta"), meta, "meta of api.sales")
        check_eq(tops["api.sales"].get("last"),
                 {"topic": "api.sales", "ts": T0 + 2, "seq": 2, "fields": {"v": 2}},
                 "last of api.sales")
        check_eq(tops["api.feed"].get("last"),
                 {"topic": "api.feed", "ts": T0 + 3, "seq": 1, "text": "hi", "level": "success"},
                 "last of api.feed")
        check_eq(tops["api.feed"].get("meta"), None, "meta of a topic without meta")


async def test_api_collectors():
    """Issue 4: the hub knows each collector named by meta: its topics, last
    seen, messages, rate and rejects by reason, in /api/collectors and /metrics."""
    with Hub() as hub:
        pub = await apublisher(hub)
        pub.meta("col.a", title="A", collector="my-col")
        pub.meta("col.b", title="B", collector="my-col")
        for i in range(5):
            pub.sample("col.a", {"v": i}, ts=T0 + i, seq=i + 1)
        pub.send("col.b", {"kind": "sample", "fields": {"v": "not a number"}})
        pub.sample("other.x", {"v": 1}, ts=T0, seq=1)  # no meta: not attributed
        await asyncio.sleep(1.5)
        j = http_json(hub.port, "/api/collectors")
        check(isinstance(j, list) and len(j) == 1, "/api/collectors: one collector, got %s"
              % short(j))
        c = j[0]
        check_eq(c.get("name"), "my-col", "collector name")
        check_eq(sorted(c.get("topics", [])), ["col.a", "col.b"], "collector topics")
        check_eq(c.get("messages"), 5, "collector messages")
        check_eq(c.get("rejected"), {"bad_fields": 1}, "collector rejects by reason")
        check(c.get("last_seen", 0) > 1700000000000, "last_seen is a Unix time in ms: %s"
              % c.get("last_seen"))
        check(c.get("rate", -1) >= 0, "rate present: %s" % c.get("rate"))
        m = metrics(hub.port)
        check_eq(metric_find(m, r"rtdash_collector_messages_total", {"collector": "my-col"}), 5,
                 "rtdash_collector_messages_total")
        check_eq(metric_find(m, r"rtdash_collector_rejected_total",
                             {"collector": "my-col", "reason": "bad_fields"}), 1,
                 "rtdash_collector_rejected_total")


async def test_api_history_json_and_csv():
    with Hub() as hub:
        pub = await apublisher(hub)
        want = []
        for s in range(1, 61):
            pub.sample("api.h", {"a": s, "b": s / 4}, ts=T0 + s, seq=s)
            want.append({"topic": "api.h", "ts": T0 + s, "seq": s, "fields": {"a": s, "b": s / 4}})
        await asyncio.sleep(0.5)
        j = http_json(hub.port, "/api/history/api.h?format=json")
        pts = j.get("points") if isinstance(j, dict) else j
        check(isinstance(pts, list), "/api/history json: no points list: %s" % short(j))
        check_eq(pts, want[-50:], "/api/history points (the last 50, oldest first)")
        if isinstance(j, dict) and "topic" in j:
            check_eq(j["topic"], "api.h", "history.topic")
        # default format is json
        j2 = http_json(hub.port, "/api/history/api.h")
        check_eq(j2, j, "/api/history without format")
        # the same as the WebSocket history
        c = await WSClient.connect(hub)
        await c.subscribe(["api.h"], history=True)
        h = await c.wait_for(of_type("history", "api.h"), 5, "history")
        check_eq(h["points"], pts, "WebSocket history vs /api/history")
        await c.close()
        # csv: header + one row per point
        st, hd, body = http_get(hub.port, "/api/history/api.h?format=csv")
        check_eq(st, 200, "csv status")
        check("csv" in hd.get("content-type", "") or "text/plain" in hd.get("content-type", ""),
              "csv content-type: %r" % hd.get("content-type"))
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        rows = [r for r in rows if r]
        check_eq(len(rows), 51, "csv lines (header + 50 points)")
        head = rows[0]
        for col in ("ts", "seq", "a", "b"):
            check(any(h == col or h.endswith("." + col) or h.endswith(":" + col) for h in head),
                  "csv header %s lacks %s" % (head, col))
        idx = {h.split(".")[-1].split(":")[-1]: i for i, h in enumerate(head)}
        for r, p in zip(rows[1:], want[-50:]):
            check_eq((int(r[idx["ts"]]), int(r[idx["seq"]]), float(r[idx["a"]]),
                      float(r[idx["b"]])),
                     (p["ts"], p["seq"], float(p["fields"]["a"]), p["fields"]["b"]),
                     "csv row for seq %d" % p["seq"])
        # numbers are written as in the JSON: shortest text that reads back
        pub.sample("api.num", {"x": 7036.58, "y": 0.1, "n": 2 ** 53 + 1}, ts=T0, seq=1)
        await asyncio.sleep(0.3)
        st, hd, body = http_get(hub.port, "/api/history/api.num?format=csv")
        rows = [r for r in csv.reader(io.StringIO(body.decode("utf-8"))) if r]
        check_eq(dict(zip(rows[0], rows[1])),
                 {"ts": str(T0), "seq": "1", "x": "7036.58", "y": "0.1", "n": "9007199254740993"},
                 "csv number text")
        # a uint64 beyond int64 (counters) keeps its row's other fields
        pub.sample("api.big", {"u": 2 ** 64 - 1, "v": 1.5}, ts=T0, seq=1)
        await asyncio.sleep(0.3)
        st, hd, body = http_get(hub.port, "/api/history/api.big?format=csv")
        rows = [r for r in csv.reader(io.StringIO(body.decode("utf-8"))) if r]
        check_eq(rows[0], ["ts", "seq", "u", "v"], "csv header with a uint64 field")
        check_eq((float(rows[1][2]), rows[1][3]), (float(2 ** 64 - 1), "1.5"),
                 "csv row with a uint64 field")
        # events in csv too: their text, quoted when it needs to be
        pub.event("api.ev", 'a "quoted", text', level="warning", ts=T0, seq=1)
        await asyncio.sleep(0.3)
        st, hd, body = http_get(hub.port, "/api/history/api.ev?format=csv")
        check_eq(st, 200, "event csv status")
        rows = [r for r in csv.reader(io.StringIO(body.decode("utf-8"))) if r]
        check_eq(len(rows), 2, "event csv lines")
        check('a "quoted", text' in rows[1], "event text not a csv cell: %s" % rows)


async def test_api_history_errors():
    with Hub() as hub:
        pub = await apublisher(hub)
        pub.sample("api.f", {"v": 1})
        await asyncio.sleep(0.3)
        for path, want, codes in (("/api/history/no.such.topic", 404, ["not_found"]),
                                  ("/api/history/no.such.topic?format=csv", 404, ["not_found"]),
                                  ("/api/history/bad%20topic", 400, ["bad_topic"]),
                                  ("/api/history/a..b", 400, ["bad_topic"]),
                                  ("/api/history/a.*", 400, ["bad_topic"]),
                                  ("/api/history/" + "x" * 129, 400, ["bad_topic"]),
                                  ("/api/history/api.f?format=xml", 400, ["bad_request"])):
            st, hd, body = http_get(hub.port, path)
            check_eq(st, want, "GET %s" % path)
            try:
                j = json.loads(body)
            except ValueError:
                raise AssertionError("GET %s: error body is not JSON: %r" % (path, body[:200]))
            check(isinstance(j, dict) and j.get("error") in codes
                  and isinstance(j.get("message"), str),
                  "GET %s: expected {\"error\": %s, \"message\": ...}, got %s"
                  % (path, codes, short(j)))


def test_index_and_unknown_paths():
    with Hub() as hub:
        st, hd, body = http_get(hub.port, "/")
        check_eq(st, 200, "GET / status")
        check("text/html" in hd.get("content-type", ""), "GET / content-type: %r"
              % hd.get("content-type"))
        idx = os.path.join(SRC, "web", "index.html")
        if SRC and os.path.exists(idx):
            with open(idx, "rb") as f:
                check_eq(body, f.read(), "GET / is web/index.html")
        else:
            check(b"<html" in body.lower(), "GET / is not HTML: %r" % body[:200])
        for path in ("/no-such-file", "/api/nothing", "/wsx", "/index.html.bak"):
            st, _, _ = http_get(hub.port, path)
            check_eq(st, 404, "GET %s" % path)
        # no escape from the web root
        for raw in (b"GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"GET /%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"GET /..%2f..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: x\r\n\r\n"):
            out = raw_http(hub.port, raw)
            check(b"root:" not in out, "path traversal served /etc/passwd: %r" % raw)
        hub.check_alive()


def test_oversized_and_garbage_requests():
    """RELIABILITY P8: header bombs and garbage do not hurt the hub."""
    with Hub() as hub:
        big = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 100000 + b"\r\n\r\n"
        out = raw_http(hub.port, big)
        check(not out.startswith(b"HTTP/1.1 200"), "a 100 KB header was served 200")
        many = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(
            b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n"
        out = raw_http(hub.port, many)
        check(not out.startswith(b"HTTP/1.1 200"), "5000 headers were served 200")
        for junk in (b"\x00\xff" * 1000, b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                     b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"):
            raw_http(hub.port, junk, timeout=2)
        hub.check_alive()
        # the two header bombs never completed a request: counted, not as timeouts
        ms = metrics(hub.port)
        inc = metric_find(ms, "^rtdash_connections_refused_total$",
                          {"reason": "incomplete_request"})
        check(inc is not None and inc >= 2,
              "incomplete_request counted %s for two header bombs" % inc)
        check_eq(metric_find(ms, "^rtdash_connections_refused_total$",
                             {"reason": "handshake_timeout"}), 0.0, "handshake_timeout count")
        st, _, _ = http_get(hub.port, "/healthz")
        check_eq(st, 200, "/healthz after garbage")


async def test_websocket_with_and_without_subprotocol():
    with Hub() as hub:
        c = await WSClient.connect(hub, subprotocols=["rtdash.v1"])
        check_eq(c.ws.subprotocol, "rtdash.v1", "negotiated subprotocol")
        await c.ping()
        d = await WSClient.connect(hub)
        check_eq(d.ws.subprotocol, None, "subprotocol without asking for one")
        await d.ping()
        await c.close()
        await d.close()
        r = RawWS(hub.port, protocols=["rtdash.v1"])
        check_eq(r.status, 101, "raw upgrade with rtdash.v1")
        check_eq(r.headers.get("sec-websocket-protocol"), "rtdash.v1", "raw response protocol")
        op, data = r.recv_message()
        check_eq(json.loads(data.decode()).get("type"), "welcome", "raw client's first message")
        r.close()
        # an upgrade on any other path is refused (Decision 19)
        r = RawWS(hub.port, path="/other")
        check(r.status != 101, "upgrade on /other accepted")
        r.close()


if __name__ == "__main__":
    run_tests(globals())
