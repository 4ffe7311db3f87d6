# SPDX-License-Identifier: MIT
"""rtdash-pub --format influx and --check, for real.

The real rtdash-pub reads InfluxDB line protocol on standard input and
publishes to a ZeroMQ SUB socket bound by this test (as the hub would), and in
one test to the real hub, whose WebSocket client must see the topics with the
--title/--unit/--chart meta and the samples. Good lines, escapes, every field
type, timestamps and precisions, and malformed lines (reported by line and
column, skipped, never fatal) are covered; so is --check, which must explain
every bad line and publish nothing.

Run with /usr/bin/python3; RTDASH_BIN is the directory of the binaries.
Prints PASS/FAIL per test and "N passed, N failed".
"""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import Hub, WSClient, run_tests  # noqa: E402
from test_collectors_zmq import BIN, Sub, check, child_env, free_port, run_pub  # noqa: E402

NS = 1700000000123456789  # 2023-11-14T22:13:20.123456789Z
MS = 1700000000123

GOOD = r'''# a comment, then a blank line

cpu,host=web-1,cpu=cpu0 usage_user=12.5,usage_idle=80.1 1700000000123456789
disk,path=/var,host=web-1 used=1234i,free=18446744073709551615u,neg=-5i,ro=false,rw=T,fs="ext4" 1700000000123456789
weather,location=us\,midwest,station\ id=a\=b temp\ c=82,msg="say \"hi\" \\ ok",path="C:\dir"
my\ meas\,x,t=v f=1.5e3
café,x=ü v=-0.25
cpu,cpu=cpu0,host=web-1 usage_user=13 1700000001123456789
   mem free=1i   1700000000123456789   
'''

BAD = r'''cpu usage
cpu,host usage=1
cpu,host= usage=1
cpu,host=a=b usage=1
cpu usage=abc
cpu usage=1,usage=2
cpu msg="unterminated
cpu msg="only strings"
cpu v=1 17000x
cpu v=1 1 extra
cpu v=-1u
cpu v=99999999999999999999i
cpu v=nan
,t=a v=1
cpu, v=1
cpu v=1,
cpu,a=b,a=c v=1
''' + "m," + ",".join("k%d=%s" % (i, "v" * 10) for i in range(12)) + " v=1\n"

# (line, column, words in the reason) for BAD after GOOD (9 lines)
BAD_REASONS = [
    (10, 10, "needs '=value'"), (11, 9, "needs '=value'"), (12, 10, "empty value"),
    (13, 11, "'\\='"), (14, 11, "not a number"), (15, 13, "given twice"),
    (16, 9, "no closing"), (17, 1, "no number"), (18, 9, "timestamp"), (19, 11, "after the timestamp"),
    (20, 7, "unsigned"), (21, 7, "out of range"), (22, 7, "not a number"),
    (23, 1, "measurement"), (24, 5, "empty tag key"), (25, 9, "empty field key"),
    (26, 9, "given twice"), (27, None, "longer than 128"),
]


def err_lines(err):
    """{line: (column or None, reason)} from rtdash-pub's stderr; fails on other lines."""
    out = {}
    for ln in err.splitlines():
        if not ln.strip():
            continue
        m = re.match(r"^rtdash-pub: line (\d+): (?:column (\d+): )?(.*)$", ln)
        check(m, "stderr line is not 'rtdash-pub: line N: ...': %r" % ln)
        out[int(m.group(1))] = (int(m.group(2)) if m.group(2) else None, m.group(3))
    return out


def check_reasons(err):
    got = err_lines(err)
    check(sorted(got) == [n for n, _, _ in BAD_REASONS],
          "bad lines reported %s, want %s; stderr:\n%s" % (sorted(got),
                                                            [n for n, _, _ in BAD_REASONS], err))
    for n, col, words in BAD_REASONS:
        gcol, reason = got[n]
        check(gcol == col and words in reason, "line %d: got column %s %r, want column %s and %r"
              % (n, gcol, reason, col, words))


def test_influx_good_and_bad_lines():
    sub = Sub()
    try:
        t0 = int(time.time() * 1000)
        code, err = run_pub(["--format", "influx", "--title", "From Telegraf", "--unit", "%",
                             "--chart", "bar", "--meta-interval-ms", "10000"], sub, GOOD + BAD)
        t1 = int(time.time() * 1000)
        sub.pump(0.3)
        check(code == 0, "malformed lines are not fatal: exit %d, stderr %s" % (code, err))
        check_reasons(err)

        cpu = sub.of("sample", "cpu.cpu0.web-1")
        check(len(cpu) == 2, "cpu.cpu0.web-1 (tag values in tag-key order): %s" % sub.summary())
        check(cpu[0]["fields"] == {"usage_user": 12.5, "usage_idle": 80.1} and
              cpu[0]["ts"] == MS and cpu[1]["ts"] == MS + 1000 and
              [c["seq"] for c in cpu] == [1, 2] and cpu[1]["fields"] == {"usage_user": 13.0},
              "cpu samples %r" % cpu)
        check(list(cpu[0]) == ["kind", "ts", "seq", "fields"], "key order %r" % list(cpu[0]))

        disk = sub.last("sample", "disk.web-1._var")
        check(disk is not None, "disk.web-1._var: %s" % sub.summary())
        f = disk["fields"]
        check(f == {"used": 1234, "free": 18446744073709551615, "neg": -5, "ro": 0, "rw": 1},
              "disk fields (ints exact, booleans 1/0): %r" % f)
        check(all(isinstance(f[k], int) for k in f), "integers stay integers: %r" % f)
        check(disk["strings"] == {"fs": "ext4"} and disk["ts"] == MS, "disk %r" % disk)

        w = sub.last("sample", "weather.us_midwest.a_b")
        check(w is not None, "escaped tags: %s" % sub.summary())
        check(w["fields"] == {"temp c": 82.0}, "escaped field key: %r" % w)
        check(w["strings"] == {"msg": 'say "hi" \\ ok', "path": "C:\\dir"}, "strings %r" % w)
        check(t0 <= w["ts"] <= t1, "no timestamp: now (%d..%d), got %r" % (t0, t1, w["ts"]))

        check(sub.last("sample", "my_meas_x.v")["fields"] == {"f": 1500.0}, "escaped measurement")
        check(sub.last("sample", "caf_._")["fields"] == {"v": -0.25}, "UTF-8: one '_' per char")
        mem = sub.last("sample", "mem")
        check(mem["fields"] == {"free": 1} and mem["ts"] == MS, "spaces around: %r" % mem)

        topics = {"cpu.cpu0.web-1", "disk.web-1._var", "weather.us_midwest.a_b", "my_meas_x.v",
                  "caf_._", "mem"}
        check(sub.topics("sample") == topics, "topics %s, want %s" % (sorted(sub.topics("sample")),
                                                                       sorted(topics)))
        for t in topics:
            kinds = [b["kind"] for tt, b, _ in sub.msgs if tt == t]
            check(kinds[0] == "meta" and kinds.count("meta") == 1, "%s: meta first: %r" % (t, kinds))
            m = sub.last("meta", t)
            check(m["title"] == "From Telegraf" and m["unit"] == "%" and m["chart"] == "bar" and
                  m["interval_ms"] == 10000 and m["collector"] == "rtdash-pub", "meta %r" % m)
    finally:
        sub.close()


def test_influx_precision():
    sub = Sub()
    try:
        for prec, ts in (("s", "1700000000"), ("ms", "1700000000123"), ("us", "1700000000123456"),
                         ("ns", "1700000000123999999")):
            code, err = run_pub(["--format", "influx", "--precision", prec], sub,
                                "p,u=%s v=1 %s\n" % (prec, ts))
            check(code == 0 and err == "", "%s: exit %d %r" % (prec, code, err))
        sub.pump(0.3)
        for prec, want in (("s", 1700000000000), ("ms", MS), ("us", MS), ("ns", MS)):
            s = sub.last("sample", "p." + prec)
            check(s and s["ts"] == want, "--precision %s: %r, want ts %d" % (prec, s, want))
        code, err = run_pub(["--format", "influx", "--precision", "s"], sub,
                            "p v=1 9223372036854775807\n")
        check(code == 1 and "out of range" in err, "s overflow: %d %r" % (code, err))
        code, err = run_pub(["--format", "influx", "--precision", "h"], sub, "p v=1\n")
        check(code == 2 and "--precision" in err, "bad precision: %d %r" % (code, err))
        code, err = run_pub(["--format", "influx", "p,x=1", "v=1"], sub)
        check(code == 2 and "standard input" in err, "influx arguments: %d %r" % (code, err))
        code, err = run_pub(["--format", "yaml"], sub, "")
        check(code == 2 and "--format" in err, "bad format: %d %r" % (code, err))
    finally:
        sub.close()


def run_check(args, text, sub):
    """rtdash-pub --check ...: (exit, stdout, stderr); sub must receive nothing."""
    e = child_env()
    e["RTDASH_HUB"] = sub.endpoint
    t0 = time.time()
    p = subprocess.run([os.path.join(BIN, "rtdash-pub"), "--check"] + args, input=text.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, timeout=20)
    check(time.time() - t0 < 3, "--check waits for nothing (took %.1fs)" % (time.time() - t0))
    sub.pump(0.5)
    check(not sub.msgs, "--check published: %s" % sub.summary())
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_check_influx():
    sub = Sub()
    try:
        code, out, err = run_check(["--format", "influx", "--title", "T"], GOOD + BAD, sub)
        check(code == 1, "--check with bad lines: exit %d, want 1" % code)
        check_reasons(err)
        oks = re.findall(r"^line (\d+): ok: (\S+) sample$", out, re.M)
        want = [(3, "cpu.cpu0.web-1"), (4, "disk.web-1._var"), (5, "weather.us_midwest.a_b"),
                (6, "my_meas_x.v"), (7, "caf_._"), (8, "cpu.cpu0.web-1"), (9, "mem")]
        check([(int(n), t) for n, t in oks] == want, "ok lines %r, want %r" % (oks, want))
        check(out.rstrip().endswith("27 lines: 7 valid, 18 with errors"), "summary: %r" % out)

        code, out, err = run_check(["--format", "influx"], GOOD, sub)
        check(code == 0 and err == "" and "9 lines: 7 valid, 0 with errors" in out,
              "all good: exit %d %r %r" % (code, out, err))
    finally:
        sub.close()


def test_check_auto_format():
    sub = Sub()
    try:
        text = ('a.b 1\n{"topic":"j.e","kind":"event","text":"hi"}\nbad topic 1\n'
                '{"topic":"x","kind":"meta","title":"X"}\n{"topic":"a.b","value":"s"}\n')
        code, out, err = run_check([], text, sub)
        check(code == 1, "exit %d" % code)
        check(sorted(err_lines(err)) == [3, 5], "bad lines: %r" % err)
        check(re.findall(r"^line (\d+): ok: (\S+) (\w+)$", out, re.M) ==
              [("1", "a.b", "sample"), ("2", "j.e", "event"), ("4", "x", "meta")], "out %r" % out)
        code, out, err = run_check(["room.temp", "21.5"], "", sub)
        check(code == 0 and out == "ok: room.temp sample\n", "command line: %d %r" % (code, out))
        code, out, err = run_check(["room.temp", "x"], "", sub)
        check(code == 2 and "not a number" in err, "bad command line: %d %r" % (code, err))
        code, out, err = run_check([], "", sub)
        check(code == 0 and "0 lines: 0 valid, 0 with errors" in out, "empty: %d %r" % (code, out))
    finally:
        sub.close()


def test_influx_garbage_never_fatal():
    """Random mutations of good lines: every line is either ok or reported, and
    rtdash-pub (with the sanitizers in CI) neither crashes nor stops early."""
    import random
    rnd = random.Random(4)
    alphabet = 'ab=, \\"i0u1.-e\ttf#\xe9\x00\x7f'
    seeds = [ln for ln in (GOOD + BAD).splitlines() if ln.strip() and not ln.startswith("#")]
    lines = []
    for _ in range(3000):
        ln = list(rnd.choice(seeds))
        for _ in range(rnd.randint(1, 4)):
            op, i = rnd.randint(0, 2), rnd.randint(0, len(ln))
            if op == 0:
                ln.insert(i, rnd.choice(alphabet))
            elif op == 1 and i < len(ln):
                del ln[i]
            elif i < len(ln):
                ln[i] = rnd.choice(alphabet)
        lines.append("".join(ln).replace("\n", " ").replace("\r", " "))
    lines.append("x" * 300000)  # over the line limit
    lines.append("m v=1")
    sub = Sub()
    try:
        code, out, err = run_check(["--format", "influx"], "\n".join(lines) + "\n", sub)
        check(code == 1, "exit %d; stderr %s" % (code, err[-2000:]))
        bad = err_lines(err)
        ok = [int(n) for n in re.findall(r"^line (\d+): ok: ", out, re.M)]
        want = [i + 1 for i, ln in enumerate(lines)
                if ln.strip(" \t") and not ln.strip(" \t").startswith("#")]
        check(sorted(set(ok) | set(bad)) == want and not set(ok) & set(bad),
              "every line but blanks and comments is either ok or reported (%d ok, %d bad of %d)"
              % (len(ok), len(bad), len(want)))
        check("NUL byte" in err and "longer than" in err, "reasons %s" % err[-1000:])
        check(ok[-1] == len(lines), "the last line is still read")
    finally:
        sub.close()


def test_help_shows_influx_and_check():
    out = subprocess.run([os.path.join(BIN, "rtdash-pub"), "--help"], stdout=subprocess.PIPE,
                         timeout=10).stdout.decode()
    for word in ("--format influx", "cpu,host=web-1,cpu=cpu0", "cpu.cpu0.web-1", "--precision",
                 "\"strings\"", "--check", "line N: ok: TOPIC KIND", "column", "Telegraf"):
        check(word in out, "--help lacks %r" % word)


async def test_influx_through_the_hub():
    with Hub() as hub:
        c = await WSClient.connect(hub)
        await c.subscribe(["sys.*"], history=True)
        e = child_env({"RTDASH_HUB": "tcp://127.0.0.1:%d,%s" % (free_port(), hub.ingest)})
        text = "".join("sys,host=h%d,core=c0 user=%d.5,n=%di,up=true,note=\"x y\"\n" % (i % 2, i, i)
                       for i in range(6))
        q = subprocess.run([os.path.join(BIN, "rtdash-pub"), "--format", "influx", "--title", "CPU",
                            "--unit", "%", "--chart", "line"], input=text.encode(),
                           stderr=subprocess.PIPE, env=e, timeout=20)
        check(q.returncode == 0 and not q.stderr, "exit %d %r" % (q.returncode, q.stderr))
        got = {}
        metas = {}
        deadline = time.monotonic() + 10
        while len(got.get("sys.c0.h0", [])) < 3 or len(got.get("sys.c0.h1", [])) < 3:
            check(time.monotonic() < deadline, "samples at the browser: %r, meta %r" % (got, metas))
            m = await c.wait_for(lambda m: m.get("type") in ("sample", "topic"), 10,
                                 "sample or topic")
            if m["type"] == "topic":
                metas[m["topic"]] = m["meta"]
            else:
                got.setdefault(m["topic"], []).append(m)
        check(set(metas) == {"sys.c0.h0", "sys.c0.h1"}, "meta of both topics: %r" % metas)
        for t, m in metas.items():
            check(m["title"] == "CPU" and m["unit"] == "%" and m["chart"] == "line", "%s %r" % (t, m))
        s = got["sys.c0.h1"][0]
        check(s["fields"] == {"user": 1.5, "n": 1, "up": 1} and s["strings"] == {"note": "x y"} and
              [x["seq"] for x in got["sys.c0.h1"]] == [1, 2, 3], "h1 samples %r" % got["sys.c0.h1"])
        await c.close()


if __name__ == "__main__":
    run_tests(dict(globals()))
