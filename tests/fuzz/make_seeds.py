#!/usr/bin/python3
"""Write the seed corpora of the fuzz targets from the protocol vectors.

    /usr/bin/python3 tests/fuzz/make_seeds.py

corpus/mp2json/  one file per body in proto/vectors/vectors.json (<= 4 KiB)
corpus/cmd/      one file per input in proto/vectors/commands.json
corpus/topic/    "PATTERN\\nTOPIC" pairs written below

Each directory is rewritten from scratch. The seeds are small on purpose:
run.sh fuzzes a temporary copy, so the committed corpus never grows.
"""
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
    print("seeds: mp2json %d, cmd %d, topic %d" % (n, m, len(TOPIC_PAIRS)))


if __name__ == "__main__":
    main()
