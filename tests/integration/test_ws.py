# SPDX-License-Identifier: MIT
"""SPEC §3/§4: hub -> browser messages and browser -> hub commands on /ws,
with PROTOCOL.md's Decisions. A real hub, real ZeroMQ publishers, real
WebSocket clients."""

import asyncio
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (Hub, Publisher, RawWS, WSClient, apublisher, bin_path, check,  # noqa: E402
                            check_eq, is_sample, metric_find, metrics, of_type, ordered_keys,
                            run_tests, samples_of, short, start_proc)
import websockets  # noqa: E402

T0 = 1764300000000


def point(topic, ts, seq, fields):
    return {"topic": topic, "ts": ts, "seq": seq, "fields": fields}


def publish_series(pub, topic, seqs, field="v"):
    """Samples with ts T0+seq and seq; returns the expected history points."""
    out = []
    for s in seqs:
        pub.sample(topic, {field: s}, ts=T0 + s, seq=s)
        out.append(point(topic, T0 + s, s, {field: s}))
    return out


async def sync_marker(pub, clients, topic="zz.marker"):
    """Publish a marker every client (subscribed to it or '*') must get, so that
    everything published before it has been processed by the hub."""
    body = pub.sample(topic, {"m": 1})
    for c in clients:
        await c.wait_for(lambda m: m.get("type") == "sample" and m.get("topic") == topic
                         and m.get("seq") == body["seq"], 5, "marker sample on " + topic)


# ---------------------------------------------------------------- welcome / clients / topic

async def test_welcome():
    with Hub() as hub:
        with Publisher(hub) as pub:
            meta = {"title": "W", "unit": "u", "chart": "gauge", "min": 0, "max": 10}
            pub.meta("w.topic", **meta)
            pub.sample("w.topic", {"v": 3.5}, ts=T0, seq=9)
            time.sleep(0.3)
        a = await WSClient.connect(hub, subprotocols=["rtdash.v1"])
        w = a.welcome
        for k, t in (("server", str), ("version", str), ("epoch", str), ("client_id", int),
                     ("clients", int), ("topics", list)):
            check(isinstance(w.get(k), t), "welcome.%s: expected %s, got %s"
                  % (k, t.__name__, short(w.get(k))))
        check(re.fullmatch(r"[0-9a-f]{16}", w["epoch"], re.I) is not None,
              "epoch must be 16 hex digits (Decision 14): %r" % w["epoch"])
        check_eq(w["client_id"], 1, "first client's client_id (Decision 15)")
        check_eq(w["clients"], 1, "welcome.clients for the only client")
        check_eq(ordered_keys(a.raw[0])[0], "type", "first key of welcome")
        tops = {t.get("topic"): t for t in w["topics"]}
        check("w.topic" in tops, "welcome.topics lacks w.topic: %s" % short(w["topics"]))
        t = tops["w.topic"]
        check_eq(t.get("meta"), meta, "welcome.topics[].meta")
        check_eq(t.get("last"), {"topic": "w.topic", "ts": T0, "seq": 9, "fields": {"v": 3.5}},
                 "welcome.topics[].last (the live message without type)")
        b = await WSClient.connect(hub)
        check_eq(b.welcome["client_id"], 2, "second client's client_id")
        check_eq(b.welcome["epoch"], w["epoch"], "epoch of the same hub")
        check_eq(b.welcome["clients"], 2, "welcome.clients with two clients")
        await a.close()
        await b.close()


async def test_clients_count_coalesced():
    with Hub() as hub:
        a = await WSClient.connect(hub)
        b = await WSClient.connect(hub)
        m = await a.wait_for(of_type("clients"), 1.8, "clients message after a 2nd client")
        check_eq(m.get("count"), 2, "clients.count after a second client connected")
        await b.close()
        m = await a.wait_for(of_type("clients"), 1.8, "clients message after the 2nd left")
        check_eq(m.get("count"), 1, "clients.count after the second client left")
        # five connect at once: coalesced, at most one per second, final count right
        t0 = time.monotonic()
        others = [await WSClient.connect(hub) for _ in range(5)]
        await asyncio.sleep(2.6)
        got = [(a.times[a.index(m)], m) for m in list(a.pending) if m.get("type") == "clients"]
        check(got, "no clients message after five connections")
        check_eq(got[-1][1].get("count"), 6, "final clients.count")
        check(len(got) <= 3, "clients messages not coalesced: %d in %.1fs: %s"
              % (len(got), time.monotonic() - t0, short([m for _, m in got])))
        for (t1, _), (t2, _) in zip(got, got[1:]):
            check(t2 - t1 >= 0.7, "two clients messages %.2fs apart (Decision 18: once a second)"
                  % (t2 - t1))
        # nothing sent when the count did not change
        a.drain()
        await a.expect_none(of_type("clients"), 1.5, "clients message with no change")
        for o in others:
            await o.close()
        await asyncio.sleep(2.6)
        got = [m for m in a.drain() if m.get("type") == "clients"]
        check(got and len(got) <= 3, "clients messages after five left: %s" % short(got))
        m = got[-1]
        check_eq(m.get("count"), 1, "clients.count after five left")
        await a.close()


async def test_topic_messages_to_every_client():
    with Hub() as hub:
        a = await WSClient.connect(hub)          # subscribed to nothing
        b = await WSClient.connect(hub)
        await b.subscribe(["unrelated.x"])
        pub = await apublisher(hub)
        pub.sample("tp.new", {"v": 1})
        for c in (a, b):
            m = await c.wait_for(of_type("topic", "tp.new"), 5, "topic message for a new topic")
            check(m.get("meta") in (None, {}), "meta of a topic without meta: %s" % short(m))
        meta = {"title": "New", "unit": "ms", "chart": "bar", "interval_ms": 1000}
        pub.meta("tp.new", **meta)
        for c in (a, b):
            m = await c.wait_for(of_type("topic", "tp.new"), 5, "topic message on meta")
            check_eq(m.get("meta"), meta, "topic.meta")
        pub.meta("tp.meta1st", title="First")
        for c in (a, b):
            m = await c.wait_for(of_type("topic", "tp.meta1st"), 5, "topic for a meta-first topic")
            check_eq(m.get("meta"), {"title": "First"}, "topic.meta")
        # the same meta again (collectors resend it every 10 s) is not a change
        pub.meta("tp.new", **meta)
        await a.expect_none(of_type("topic", "tp.new"), 1.0, "topic message for unchanged meta")
        meta2 = dict(meta, title="Changed")
        pub.meta("tp.new", **meta2)
        for c in (a, b):
            m = await c.wait_for(of_type("topic", "tp.new"), 5, "topic message on changed meta")
            check_eq(m.get("meta"), meta2, "changed topic.meta")
        # not subscribed: no samples
        for c in (a, b):
            check(not samples_of(c.log, "tp.new"), "unsubscribed client got samples")
        # a client connecting now sees the meta in welcome
        c3 = await WSClient.connect(hub)
        tops = {t["topic"]: t for t in c3.welcome["topics"]}
        check_eq(tops.get("tp.new", {}).get("meta"), meta2, "welcome meta after a change")
        for c in (a, b, c3):
            await c.close()


# ---------------------------------------------------------------- subscribe

async def test_subscribe_exact_prefix_all():
    with Hub() as hub:
        e = await WSClient.connect(hub)
        p = await WSClient.connect(hub)
        al = await WSClient.connect(hub)
        ack = await e.subscribe(["s.a"])
        check_eq(ack.get("topics"), ["s.a"], "subscribed.topics echoes the patterns")
        ack = await p.subscribe(["s.a.*"])
        check_eq(ack.get("topics"), ["s.a.*"], "subscribed.topics")
        await al.subscribe(["*"])
        for c in (e, p):
            await c.subscribe(["zz.marker"])
        pub = await apublisher(hub)
        names = ["s.a", "s.a.b", "s.a.b.c", "s.a.b.c.d.e", "s.ab", "s", "s.b.a", "other.x"]
        for n in names:
            pub.sample(n, {"v": 1})
        await sync_marker(pub, [e, p, al])
        await asyncio.sleep(0.2)
        got = lambda c: sorted(m["topic"] for m in samples_of(c.log) if m["topic"] != "zz.marker")
        check_eq(got(e), ["s.a"], "exact subscription")
        check_eq(got(p), ["s.a.b", "s.a.b.c", "s.a.b.c.d.e"], "prefix.* subscription")
        check_eq(got(al), sorted(names), "* subscription")
        for c in (e, p, al):
            c.check_framing()
            await c.close()


async def test_overlapping_patterns_delivered_once():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["o.*", "o.x", "*"])
        await c.subscribe(["o.x"])        # again, in another command
        await c.subscribe(["o.x.*", "o.*"])
        pub = await apublisher(hub)
        pub.sample("o.x", {"v": 1})
        pub.sample("o.x.y", {"v": 2})
        await sync_marker(pub, [c])
        await asyncio.sleep(0.3)
        check_eq(len(samples_of(c.log, "o.x")), 1, "deliveries of o.x")
        check_eq(len(samples_of(c.log, "o.x.y")), 1, "deliveries of o.x.y")
        await c.close()


async def test_later_topics_delivered():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["late.*", "late2.exact"])
        pub = await apublisher(hub)
        pub.sample("late.new.deep", {"v": 1})
        pub.sample("late.other", {"v": 2})
        pub.event("late2.exact", "hello", level="success")
        pub.sample("late3", {"v": 3})
        await c.wait_for(is_sample("late.new.deep"), 5, "later topic under late.*")
        await c.wait_for(is_sample("late.other"), 5, "later topic under late.*")
        m = await c.wait_for(of_type("event", "late2.exact"), 5, "later exact topic (event)")
        check_eq((m["text"], m["level"]), ("hello", "success"), "event")
        await asyncio.sleep(0.3)
        check(not samples_of(c.log, "late3"), "late3 delivered without a subscription")
        await c.close()


# ---------------------------------------------------------------- history / since

async def test_history_on_subscribe():
    with Hub() as hub:
        pub = await apublisher(hub)
        ha = publish_series(pub, "h.a", range(1, 61))
        hb = publish_series(pub, "h.b", range(1, 11))
        ev = []
        for s in range(1, 4):
            body = pub.event("h.c.ev", "e%d" % s, level="error", ts=T0 + s, seq=s)
            ev.append({"topic": "h.c.ev", "ts": T0 + s, "seq": s, "text": body["text"],
                       "level": "error"})
        publish_series(pub, "hx", range(1, 3))
        await asyncio.sleep(0.5)
        c = await WSClient.connect(hub)
        await c.send({"type": "subscribe", "topics": ["h.*"], "history": True})
        ack = await c.wait_for(lambda m: m.get("type") in ("subscribed", "history", "error"), 5,
                               "acknowledgement")
        check_eq(ack.get("type"), "subscribed", "first answer to subscribe (Decision 10)")
        hs = {}
        for _ in range(3):
            h = await c.wait_for(of_type("history"), 5, "history message")
            check(h.get("topic") not in hs, "two history messages for %s" % h.get("topic"))
            hs[h.get("topic")] = h
        check_eq(sorted(hs), ["h.a", "h.b", "h.c.ev"], "topics with history")
        check_eq(hs["h.a"]["points"], ha[-50:], "h.a history: the last 50, oldest first")
        check_eq(hs["h.a"].get("complete"), False, "h.a complete (60 points, ring of 50)")
        check_eq(hs["h.b"]["points"], hb, "h.b history")
        check_eq(hs["h.b"].get("complete"), True, "h.b complete")
        check_eq(hs["h.c.ev"]["points"], ev, "event history")
        await c.expect_none(of_type("history"), 0.5, "history for a topic not matched")
        # live data follows with no duplicate
        pub.sample("h.a", {"v": 61}, ts=T0 + 61, seq=61)
        m = await c.wait_for(is_sample("h.a"), 5, "live sample after history")
        check_eq(m["seq"], 61, "first live seq after history")
        # subscribe without history: no history message
        c2 = await WSClient.connect(hub)
        await c2.subscribe(["h.*"])
        await c2.expect_none(of_type("history"), 0.7, "history without history:true")
        for x in (c, c2):
            await x.close()


async def test_since_gives_exactly_the_points_after():
    with Hub() as hub:
        pub = await apublisher(hub)
        ra = publish_series(pub, "r.a", range(1, 41))
        rb = publish_series(pub, "r.b", range(1, 81))
        await asyncio.sleep(0.5)
        c = await WSClient.connect(hub)
        # since alone implies history for that topic (Decision 9)
        await c.subscribe(["r.a"], since={"r.a": [T0 + 20, 20]})
        h = await c.wait_for(of_type("history", "r.a"), 5, "history for since")
        check_eq(h["points"], ra[20:], "points after (ts, seq) = (T0+20, 20)")
        check_eq(h.get("complete"), True, "complete when the position is still in the ring")
        # position evicted from the ring: what is left, complete false
        await c.subscribe(["r.b"], since={"r.b": [T0 + 5, 5]})
        h = await c.wait_for(of_type("history", "r.b"), 5, "history for an evicted position")
        check_eq(h["points"], rb[-50:], "points after an evicted position")
        check_eq(h.get("complete"), False, "complete after an evicted position")
        # the oldest point of the ring is still a valid position: complete
        await c.subscribe(["r.b"], since={"r.b": [T0 + 31, 31]})
        h = await c.wait_for(of_type("history", "r.b"), 5, "history since the oldest point")
        check_eq(h["points"], rb[31:], "points after the oldest point")
        check_eq(h.get("complete"), True, "complete since the oldest point in the ring")
        # up to date: no points
        await c.subscribe(["r.a"], since={"r.a": [T0 + 40, 40]})
        h = await c.wait_for(of_type("history", "r.a"), 5, "history when up to date")
        check_eq((h["points"], h.get("complete")), ([], True), "history when up to date")
        # live: no duplicates, nothing lost
        publish_series(pub, "r.a", [41, 42])
        await asyncio.sleep(0.5)
        check_eq([m["seq"] for m in samples_of(c.log, "r.a")], [41, 42], "live r.a after since")
        # since together with history:true and a pattern
        c2 = await WSClient.connect(hub)
        await c2.subscribe(["r.*"], history=True, since={"r.a": [T0 + 38, 38]})
        hs = {}
        for _ in range(2):
            h = await c2.wait_for(of_type("history"), 5, "history")
            hs[h["topic"]] = h
        check_eq([p["seq"] for p in hs["r.a"]["points"]], [39, 40, 41, 42], "r.a since 38")
        check_eq([p["seq"] for p in hs["r.b"]["points"]], list(range(31, 81)), "r.b full history")
        await c2.expect_none(of_type("history"), 0.5, "extra history message")
        for x in (c, c2):
            await x.close()


# ---------------------------------------------------------------- unsubscribe / pause

async def test_unsubscribe_stops_delivery():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["u.*", "u.b", "zz.marker"])
        pub = await apublisher(hub)
        pub.sample("u.a", {"v": 1})
        await c.wait_for(is_sample("u.a"), 5, "u.a before unsubscribe")
        ack = await c.command({"type": "unsubscribe", "topics": ["u.*"]}, "unsubscribed")
        check_eq(ack.get("topics"), ["u.*"], "unsubscribed.topics")
        pub.sample("u.a", {"v": 2})
        pub.sample("u.b", {"v": 2})
        await sync_marker(pub, [c])
        await asyncio.sleep(0.2)
        check_eq([m["topic"] for m in samples_of(c.drain()) if m["topic"] != "zz.marker"], [],
                 "delivered after unsubscribe u.* (covers u.b, Decision 11)")
        # a broader subscription stays in force
        await c.subscribe(["*", "u.c"])
        await c.command({"type": "unsubscribe", "topics": ["u.*"]}, "unsubscribed")
        pub.sample("u.c", {"v": 3})
        await c.wait_for(is_sample("u.c"), 5, "u.c through *")
        await asyncio.sleep(0.3)
        check_eq(len(samples_of(c.log, "u.c")), 1, "u.c deliveries")
        await c.command({"type": "unsubscribe", "topics": ["*"]}, "unsubscribed")
        pub.sample("u.c", {"v": 4})
        await asyncio.sleep(0.5)
        check_eq(len(samples_of(c.log, "u.c")), 1, "u.c delivered after unsubscribe *")
        await c.close()


async def test_pause_resume_sends_exactly_the_missed_points():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        other = await WSClient.connect(hub)
        await c.subscribe(["p.*"])
        await other.subscribe(["p.*"])
        pub = await apublisher(hub)
        publish_series(pub, "p.a", [1])
        await c.wait_for(is_sample("p.a"), 5, "p.a before pause")
        ack = await c.command({"type": "pause", "topics": ["p.*"]}, "paused")
        check_eq(ack.get("topics"), ["p.*"], "paused.topics")
        missed = publish_series(pub, "p.a", range(2, 7))
        await other.wait_for(is_sample("p.a", seq=6), 5, "the other client keeps receiving")
        await asyncio.sleep(0.3)
        check_eq([m["seq"] for m in samples_of(c.log, "p.a")], [1], "delivered while paused")
        await c.send({"type": "resume"})
        ack = await c.wait_for(lambda m: m.get("type") in ("resumed", "history", "error"), 5,
                               "resume acknowledgement")
        check_eq(ack["type"], "resumed", "first answer to resume")
        h = await c.wait_for(of_type("history", "p.a"), 5, "history after resume")
        check_eq(h["points"], missed, "points missed while paused")
        check_eq(h.get("complete"), True, "complete after a short pause")
        publish_series(pub, "p.a", [7])
        m = await c.wait_for(is_sample("p.a"), 5, "live after resume")
        check_eq(m["seq"], 7, "first live seq after resume")
        await c.close()
        await other.close()


async def test_pause_all_new_topics_and_overflow():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["q.*"])
        pub = await apublisher(hub)
        publish_series(pub, "q.a", [1])
        await c.wait_for(is_sample("q.a"), 5, "q.a")
        await c.command({"type": "pause"}, "paused")     # no topics: all
        qa = publish_series(pub, "q.a", range(2, 72))    # 70 points: overflows the ring
        qn = publish_series(pub, "q.new", range(1, 4))   # a topic that appears while paused
        await asyncio.sleep(0.7)
        check(not [m for m in samples_of(c.log) if m["seq"] > 1 or m["topic"] != "q.a"],
              "delivered while paused")
        await c.command({"type": "resume"}, "resumed")
        hs = {}
        for _ in range(2):
            h = await c.wait_for(of_type("history"), 5, "history after resume")
            hs[h["topic"]] = h
        check_eq(sorted(hs), ["q.a", "q.new"], "topics in the resume history")
        check_eq(hs["q.a"]["points"], qa[-50:], "q.a: the last 50 missed points")
        check_eq(hs["q.a"].get("complete"), False, "complete after overflow")
        check_eq(hs["q.new"]["points"], qn, "q.new (appeared while paused, Decision 12)")
        check_eq(hs["q.new"].get("complete"), True, "q.new complete")
        publish_series(pub, "q.new", [4])
        m = await c.wait_for(is_sample("q.new"), 5, "live after resume")
        check_eq(m["seq"], 4, "live seq")
        # pause one topic only: the others keep flowing
        await c.command({"type": "pause", "topics": ["q.a"]}, "paused")
        publish_series(pub, "q.a", [72])
        publish_series(pub, "q.new", [5])
        m = await c.wait_for(is_sample("q.new"), 5, "unpaused topic")
        await asyncio.sleep(0.3)
        check(not [x for x in samples_of(c.log, "q.a") if x["seq"] == 72], "paused q.a delivered")
        await c.close()


async def test_resume_by_pattern_after_broader_pause():
    """Decision 12: pause and resume act on topics; resume with patterns resumes
    every paused topic they match (history of the missed points, then live),
    whatever pattern paused it."""
    results = []
    for pause_cmd, resume_pats in (({"type": "pause"}, ["q.*"]),
                                   ({"type": "pause", "topics": ["q.*"]}, ["q.a"])):
        with Hub() as hub:
            c = await WSClient.connect(hub)
            await c.subscribe(["q.*"])
            pub = await apublisher(hub)
            publish_series(pub, "q.a", [1])
            await c.wait_for(is_sample("q.a"), 5, "q.a")
            await c.command(pause_cmd, "paused")
            missed = publish_series(pub, "q.a", [2, 3])
            await asyncio.sleep(0.4)
            await c.command({"type": "resume", "topics": resume_pats}, "resumed")
            publish_series(pub, "q.a", [4])
            await asyncio.sleep(0.8)
            hist = [m for m in c.log if m.get("type") == "history" and m.get("topic") == "q.a"]
            live = [m["seq"] for m in samples_of(c.log, "q.a")]
            ok = (len(hist) == 1 and hist[0]["points"] == missed and live == [1, 4])
            results.append((ok, "%s then resume %s: history %s, live seqs %s"
                            % (json.dumps(pause_cmd), resume_pats,
                               [[p["seq"] for p in h["points"]] for h in hist], live)))
            await c.close()
    check(all(ok for ok, _ in results),
          "expected history [2, 3] then live [1, 4]; got: " + "; ".join(r for _, r in results))


# ---------------------------------------------------------------- stale / ping

async def test_stale_after_three_intervals():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["st.*"])
        pub = await apublisher(hub)
        pub.meta("st.a", title="A", interval_ms=200)
        pub.meta("st.b", title="B")               # no interval_ms: never stale
        pub.sample("st.b", {"v": 1})
        pub.sample("st.a", {"v": 1})
        await c.wait_for(is_sample("st.a"), 5, "st.a sample")
        t_last = time.monotonic()
        m = await c.wait_for(of_type("stale", "st.a"), 3.0, "stale for st.a")
        dt = time.monotonic() - t_last
        check(dt >= 0.55, "stale after %.2fs, before 3 x 200 ms" % dt)
        check(isinstance(m.get("since"), (int, float)), "stale.since: %s" % short(m))
        c2 = await WSClient.connect(hub)
        tops = {t["topic"]: t for t in c2.welcome["topics"]}
        check_eq(tops.get("st.a", {}).get("stale"), True, "welcome.topics[].stale for st.a")
        check(tops.get("st.b", {}).get("stale") in (None, False), "st.b stale in welcome")
        await c2.close()
        # the next sample clears it; silence makes it stale again
        pub.sample("st.a", {"v": 2})
        await c.wait_for(is_sample("st.a"), 5, "sample after stale")
        await c.expect_none(of_type("stale", "st.a"), 0.4, "stale right after a sample")
        await c.wait_for(of_type("stale", "st.a"), 3.0, "stale again after new silence")
        check(not [x for x in c.log if x.get("type") == "stale" and x.get("topic") == "st.b"],
              "stale for a topic without interval_ms")
        await c.close()


async def test_stale_only_to_subscribers():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        n = await WSClient.connect(hub)
        await c.subscribe(["sx.a"])
        await n.subscribe(["other"])
        pub = await apublisher(hub)
        pub.meta("sx.a", interval_ms=100)
        pub.sample("sx.a", {"v": 1})
        await c.wait_for(of_type("stale", "sx.a"), 3.0, "stale")
        check(not [x for x in n.log if x.get("type") == "stale"], "stale sent to a non-subscriber")
        await c.close()
        await n.close()


async def test_ping_pong():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        for _ in range(3):
            await c.ping()
        await c.close()


# ---------------------------------------------------------------- errors

ERRORS = [
    ("hello", ["bad_request"]),
    ("[1,2]", ["bad_request"]),
    ('"subscribe"', ["bad_request"]),
    ("{}", ["bad_request"]),
    ('{"type":5}', ["bad_request"]),
    ('{"type":"subscribe"}', ["bad_request"]),
    ('{"type":"subscribe","topics":"a"}', ["bad_request"]),
    ('{"type":"subscribe","topics":[5]}', ["bad_request", "bad_topic"]),
    ('{"type":"subscribe","topics":["a"],"since":{"a":"x"}}', ["bad_request"]),
    ('{"type":"subscribe","topics":["a"],"since":[1,2]}', ["bad_request"]),
    ('{"type":"unsubscribe","topics":{"a":1}}', ["bad_request"]),
    ('{"type":"ping"', ["bad_request"]),
    ('{"type":"frobnicate"}', ["unknown_type"]),
    ('{"type":"SUBSCRIBE","topics":["a"]}', ["unknown_type"]),
    ('{"type":"subscribe","topics":["bad topic"]}', ["bad_topic"]),
    ('{"type":"subscribe","topics":["a.*.b"]}', ["bad_topic"]),
    ('{"type":"subscribe","topics":["*.a"]}', ["bad_topic"]),
    ('{"type":"subscribe","topics":["a."]}', ["bad_topic"]),
    ('{"type":"subscribe","topics":[""]}', ["bad_topic"]),
    ('{"type":"subscribe","topics":["a..b"]}', ["bad_topic"]),
    ('{"type":"subscribe","topics":["a*"]}', ["bad_topic"]),
    ('{"type":"subscribe","topics":["%s"]}' % ("x" * 129), ["bad_topic"]),
    ('{"type":"unsubscribe","topics":["a b"]}', ["bad_topic"]),
    ('{"type":"pause","topics":["a/b"]}', ["bad_topic"]),
    ('{"type":"resume","topics":["a.**"]}', ["bad_topic"]),
    ('{"type":"subscribe","topics":["a"],"since":{"bad topic":[1,2]}}', ["bad_topic"]),
]


async def test_error_codes_and_connection_stays_open():
    # many commands in a row: lift the command rate limit, tested on its own below
    with Hub(["--cmd-rate", "1000", "--cmd-burst", "1000"]) as hub:
        c = await WSClient.connect(hub)
        failures = []
        for payload, codes in ERRORS:
            await c.send(payload)
            try:
                m = await c.wait_for(lambda m: m.get("type") not in ("clients", "topic"), 5,
                                     "answer to %r" % payload[:60])
            except AssertionError as e:
                failures.append(str(e))
                break
            if m.get("type") != "error" or m.get("code") not in codes:
                failures.append("%r: expected error %s, got %s" % (payload[:60], codes, short(m)))
            elif not isinstance(m.get("message"), str) or not m["message"]:
                failures.append("%r: error without a message: %s" % (payload[:60], short(m)))
            await c.ping()   # still open and answering
        check(not failures, "%d error cases failed:\n  %s" % (len(failures), "\n  ".join(failures)))
        # a refused command changes nothing: no partial subscription
        await c.send({"type": "subscribe", "topics": ["ok.topic", "bad topic"]})
        m = await c.wait_for(lambda m: m.get("type") in ("error", "subscribed"), 5, "answer")
        check_eq((m.get("type"), m.get("code")), ("error", "bad_topic"), "mixed topics")
        pub = await apublisher(hub)
        pub.sample("ok.topic", {"v": 1})
        await asyncio.sleep(0.5)
        check(not samples_of(c.log, "ok.topic"), "a refused subscribe subscribed ok.topic")
        check(c.closed is None, "closed after errors: %s" % (c.closed,))
        await c.close()


async def test_command_rate_limit_and_flood_1008():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        for _ in range(60):             # 20 over the default burst (cmd-burst 40)
            await c.send({"type": "ping"})
        await asyncio.sleep(1.0)
        check(c.closed is None, "closed after a burst of 60 commands: %s" % (c.closed,))
        answers = [m for m in c.drain() if m.get("type") in ("pong", "error")]
        pongs = [m for m in answers if m["type"] == "pong"]
        errs = [m for m in answers if m["type"] == "error"]
        check(errs and all(m.get("code") == "limit" for m in errs),
              "60 commands at once: expected some error 'limit' (too many commands), got "
              "%d pongs and errors %s" % (len(pongs), short(errs[:3])))
        check_eq(len(pongs) + len(errs), 60, "answers to 60 commands")
        await asyncio.sleep(2.5)        # the bucket refills: the connection is usable again
        await c.ping()
        await c.close()
        # a flood: closed with 1008. A raw client sends it and then only reads, so
        # the close frame is not lost to a TCP reset caused by our own writes.
        kicked0 = metric_find(metrics(hub.port), r"clients_closed", {"reason": "command_flood"})
        ws = RawWS(hub.port)
        ws.recv_message()  # welcome
        for _ in range(300):
            ws.send_text(b'{"type":"ping"}')
        code = ws.read_until_close(10)
        ws.close()
        check_eq(code, 1008, "close code after a flood of 300 commands")
        await asyncio.sleep(0.5)
        kicked1 = metric_find(metrics(hub.port), r"clients_closed", {"reason": "command_flood"})
        if kicked0 is not None:
            check_eq(kicked1 - kicked0, 1, "rtdash_clients_closed_total{reason=command_flood} "
                     "after one flooding client")
        # A client that keeps sending while the hub closes it must still
        # read the 1008: the hub reads on until the client answers the close
        # (with the kernel's reset, a close frame is lost: 1006)
        codes = []
        for _ in range(10):
            ws = await websockets.connect(hub.ws_url, ping_interval=None, max_size=None)
            try:
                for _ in range(2000):
                    await ws.send('{"type":"ping"}')
            except websockets.ConnectionClosed:
                pass
            try:
                while True:
                    await ws.recv()
            except websockets.ConnectionClosed as e:
                codes.append(e.rcvd.code if e.rcvd else 1006)
        check_eq(codes, [1008] * 10, "close codes seen by clients that flood without reading")
        d = await WSClient.connect(hub)
        await d.ping()
        await d.close()


def hub_settings_help():
    out = subprocess.run([bin_path("rtdash-hub"), "--help"], capture_output=True, text=True,
                         timeout=10)
    return out.stdout + out.stderr


def find_flag(help_text, *words):
    """The --flag in --help whose name contains every word."""
    for flag in re.findall(r"--([a-z0-9][a-z0-9-]*)", help_text):
        if all(w in flag for w in words):
            return "--" + flag
    return None


async def subscribe_many(c, n, start=0, chunk=100):
    """Subscribe to n distinct exact topics; returns the last answer."""
    names = ["lim.t%05d" % i for i in range(start, start + n)]
    last = None
    for i in range(0, n, chunk):
        await c.send({"type": "subscribe", "topics": names[i:i + chunk]})
        last = await c.wait_for(lambda m: m.get("type") in ("subscribed", "error"), 10,
                                "answer to a subscribe of %d topics" % len(names[i:i + chunk]))
        if last["type"] == "error":
            return last, i
    return last, n


async def test_subscription_limit_default_1000():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        m, n = await subscribe_many(c, 1000)
        check_eq((m.get("type"), n), ("subscribed", 1000), "1000 subscriptions accepted")
        await c.send({"type": "subscribe", "topics": ["lim.one.more"]})
        m = await c.wait_for(lambda m: m.get("type") in ("subscribed", "error"), 5, "answer")
        check_eq((m.get("type"), m.get("code")), ("error", "limit"), "subscription 1001")
        await c.ping()
        pub = await apublisher(hub)
        pub.sample("lim.t00999", {"v": 1})
        await c.wait_for(is_sample("lim.t00999"), 5, "delivery on the 1000th subscription")
        pub.sample("lim.one.more", {"v": 1})
        await asyncio.sleep(0.4)
        check(not samples_of(c.log, "lim.one.more"), "refused subscription delivered")
        # unsubscribing frees room
        await c.command({"type": "unsubscribe", "topics": ["lim.t00000"]}, "unsubscribed")
        await c.subscribe(["lim.one.more"])
        await c.close()


async def test_subscription_limit_setting():
    flag = find_flag(hub_settings_help(), "sub")
    check(flag is not None, "no subscription-limit setting in rtdash-hub --help")
    with Hub([flag, "5"]) as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["a1", "a2", "a3"])
        await c.subscribe(["a4", "a5"])
        await c.send({"type": "subscribe", "topics": ["a6"]})
        m = await c.wait_for(lambda m: m.get("type") in ("subscribed", "error"), 5, "answer")
        check_eq((m.get("type"), m.get("code")), ("error", "limit"),
                 "6th subscription with %s 5" % flag)
        await c.send({"type": "subscribe", "topics": ["b1", "b2", "b3", "b4", "b5", "b6"]})
        m = await c.wait_for(lambda m: m.get("type") in ("subscribed", "error"), 5, "answer")
        check_eq((m.get("type"), m.get("code")), ("error", "limit"), "6 more in one command")
        await c.ping()
        await c.close()


async def test_client_limit_setting():
    """SPEC §5: the number of browsers is a setting; over it, an upgrade is
    refused and the connected ones are not disturbed."""
    with Hub(["--max-clients", "3"]) as hub:
        cs = [await WSClient.connect(hub) for _ in range(3)]
        r = RawWS(hub.port)
        refused = r.status != 101
        if not refused:   # accepted the upgrade: then it must close at once
            try:
                code = r.read_until_close(3)
                refused = code in (1008, 1013, None) and not any(
                    b'"welcome"' in m for m in getattr(r, "messages", []))
            except AssertionError:
                refused = False
        r.close()
        check(refused, "4th client accepted with --max-clients 3 (status %r)" % r.status_line)
        for c in cs:
            await c.ping()
        await cs[0].close()
        await asyncio.sleep(0.3)
        d = await WSClient.connect(hub)
        await d.ping()
        for c in cs[1:] + [d]:
            await c.close()


async def test_per_address_limit_setting():
    """Issue 6: connections per address are a setting (--max-per-ip); over it
    an upgrade is refused and counted; a slot freed is usable again."""
    with Hub(["--max-per-ip", "2"]) as hub:
        cs = [await WSClient.connect(hub) for _ in range(2)]
        r = RawWS(hub.port)
        refused = r.status != 101
        r.close()
        check(refused, "3rd client from 127.0.0.1 accepted with --max-per-ip 2 (status %r)"
              % r.status_line)
        m = metrics(hub.port)
        check_eq(metric_find(m, r"rtdash_connections_refused_total", {"reason": "max_per_ip"}),
                 1, "rtdash_connections_refused_total{reason=max_per_ip}")
        await cs[0].close()
        await asyncio.sleep(0.3)
        d = await WSClient.connect(hub)
        await d.ping()
        for c in cs[1:] + [d]:
            await c.close()
        await asyncio.sleep(0.3)
        # every slot is given back when the clients leave
        more = [await WSClient.connect(hub) for _ in range(2)]
        for c in more:
            await c.ping()
            await c.close()


# ---------------------------------------------------------------- frame-level closes

def _close_of(hub, send):
    ws = RawWS(hub.port)
    check_eq(ws.status, 101, "upgrade status")
    send(ws)
    code = ws.read_until_close(5)
    ws.close()
    return code


def test_frame_over_64k_closes_1009():
    with Hub() as hub:
        big = json.dumps({"type": "subscribe", "topics": ["a"], "pad": "x" * 70000})
        code = _close_of(hub, lambda ws: ws.send_text(big))
        check_eq(code, 1009, "close code for a 70 KB text frame")
        # the same amount in 4 KiB fragments (reassembly must be capped too)
        def frag(ws):
            chunk = b"x" * 4096
            ws.send_frame(0x1, b'{"type":"ping","p":"' + chunk, fin=False)
            for _ in range(19):
                ws.send_frame(0x0, chunk, fin=False)
            ws.send_frame(0x0, b'"}', fin=True)
        check_eq(_close_of(hub, frag), 1009, "close code for 80 KB in fragments")
        # a binary frame over the limit too
        check_eq(_close_of(hub, lambda ws: ws.send_frame(0x2, b"\0" * 70000)), 1009,
                 "close code for a 70 KB binary frame")
        hub.check_alive()


async def test_frame_over_64k_websockets_client():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        await c.send("y" * (65 * 1024 + 1))
        code, _ = await c.wait_closed(5)
        check_eq(code, 1009, "close code seen by python websockets")
        d = await WSClient.connect(hub)    # the hub still serves
        await d.ping()
        await d.close()


def test_invalid_utf8_closes_1007():
    with Hub() as hub:
        code = _close_of(hub, lambda ws: ws.send_text(b'{"type":"ping","x":"\xff\xfe"}'))
        check_eq(code, 1007, "close code for invalid UTF-8")
        code = _close_of(hub, lambda ws: ws.send_text(b'{"type":"ping","x":"\xed\xa0\x80"}'))
        check_eq(code, 1007, "close code for an encoded surrogate")
        def frag(ws):
            ws.send_frame(0x1, b'{"type":"ping","x":"ok', fin=False)
            ws.send_frame(0x0, b'\xc3\x28"}', fin=True)
        check_eq(_close_of(hub, frag), 1007, "close code for invalid UTF-8 in a fragment")
        # a valid multi-byte character split across fragments is fine
        ws = RawWS(hub.port)
        ws.recv_message()  # welcome
        ws.send_frame(0x1, b'{"type":"ping","x":"\xc3', fin=False)
        ws.send_frame(0x0, b'\xa9"}', fin=True)
        ws.sock.settimeout(5)
        while True:
            op, data = ws.recv_message()
            check(op != 0x8, "closed (code %s) for valid split UTF-8" % ws.close_code)
            if any(m.get("type") == "pong" for m in [json.loads(x) for x in data.split(b"\n")]):
                break
        ws.close()
        hub.check_alive()


def test_protocol_violations_close_1002():
    """RELIABILITY P4: strict RFC 6455 framing (lws's parser, the hub's settings)."""
    with Hub() as hub:
        cases = [
            ("RSV1 without an extension", lambda ws: ws.send_frame(0x1, b'{"type":"ping"}', rsv=4)),
            ("reserved opcode 3", lambda ws: ws.send_frame(0x3, b"x")),
            ("reserved opcode 15", lambda ws: ws.send_frame(0xF, b"")),
            ("ping of 126 bytes", lambda ws: ws.send_frame(0x9, b"p" * 126)),
            ("fragmented ping", lambda ws: ws.send_frame(0x9, b"p", fin=False)),
            ("continuation with nothing to continue", lambda ws: ws.send_frame(0x0, b"x")),
        ]
        bad = []
        for name, send in cases:
            ws = RawWS(hub.port)
            ws.recv_message()  # welcome
            send(ws)
            try:
                code = ws.read_until_close(5)
            except AssertionError:
                code = "no close"
            ws.close()
            # RFC 6455 7.1.7: fail the connection, a close frame (1002) SHOULD be sent
            if code not in (1002, None):
                bad.append("%s: close code %s, expected 1002 (or a bare TCP close)" % (name, code))
        hub.check_alive()
        check(not bad, "; ".join(bad))
        # a ping between two fragments is answered and the message still works
        ws = RawWS(hub.port)
        ws.recv_message()
        ws.send_frame(0x1, b'{"type":', fin=False)
        ws.send_frame(0x9, b"hi")
        ws.send_frame(0x0, b'"ping"}', fin=True)
        ws.sock.settimeout(5)
        got_pong_frame = got_pong_msg = False
        deadline = time.monotonic() + 5
        while not (got_pong_frame and got_pong_msg) and time.monotonic() < deadline:
            fin, op, data = ws.recv_frame()
            check(op != 0x8, "closed: %r" % data)
            if op == 0xA:
                got_pong_frame = data == b"hi"
            elif op == 0x1 and b'"pong"' in data:
                got_pong_msg = True
        ws.close()
        check(got_pong_frame and got_pong_msg, "ping inside a fragmented message: pong frame %s, "
              "pong message %s" % (got_pong_frame, got_pong_msg))


def test_unmasked_client_frame_fails_connection():
    """RFC 6455 5.1: a server MUST close the connection on an unmasked client
    frame (RELIABILITY P4)."""
    with Hub() as hub:
        ws = RawWS(hub.port)
        ws.recv_message()  # welcome
        ws.sock.sendall(b"\x81\x0f" + b'{"type":"ping"}')
        try:
            code = ws.read_until_close(3)
        except AssertionError:
            code = "still open after 3 s"
        answered = [m for m in getattr(ws, "messages", []) if b'"pong"' in m]
        ws.close()
        hub.check_alive()
        failed = code in (1002, None) and not answered
        if not failed and os.environ.get("RTDASH_STRICT_MASK") != "1" and os.environ.get("RTDASH_STRICT_WS") != "1":
            # Known limitation: Debian 12's libwebsockets 4.1.6 does not check
            # the mask bit and exposes no way to see it (README "Guarantees
            # and limits"). The hub must survive it; set RTDASH_STRICT_WS=1 (or _MASK=1)
            # to hold a newer lws to the RFC.
            print("XFAIL unmasked client frame accepted by lws 4.1.6 (close %s, %d pong)"
                  % (code, len(answered)))
            return
        check(failed,
              "unmasked client frame: expected the connection failed (1002), got close %s, "
              "%d pong answer(s)" % (code, len(answered)))


# ---------------------------------------------------------------- two hubs

def find_demo_topic(c, n_min=8):
    by = {}
    for m in samples_of(c.log):
        by.setdefault(m["topic"], []).append(m)
    best = max(by.items(), key=lambda kv: len(kv[1]), default=(None, []))
    return best[0] if len(best[1]) >= n_min else None


async def test_two_hubs_collector_and_since_resume():
    a_hub, b_hub = Hub(), Hub()
    with a_hub, b_hub:
        a = await WSClient.connect(a_hub)
        await a.subscribe(["*"])
        env = {"RTDASH_HUB": "%s,%s" % (a_hub.ingest, b_hub.ingest)}
        demo = start_proc("demo", [bin_path("rtdash-demo"), "--interval-ms", "100"], env)
        t_end = time.monotonic() + 8
        topic = None
        while time.monotonic() < t_end and topic is None:
            await asyncio.sleep(0.3)
            topic = find_demo_topic(a)
        check(topic is not None, "hub A got fewer than 8 samples of any topic from rtdash-demo")
        a_ms = samples_of(a.log, topic)
        pos = a_ms[2]
        b = await WSClient.connect(b_hub)
        await b.subscribe([topic], since={topic: [pos["ts"], pos["seq"]]})
        h = await b.wait_for(of_type("history", topic), 5, "history on hub B")
        await asyncio.sleep(1.0)
        pts = h["points"]
        check(pts, "hub B's history after a position from hub A is empty")
        check(all((p["ts"], p["seq"]) > (pos["ts"], pos["seq"]) for p in pts),
              "hub B returned points at or before the position: %s" % short(pts[:3]))
        check_eq(pts[0]["seq"], pos["seq"] + 1, "first point after the position (no gap)")
        check_eq(h.get("complete"), True, "complete")
        a_by_seq = {m["seq"]: m for m in samples_of(a.log, topic)}
        for p in pts:
            am = a_by_seq.get(p["seq"])
            if am is not None:
                want = dict(am)
                del want["type"]
                want.pop("gap", None)
                check_eq(p, want, "point seq %d on B vs the message on A" % p["seq"])
        live = samples_of(b.log, topic)
        check(live, "no live data on hub B after history")
        seqs = [p["seq"] for p in pts] + [m["seq"] for m in live]
        check_eq(seqs, list(range(seqs[0], seqs[0] + len(seqs))),
                 "history then live on hub B: consecutive, no duplicates")
        # a one-shot publish from rtdash-pub reaches both hubs too
        b2 = await WSClient.connect(b_hub)
        await b2.subscribe(["two.pub"])
        await a.subscribe(["two.pub"])
        out = subprocess.run([bin_path("rtdash-pub"), "two.pub", "42"], env=dict(os.environ, **env),
                             capture_output=True, text=True, timeout=15)
        check(out.returncode == 0, "rtdash-pub exit %d: %s" % (out.returncode, out.stderr))
        for c, name in ((a, "A"), (b2, "B")):
            m = await c.wait_for(is_sample("two.pub"), 5, "rtdash-pub sample on hub " + name)
            check_eq(m["fields"], {"value": 42}, "rtdash-pub sample fields")
        demo.stop()
        for c in (a, b, b2):
            await c.close()


if __name__ == "__main__":
    run_tests(globals())
