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
// Copy it, change measure() and META, and you have your own collector.
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { encode } from "@msgpack/msgpack";
import { Publisher } from "zeromq";

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

// One socket, connected to every hub. linger 0: on exit, drop what is unsent.
const sock = new Publisher({ linger: 0 });
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
