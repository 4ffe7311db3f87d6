// SPDX-License-Identifier: MIT
// A connection that heals itself: the link drops (the browser goes offline)
// and the page resumes from where each chart stopped, with no gap and no
// duplicate; the hub is killed and started again on the same ports (new
// epoch) and the page reconnects by itself and the charts go on.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  Harness, startProxy, ARTIFACTS, info, series, waitSeqAbove, waitTsAbove, screenshot, sleep,
  assertOrderedUnique, assertNoSeqGap, realErrors,
} from './lib.mjs';

const h = new Harness('reconnect');
let hub, page, proxy;

before(async () => {
  ({ hub, page } = await h.standardPage({
    history: { 'demo.sales': 10 },
    // The page talks to the hub through a proxy we can cut.
    url: async (hub1) => { proxy = await startProxy(hub1.port); return `${proxy.url}?trace=1`; },
    page: { width: 1440, height: 1000 },
  }));
});

after(async () => { if (proxy) await proxy.close(); await h.close(); });

test('a dropped link resumes with since: no gap, no duplicate', async () => {
  const sent = [];
  const trace = []; // what happened on the wire, written out if the test fails
  page.on('websocket', (ws) => {
    trace.push(`${Date.now()} open`);
    ws.on('close', () => trace.push(`${Date.now()} close`));
    ws.on('framesent', (f) => { sent.push(String(f.payload)); trace.push(`${Date.now()} sent ${String(f.payload)}`); });
    ws.on('framereceived', (f) => {
      for (const l of String(f.payload).split('\n')) {
        const m = JSON.parse(l);
        if (m.type === 'history') trace.push(`${Date.now()} recv history ${m.topic} complete=${m.complete} seqs ${m.points.map((p) => p.seq).join(',')}`);
        else if (m.type === 'welcome') trace.push(`${Date.now()} recv welcome epoch ${m.epoch} demo.sales last ${JSON.stringify((m.topics.find((x) => x.topic === 'demo.sales') || {}).last)}`);
        else if (m.topic === 'demo.sales' || m.type !== 'sample') trace.push(`${Date.now()} recv ${l.slice(0, 200)}`);
      }
    });
  });
  const epoch = (await page.evaluate(() => window.rtdash.state())).epoch;
  const at = (await info(page, 'demo.sales')).lastSeq;
  // Cut the link: the WebSocket closes and new ones are refused for a while.
  proxy.cut();
  try {
    await page.waitForFunction(() => document.getElementById('conn').dataset.state !== 'open', null, { timeout: 10000 });
    assert.match(await page.textContent('#conn-text'), /Reconnecting/);
    await screenshot(page, 'reconnect-link-cut', { fullPage: false });
    await sleep(1500);
  } finally {
    proxy.restore();
  }
  await page.waitForFunction(() => document.getElementById('conn').dataset.state === 'open', null, { timeout: 20000 });
  assert.equal((await page.evaluate(() => window.rtdash.state())).epoch, epoch, 'same hub');
  await waitSeqAbove(page, 'demo.sales', at + 10);
  // The welcome already shows each topic's last value; the missed points come
  // with the answer to the subscribe right after: wait for them.
  await page.waitForFunction((s) => {
    const pts = window.rtdash.series('demo.sales');
    return pts.some((p) => p.seq === s + 1) && pts.every((p, i) => i === 0 || p.seq === pts[i - 1].seq + 1);
  }, at, { timeout: 10000 }).catch(() => { /* the assertions below say what is wrong */ });
  try {
    for (const t of ['demo.sales', 'system.cpu', 'demo.users']) {
      const pts = await series(page, t);
      assertOrderedUnique(pts, t);
      assertNoSeqGap(pts, `${t} after reconnect`);
    }
  } catch (err) {
    const file = path.join(ARTIFACTS, 'reconnect-trace.txt');
    const pageTrace = (await page.evaluate(() => window.rtdash.trace())) || [];
    fs.writeFileSync(file, `cut at seq ${at}\n${trace.join('\n')}\n\npage:\n${pageTrace.filter((l) => !/ sample (?!demo\.sales)/.test(l)).join('\n')}\n`);
    err.message += ` (wire trace in ${file})`;
    throw err;
  }
  // On the wire: the new connection's subscribe resumed each topic with since.
  const sub = sent.map((s) => JSON.parse(s)).find((c) => c.type === 'subscribe');
  assert.ok(sub && sub.since && Array.isArray(sub.since['demo.sales']), 'subscribe carried since');
  assert.ok(sub.since['demo.sales'][1] >= at, 'since is where the chart stopped');
});

test('kill the hub, start it again: the page reconnects and charts go on', async () => {
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
  const epoch = (await page.evaluate(() => window.rtdash.state())).epoch;
  const before1 = await series(page, 'demo.sales');
  assert.ok(before1.length >= 10);
  await hub.proc.stop('SIGKILL');
  await page.waitForFunction(() => document.getElementById('conn').dataset.state === 'reconnecting', null, { timeout: 10000 });
  await page.waitForFunction(() => /Reconnecting/.test(document.getElementById('conn-text').textContent), null, { timeout: 5000 });
  await screenshot(page, 'reconnect-hub-down', { fullPage: false });
  // (Offered while waiting for the next attempt, hidden during one.)
  await page.waitForSelector('#conn-retry', { state: 'visible', timeout: 10000 });
  await sleep(2000);
  const downAt = Date.now();
  // Same ports: the collectors (ZeroMQ) and the page find it again by themselves.
  const hub2 = await h.hub({ port: hub.port, ingestPort: hub.ingestPort });
  hub = hub2;
  await page.waitForFunction(() => document.getElementById('conn').dataset.state === 'open', null, { timeout: 30000 });
  // The socket is open before the hub's welcome (with its epoch) arrives.
  await page.waitForFunction((e) => window.rtdash.state().epoch !== e, epoch, { timeout: 10000 }).catch(() => {});
  const epoch2 = (await page.evaluate(() => window.rtdash.state())).epoch;
  assert.notEqual(epoch2, epoch, 'the restarted hub has a new epoch');
  await page.waitForSelector('#activity .log-item:has-text("restarted")', { timeout: 5000 });
  // Charts continue: new points after the restart, old ones still there.
  await waitTsAbove(page, 'demo.sales', downAt + 1000, 15000);
  await waitTsAbove(page, 'system.cpu', downAt + 1000, 15000);
  const after1 = await series(page, 'demo.sales');
  assertOrderedUnique(after1, 'demo.sales');
  assert.ok(after1[0].ts <= before1[before1.length - 1].ts, 'points from before the restart are still on the chart');
  // New epoch: the page asked for the full history (no since for that hub).
  const subs = sent.filter((s) => s.includes('"subscribe"')).map((s) => JSON.parse(s));
  assert.ok(subs.length >= 1, 'subscribed again');
  assert.ok(subs.every((c) => c.history === true && !c.since), 'full history after a new epoch');
  await screenshot(page, 'reconnect-after-restart', { fullPage: false });
  assert.deepEqual(realErrors(page), []);
});
