// SPDX-License-Identifier: MIT
// Control of the streams: per-widget stop/start (unsubscribe/subscribe) and
// the global pause/resume; on start and on resume the chart is filled from
// the hub's history, so no point is missing and none is doubled.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Harness, info, series, waitSeqAbove, screenshot, sleep, assertOrderedUnique, assertNoSeqGap, realErrors,
} from './lib.mjs';

const h = new Harness('controls');
let page;

before(async () => {
  ({ page } = await h.standardPage({
    history: { 'demo.sales': 10 },
    page: { width: 1440, height: 1600 },
    count: { 'demo.sales': 10, 'system.cpu': 10 },
  }));
});

after(async () => { await h.close(); });

const lastSeq = async (t) => (await info(page, t)).lastSeq;

test('stop and start one widget', async () => {
  const w = '.widget[data-topic="demo.sales"]';
  const btn = page.locator(`${w} .w-toggle`);
  assert.equal(await btn.getAttribute('aria-label'), 'Stop Sales stream');
  await btn.click();
  await page.waitForSelector(`${w}[data-state="stopped"]`);
  assert.equal(await btn.getAttribute('aria-pressed'), 'true');
  assert.ok(!(await page.evaluate(() => window.rtdash.state().subscribed)).includes('demo.sales'));
  await sleep(300); // anything in flight has arrived
  const stoppedAt = await lastSeq('demo.sales');
  const usersAt = await lastSeq('demo.users');
  await sleep(2000); // ~10 samples at 200 ms
  assert.equal(await lastSeq('demo.sales'), stoppedAt, 'a stopped widget gets no data');
  assert.ok(await lastSeq('demo.users') >= usersAt + 5, 'other widgets go on');
  await screenshot(page, 'controls-stopped', { clip: await page.locator(w).boundingBox() });

  await btn.click();
  await page.waitForSelector(`${w}[data-state="live"]`);
  // Start subscribes with since: the missed points come from the history.
  await waitSeqAbove(page, 'demo.sales', stoppedAt + 9, 5000);
  const pts = await series(page, 'demo.sales');
  assertOrderedUnique(pts, 'demo.sales');
  assertNoSeqGap(pts, 'demo.sales after start');
  assert.ok(pts.some((p) => p.seq === stoppedAt + 1) && pts.some((p) => p.seq === stoppedAt + 8), 'the stop window is filled');
});

test('global pause and resume fill the gap', async () => {
  const topics = ['demo.sales', 'demo.users', 'system.cpu', 'system.memory'];
  await page.click('#pause-all');
  await page.waitForFunction(() => document.documentElement.dataset.paused === 'true');
  assert.equal(await page.getAttribute('#pause-all', 'aria-pressed'), 'true');
  assert.match(await page.textContent('#pause-all'), /Resume/);
  await sleep(300);
  const at = {};
  for (const t of topics) at[t] = await lastSeq(t);
  // Badges tell the user the widgets are paused.
  assert.ok(await page.isVisible('.widget[data-topic="demo.sales"] .badge-paused'));
  await sleep(2500);
  for (const t of topics) assert.equal(await lastSeq(t), at[t], `${t} is paused`);
  await screenshot(page, 'controls-paused', { fullPage: false });

  await page.click('#pause-all');
  await page.waitForFunction(() => document.documentElement.dataset.paused === 'false');
  // The missed points arrive at once from the hub (about 12 at 200 ms).
  for (const t of topics) {
    await waitSeqAbove(page, t, at[t] + 9, 3000);
  }
  for (const t of topics) {
    const pts = await series(page, t);
    assertOrderedUnique(pts, t);
    assertNoSeqGap(pts, `${t} after resume`);
  }
  await page.waitForSelector('#activity .log-item:has-text("Resumed")', { timeout: 5000 });
  assert.deepEqual(realErrors(page), []);
});

test('stale topics are shown as such', async () => {
  // A topic with interval_ms that stops sending turns stale (3 × interval).
  // The demo collector's topics have interval_ms = 200: stop the collector.
  const demo = h.procs.find((p) => p.name === 'demo');
  await demo.stop('SIGTERM');
  await page.waitForSelector('.widget[data-topic="demo.sales"][data-stale="true"] .badge-stale', { timeout: 10000 });
  assert.ok(await page.isVisible('.widget[data-topic="demo.sales"] .badge-stale'));
  assert.match(await page.textContent('#topic-sub'), /stale/);
  await screenshot(page, 'controls-stale', { fullPage: false });
  // The system topics are still fresh.
  assert.equal((await info(page, 'system.cpu')).stale, false);
});
