#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz targets from the protocol vectors.

    /usr/bin/python3 tests/fuzz/make_seeds.py

corpus/mp2json/  one file per body in proto/vectors/vectors.json (<= 4 KiB)
corpus/cmd/      one file per input in proto/vectors/commands.json
corpus/topic/    "PATTERN\\nTOPIC" pairs written below
corpus/influx/   InfluxDB line protocol lines written below, good and bad
corpus/jsonl/    rtdash-pub JSON lines written below, good and bad
corpus/http/     "URI\n" + format selector byte + a body from vectors.json

Each directory is rewritten from scratch. The seeds are small on purpose:
run.sh fuzzes a temporary copy, so the committed corpus never grows.
"""
import base64
import json
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "..", "proto", "vectors")
MAX_SEED = 4096

TOPIC_PAIRS = [
    "system.*\nsystem.cpu", "system.*\nsystem.net.eth0", "system.*\nsystem",
    "system.*\nsystems.cpu", "*\ndemo.sales", "demo.sales\ndemo.sales",
    "demo.sales\ndemo.sale", "a.b.*\na.b.c.d", "a.*\na.b.*", "a.b.*\na.*", "*\n*",
    "a..b\na.b", ".a\na.", "a.*.b\na.x.b", "a-b_C.9\na-b_C.9", "a b\na\tb", "\n",
    "*.a\nx.a", "a.b*\na.bc", "x" * 128 + "\n" + "x" * 129, "x" * 128 + ".*\n" + "x" * 128 + ".y",
]

# One line each (no newline): every value type, escapes, UTF-8 in the topic,
# and one of each error rtdash-pub reports.
INFLUX_LINES = [
    b"cpu,host=web-1,cpu=cpu0 usage_user=12.5,usage_idle=80.1 1700000000000000000",
    b'disk,host=web-1,path=/var used=1234i,ro=false,fs="ext4"',
    b"m v=3u,w=-3i,x=t,y=TRUE,z=F,e=-1.5e+3",
    b"my\\ meas\\,ure,ta\\=g\\ k=v\\,a\\ l\\=ue f\\ 1\\=x=2",
    b'm s="say \\"hi\\" c:\\\\dir",v=1e-3 -5',
    "temp\u00e9rature,lieu=cuisine\u20ac,e=x\U0001f600y v=1".encode("utf-8"),
    b"m,b=2,a=1,c=3 v=.5",
    b"a" * 127 + b",t=b v=1",
    b'm s="unterminated \\"',
    b"m a=1,b=2,a=3",
    b"m,t=1,t=2 v=1",
    b"m v=1 123 x",
    b",t=1 v=1",
    b"m v=1.2.3,w=99999999999999999999i,x=-3u",
    b'm s="only strings"',
    b"m,t=a=b,=v,k v=1",
    b"m v=1\x00x",
    b"m v=1 99999999999999999999",
    b"m" + b"".join(b",t%d=v" % k for k in range(65)) + b" v=1",
    b"m   v=1   42   ",
    b"\x80\x80,t=\xff v=tRUE",
]

# One line each: every kind, passthrough of every JSON type, and one of each
# error rtdash-pub reports for a JSON line.
JSONL_LINES = [
    b'{"topic":"room.temp","value":21.5}',
    b'{"topic":"web.latency","fields":{"p50":12,"p99":80.5},"host":"web-1"}',
    b'{"topic":"ops.feed","kind":"event","text":"Backup done","level":"success"}',
    b'{"topic":"room.temp","kind":"meta","title":"Room","unit":"C","chart":"line",'
    b'"min":-20,"max":50,"interval_ms":1000,"collector":"x","fields":{"v":{"label":"V"}}}',
    b'{"z":[1,-2,2.5,true,false,null,"s",{"y":{}}],"seq":41,"fields":{"a":1,"b":null},'
    b'"kind":"sample","ts":1764300000000.5,"topic":"j.f"}',
    b'{"topic":"a.b","kind":"event","text":"caf\\u00e9 \\ud83d\\ude00 \xe2\x82\xac"}',
    b'{"topic":"a.b","value":1,"x":[[[[[[[[[[[[[[1]]]]]]]]]]]]]]}',
    b'{"topic":"a.b","value":1,"x":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}',
    b'{"topic":"a.b","value":1',
    b'{"topic":"a.b","value":1,"value":2}',
    b'[1,2]',
    b'{"value":1}',
    b'{"topic":"a..b","value":1}',
    b'{"topic":"a.b","kind":"samples","value":1}',
    b'{"topic":"a.b","value":1,"ts":-1}',
    b'{"topic":"a.b","value":1,"seq":1.5}',
    b'{"topic":"a.b"}',
    b'{"topic":"a.b","value":"1"}',
    b'{"topic":"a.b","fields":{}}',
    b'{"topic":"a.b","fields":{"ok":1,"bad":true}}',
    b'{"topic":"a.b","kind":"event"}',
    b'{"topic":"a.b","kind":"event","text":"t","level":"Info"}',
    b'{"topic":"a.b","value":1}\x00',
    b'{"topic":"a.b","value":9223372036854775807,"seq":9223372036854775807,"ts":0}',
]

# inputs fuzz_jsonl once failed on, kept as seeds
JSONL_FOUND = {
    # a real "ts" over 2^63 passed rtdash-pub, and the hub dropped it (bad_ts)
    "found_ts_over_int64":
        b'{"z":[1,-2,2.5,true,false,null,"s",{"y":{}}],"seq":41,"fields":{"a":1,"b-1e-308":null},'
        b'"kInd":"sample","ts":19223372036854775807001313405441.5,"topic":"j.f"}',
    # a meta's "interval_ms" of 1e22 passed rtdash-pub, and the hub dropped it (bad_meta)
    "found_interval_over_int64":
        b'{"topic":"room.temp","kind":"meta","titnullle":"Room","unit":"C","chart":"line",'
        b'"min":-65,"max":50,"interval_ms":10009.3e18,"collector":"x","fMMMields":{"v":{"l":"V"}}}',
    # a meta's "fields" that is not an object passed, and the hub dropped it (bad_meta)
    "found_meta_fields_not_object":
        b'{"zq":4,"fields":"roomp","kind":"meta","titn[[ullle":"","inter":1,"topic":"j"}',
    # jansson's reason quoted a newline of the input: the report took two lines
    "found_newline_in_reason":
        b'{"topic":"a.b","kind":"event","text":"caf\\u0\n\x009(\\ud83d\\ude00 \xe2\x82\xac"}',
}


# fuzz_http: paths the hub routes (and near misses), crossed with the format
# selector (0 none, 1 json, 2 csv, 3 empty, other: that byte) and a few bodies
HTTP_URIS = ["/healthz", "/metrics", "/api/topics", "/api/collectors", "/api/history/f.x",
             "/api/history/f.s", "/api/history/f.y", "/api/history/nope", "/api/history/a..b",
             "/api/history/", "/api/historyx", "/", "/api/history/f.x/../f.s"]
# inputs the fuzzer once failed on, kept as seeds (base64)
HTTP_FOUND = {
    # a meta naming its collector in invalid UTF-8 made /metrics invalid UTF-8
    "found_collector_invalid_utf8":
        "L21ldHJpY3MKAouka2luZKRtZXRhpXRpdGxlo0NQVaR1bml0oSWlY2hhcmykbGluZaNtaW4Ao21heGSr"
        "aW50ZXJ2YWxfbXPNA+ipY29sbGVjdG9yqpN5c21ldHJpY3OmZmllbGRzgaR1c2Vyg6VsYWJlbKRVc2Vy"
        "pHVuaXShJaVjb2xvcqcjZTYxOTRionRzBaNzZXEB",
}
HTTP_BODIES = ["sample_fields_basic", "str_escapes_and_controls", "event_basic", "meta_full",
               "sample_field_string", "f64_nan_inf_null"]


def safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def reset(d):
    path = os.path.join(HERE, "corpus", d)
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def main():
    out = reset("mp2json")
    n = 0
    with open(os.path.join(VECTORS, "vectors.json"), encoding="utf-8") as f:
        for v in json.load(f):
            body = bytes.fromhex(v["msgpack_hex"])
            if len(body) > MAX_SEED:
                continue
            with open(os.path.join(out, safe(v["name"])), "wb") as g:
                g.write(body)
            n += 1
    out = reset("cmd")
    m = 0
    with open(os.path.join(VECTORS, "commands.json"), encoding="utf-8") as f:
        for c in json.load(f):
            if "input_hex" in c:
                data = bytes.fromhex(c["input_hex"])
            else:
                data = c["input"].encode("utf-8")
            if len(data) > MAX_SEED:
                continue
            with open(os.path.join(out, safe(c["name"])), "wb") as g:
                g.write(data)
            m += 1
    out = reset("topic")
    for i, pair in enumerate(TOPIC_PAIRS):
        with open(os.path.join(out, "pair%02d" % i), "wb") as g:
            g.write(pair.encode("utf-8"))
    out = reset("influx")
    for i, line in enumerate(INFLUX_LINES):
        with open(os.path.join(out, "line%02d" % i), "wb") as g:
            g.write(line)
    out = reset("jsonl")
    for i, line in enumerate(JSONL_LINES):
        with open(os.path.join(out, "line%02d" % i), "wb") as g:
            g.write(line)
    for name, line in JSONL_FOUND.items():
        with open(os.path.join(out, name), "wb") as g:
            g.write(line)
    out = reset("http")
    with open(os.path.join(VECTORS, "vectors.json"), encoding="utf-8") as f:
        byname = {v["name"]: bytes.fromhex(v["msgpack_hex"]) for v in json.load(f)}
    bodies = [byname[b] for b in HTTP_BODIES if b in byname]
    h = 0
    for i, uri in enumerate(HTTP_URIS):
        for sel in (0, 1, 2, 3, ord("x")):
            body = bodies[(i + sel) % len(bodies)] if bodies else b""
            with open(os.path.join(out, "uri%02d_fmt%d" % (i, sel)), "wb") as g:
                g.write(uri.encode("utf-8") + b"\n" + bytes([sel]) + body)
            h += 1
    for name, b64 in HTTP_FOUND.items():
        with open(os.path.join(out, name), "wb") as g:
            g.write(base64.b64decode(b64))
        h += 1
    print("seeds: mp2json %d, cmd %d, topic %d, influx %d, jsonl %d, http %d"
          % (n, m, len(TOPIC_PAIRS), len(INFLUX_LINES), len(JSONL_LINES) + len(JSONL_FOUND), h))


if __name__ == "__main__":
    main()
