# SPDX-License-Identifier: MIT
"""SPEC §2: collector -> hub. msgpack-to-JSON conversion, ts/seq filling, and
every kind of rejected message (dropped, counted in /metrics, hub keeps serving)."""

import asyncio
import base64
import json
import re
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (Hub, SRC, WSClient, apublisher, check, check_eq,  # noqa: E402
                            drops_by_reason, http_get, is_sample, metric_find,
                            metric_names, metrics, mp_map_raw, mp_str_raw, now_ms,
                            of_type, ordered_keys, pack, rss_kb, run_tests, short)
import msgpack  # noqa: E402

T0 = 1764300000000


async def setup(extra_args=()):
    hub = Hub(extra_args)
    c = await WSClient.connect(hub)
    await c.subscribe(["*"])
    pub = await apublisher(hub)
    return hub, c, pub


async def receive_live(c, topic, kinds=("sample", "event"), timeout=5.0):
    """The next live message of topic, and its raw JSON text."""
    m = await c.wait_for(lambda m: m.get("type") in kinds and m.get("topic") == topic, timeout,
                         "%s on %s" % ("/".join(kinds), topic))
    return m, c.raw_of(m)


# ---------------------------------------------------------------- shared vectors

def load_vectors():
    path = os.path.join(SRC, "proto", "vectors", "vectors.json")
    if not SRC or not os.path.exists(path):
        return None, path
    with open(path, "rb") as f:
        data = json.load(f)
    check(isinstance(data, list), "%s: expected a list of vectors" % path)
    return data, path


def pairs_tree(text):
    """JSON text parsed keeping key order and repeated keys: objects become
    ("{}", [(k, v), ...]). Two texts with equal trees say the same thing."""
    return json.loads(text, object_pairs_hook=lambda p: ("{}", p))


def body_map(body):
    """The decoded top-level map of a body, or None if it does not decode."""
    try:
        m = msgpack.unpackb(body, raw=True, strict_map_key=False)
    except Exception:  # noqa: BLE001 - anything msgpack-python refuses
        return None
    return m if isinstance(m, dict) else None


def strip_ts_seq(tree, has_ts, has_seq):
    """Remove the top-level ts/seq the hub fills in (checked separately)."""
    tag, pairs = tree
    return (tag, [(k, v) for k, v in pairs
                  if not (k == "ts" and not has_ts) and not (k == "seq" and not has_seq)])


async def test_shared_vectors():
    """proto/vectors/vectors.json: each body published on its topic; what the
    hub sends over WebSocket must say exactly what the vector's json says (same
    keys in the same order, same values), except ts / seq when the body has
    none (the hub fills them: checked to be integers near now / counters).
    Vectors with an error must be dropped and counted under that reason."""
    vectors, path = load_vectors()
    if vectors is None:
        print("  (no %s: shared vectors skipped)" % path)
        return
    hub, c, pub = await setup()
    with hub:
        n_ok = n_rej = 0
        failures = []
        for i, v in enumerate(vectors):
            name, topic = v["name"], v["topic"]
            body = bytes.fromhex(v["msgpack_hex"])
            before = drops_by_reason(metrics(hub.port))
            t_pub = now_ms()
            pub.send(topic, body)
            sentinel = "vec.sentinel%d" % i
            pub.sample(sentinel, {"v": 1})
            await c.wait_for(is_sample(sentinel), 5, "sentinel after vector %s" % name)
            got = [m for m in c.drain() if m.get("topic") == topic]
            live = [m for m in got if m.get("type") in ("sample", "event")]
            if "error" in v:
                n_rej += 1
                after = drops_by_reason(metrics(hub.port))
                delta = {k[1]: after[k] - before.get(k, 0) for k in after
                         if after[k] != before.get(k, 0)}
                if live:
                    failures.append("%s: rejected vector delivered: %s" % (name, short(live, 300)))
                elif delta != {v["error"]: 1}:
                    failures.append("%s: drops changed by %s, expected {%r: 1}"
                                    % (name, delta, v["error"]))
                continue
            n_ok += 1
            want = pairs_tree(v["json"])
            bm = body_map(body) or {}
            kind = bm.get(b"kind")
            if kind == b"meta":
                st, _, raw = http_get(hub.port, "/api/topics")
                tops = pairs_tree(raw.decode("utf-8"))
                if tops[0] == "{}":
                    tops = dict(tops[1]).get("topics")
                metas = [dict(t[1]).get("meta") for t in tops if dict(t[1]).get("topic") == topic]
                if metas != [want]:
                    failures.append("%s: meta expected %s, got %s" % (name, v["json"][:300],
                                                                      short(metas, 300)))
                continue
            if len(live) != 1:
                failures.append("%s: expected one live message, got %s" % (name, short(got, 300)))
                continue
            m = live[0]
            tree = pairs_tree(c.raw_of(m))
            has_ts, has_seq = b"ts" in bm, b"seq" in bm
            if not has_ts and not (isinstance(m.get("ts"), int) and
                                   t_pub - 1000 <= m["ts"] <= now_ms() + 1000):
                failures.append("%s: hub-filled ts %r is not the receive time" % (name, m.get("ts")))
            if not has_seq and not (isinstance(m.get("seq"), int) and m["seq"] >= 0):
                # its value depends on earlier vectors of the topic: see test_hub_seq_*
                failures.append("%s: hub-filled seq %r" % (name, m.get("seq")))
            if strip_ts_seq(tree, has_ts, has_seq) != strip_ts_seq(want, has_ts, has_seq):
                failures.append("%s:\n    expected %s\n    got      %s"
                                % (name, short(v["json"], 400), short(c.raw_of(m), 400)))
        c.check_framing()
        check(n_ok + n_rej > 0, "%s has no vectors" % path)
        print("  (%d conversion vectors, %d rejection vectors)" % (n_ok, n_rej))
        check(not failures, "%d of %d vectors failed:\n  %s"
              % (len(failures), n_ok + n_rej, "\n  ".join(failures)))
        await c.close()


# ---------------------------------------------------------------- conversion

async def test_sample_exact_layout():
    hub, c, pub = await setup()
    with hub:
        # body keys deliberately out of order; passthrough keys keep body order
        body = mp_map_raw([(pack("host"), pack("h1")), (pack("seq"), pack(7)),
                           (pack("kind"), pack("sample")),
                           (pack("fields"), pack({"user": 12.5, "system": 3.1})),
                           (pack("ts"), pack(T0)), (pack("extra"), pack([1, "two", None, True]))])
        pub.send("ing.layout", body)
        m, raw = await receive_live(c, "ing.layout")
        check_eq(m, {"type": "sample", "topic": "ing.layout", "ts": T0, "seq": 7,
                     "fields": {"user": 12.5, "system": 3.1}, "host": "h1",
                     "extra": [1, "two", None, True]}, "sample JSON")
        check_eq(ordered_keys(raw), ["type", "topic", "ts", "seq", "fields", "host", "extra"],
                 "key order (PROTOCOL Decision 1)")
        # a history point is the live message without "type"
        await c.send({"type": "subscribe", "topics": ["ing.layout"], "history": True})
        h = await c.wait_for(of_type("history", "ing.layout"), 5, "history")
        want = dict(m)
        del want["type"]
        check_eq(h["points"], [want], "history point")
        c.check_framing()
        await c.close()


async def test_value_shorthand_and_fields_win():
    hub, c, pub = await setup()
    with hub:
        pub.send("ing.val", {"kind": "sample", "ts": T0, "seq": 1, "value": 42})
        m, _ = await receive_live(c, "ing.val")
        check_eq(m, {"type": "sample", "topic": "ing.val", "ts": T0, "seq": 1,
                     "fields": {"value": 42}}, "value shorthand")
        pub.send("ing.val", {"kind": "sample", "ts": T0, "seq": 2, "value": 1.5,
                             "fields": {"a": 2}})
        m, _ = await receive_live(c, "ing.val")
        check_eq(m, {"type": "sample", "topic": "ing.val", "ts": T0, "seq": 2,
                     "fields": {"a": 2}, "value": 1.5}, "fields and value together")
        pub.send("ing.val", {"kind": "sample", "ts": T0, "seq": 3, "fields": {"n": None}})
        m, _ = await receive_live(c, "ing.val")
        check_eq(m["fields"], {"n": None}, "nil field")
        # Decision 24: kind may be left out of a sample that has value or fields
        pub.send("ing.val", {"value": 3.2})
        m, _ = await receive_live(c, "ing.val")
        check_eq((m["type"], m["fields"]), ("sample", {"value": 3.2}), "body {value} without kind")
        pub.send("ing.val", {"fields": {"a": 1}, "ts": T0, "seq": 9})
        m, _ = await receive_live(c, "ing.val")
        check_eq(m, {"type": "sample", "topic": "ing.val", "ts": T0, "seq": 9, "fields": {"a": 1}},
                 "body {fields} without kind")
        await c.close()


async def test_event_conversion():
    hub, c, pub = await setup()
    with hub:
        text = 'quote " backslash \\ newline \n tab \t ctrl \x01\x1f del \x7f é 漢 😀'
        pub.send("ing.ev", {"kind": "event", "ts": T0, "seq": 1, "text": text, "level": "warning",
                            "source": "x"})
        m, raw = await receive_live(c, "ing.ev")
        check_eq(m, {"type": "event", "topic": "ing.ev", "ts": T0, "seq": 1, "text": text,
                     "level": "warning", "source": "x"}, "event JSON")
        check_eq(ordered_keys(raw), ["type", "topic", "ts", "seq", "text", "level", "source"],
                 "event key order")
        check(all(ord(ch) >= 0x20 for ch in raw), "raw control character in JSON text %r" % raw)
        # level missing = info (Decision 5); every level passes
        pub.send("ing.ev", {"kind": "event", "ts": T0, "seq": 2, "text": "no level"})
        m, _ = await receive_live(c, "ing.ev")
        check_eq(m.get("level"), "info", "default level")
        for i, lvl in enumerate(["info", "success", "warning", "error"]):
            pub.send("ing.ev", {"kind": "event", "ts": T0, "seq": 10 + i, "text": "t", "level": lvl})
            m, _ = await receive_live(c, "ing.ev")
            check_eq((m["seq"], m["level"]), (10 + i, lvl), "event level")
        # 1024 bytes of text is the limit, inclusive
        pub.send("ing.ev", {"kind": "event", "ts": T0, "seq": 20, "text": "é" * 512})
        m, _ = await receive_live(c, "ing.ev")
        check_eq(m["text"], "é" * 512, "1024-byte text")
        await c.close()


async def test_meta_conversion():
    hub, c, pub = await setup()
    with hub:
        meta = {"title": "CPU", "unit": "%", "chart": "line", "min": 0, "max": 100.5,
                "interval_ms": 1000, "collector": "test",
                "fields": {"user": {"label": "User", "unit": "%", "color": "#ff0000"}},
                "custom": [1, 2]}
        pub.meta("ing.meta", **meta)
        m = await c.wait_for(of_type("topic", "ing.meta"), 5, "topic message")
        check_eq(m.get("meta"), meta, "meta in topic message")
        st, _, body = http_get(hub.port, "/api/topics")
        check(st == 200 and b"ing.meta" in body, "/api/topics lists the meta topic: %r" % body[:300])
        await c.close()


async def test_int64_exact():
    hub, c, pub = await setup()
    with hub:
        fields = {"max": 2**63 - 1, "min": -2**63, "umax": 2**64 - 1, "p53": 2**53 + 1,
                  "n53": -(2**53) - 1, "zero": 0, "neg": -1}
        pub.send("ing.int", {"kind": "sample", "ts": 2**62, "seq": 2**64 - 1, "fields": fields,
                             "big": [2**63, -2**63 + 1]})
        m, raw = await receive_live(c, "ing.int")
        check_eq(m["fields"], fields, "64-bit integers")
        check_eq(m["ts"], 2**62, "large ts")
        check_eq(m["seq"], 2**64 - 1, "uint64 seq")
        check_eq(m["big"], [2**63, -2**63 + 1], "64-bit integers in passthrough")
        for token in ("9223372036854775807", "-9223372036854775808", "18446744073709551615",
                      "9007199254740993"):
            check(token in raw, "integer %s not written exactly in %s" % (token, raw))
        check(not any(isinstance(v, float) for v in m["fields"].values()),
              "integers written as floats: %s" % raw)
        await c.close()


def sig_digits(tok):
    mant = tok.lower().lstrip("-").split("e")[0]
    d = mant.replace(".", "").lstrip("0").rstrip("0")
    return max(1, len(d))


async def test_float_shortest_roundtrip():
    hub, c, pub = await setup()
    with hub:
        values = [0.1, 1 / 3, 1e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                  123456789.125, 1e21, 1e-7, -2.5, 0.5, 100.25, 3.0e-5, 9007199254740993.0,
                  -0.0, 1.0]
        fields = {"f%d" % i: v for i, v in enumerate(values)}
        pub.send("ing.flt", {"kind": "sample", "ts": T0, "seq": 1, "fields": fields})
        m, raw = await receive_live(c, "ing.flt")
        tokens = json.loads(raw, parse_float=lambda s: ("num", s), parse_int=lambda s: ("num", s))
        bad = []
        for i, v in enumerate(values):
            tok = tokens["fields"]["f%d" % i]
            check(isinstance(tok, tuple), "f%d: not a number: %r" % (i, tok))
            s = tok[1]
            if float(s) != v:
                bad.append("%r written as %s (reads back %r)" % (v, s, float(s)))
            elif sig_digits(s) > sig_digits(repr(v)):
                bad.append("%r written as %s: not the shortest (%s)" % (v, s, repr(v)))
        check(not bad, "float conversion: " + "; ".join(bad))
        # float32 on the wire reads back to the same float32
        f32 = b"\xca" + struct.pack(">f", 1.5)
        body = mp_map_raw([(pack("kind"), pack("sample")), (pack("ts"), pack(T0)),
                           (pack("seq"), pack(2)), (pack("fields"), b"\x81" + pack("x") + f32)])
        pub.send("ing.flt", body)
        m, _ = await receive_live(c, "ing.flt")
        check_eq(m["fields"], {"x": 1.5}, "float32 field")
        await c.close()


async def test_nan_inf_become_null():
    hub, c, pub = await setup()
    with hub:
        nan, inf = float("nan"), float("inf")
        pub.send("ing.nan", {"kind": "sample", "ts": T0, "seq": 1,
                             "fields": {"f_nan": nan, "f_pinf": inf, "f_ninf": -inf, "ok": 1.25},
                             "pass": [nan, inf, -inf, 2], "m": {"x": nan}})
        m, raw = await receive_live(c, "ing.nan")
        check_eq(m["fields"], {"f_nan": None, "f_pinf": None, "f_ninf": None, "ok": 1.25},
                 "NaN/Inf fields")
        check_eq(m["pass"], [None, None, None, 2], "NaN/Inf in passthrough array")
        check_eq(m["m"], {"x": None}, "NaN in passthrough map")
        check(not re.search(r"[:,\[](-?nan|-?inf|NaN|-?Infinity)", raw, re.I),
              "NaN/Infinity token in JSON text %s" % raw)
        # float32 NaN / Inf too
        body = mp_map_raw([(pack("kind"), pack("sample")), (pack("ts"), pack(T0)),
                           (pack("seq"), pack(2)),
                           (pack("fields"), b"\x82" + pack("a") + b"\xca" + struct.pack(">f", nan)
                            + pack("b") + b"\xca" + struct.pack(">f", -inf))])
        pub.send("ing.nan", body)
        m, _ = await receive_live(c, "ing.nan")
        check_eq(m["fields"], {"a": None, "b": None}, "float32 NaN/-Inf")
        await c.close()


async def test_invalid_utf8_replaced():
    hub, c, pub = await setup()
    with hub:
        cases = [(b"ok \xff end", "ok \ufffd end"), (b"\x80", "\ufffd"), (b"ab\xc3", "ab\ufffd"),
                 (b"\xc3\xa9\xfe", "\u00e9\ufffd"), (b"a\x00b", "a\x00b")]
        pairs = [(pack("kind"), pack("sample")), (pack("ts"), pack(T0)), (pack("seq"), pack(1)),
                 (pack("fields"), pack({"v": 1}))]
        for i, (b, _) in enumerate(cases):
            pairs.append((pack("s%d" % i), mp_str_raw(b)))
        # loose cases: surrogate, overlong, invalid key
        pairs.append((pack("sur"), mp_str_raw(b"x\xed\xa0\x80y")))
        pairs.append((pack("ovl"), mp_str_raw(b"x\xc0\xafy")))
        pairs.append((mp_str_raw(b"k\xff"), pack(1)))
        pub.send("ing.utf", mp_map_raw(pairs))
        m, raw = await receive_live(c, "ing.utf")
        for i, (_, want) in enumerate(cases):
            check_eq(m.get("s%d" % i), want, "string %r" % (cases[i][0],))
        for k in ("sur", "ovl"):
            v = m.get(k, "")
            check(v.startswith("x") and v.endswith("y") and "\ufffd" in v
                  and all(not 0xD800 <= ord(ch) <= 0xDFFF for ch in v),
                  "%s: invalid sequence not replaced by U+FFFD: %r" % (k, v))
        check("k\ufffd" in m, "invalid UTF-8 key not replaced: keys %s" % list(m))
        # event text with invalid UTF-8 as well
        ev = mp_map_raw([(pack("kind"), pack("event")), (pack("ts"), pack(T0)),
                         (pack("seq"), pack(2)), (pack("text"), mp_str_raw(b"bad \xff\xfe text"))])
        pub.send("ing.utf", ev)
        m, _ = await receive_live(c, "ing.utf")
        check(m["text"].startswith("bad \ufffd") and m["text"].endswith(" text")
              and "\xff" not in m["text"], "event text: %r" % m["text"])
        check(c.closed is None, "connection closed (invalid UTF-8 reached the client?) %s"
              % (c.closed,))
        await c.ping()
        await c.close()


async def test_bin_ext_keys_nesting():
    hub, c, pub = await setup()
    with hub:
        blob = b"\x00\x01\xfe\xff" + bytes(range(256))
        nested = 1
        for _ in range(15):  # body map (depth 1) + 15 arrays = depth 16: accepted
            nested = [nested]
        body = {"kind": "sample", "ts": T0, "seq": 1, "fields": {"v": 1},
                "blob": blob, "empty": b"", "ext": msgpack.ExtType(5, b"xyz"),
                "keys": {1: "one", -2: "minus two", "s": "str"}, "nested": nested,
                "emptymap": {}, "emptyarr": []}
        pub.send("ing.misc", body)
        m, _ = await receive_live(c, "ing.misc")
        check_eq(m.get("blob"), base64.b64encode(blob).decode(), "bin -> base64")
        check_eq(m.get("empty"), "", "empty bin -> empty string")
        check("ext" in m and m["ext"] is None, "ext -> null: got %s" % short(m.get("ext")))
        check_eq(m.get("keys"), {"1": "one", "-2": "minus two", "s": "str"}, "non-string keys")
        check_eq(m.get("nested"), nested, "depth-16 nesting")
        check_eq((m.get("emptymap"), m.get("emptyarr")), ({}, []), "empty containers")
        await c.close()


async def test_hub_fills_ts_and_seq():
    hub, c, pub = await setup()
    with hub:
        t_before = now_ms()
        for i in range(3):
            pub.send("ing.fill", {"kind": "sample", "fields": {"i": i}})
        got = []
        for i in range(3):
            m, raw = await receive_live(c, "ing.fill")
            got.append(m)
            check_eq(ordered_keys(raw)[:5], ["type", "topic", "ts", "seq", "fields"], "key order")
        t_after = now_ms()
        check_eq([m["seq"] for m in got], [1, 2, 3], "hub-assigned seq (Decision 2)")
        for m in got:
            check(isinstance(m["ts"], int) and t_before - 50 <= m["ts"] <= t_after + 50,
                  "hub-filled ts %r not within receive time [%d, %d]" % (m["ts"], t_before, t_after))
        # seq given, ts absent: seq kept, ts filled
        pub.send("ing.fill2", {"kind": "sample", "seq": 77, "fields": {"a": 1}})
        m, _ = await receive_live(c, "ing.fill2")
        check_eq(m["seq"], 77, "collector seq kept")
        check(abs(m["ts"] - now_ms()) < 5000, "ts filled: %r" % m["ts"])
        # ts given, seq absent: hub counter of that topic
        pub.send("ing.fill3", {"kind": "event", "ts": T0, "text": "x"})
        m, _ = await receive_live(c, "ing.fill3")
        check_eq((m["ts"], m["seq"]), (T0, 1), "ts kept, seq assigned")
        # float ts truncated to integer ms
        pub.send("ing.fill4", {"kind": "sample", "ts": T0 + 0.9, "seq": 5, "fields": {"a": 1}})
        m, raw = await receive_live(c, "ing.fill4")
        check_eq(m["ts"], T0, "float ts truncated")
        check(isinstance(m["ts"], int), "ts written as an integer: %s" % raw)
        await c.close()


async def test_hub_seq_never_repeats_and_starts_at_1():
    """Decision 2: a missing seq is the hub's per-topic counter, starting at 1.
    Whatever the counter does around collector-given seqs, a hub-filled seq
    must be >= 1 and never repeat within a topic, or since-resume breaks."""
    hub, c, pub = await setup()
    with hub:
        cases = {"sq.a": [None, None, None],
                 "sq.b": [2**64 - 1, None, None],
                 "sq.c": [100, None, 5, None]}
        bad = []
        for t, seqs in cases.items():
            for s_ in seqs:
                body = {"kind": "sample", "value": 1}
                if s_ is not None:
                    body["seq"] = s_
                pub.send(t, body)
            got = []
            for _ in seqs:
                m, _ = await receive_live(c, t)
                got.append(m["seq"])
            filled = [g for g, s_ in zip(got, seqs) if s_ is None]
            given = [g for g, s_ in zip(got, seqs) if s_ is not None]
            if given != [s_ for s_ in seqs if s_ is not None]:
                bad.append("%s: collector seqs changed: %s -> %s" % (t, seqs, got))
            if any(f < 1 for f in filled) or len(set(got)) != len(got):
                bad.append("%s: seqs %s -> %s (a hub-filled seq < 1 or a repeated seq)"
                           % (t, ["-" if x is None else x for x in seqs], got))
        check_eq([m["seq"] for m in c.log if m.get("topic") == "sq.a" and m.get("type") == "sample"],
                 [1, 2, 3], "hub counter of a topic with no collector seq")
        check(not bad, "; ".join(bad))
        await c.close()


# ---------------------------------------------------------------- rejection

DEEP17 = 1
for _ in range(16):
    DEEP17 = [DEEP17]


def huge_array_field():
    return (b"\x83" + pack("kind") + pack("sample") + pack("ts") + pack(T0)
            + pack("fields") + b"\xdd\xff\xff\xff\xff")


REJECTS = [
    # (label, frames, acceptable drop reasons; None = any)
    ("topic with a space", [b"bad topic", pack({"kind": "sample", "value": 1})], ["bad_topic"]),
    ("empty topic", [b"", pack({"kind": "sample", "value": 1})], ["bad_topic"]),
    ("empty segment", [b"a..b", pack({"kind": "sample", "value": 1})], ["bad_topic"]),
    ("leading dot", [b".a", pack({"kind": "sample", "value": 1})], ["bad_topic"]),
    ("trailing dot", [b"a.", pack({"kind": "sample", "value": 1})], ["bad_topic"]),
    ("wildcard topic", [b"a.*", pack({"kind": "sample", "value": 1})], ["bad_topic"]),
    ("129-byte topic", [b"t" * 129, pack({"kind": "sample", "value": 1})], ["bad_topic"]),
    ("non-ASCII topic", ["tøpic".encode(), pack({"kind": "sample", "value": 1})], ["bad_topic"]),
    ("invalid UTF-8 topic", [b"a\xff", pack({"kind": "sample", "value": 1})], ["bad_topic"]),
    ("body over 64 KiB", [b"rej.big", pack({"kind": "event", "text": "x", "pad": "p" * 66000})],
     ["too_large"]),
    ("17 levels deep", [b"rej.deep", pack({"kind": "sample", "value": 1, "d": DEEP17})],
     ["too_deep"]),
    ("truncated body", [b"rej.trunc", pack({"kind": "sample", "value": 1})[:-1]],
     ["unreadable", "bad_length"]),
    ("reserved byte 0xc1", [b"rej.c1", b"\xc1"], ["unreadable"]),
    ("empty body", [b"rej.empty", b""], ["unreadable"]),
    ("array body", [b"rej.arr", pack([1, 2])], ["not_map"]),
    ("integer body", [b"rej.int", pack(5)], ["not_map"]),
    ("no kind, no value/fields", [b"rej.nokind", pack({"text": "x", "level": "info"})],
     ["bad_kind"]),
    ("unknown kind", [b"rej.kind", pack({"kind": "foo", "value": 1})], ["bad_kind"]),
    ("kind not a string", [b"rej.kind5", pack({"kind": 5, "value": 1})], ["bad_kind"]),
    ("declared array of 2^32-1", [b"rej.huge", huge_array_field()], ["bad_length", "unreadable"]),
    ("declared map of 2^32-1", [b"rej.hugemap", b"\xdf\xff\xff\xff\xff"],
     ["bad_length", "unreadable"]),
    ("declared str of 2^32-1", [b"rej.hugestr", b"\x81" + pack("kind") + b"\xdb\xff\xff\xff\xff"],
     ["bad_length", "unreadable"]),
    ("nested array16 chain", [b"rej.chain", b"\x81" + pack("kind") + b"\xdc\xff\xff" * 10],
     ["bad_length", "unreadable"]),
    ("string field value", [b"rej.fields", pack({"kind": "sample", "fields": {"a": "x"}})],
     ["bad_fields"]),
    ("sample without fields", [b"rej.nofields", pack({"kind": "sample"})], ["bad_fields"]),
    ("unknown level", [b"rej.level", pack({"kind": "event", "text": "x", "level": "fatal"})],
     ["bad_level"]),
    ("text over 1024 bytes", [b"rej.text", pack({"kind": "event", "text": "x" * 1025})],
     ["bad_text"]),
    ("one frame only", [b"rej.oneframe"], ["bad_frames"]),
    ("three frames", [b"rej.three", pack({"kind": "sample", "value": 1}), b"x"], ["bad_frames"]),
    ("bad ts type", [b"rej.ts", pack({"kind": "sample", "value": 1, "ts": "now"})], ["bad_ts"]),
    ("NaN ts", [b"rej.tsnan", pack({"kind": "sample", "value": 1, "ts": float("nan")})],
     ["bad_ts"]),
    ("negative seq", [b"rej.seq", pack({"kind": "sample", "value": 1, "seq": -1})], ["bad_seq"]),
    ("interval_ms not a number", [b"rej.meta", pack({"kind": "meta", "interval_ms": "x"})],
     ["bad_meta"]),
]


async def test_rejected_messages_dropped_and_counted():
    hub, c, pub = await setup()
    with hub:
        failures = []
        for i, (label, frames, reasons) in enumerate(REJECTS):
            before = drops_by_reason(metrics(hub.port))
            pub.send_raw(*frames)
            sentinel = "rej.sentinel%d" % i
            pub.sample(sentinel, {"v": i})
            await c.wait_for(is_sample(sentinel), 5, "sentinel after '%s'" % label)
            delivered = [m for m in c.drain() if m.get("type") != "sample"
                         or m.get("topic") != sentinel]
            delivered = [m for m in delivered if not (m.get("type") == "topic" and
                                                      m.get("topic") == sentinel)]
            after = drops_by_reason(metrics(hub.port))
            delta = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
            if delivered:
                failures.append("%s: delivered %s" % (label, short(delivered, 200)))
                continue
            total = sum(delta.values())
            if total != 1:
                failures.append("%s: drop counters changed by %s (expected one drop): %s"
                                % (label, total, delta))
                continue
            (name, reason), = delta.keys()
            if reasons and reason not in reasons:
                failures.append("%s: counted as reason=%r, expected one of %s"
                                % (label, reason, reasons))
        hub.check_alive()
        st, _, _ = http_get(hub.port, "/healthz")
        check_eq(st, 200, "/healthz after rejected messages")
        pub.sample("rej.after", {"ok": 1})
        await c.wait_for(is_sample("rej.after"), 5, "a good message after the rejected ones")
        c.check_framing()
        check(not failures, "%d of %d rejection cases failed:\n  %s"
              % (len(failures), len(REJECTS), "\n  ".join(failures)))
        await c.close()


async def test_drop_metrics_present():
    hub = Hub()
    with hub:
        ms = metrics(hub.port)
        d = drops_by_reason(ms)
        # every reason should be exported, even at zero, so dashboards can graph it
        reasons = {r for _, r in d}
        want = {"bad_topic", "too_large", "too_deep", "unreadable", "not_map", "bad_kind"}
        check(want <= reasons, "drop reasons exported at start: expected at least %s, got %s "
              "(metric names: %s)" % (sorted(want), sorted(reasons), metric_names(ms)))


async def test_topic_limit_bounds_growth():
    hub, c, pub = await setup(["--max-topics", "5"])
    with hub:
        for i in range(8):
            pub.sample("tl.t%d" % i, {"v": i})
        pub.sample("tl.t0", {"v": 100})
        await c.wait_for(lambda m: m.get("type") == "sample" and m.get("topic") == "tl.t0"
                             and m["fields"]["v"] == 100, 5, "a message on a kept topic")
        await asyncio.sleep(0.3)
        got = sorted({m["topic"] for m in c.log if m.get("type") == "sample"})
        check_eq(got, ["tl.t%d" % i for i in range(5)], "topics delivered with --max-topics 5")
        ms = metrics(hub.port)
        check_eq(metric_find(ms, r"^rtdash_topics$"), 5, "rtdash_topics")
        d = {r: v for (n, r), v in drops_by_reason(ms).items() if v}
        check_eq(d, {"topic_limit": 3}, "drops with --max-topics 5 after 8 topics")
        hub.check_alive()
        await c.close()


async def test_hostile_flood_keeps_serving():
    hub, c, pub = await setup()
    with hub:
        rnd = random.Random(1234)
        good = pack({"kind": "sample", "ts": T0, "seq": 1, "fields": {"a": 1.5, "b": [1, 2]},
                     "x": {"y": "z"}})
        bodies = [good[:n] for n in range(len(good))]  # every truncation
        for _ in range(2000):
            b = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 40)))
            bodies.append(b)
        # declared-size bombs of every container type at several nesting levels
        for head in (b"\xdc\xff\xff", b"\xdd\xff\xff\xff\xff", b"\xde\xff\xff",
                     b"\xdf\xff\xff\xff\xff", b"\xda\xff\xff", b"\xdb\xff\xff\xff\xff",
                     b"\xc5\xff\xff", b"\xc6\xff\xff\xff\xff", b"\xc9\xff\xff\xff\xff\x01"):
            for depth in range(4):
                bodies.append(b"\x91" * depth + head)
        rss0 = rss_kb(hub.pid)
        before = sum(drops_by_reason(metrics(hub.port)).values())
        n_sent = 0
        for i, b in enumerate(bodies):
            pub.send("flood.t%d" % (i % 7), b)
            n_sent += 1
            if i % 200 == 199:
                await asyncio.sleep(0.02)
        pub.sample("flood.end", {"v": 1})
        await c.wait_for(is_sample("flood.end"), 10, "message after the flood")
        hub.check_alive()
        after = sum(drops_by_reason(metrics(hub.port)).values())
        delivered = [m for m in c.drain() if m.get("type") in ("sample", "event")
                     and m.get("topic", "").startswith("flood.t")]
        check_eq(after - before + len(delivered), n_sent,
                 "drops + deliveries after %d hostile bodies" % n_sent)
        rss1 = rss_kb(hub.pid)
        check(rss1 < rss0 + 64 * 1024, "hub RSS grew from %d kB to %d kB" % (rss0, rss1))
        st, _, _ = http_get(hub.port, "/healthz")
        check_eq(st, 200, "/healthz after the flood")
        c.check_framing()
        await c.close()


async def test_reject_log_names_topic_field_and_reason():
    """A dropped message's log line names its topic (quoted, escaped, cut) and
    what was wrong (the field at fault); each reason has its own rate limit,
    so a flood of one mistake does not hide another."""
    hub, c, pub = await setup()
    with hub:
        pub.send_raw(b"sys tem.cpu\xff", pack({"kind": "sample", "value": 1}))
        pub.sample("app.lat", {"p50": 1.5, "p99": "slow"})
        for i in range(40):  # a flood of one reason ...
            pub.send_raw(b"app.kind", pack({"kind": "nope%d" % i, "value": 1}))
        pub.event("app.log", "x", level="loud")  # ... then another reason
        pub.sample("rej.sentinel", {"v": 1})
        await c.wait_for(is_sample("rej.sentinel"), 5, "sentinel after the bad messages")
        time.sleep(0.2)
        log = hub.log()
        check('"sys tem.cpu\\xff": bad_topic: a character other than' in log,
              "bad topic named, escaped, with why; log:\n" + short(log, 3000))
        check('on "app.lat": bad_fields: field "p99" is a string, not a number' in log,
              "bad field named; log:\n" + short(log, 3000))
        kinds = [l for l in log.splitlines() if '"app.kind": bad_kind' in l]
        check_eq(len(kinds), 5, "bad_kind lines (5 per 10 s)")
        check('kind "nope0" is not sample, event or meta' in log, "the bad kind quoted")
        check('on "app.log": bad_level: level "loud" is not info' in log,
              "another reason logged after a flood of the first; log:\n" + short(log, 3000))
        await c.close()


if __name__ == "__main__":
    run_tests(globals())
