#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write vectors.json (collector bodies and the JSON the hub emits) and
commands.json (browser commands and how cmd_parse must answer).

Run with Debian's python3 (python3-msgpack): /usr/bin/python3 make_vectors.py

The msgpack bytes come from the msgpack module (use_bin_type=True) or, for
exotic bytes, are written by hand. The expected JSON below is written from the
rules in SPEC.md section 2 and PROTOCOL.md "Decisions" - it is NOT produced by
the hub's code, so the C tests check the code against the rules.

Each vector: name, topic, msgpack_hex, now_ms, auto_seq (what the hub fills in
when ts / seq are absent) and either json (the exact text mp2json_emit writes;
for meta, the text mp2json_emit_meta writes) or error (mp2json_err_name).
"""
import json
import math
import os
import struct

import msgpack

NOW = 1764300000000
AUTO_SEQ = 7
T = "demo.sales"


# ---------------------------------------------------------------- encoder
class F32(float):
    """A float packed as msgpack float32."""


class RawStr(bytes):
    """Bytes packed as a msgpack str (may be invalid UTF-8)."""


class Pairs(list):
    """A map given as (key, value) pairs: any key types, any order, repeats."""


class Hex(str):
    """Hand-written msgpack bytes, spliced in as they are."""


def pack(o):
    if isinstance(o, Hex):
        return bytes.fromhex(o)
    if isinstance(o, F32):
        return msgpack.packb(float(o), use_single_float=True)
    if isinstance(o, RawStr):
        return msgpack.packb(bytes(o), use_bin_type=False)
    if isinstance(o, msgpack.ExtType):
        return msgpack.packb(o)
    if isinstance(o, (list, tuple)) and not isinstance(o, Pairs):
        n = len(o)
        if n < 16:
            h = bytes([0x90 | n])
        elif n < 65536:
            h = b"\xdc" + struct.pack(">H", n)
        else:
            h = b"\xdd" + struct.pack(">I", n)
        return h + b"".join(pack(x) for x in o)
    if isinstance(o, (dict, Pairs)):
        items = list(o.items()) if isinstance(o, dict) else list(o)
        n = len(items)
        if n < 16:
            h = bytes([0x80 | n])
        elif n < 65536:
            h = b"\xde" + struct.pack(">H", n)
        else:
            h = b"\xdf" + struct.pack(">I", n)
        return h + b"".join(pack(k) + pack(v) for k, v in items)
    return msgpack.packb(o, use_bin_type=True)


V = []


def ok(name, body, expect, topic=T, now=NOW, seq=AUTO_SEQ):
    V.append(dict(name=name, topic=topic, msgpack_hex=pack(body).hex(), now_ms=now,
                  auto_seq=seq, json=expect))


def err(name, body, error, topic=T):
    raw = body if isinstance(body, bytes) else pack(body)
    V.append(dict(name=name, topic=topic, msgpack_hex=raw.hex(), now_ms=NOW,
                  auto_seq=AUTO_SEQ, error=error))


def S(fields_json, ts=NOW, seq=AUTO_SEQ, topic=T, rest=""):
    """Expected text of a sample."""
    return ('{"type":"sample","topic":"%s","ts":%d,"seq":%d,"fields":%s%s}'
            % (topic, ts, seq, fields_json, rest))


def E(text_json, level="info", ts=NOW, seq=AUTO_SEQ, topic=T, rest=""):
    """Expected text of an event."""
    return ('{"type":"event","topic":"%s","ts":%d,"seq":%d,"text":%s,"level":"%s"%s}'
            % (topic, ts, seq, text_json, level, rest))


def sv(v):
    """A sample body with value shorthand and no ts/seq."""
    return Pairs([("kind", "sample"), ("value", v)])


def sf(**fields):
    return Pairs([("kind", "sample"), ("fields", Pairs(list(fields.items())))])


# ------------------------------------------------------------- samples
ok("sample_fields_basic",
   Pairs([("kind", "sample"), ("ts", 1764300000123), ("seq", 812),
          ("fields", {"user": 12.5, "system": 3.1})]),
   S('{"user":12.5,"system":3.1}', ts=1764300000123, seq=812, topic="system.cpu"),
   topic="system.cpu")
ok("sample_value_shorthand_fills_ts_seq", sv(42), S('{"value":42}'))
ok("sample_value_nil", sv(None), S('{"value":null}'))
ok("sample_fields_and_value_fields_wins",
   Pairs([("kind", "sample"), ("value", 1), ("fields", {"a": 2})]),
   S('{"a":2}', rest=',"value":1'))
ok("sample_key_order_passthrough",
   Pairs([("unit", "%"), ("kind", "sample"), ("fields", {"x": 1}), ("ts", 5),
          ("host", "h1"), ("seq", 3), ("text", "t"), ("level", "l")]),
   S('{"x":1}', ts=5, seq=3, rest=',"unit":"%","host":"h1","text":"t","level":"l"'))
ok("sample_hub_owned_keys_dropped",
   Pairs([("kind", "sample"), ("type", "x"), ("value", 1), ("topic", "y"), ("gap", True),
          ("note", "n")]),
   S('{"value":1}', rest=',"note":"n"'))
ok("sample_empty_fields", sf(), S("{}"))
ok("sample_fields_nonstring_keys",
   Pairs([("kind", "sample"), ("fields", Pairs([(1, 2.0), (-3, 0.5), ("ok", None)]))]),
   S('{"1":2,"-3":0.5,"ok":null}'))

# integers
ok("int64_min_max", sf(min=-2**63, max=2**63 - 1),
   S('{"min":-9223372036854775808,"max":9223372036854775807}'))
ok("uint64_max", sf(u=2**64 - 1), S('{"u":18446744073709551615}'))
ok("int_2p53_plus_1_exact", sf(n=2**53 + 1), S('{"n":9007199254740993}'))
ok("int_small_forms",
   sf(z=0, p=127, n=-32, u8=200, i8=-100, u16=60000, i16=-30000, u32=4000000000,
      i32=-2000000000),
   S('{"z":0,"p":127,"n":-32,"u8":200,"i8":-100,"u16":60000,"i16":-30000,'
     '"u32":4000000000,"i32":-2000000000}'))
ok("int_non_minimal_encodings",
   # 1 as uint64, -1 as int64, 5 as int8 (positive from a signed format)
   sf(a=Hex("cf0000000000000001"), b=Hex("d3ffffffffffffffff"), c=Hex("d005")),
   S('{"a":1,"b":-1,"c":5}'))

# doubles
ok("f64_0_1", sv(0.1), S('{"value":0.1}'))
ok("f32_0_1", sv(F32(0.1)), S('{"value":0.1}'))
ok("f64_1e300", sv(1e300), S('{"value":1e+300}'))
ok("f64_negative_zero", sv(-0.0), S('{"value":0}'))
ok("f64_integer_valued", sf(a=3.0, b=-42.0, c=1e15, d=9007199254740992.0),
   S('{"a":3,"b":-42,"c":1000000000000000,"d":9007199254740992}'))
ok("f64_integer_beyond_2p53", sf(a=9007199254740994.0, b=1e16, c=-1.8446744073709552e19),
   S('{"a":9007199254740994,"b":1e+16,"c":-1.8446744073709552e+19}'))
ok("f64_needs_17_digits", sf(a=0.1 + 0.2, b=123456789.12345679, c=1000000000000000.5),
   S('{"a":0.30000000000000004,"b":123456789.12345679,"c":1000000000000000.5}'))
ok("f64_fixed_and_exponent",
   sf(a=123456.789, b=-2.5, c=0.0001, d=0.00012345, e=1.5e-7, f=2.2250738585072014e-308),
   S('{"a":123456.789,"b":-2.5,"c":0.0001,"d":0.00012345,"e":1.5e-07,'
     '"f":2.2250738585072014e-308}'))
ok("f64_subnormal_shortest", sf(a=5e-324, b=-1e-320),
   S('{"a":5e-324,"b":-1e-320}'))
ok("f64_nan_inf_null", sf(nan=math.nan, inf=math.inf, ninf=-math.inf),
   S('{"nan":null,"inf":null,"ninf":null}'))
ok("f32_values",
   sf(a=F32(1.5), b=F32(16777216.0), c=F32(3.14159274101257324), d=F32(3.4028234663852886e38),
      e=F32(-0.25), f=F32(math.nan), g=F32(math.inf), h=F32(1e-45)),
   S('{"a":1.5,"b":16777216,"c":3.1415927,"d":3.4028235e+38,"e":-0.25,"f":null,'
     '"g":null,"h":1e-45}'))

# strings
ok("str_escapes_and_controls",
   Pairs([("kind", "sample"), ("value", 1),
          ("s", "q\"b\\s/n\nt\tr\rb\bf\fc\x01\x1f\x00del\x7f")]),
   S('{"value":1}', rest=r',"s":"q\"b\\s/n\nt\tr\rb\bf\fc\u0001\u001f\u0000del' + '\x7f"'))
ok("str_utf8_kept", Pairs([("kind", "sample"), ("value", 1), ("s", "€ 😀 é \u2028")]),
   S('{"value":1}', rest=',"s":"€ 😀 é \u2028"'))
ok("str_invalid_utf8_replaced",
   Pairs([("kind", "sample"), ("value", 1),
          ("s", RawStr(b"ok \xff \xc0\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82 end "
                       b"\xe2\x82\xac \xf0\x9f\x98\x80 \xf8\x88\x80\x80\x80 \x80\xbf")),
          ("t", RawStr(b"cut\xf0\x9f\x98"))]),
   S('{"value":1}',
     rest=',"s":"ok \ufffd \ufffd\ufffd \ufffd\ufffd\ufffd \ufffd\ufffd\ufffd\ufffd \ufffd end '
          '€ 😀 \ufffd\ufffd\ufffd\ufffd\ufffd \ufffd\ufffd","t":"cut\ufffd"'))
ok("key_invalid_utf8_replaced",
   Pairs([("kind", "sample"), ("value", 1), (RawStr(b"k\xff"), 1)]),
   S('{"value":1}', rest=',"k\ufffd":1'))

# bin, ext
ok("bin_base64",
   Pairs([("kind", "sample"), ("value", 1), ("b0", b""), ("b1", b"f"), ("b2", b"fo"),
          ("b3", b"foo"), ("bx", b"\x00\x01\x02\xff\xfe"), ("b16", Hex("c5000141"))]),
   S('{"value":1}',
     rest=',"b0":"","b1":"Zg==","b2":"Zm8=","b3":"Zm9v","bx":"AAEC//4=","b16":"QQ=="'))
ok("ext_null",
   Pairs([("kind", "sample"), ("value", 1), ("e", msgpack.ExtType(5, b"abc")),
          ("stamp", Hex("d6ff00000001")), ("f16", Hex("d8" + "01" + "00" * 16)),
          ("e32", Hex("c9000000020702ab"))]),
   S('{"value":1}', rest=',"e":null,"stamp":null,"f16":null,"e32":null'))

# containers
ok("nested_arrays_maps",
   Pairs([("kind", "sample"), ("value", 1),
          ("nest", [1, [2, [3, {"a": [True, False, None]}]], {}, []])]),
   S('{"value":1}', rest=',"nest":[1,[2,[3,{"a":[true,false,null]}]],{},[]]'))
ok("map_nonstring_keys",
   Pairs([("kind", "sample"), ("value", 1),
          ("k", Pairs([(1, "a"), (-7, "b"), (2.5, "c"), (True, "d"), (False, "d2"),
                       (None, "e"), (b"\x01\x02", "f"), ([1, 2], "g"),
                       (Pairs([("a", 1)]), "h"), (["x\"y"], "i"), (F32(0.5), "j"),
                       (msgpack.ExtType(1, b"z"), "l"), (math.nan, "m")]))]),
   S('{"value":1}',
     rest=r',"k":{"1":"a","-7":"b","2.5":"c","true":"d","false":"d2","null":"e",'
          r'"AQI=":"f","[1,2]":"g","{\"a\":1}":"h","[\"x\\\"y\"]":"i","0.5":"j",'
          r'"null":"l","null":"m"}'))
ok("map_key_nested_container_key",
   Pairs([("kind", "sample"), ("value", 1),
          ("k", Pairs([(Pairs([(Pairs([(1, 2)]), [3]), ("q", "\"")]), 0)]))]),
   # inner key {1:2} -> {"1":2}; the key map's text {"{\"1\":2}":[3],"q":"\""}
   S('{"value":1}',
     rest=r',"k":{"{\"{\\\"1\\\":2}\":[3],\"q\":\"\\\"\"}":0}'))


def nested(levels):
    o = []
    for _ in range(levels - 1):
        o = [o]
    return o


ok("depth_16_ok", Pairs([("kind", "sample"), ("value", 1), ("d", nested(15))]),
   S('{"value":1}', rest=',"d":' + "[" * 15 + "]" * 15))
err("depth_17_rejected", Pairs([("kind", "sample"), ("value", 1), ("d", nested(16))]),
    "too_deep")
err("depth_17_empty_maps", Pairs([("kind", "sample"), ("value", 1),
                                  ("d", Hex("81a178" * 15 + "80"))]), "too_deep")

# ---------------------------------------------------------------- events
ok("event_basic",
   Pairs([("kind", "event"), ("text", "Deploy done"), ("level", "success"), ("ts", 1),
          ("seq", 2)]),
   E('"Deploy done"', "success", ts=1, seq=2, topic="demo.feed"), topic="demo.feed")
ok("event_default_level_info", Pairs([("kind", "event"), ("text", "hello")]), E('"hello"'))
ok("event_level_warning", Pairs([("level", "warning"), ("kind", "event"), ("text", "w")]),
   E('"w"', "warning"))
ok("event_level_error", Pairs([("kind", "event"), ("level", "error"), ("text", "")]),
   E('""', "error"))
ok("event_passthrough",
   Pairs([("kind", "event"), ("user", "bob"), ("text", "x"), ("value", 3), ("fields", [1])]),
   E('"x"', rest=',"user":"bob","value":3,"fields":[1]'))
ok("event_text_1024_bytes", Pairs([("kind", "event"), ("text", "é" * 512)]),
   E('"' + "é" * 512 + '"'))
ok("event_text_escaped", Pairs([("kind", "event"), ("text", RawStr(b"a\"\n\xff"))]),
   E(r'"a\"\n' + '\ufffd"'))
err("event_text_1025_bytes", Pairs([("kind", "event"), ("text", "a" * 1025)]), "bad_text")
err("event_text_missing", Pairs([("kind", "event"), ("level", "info")]), "bad_text")
err("event_text_not_str", Pairs([("kind", "event"), ("text", 5)]), "bad_text")
err("event_text_bin", Pairs([("kind", "event"), ("text", b"abc")]), "bad_text")
err("event_level_unknown", Pairs([("kind", "event"), ("text", "x"), ("level", "debug")]),
    "bad_level")
err("event_level_nil", Pairs([("kind", "event"), ("text", "x"), ("level", None)]),
    "bad_level")
err("event_level_case", Pairs([("kind", "event"), ("text", "x"), ("level", "Info")]),
    "bad_level")

# ----------------------------------------------------------------- ts / seq
ok("ts_float_truncated", Pairs([("kind", "sample"), ("value", 1), ("ts", 1764300000123.9)]),
   S('{"value":1}', ts=1764300000123))
ok("ts_negative_float_toward_zero", Pairs([("kind", "sample"), ("value", 1), ("ts", -1.5)]),
   S('{"value":1}', ts=-1))
ok("ts_int64_min", Pairs([("kind", "sample"), ("value", 1), ("ts", -2**63)]),
   S('{"value":1}', ts=-2**63))
ok("ts_f32", Pairs([("kind", "sample"), ("value", 1), ("ts", F32(1024.75))]),
   S('{"value":1}', ts=1024))
err("ts_string", Pairs([("kind", "sample"), ("value", 1), ("ts", "now")]), "bad_ts")
err("ts_over_int64", Pairs([("kind", "sample"), ("value", 1), ("ts", 2**63)]), "bad_ts")
err("ts_nan", Pairs([("kind", "sample"), ("value", 1), ("ts", math.nan)]), "bad_ts")
err("ts_float_2p63", Pairs([("kind", "sample"), ("value", 1), ("ts", 9223372036854775808.0)]),
    "bad_ts")
err("ts_nil", Pairs([("kind", "sample"), ("value", 1), ("ts", None)]), "bad_ts")
err("ts_repeated", Pairs([("kind", "sample"), ("ts", 1), ("value", 1), ("ts", 2)]), "bad_ts")
ok("seq_uint64_max", Pairs([("kind", "sample"), ("value", 1), ("seq", 2**64 - 1)]),
   S('{"value":1}', seq=2**64 - 1))
ok("seq_zero", Pairs([("kind", "sample"), ("value", 1), ("seq", 0)]), S('{"value":1}', seq=0))
err("seq_negative", Pairs([("kind", "sample"), ("value", 1), ("seq", -1)]), "bad_seq")
err("seq_float", Pairs([("kind", "sample"), ("value", 1), ("seq", 5.0)]), "bad_seq")
err("seq_string", Pairs([("kind", "sample"), ("value", 1), ("seq", "5")]), "bad_seq")

# ---------------------------------------------------------------- kind / fields
# Decision 24: a body without "kind" that carries value or fields is a sample.
ok("kind_missing_value_is_sample", Pairs([("value", 1)]), S('{"value":1}'))
ok("kind_missing_fields_is_sample",
   Pairs([("seq", 7), ("t_ns", 1764300000123456789), ("fields", {"a": 0.5})]),
   S('{"a":0.5}', seq=7, rest=',"t_ns":1764300000123456789'))
err("kind_missing_no_data", Pairs([("text", "hello")]), "bad_kind")
err("kind_unknown", Pairs([("kind", "metric"), ("value", 1)]), "bad_kind")
err("kind_not_str", Pairs([("kind", 1), ("value", 1)]), "bad_kind")
err("kind_repeated", Pairs([("kind", "sample"), ("kind", "event"), ("value", 1)]), "bad_kind")
err("kind_bin", Pairs([("kind", b"sample"), ("value", 1)]), "bad_kind")
err("sample_no_fields_no_value", Pairs([("kind", "sample"), ("x", 1)]), "bad_fields")
err("sample_field_string", sf(a=1, b="high"), "bad_fields")
err("sample_field_bool", sf(a=True), "bad_fields")
err("sample_field_array", sf(a=[1]), "bad_fields")
err("sample_fields_not_map", Pairs([("kind", "sample"), ("fields", [1, 2])]), "bad_fields")
err("sample_fields_bad_value_ok", Pairs([("kind", "sample"), ("fields", "x"), ("value", 1)]),
    "bad_fields")
err("sample_value_string", sv("12"), "bad_fields")

# ------------------------------------------------------------------ meta
ok("meta_full",
   Pairs([("kind", "meta"), ("title", "CPU"), ("unit", "%"), ("chart", "line"), ("min", 0),
          ("max", 100), ("interval_ms", 1000), ("collector", "sysmetrics"),
          ("fields", {"user": {"label": "User", "unit": "%", "color": "#e6194b"}}),
          ("ts", 5), ("seq", 1)]),
   '{"title":"CPU","unit":"%","chart":"line","min":0,"max":100,"interval_ms":1000,'
   '"collector":"sysmetrics","fields":{"user":{"label":"User","unit":"%","color":"#e6194b"}}}',
   topic="system.cpu")
ok("meta_minimal", Pairs([("kind", "meta")]), "{}")
ok("meta_passthrough_any",
   Pairs([("type", "x"), ("kind", "meta"), ("interval_ms", 2.5), ("extra", [None, b"\x00"])]),
   '{"type":"x","interval_ms":2.5,"extra":[null,"AA=="]}')
err("meta_interval_negative", Pairs([("kind", "meta"), ("interval_ms", -1)]), "bad_meta")
err("meta_interval_negative_float", Pairs([("kind", "meta"), ("interval_ms", -0.5)]),
    "bad_meta")
err("meta_interval_string", Pairs([("kind", "meta"), ("interval_ms", "1000")]), "bad_meta")
err("meta_interval_inf", Pairs([("kind", "meta"), ("interval_ms", math.inf)]), "bad_meta")
err("meta_fields_array", Pairs([("kind", "meta"), ("fields", ["user"])]), "bad_meta")
err("meta_bad_ts", Pairs([("kind", "meta"), ("ts", "x")]), "bad_ts")

# ------------------------------------------------------------ framing errors
good = pack(Pairs([("kind", "sample"), ("ts", 1764300000123), ("seq", 812),
                   ("fields", {"user": 12.5, "system": 3.1})]))
err("truncated_body", good[:-3], "unreadable")
err("truncated_str_header", bytes.fromhex("81a46b696e64da00"), "unreadable")
err("trailing_bytes", good + b"\xc0", "unreadable")
err("empty_body", b"", "unreadable")
err("reserved_byte_c1", bytes.fromhex("81a46b696e64c1"), "unreadable")
err("array32_declares_4_billion", bytes.fromhex("ddffffffff"), "bad_length")
err("map32_declares_4_billion_inside",
    bytes.fromhex("82a46b696e64a673616d706c65a66669656c6473dfffffffff"), "bad_length")
err("array16_declares_more_than_left", bytes.fromhex("dc0010" + "c0" * 15), "bad_length")
err("not_map_array", [1, 2], "not_map")
err("not_map_str", "sample", "not_map")
err("not_map_nil", None, "not_map")
err("too_large",
    pack(Pairs([("kind", "event"), ("text", "x"), ("pad", "p" * 65536)])), "too_large")


# ================================================================ commands
# Browser -> hub commands (SPEC section 4) for cmd_parse: name, input (the
# frame text) or input_hex (raw bytes), optional max_topics (default 1000),
# and either ok (type, topics: list or null when absent, history, since) or
# error (the SPEC error code) with an optional exact message.
C = []

def cok(name, inp, **exp):
    C.append(dict(name=name, input=inp, ok=exp))
def cerr(name, inp, code, message=None, **extra):
    d=dict(name=name, error=code)
    if inp is not None: d['input']=inp
    if message is not None: d['message']=message
    d.update(extra)
    C.append(d)
cok("subscribe_basic", '{"type":"subscribe","topics":["system.*","demo.sales"],"history":true}',
   type="subscribe", topics=["system.*","demo.sales"], history=True)
cok("subscribe_no_history", '{"type":"subscribe","topics":["*"]}', type="subscribe", topics=["*"], history=False)
cok("subscribe_history_false", '{"topics":["a"],"history":false,"type":"subscribe"}', type="subscribe", topics=["a"], history=False)
cok("subscribe_since", '{"type":"subscribe","topics":["demo.*"],"history":true,"since":{"demo.sales":[1764300000000,812],"demo.users":[0,0]}}',
   type="subscribe", topics=["demo.*"], history=True, since={"demo.sales":[1764300000000,812],"demo.users":[0,0]})
cok("subscribe_since_ts_any_int64", '{"type":"subscribe","topics":["a"],"since":{"a":[-5,3],"b":[9223372036854775807,9223372036854775807],"c":[-9223372036854775808,1]}}',
   type="subscribe", topics=["a"], history=False, since={"a":[-5,3],"b":[9223372036854775807,9223372036854775807],"c":[-9223372036854775808,1]})
cok("subscribe_duplicate_patterns_kept", '{"type":"subscribe","topics":["a","a"]}', type="subscribe", topics=["a","a"])
cok("subscribe_unknown_keys_ignored", '{"type":"subscribe","topics":["a.b-c_D.9"],"id":17,"extra":{"x":[1]}}', type="subscribe", topics=["a.b-c_D.9"])
cok("subscribe_whitespace", ' \n\t{ "type" : "subscribe" , "topics" : [ "x" ] }\r\n', type="subscribe", topics=["x"])
cok("subscribe_escaped_topic", '{"type":"subscribe","topics":["\\u0061.\\u002a"]}', type="subscribe", topics=["a.*"])
cok("unsubscribe_basic", '{"type":"unsubscribe","topics":["demo.*"]}', type="unsubscribe", topics=["demo.*"])
cok("unsubscribe_since_ignored", '{"type":"unsubscribe","topics":["a"],"since":5,"history":"x"}', type="unsubscribe", topics=["a"])
cok("pause_all", '{"type":"pause"}', type="pause", topics=None)
cok("pause_topics", '{"type":"pause","topics":["demo.*","system.cpu"]}', type="pause", topics=["demo.*","system.cpu"])
cok("pause_empty_topics", '{"type":"pause","topics":[]}', type="pause", topics=[])
cok("resume_all", '{"type":"resume"}', type="resume", topics=None)
cok("resume_topics", '{"type":"resume","topics":["*"]}', type="resume", topics=["*"])
cok("ping", '{"type":"ping"}', type="ping", topics=None)
cok("ping_ignores_topics", '{"type":"ping","topics":5}', type="ping", topics=None)
cok("topic_128_bytes", json.dumps({"type":"subscribe","topics":["a"*128]}), type="subscribe", topics=["a"*128])
cok("pattern_130_bytes", json.dumps({"type":"subscribe","topics":["a"*128+".*"]}), type="subscribe", topics=["a"*128+".*"])

cerr("not_json", 'hello', "bad_request")
cerr("empty_input", '', "bad_request")
cerr("json_array", '["subscribe"]', "bad_request", "command must be a JSON object")
cerr("json_string", '"ping"', "bad_request")
cerr("trailing_garbage", '{"type":"ping"} x', "bad_request")
cerr("two_objects", '{"type":"ping"}{"type":"ping"}', "bad_request")
cerr("duplicate_keys", '{"type":"ping","type":"subscribe"}', "bad_request")
cerr("nul_in_string", '{"type":"subscribe","topics":["a\\u0000b"]}', "bad_request")
cerr("deep_nesting", '{"type":"ping","x":' + '['*3000 + ']'*3000 + '}', "bad_request")
cerr("invalid_utf8", None, "bad_request", input_hex=b'{"type":"ping","x":"\xff"}'.hex())
cerr("type_missing", '{"topics":["a"]}', "bad_request", 'missing "type"')
cerr("type_not_string", '{"type":1}', "bad_request", '"type" must be a string')
cerr("type_null", '{"type":null}', "bad_request", '"type" must be a string')
cerr("type_unknown", '{"type":"foo"}', "unknown_type", 'unknown type "foo"')
cerr("type_case", '{"type":"Subscribe","topics":["a"]}', "unknown_type", 'unknown type "Subscribe"')
cerr("type_unknown_quoted_safely", '{"type":"a\\"b\\\\c\\n\u00e9"}', "unknown_type", 'unknown type "a?b?c???"')
cerr("subscribe_no_topics", '{"type":"subscribe"}', "bad_request", "topics is required")
cerr("unsubscribe_no_topics", '{"type":"unsubscribe"}', "bad_request", "topics is required")
cerr("subscribe_empty_topics", '{"type":"subscribe","topics":[]}', "bad_request", "topics must not be empty")
cerr("topics_string", '{"type":"subscribe","topics":"a"}', "bad_request", "topics must be an array of strings")
cerr("topics_number_item", '{"type":"subscribe","topics":["a",1]}', "bad_request", "topics must be an array of strings")
cerr("topics_null", '{"type":"pause","topics":null}', "bad_request", "topics must be an array of strings")
cerr("pattern_double_dot", '{"type":"subscribe","topics":["a..b"]}', "bad_topic", 'bad topic pattern "a..b"')
cerr("pattern_empty", '{"type":"subscribe","topics":["ok",""]}', "bad_topic", 'bad topic pattern ""')
cerr("pattern_star_middle", '{"type":"subscribe","topics":["a.*.b"]}', "bad_topic", 'bad topic pattern "a.*.b"')
cerr("pattern_star_prefix", '{"type":"unsubscribe","topics":["*.a"]}', "bad_topic", 'bad topic pattern "*.a"')
cerr("pattern_glob_suffix", '{"type":"pause","topics":["a.b*"]}', "bad_topic", 'bad topic pattern "a.b*"')
cerr("pattern_dot_star_only", '{"type":"subscribe","topics":[".*"]}', "bad_topic", 'bad topic pattern ".*"')
cerr("pattern_trailing_dot", '{"type":"resume","topics":["a."]}', "bad_topic", 'bad topic pattern "a."')
cerr("pattern_space", '{"type":"subscribe","topics":["a b"]}', "bad_topic", 'bad topic pattern "a b"')
cerr("pattern_non_ascii", '{"type":"subscribe","topics":["caf\u00e9"]}', "bad_topic", 'bad topic pattern "caf??"')
cerr("topic_129_bytes", json.dumps({"type":"subscribe","topics":["a"*129]}), "bad_topic", 'bad topic pattern "' + "a"*64 + '..."')
cerr("too_many_topics", '{"type":"subscribe","topics":["a","b","c","d"]}', "limit", "too many topics: 4 > 3", max_topics=3)
cerr("history_not_bool", '{"type":"subscribe","topics":["a"],"history":1}', "bad_request", "history must be true or false")
cerr("since_not_object", '{"type":"subscribe","topics":["a"],"since":[]}', "bad_request", "since must be an object of topic: [ts, seq]")
cerr("since_value_not_array", '{"type":"subscribe","topics":["a"],"since":{"a":5}}', "bad_request", 'since["a"] must be [ts, seq] with integer ts and integer seq >= 0')
cerr("since_value_three_items", '{"type":"subscribe","topics":["a"],"since":{"a":[1,2,3]}}', "bad_request")
cerr("since_value_one_item", '{"type":"subscribe","topics":["a"],"since":{"a":[1]}}', "bad_request")
cerr("since_seq_negative", '{"type":"subscribe","topics":["a"],"since":{"a":[1,-1]}}', "bad_request")
cerr("since_seq_float", '{"type":"subscribe","topics":["a"],"since":{"a":[1,2.0]}}', "bad_request")
cerr("since_ts_float", '{"type":"subscribe","topics":["a"],"since":{"a":[1.5,2]}}', "bad_request")
cerr("since_ts_string", '{"type":"subscribe","topics":["a"],"since":{"a":["1",2]}}', "bad_request")
cerr("since_ts_too_big", '{"type":"subscribe","topics":["a"],"since":{"a":[9223372036854775808,2]}}', "bad_request")
cerr("since_bad_topic", '{"type":"subscribe","topics":["a"],"since":{"a..b":[1,2]}}', "bad_topic", 'bad topic "a..b" in since')
cerr("since_pattern_not_topic", '{"type":"subscribe","topics":["a.*"],"since":{"a.*":[1,2]}}', "bad_topic", 'bad topic "a.*" in since')
cerr("since_too_many", '{"type":"subscribe","topics":["a"],"since":{"a":[1,2],"b":[1,2]}}', "limit", "too many since entries: 2 > 1", max_topics=1)


# ---------------------------------------------------------------- wire
# The hub's own messages (SPEC §3 and §6), written here from SPEC with
# Python's json module (compact separators, keys in SPEC's order), never by
# the hub's code. Each vector names the wire_put_* function (fn), its inputs
# and the exact text it must write. "points"/"last" inputs are the frames of
# a topic's history (the JSON the hub keeps for each sample or event, with
# its "type"); a history point is that message without "type".
# "VERSION" in an expected text stands for the hub's version.
W = []


def dumps(o):
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def frame(topic, ts, seq, fields=None, text=None, level=None, kind="sample", **extra):
    m = {"type": kind, "topic": topic, "ts": ts, "seq": seq}
    if kind == "sample":
        m["fields"] = fields
    else:
        m["text"] = text
        m["level"] = level
    m.update(extra)
    return dumps(m)


def point(fr):
    m = json.loads(fr)
    del m["type"]
    return m


def wire(name, fn, expect, **inputs):
    W.append(dict(name=name, fn=fn, json=expect if isinstance(expect, str) else dumps(expect),
                  **inputs))


P1 = frame(T, NOW, 1, {"value": 1.5})
P2 = frame(T, NOW + 1000, 2, {"user": 12, "system": 3.25}, host="a")
P3 = frame("demo.feed", NOW, 9, kind="event", text='say "hi"\n', level="info")
META = {"title": "Sales", "unit": "€", "chart": "line"}

wire("error", "error", {"type": "error", "code": "bad_topic", "message": 'bad topic pattern "a..b"'},
     code="bad_topic", message='bad topic pattern "a..b"')
wire("error_escapes", "error", {"type": "error", "code": "limit", "message": "tab\there \\ \u00e9 \x01"},
     code="limit", message="tab\there \\ \u00e9 \x01")
wire("ack_topics", "ack", {"type": "subscribed", "topics": ["system.*", "demo.sales"]},
     type="subscribed", topics=["system.*", "demo.sales"])
wire("ack_all", "ack", {"type": "paused", "topics": ["*"]}, type="paused", topics=None)
wire("ack_empty", "ack", {"type": "resumed", "topics": []}, type="resumed", topics=[])
wire("pong", "pong", {"type": "pong"})
wire("clients", "clients", {"type": "clients", "count": 10001}, count=10001)
wire("stale", "stale", {"type": "stale", "topic": T, "since": NOW - 3000}, topic=T, since=NOW - 3000)
wire("topic_meta", "topic", {"type": "topic", "topic": T, "meta": META}, topic=T, meta=META)
wire("topic_no_meta", "topic", {"type": "topic", "topic": T, "meta": None}, topic=T, meta=None)
wire("topic_info", "topic_info", {"topic": T, "meta": META, "last": point(P2), "stale": False},
     topic=T, meta=META, points=[P1, P2], stale=False)
wire("topic_info_empty_stale", "topic_info", {"topic": T, "meta": None, "last": None, "stale": True},
     topic=T, meta=None, points=[], stale=True)
wire("history_complete", "history",
     {"type": "history", "topic": T, "complete": True, "points": [point(P1), point(P2)]},
     topic=T, points=[P1, P2], start=0, complete=True)
wire("history_from", "history",
     {"type": "history", "topic": T, "complete": False, "points": [point(P2)]},
     topic=T, points=[P1, P2], start=1, complete=False)
wire("history_none", "history", {"type": "history", "topic": T, "complete": True, "points": []},
     topic=T, points=[P1, P2], start=2, complete=True)
wire("history_event", "history",
     {"type": "history", "topic": "demo.feed", "complete": True, "points": [point(P3)]},
     topic="demo.feed", points=[P3], start=0, complete=True)
wire("history_doc", "history_doc", {"topic": T, "complete": True, "points": [point(P1), point(P2)]},
     topic=T, points=[P1, P2])
wire("with_gap", "with_gap",
     dumps({"type": "sample", "gap": True, **{k: v for k, v in json.loads(P2).items() if k != "type"}}),
     topic=T, points=[P2])
wire("with_gap_event", "with_gap",
     dumps({"type": "event", "gap": True, **point(P3)}), topic="demo.feed", points=[P3])
wire("welcome", "welcome",
     '{"type":"welcome","server":"rtdash-hub","version":"VERSION","epoch":"00ff00ff00ff00ff",'
     '"client_id":7,"clients":2,"topics":[' + dumps({"topic": T, "meta": META, "last": point(P2), "stale": False}) +
     "," + dumps({"topic": "demo.feed", "meta": None, "last": point(P3), "stale": False}) + "]}",
     epoch="00ff00ff00ff00ff", client_id=7, clients=2,
     topics=[{"topic": T, "meta": META, "points": [P1, P2]},
             {"topic": "demo.feed", "meta": None, "points": [P3]}])
wire("welcome_empty", "welcome",
     '{"type":"welcome","server":"rtdash-hub","version":"VERSION","epoch":"0123456789abcdef",'
     '"client_id":1,"clients":1,"topics":[]}',
     epoch="0123456789abcdef", client_id=1, clients=1, topics=[])
wire("health", "health",
     '{"status":"ok","server":"rtdash-hub","version":"VERSION","epoch":"0123456789abcdef",'
     '"uptime_s":86400,"clients":3,"topics":42}',
     epoch="0123456789abcdef", uptime_s=86400, clients=3, topics=42)
wire("http_error", "http_error", {"error": "not_found", "message": "no such topic"},
     code="not_found", message="no such topic")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    names = [v["name"] for v in V]
    assert len(names) == len(set(names)), "duplicate vector names"
    with open(os.path.join(here, "vectors.json"), "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(v, ensure_ascii=False) for v in V))
        f.write("\n]\n")
    cnames = [c["name"] for c in C]
    assert len(cnames) == len(set(cnames)), "duplicate command vector names"
    with open(os.path.join(here, "commands.json"), "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in C))
        f.write("\n]\n")
    wnames = [w["name"] for w in W]
    assert len(wnames) == len(set(wnames)), "duplicate wire vector names"
    with open(os.path.join(here, "wire.json"), "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(w, ensure_ascii=False) for w in W))
        f.write("\n]\n")
    print("%d vectors, %d command vectors, %d wire vectors" % (len(V), len(C), len(W)))


if __name__ == "__main__":
    main()
