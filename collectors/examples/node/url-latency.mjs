#!/usr/bin/env node
// url-latency.mjs - an rtdash collector in Node.js: how long a URL takes to answer.
//
// Every interval it fetches the URL (by default the hub's own /healthz) and
// publishes one sample on the topic `example.latency`: the field `ms`, the
// time to the whole response (null when the request failed, a gap in the
// chart), and `status`, the HTTP status (0 when there was none), as an extra
// key that travels to the browser with the sample without being charted. It
// goes to every hub of RTDASH_HUB; meta goes out at start and every 10 s. With no hub there, ZeroMQ drops the messages: the
// collector never waits. SIGTERM or Ctrl-C stops it.
//
//     npm ci                                   # once, in this directory
//     node url-latency.mjs --url https://example.com/
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
// Copy it, change measure() and META, and you have your own collector.
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { encode } from "@msgpack/msgpack";
import { Publisher, capability } from "zeromq";

const env = process.env;
const { values: opt } = parseArgs({
  options: {
    hub: { type: "string", default: env.RTDASH_HUB || "tcp://127.0.0.1:5556" },
    "interval-ms": { type: "string", default: env.RTDASH_INTERVAL_MS || "1000" },
    url: { type: "string", default: `http://127.0.0.1:${env.RTDASH_PORT || 8080}/healthz` },
    topic: { type: "string", default: "example.latency" },
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
  collector: "example-node",
  fields: { ms: { label: "Response time", unit: "ms", color: "#f59e0b" } },
};

// RTDASH_CURVE_SERVERKEY and RTDASH_CURVE_KEYFILE (both, or neither): the
// socket options of a CURVE client, or exit with a clear line.
function curveOptions() {
  const server = (env.RTDASH_CURVE_SERVERKEY || "").trim();
  const keyfile = env.RTDASH_CURVE_KEYFILE || "";
  if (!server && !keyfile) return {};
  const fail = (why) => {
    console.error(`url-latency: ${why}`);
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

// One socket, connected to every hub. linger 0: on exit, drop what is unsent.
let sock;
try {
  sock = new Publisher({ linger: 0, ...curveOptions() });
} catch (err) {
  console.error(
    `url-latency: CURVE: ${err.message} (capability.curve of this build of the npm ` +
      `package zeromq: ${capability.curve}; without it, build zeromq from source with CURVE)`,
  );
  process.exit(1);
}
for (const endpoint of opt.hub.split(",")) {
  if (endpoint.trim()) sock.connect(endpoint.trim());
}

function stop() {
  sock.close();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

// PUB never blocks: with no hub (or a slow one) ZeroMQ drops the message.
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
