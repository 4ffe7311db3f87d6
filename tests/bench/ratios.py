#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print the bench table with rtdash-hub's ratios against every peer of the
same run, and the issue-7 targets. Usage: ratios.py RESULTS_DIR"""
import json
import os
import re
import sys

out = sys.argv[1]


def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


steps = []
with open(os.path.join(out, "steps.tsv")) as f:
    for line in f:
        p = line.rstrip("\n").split("\t")
        if p[0] in ("peer", "#superseded") or len(p) < 6:
            continue
        steps.append(dict(zip(["peer", "scen", "clients", "rate", "tag", "verdict", "extra"],
                              p + [""])))

peers = []
for s in steps:
    if s["peer"] not in peers:
        peers.append(s["peer"])

A = {}  # (peer, scen) -> (delivered, p99, client-limited)
for s in steps:
    if not s["scen"].startswith("A") or not s["verdict"].startswith("PASS"):
        continue
    m = re.search(r"delivered=(\d+)/s", s["verdict"])
    p99 = re.search(r"p99=([\d.]+)ms", s["verdict"])
    if not m:
        continue
    v = int(m.group(1))
    limited = "client-" in s["verdict"]
    if v > A.get((s["peer"], s["scen"]), (0,))[0]:
        A[(s["peer"], s["scen"])] = (v, float(p99.group(1)) if p99 else None, limited)

B, C = {}, {}
for s in steps:
    wl = load(s["tag"] + ".wsload.json")
    if not wl:
        continue
    if s["scen"] == "B":
        lat = wl["latency_ms"]
        B[s["peer"]] = (lat["p50"], lat["p99"], lat["max"], s["verdict"].startswith("PASS"))
    elif s["scen"] == "C":
        w = (wl.get("watch") or [{}])[0]
        base = float(s["extra"] or w.get("rss_kb_start") or 0)
        ready = wl.get("ready") or 0
        if ready:
            C[s["peer"]] = ((w.get("rss_kb_end", 0) - base) / ready, ready)


def fmt(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2fM" % (v / 1e6)
    if v >= 1e3:
        return "%.0fk" % (v / 1e3)
    return "%.0f" % v


def ratio(a, b):
    return "%.2f×" % (a / b) if a and b else "-"


hub = "hub"
print("\n## rtdash bench — one run, ratios are rtdash-hub / peer\n")
print("| peer | A N=100 msg/s | hub/peer | A N=1000 msg/s | hub/peer | B p50/p99/max ms "
      "| C KiB/idle client | D ingest msg/s |")
print("|---|---|---|---|---|---|---|---|")
ingest = {}
for line in open(os.path.join(out, "ingest.json")) if os.path.exists(
        os.path.join(out, "ingest.json")) else []:
    try:
        d = json.loads(line)
    except ValueError:
        continue
    # the highest rate delivered whole (lossless, >= 95 %) per peer
    if d.get("ok") and d["delivered_per_s"] > ingest.get(d["peer"], {}).get("delivered_per_s", 0):
        ingest[d["peer"]] = d
for p in peers:
    a1 = A.get((p, "A100"))
    a2 = A.get((p, "A1000"))
    h1 = A.get((hub, "A100"))
    h2 = A.get((hub, "A1000"))
    b = B.get(p)
    c = C.get(p)
    d = ingest.get(p)
    print("| %s | %s%s | %s | %s%s | %s | %s | %s | %s |" % (
        p,
        ("≥ " if a1 and a1[2] else "") + fmt(a1[0]) if a1 else "-", "",
        ratio(h1[0], a1[0]) if (h1 and a1) else "-",
        ("≥ " if a2 and a2[2] else "") + fmt(a2[0]) if a2 else "-", "",
        ratio(h2[0], a2[0]) if (h2 and a2) else "-",
        "%.2f / %.2f / %.1f" % b[:3] if b else "-",
        "%.1f (%d held)" % c if c else "-",
        fmt(d["delivered_per_s"]) if d else "-"))

# E: realistic dashboard mix (tests/bench/mix.sh), hub vs NATS
mix = {}
if os.path.exists(os.path.join(out, "mix.json")):
    for line in open(os.path.join(out, "mix.json")):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("scenario") == "E":
            mix[d["peer"]] = d
if mix:
    n = next(iter(mix.values())).get("clients")
    print("\nE — dashboard mix: 1000 topics from 10 collectors, %s clients × 20 topics each; "
          "highest passing publish rate (all topics together)\n" % n)
    print("| peer | E rate msg/s | delivered msg/s | hub/peer | p50 / p99 / max ms | server CPU % "
          "| 1st failure: client core / client idle % |")
    print("|---|---|---|---|---|---|---|")
    he = mix.get(hub) or {}

    def fmt_e(v):  # rates like 5500 and 17000: keep the bisection's digits
        return "%.1fk" % (v / 1e3) if 1e3 <= v < 1e5 else fmt(v)

    for p, d in mix.items():
        lb = "≥ " if d.get("client_limited") or d.get("ladder_exhausted") else ""
        ff = d.get("first_failure") or {}
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            p, lb + fmt_e(d.get("best_rate")) if d.get("best_rate") else "-",
            lb + fmt_e(d.get("delivered_per_s")) if d.get("delivered_per_s") else "-",
            ratio(he.get("delivered_per_s"), d.get("delivered_per_s")),
            "%.2f / %.2f / %.1f" % (d["p50_ms"], d["p99_ms"], d["max_ms"]) if d.get("best_rate") else "-",
            "-" if d.get("server_cpu_pct") is None else "%.0f" % d["server_cpu_pct"],
            "%.0f / %.0f" % (ff["client_core_busy_pct"], ff["client_idle_pct"])
            if None not in (ff.get("client_core_busy_pct"), ff.get("client_idle_pct")) else "-"))

instr = load("instr.json")
if instr and instr.get("instr_per_delivered"):
    print("\nInstructions per delivered message (callgrind, %d clients, %d msg/s for %d s): "
          "**%.0f**" % (instr["clients"], instr["rate"], instr["seconds"],
                        instr["instr_per_delivered"]))

# Auth: the hub again, every client with a token (run.sh's second pass)
auth_a = {}
if os.path.exists(os.path.join(out, "auth", "steps.tsv")):
    for line in open(os.path.join(out, "auth", "steps.tsv")):
        p = line.rstrip("\n").split("\t")
        if len(p) < 6 or p[0] != hub or not p[1].startswith("A") or not p[5].startswith("PASS"):
            continue
        m = re.search(r"delivered=(\d+)/s", p[5])
        if m and int(m.group(1)) > auth_a.get(p[1], 0):
            auth_a[p[1]] = int(m.group(1))
instr_auth = load("instr-auth.json")
if auth_a or instr_auth:
    print("\nWith a token on every client (--auth), hub with / without:\n")
    for sc in ("A100", "A1000"):
        if sc in auth_a:
            print("- %s: %s / %s = %s" % (sc, fmt(auth_a[sc]), fmt(a_plain := A.get((hub, sc),
                                                                                 (0,))[0]),
                                          ratio(auth_a[sc], a_plain)))
    if instr_auth and instr and instr_auth.get("instr_per_delivered"):
        print("- instructions per delivered message: %.0f / %.0f = %s" % (
            instr_auth["instr_per_delivered"], instr["instr_per_delivered"],
            ratio(instr_auth["instr_per_delivered"], instr["instr_per_delivered"])))

print("\nTargets (issue 7):")


def target(name, ok):
    print("- [%s] %s" % ("x" if ok else " ", name))


def a(p, s):
    return A.get((p, s), (0,))[0]


target("A 1000 clients >= 1.0x nats (%s)" % ratio(a(hub, "A1000"), a("nats", "A1000")),
       a("nats", "A1000") and a(hub, "A1000") >= a("nats", "A1000"))
target("A 1000 clients >= 0.8x stub-hub (%s)" % ratio(a(hub, "A1000"), a("stub-hub", "A1000")),
       a("stub-hub", "A1000") and a(hub, "A1000") >= 0.8 * a("stub-hub", "A1000"))
target("A 100 clients >= 0.8x stub-hub (%s)" % ratio(a(hub, "A100"), a("stub-hub", "A100")),
       a("stub-hub", "A100") and a(hub, "A100") >= 0.8 * a("stub-hub", "A100"))
if hub in B and "stub-hub" in B:
    target("B p99 <= stub-hub's (%.2f vs %.2f ms)" % (B[hub][1], B["stub-hub"][1]),
           B[hub][1] <= B["stub-hub"][1])
if hub in C:
    target("C <= 4 KiB per idle client, 10 000 held (%.1f KiB, %d held)" % C[hub],
           C[hub][0] <= 4 and C[hub][1] >= 10000)
if hub in ingest:
    target("D >= 200 000 msg/s ingest (%s)" % fmt(ingest[hub]["delivered_per_s"]),
           ingest[hub]["delivered_per_s"] >= 200000)
print("\n(≥: the load client's core was saturated, the server may do more.)")
