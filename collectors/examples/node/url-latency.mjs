#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// url-latency.mjs - an rtdash collector in Node.js: how long a URL takes to answer.
//
// Every interval it fetches the URL (by default the hub's own /healthz) and
// publishes one sample on its topic: the field `ms`, the time to the whole
// response (null when the request failed, a gap in the chart), and `status`,
// the HTTP status (0 when there was none), as an extra key that travels to
// the browser with the sample without being charted. The topic is --topic
// (RTDASH_TOPIC), by default `example.url-latency.HOST` (this file's name
// without `.mjs`, and the host name); the collector's name in its meta is
// --collector (RTDASH_COLLECTOR, which a supervising hub sets to the name it
// shows), by default this file's name. It goes to every hub of RTDASH_HUB;
// meta goes out at start and every 10 s. It never waits for a hub: before a
// hub has connected ZeroMQ drops what is sent; while a hub that was connected
// is away, up to sendHighWaterMark messages wait for it and go to it when it
// is back, the rest are dropped. A second collector on this machine that
// publishes the same topic to the same hub is refused at start (the seq
// numbers of two publishers would interleave). SIGTERM or Ctrl-C stops it.
//
//     npm ci                                   # once, in this directory
//     node url-latency.mjs --url https://example.com/ --topic web.example
//     RTDASH_HUB=tcp://127.0.0.1:5556 RTDASH_INTERVAL_MS=5000 node url-latency.mjs
//
// With a hub that takes CURVE (--curve-secret, --curve-clients), set
// RTDASH_CURVE_SERVERKEY (the hub's public key) and RTDASH_CURVE_KEYFILE (this
// collector's key file, from `rtdash-pub --gen-keys FILE`). The npm package
// zeromq 6.8.0 locked here has CURVE in its Linux x64 binary (it reports
// capability.curve); a build without it makes this collector exit saying so.
// (zeromq.js sets the keys but cannot read them back: do not log them from
// the socket.)
//
// Copy it, change measure(), META and the topic, and you have your own collector.
import { readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { encode } from "@msgpack/msgpack";
import { Publisher, Pull, capability } from "zeromq";

const env = process.env;
const NAME = basename(fileURLToPath(import.meta.url)); // what `rtdash-hub --collector` calls it
// example.FILE.HOST: another file, or another host, gets another topic.
const clean = (s) => s.replace(/[^A-Za-z0-9_-]/g, "_");
const host = hostname().split(".")[0] || "localhost";
const DEFAULT_TOPIC = `example.${clean(NAME.replace(/\.[^.]*$/, ""))}.${clean(host)}`;
const SNDHWM = 1000; // messages kept per hub while it is away (ZeroMQ's default, said out loud)

const { values: opt } = parseArgs({
  options: {
    hub: { type: "string", default: env.RTDASH_HUB || "tcp://127.0.0.1:5556" },
    "interval-ms": { type: "string", default: env.RTDASH_INTERVAL_MS || "1000" },
    url: { type: "string", default: `http://127.0.0.1:${env.RTDASH_PORT || 8080}/healthz` },
    topic: { type: "string", default: env.RTDASH_TOPIC || DEFAULT_TOPIC },
    collector: { type: "string", default: env.RTDASH_COLLECTOR || NAME },
  },
});
const intervalMs = Math.max(50, Number(opt["interval-ms"]) || 1000);
const META_EVERY_MS = 10000;

const META = {
  kind: "meta",
  title: `Latency of ${opt.url}`,
  unit: "ms",
  chart: "line",
  interval_ms: intervalMs,
  collector: opt.collector,
  fields: { ms: { label: "Response time", unit: "ms", color: "#f59e0b" } },
};

const endpoints = opt.hub.split(",").map((e) => e.trim()).filter((e) => e);

// One publisher per topic and hub: hold an abstract Unix socket named after
// (topic, hub) while we run, so that a second copy on this machine fails here
// rather than interleaving its seq numbers with ours. The kernel frees it
// when the process ends, however it ends. The name is the same in every
// example: "rtdash-topic-" and the 64-bit FNV-1a hash of "TOPIC HUB" (bound
// through ZeroMQ's ipc://@: Node's own sockets do not bind that name alike
// in every version).
const held = [];
for (const endpoint of endpoints) {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(`${opt.topic} ${endpoint}`)) {
    h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  }
  const claim = new Pull({ linger: 0 });
  try {
    await claim.bind(`ipc://@rtdash-topic-${h.toString(16).padStart(16, "0")}`);
  } catch {
    console.error(`${NAME}: another collector on this machine already publishes ` +
                  `${opt.topic} to ${endpoint}: give this one its own --topic`);
    process.exit(1);
  }
  held.push(claim);
}

// RTDASH_CURVE_SERVERKEY and RTDASH_CURVE_KEYFILE (both, or neither): the
// socket options of a CURVE client, or exit with a clear line.
function curveOptions() {
  const server = (env.RTDASH_CURVE_SERVERKEY || "").trim();
  const keyfile = env.RTDASH_CURVE_KEYFILE || "";
  if (!server && !keyfile) return {};
  const fail = (why) => {
    console.error(`${NAME}: ${why}`);
    process.exit(1);
  };
  if (!server || !keyfile) fail("CURVE needs both RTDASH_CURVE_SERVERKEY and RTDASH_CURVE_KEYFILE");
  if (server.length !== 40) fail("RTDASH_CURVE_SERVERKEY is not a key of 40 Z85 characters");
  let words = [];
  try {
    if (statSync(keyfile).mode & 0o077) {
      fail(`RTDASH_CURVE_KEYFILE ${keyfile}: readable or writable by group or others (chmod 600)`);
    }
    words = readFileSync(keyfile, "utf8").split(/\s+/).filter(Boolean);
  } catch (err) {
    fail(`RTDASH_CURVE_KEYFILE ${keyfile}: ${err.code || err.message}`);
  }
  if (words.length !== 2 || words.some((w) => w.length !== 40)) {
    fail(`RTDASH_CURVE_KEYFILE ${keyfile}: not one line PUBLIC SECRET (rtdash-pub --gen-keys)`);
  }
  return { curveServerKey: server, curvePublicKey: words[0], curveSecretKey: words[1] };
}

// One socket, connected to every hub. linger 0: on exit, drop what is unsent;
// sendHighWaterMark: the most that waits for a hub that is away.
let sock;
try {
  sock = new Publisher({ linger: 0, sendHighWaterMark: SNDHWM, ...curveOptions() });
} catch (err) {
  console.error(
    `${NAME}: CURVE: ${err.message} (capability.curve of this build of the npm ` +
      `package zeromq: ${capability.curve}; without it, build zeromq from source with CURVE)`,
  );
  process.exit(1);
}
for (const endpoint of endpoints) sock.connect(endpoint);

function stop() {
  sock.close();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

// PUB never blocks: what does not fit in a hub's queue is dropped.
// zeromq.js allows one send at a time, hence the await at every call.
async function send(body) {
  await sock.send([opt.topic, encode(body)]);
}

let lastError = "";
async function measure() {
  const t0 = performance.now();
  try {
    const res = await fetch(opt.url, { signal: AbortSignal.timeout(Math.max(intervalMs, 1000)) });
    await res.arrayBuffer();
    lastError = "";
    return { fields: { ms: Math.round((performance.now() - t0) * 100) / 100 }, status: res.status };
  } catch (err) {
    const why = String(err.cause?.code || err.name || err);
    if (why !== lastError) console.error(`url-latency: ${opt.url}: ${why}`);
    lastError = why;
    return { fields: { ms: null }, status: 0 };
  }
}

await sleep(300); // let the hubs subscribe: PUB drops what it sends before that
let seq = 0;
let lastMeta = -Infinity;
for (;;) {
  const t0 = performance.now();
  if (t0 - lastMeta >= META_EVERY_MS) {
    await send(META);
    lastMeta = t0;
  }
  const { fields, status } = await measure();
  seq += 1;
  await send({ kind: "sample", ts: Date.now(), seq, fields, status });
  await sleep(Math.max(0, intervalMs - (performance.now() - t0)));
}
