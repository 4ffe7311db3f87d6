// SPDX-License-Identifier: MIT
// The page builds itself from what the collectors announce: widgets with data
// from both standard collectors, server history in the charts right after
// load, a collector started later, wire text never treated as HTML; and
// screenshots in both themes from phone width to 4K.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Harness, openPage, waitCount, widgetData, info, series, waitSeqAbove, getJSON, screenshot,
  pubUntilSeen, pubUntilShown, sleep, assertOrderedUnique, realErrors,
} from './lib.mjs';

const h = new Harness('dashboard');
let hub, browser;

const SYSTEM = ['system.cpu', 'system.cpu.cores', 'system.memory', 'system.swap', 'system.load'];
const DEMO = ['demo.sales', 'demo.users', 'demo.requests', 'demo.views'];

before(async () => {
  // Let the hub build up some history first (200 ms interval: 25 points ≈ 5 s).
  ({ hub, browser } = await h.standardPage({ history: { 'system.cpu': 25, 'demo.sales': 25 } }));
});

after(async () => { await h.close(); });

test('widgets appear with live data from both collectors', async () => {
  const page = await openPage(browser, hub, { width: 1920, height: 1400 });
  const topics = (await getJSON(`${hub.url}api/topics`)).map((t) => t.topic);
  for (const t of [...SYSTEM, ...DEMO, 'demo.feed']) assert.ok(topics.includes(t), `hub knows ${t}`);
  assert.ok(topics.some((t) => t.startsWith('system.net.')), 'a network topic');
  for (const t of [...SYSTEM, ...DEMO]) await waitCount(page, t, 2);
  // The feed gets events (one every few ticks) and is a feed widget.
  await page.waitForSelector('.widget[data-topic="demo.feed"][data-kind="feed"] .feed-item', { timeout: 15000 });
  // Titles come from meta; numbers are shown.
  assert.equal((await page.textContent('.widget[data-topic="system.cpu"] .w-title')).trim(), 'CPU');
  assert.equal((await page.textContent('.widget[data-topic="demo.sales"] .w-title')).trim(), 'Sales');
  const cpuNum = (await page.textContent('.widget[data-topic="system.cpu"] .w-num')).trim();
  assert.match(cpuNum, /^\d/, `CPU headline is a number (${cpuNum})`);
  // Meta's chart types: memory is a gauge, views a number, users bars.
  assert.equal((await widgetData(page, 'system.memory')).chart, 'gauge');
  assert.equal((await widgetData(page, 'demo.views')).chart, 'number');
  assert.equal((await widgetData(page, 'demo.users')).chart, 'bar');
  // Live: the last point moves on.
  const before1 = (await info(page, 'demo.sales')).lastSeq;
  await waitSeqAbove(page, 'demo.sales', before1 + 3);
  // Header: connection, clients, messages.
  assert.equal(await page.getAttribute('#conn', 'data-state'), 'open');
  assert.ok(Number((await page.textContent('#clients-count')).replace(/\D/g, '')) >= 1);
  assert.ok(Number((await page.textContent('#msg-count')).replace(/\D/g, '')) > 10);
  await screenshot(page, 'dashboard-dark-1920');
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test('a chart holds the server history right after load', async () => {
  const hist = await getJSON(`${hub.url}api/history/demo.sales`);
  const histCpu = await getJSON(`${hub.url}api/history/system.cpu`);
  assert.ok(hist.points.length >= 25);
  const page = await openPage(browser, hub, { wait: false, height: 1400 });
  const t0 = Date.now();
  await waitCount(page, 'demo.sales', hist.points.length, 5000);
  await waitCount(page, 'system.cpu', histCpu.points.length, 5000);
  // …and drawn: the Chart.js datasets hold them.
  const drawn = (topic, n) => page.waitForFunction(([t, k]) => {
    const c = document.querySelector(`.widget[data-topic="${t}"] canvas`);
    const ch = c && window.Chart.getChart(c);
    return ch && ch.data.datasets.length && ch.data.datasets[0].data.length >= k;
  }, [topic, n], { timeout: 5000 });
  await drawn('system.cpu', histCpu.points.length);
  // (Widgets below the fold are drawn when they scroll into view.)
  await page.locator('.widget[data-topic="demo.sales"]').scrollIntoViewIfNeeded();
  await drawn('demo.sales', hist.points.length);
  const took = Date.now() - t0;
  assert.ok(took < 5000, `history drawn within ${took} ms`);
  const pts = await series(page, 'demo.sales');
  // Every point of the hub's history is on the chart. (The history as it is
  // now, up to the page's newest point: opening a page on a busy machine
  // takes longer than the collector's 200 ms, so the history fetched before
  // loading has moved on by the time the page subscribes.)
  const now = await getJSON(`${hub.url}api/history/demo.sales`);
  const held = now.points.filter((p) => p.ts <= pts[pts.length - 1].ts);
  assert.ok(held.length >= 25, `${held.length} history points to compare`);
  const have = new Set(pts.map((p) => `${p.ts}/${p.seq}`));
  for (const p of held) assert.ok(have.has(`${p.ts}/${p.seq}`), `history point ${p.seq} is on the chart`);
  assertOrderedUnique(pts, 'demo.sales');
  // The chart draws the points the page holds (first one included).
  const first = await page.evaluate(() => {
    const c = document.querySelector('.widget[data-topic="demo.sales"] canvas');
    return window.Chart.getChart(c).data.datasets[0].data[0].x;
  });
  assert.ok(first <= now.points[0].ts, 'the oldest history point is on the chart');
  await page.context().close();
});

test('a collector started later gets its widget without a reload', async () => {
  const page = await openPage(browser, hub);
  await page.evaluate(() => { window.__noReload = true; });
  assert.equal(await page.$('.widget[data-topic="later.temp"]'), null);
  await pubUntilSeen('dashboard', hub,
    ['--title', 'Later collector', '--unit', '°C', '--chart', 'bar', 'later.temp', '21.5'],
    'later.temp', (pts) => pts.length > 0);
  await page.waitForSelector('.widget[data-topic="later.temp"]', { timeout: 10000 });
  await waitCount(page, 'later.temp', 1);
  await page.waitForFunction(() => document.querySelector('.widget[data-topic="later.temp"] .w-title').textContent === 'Later collector', null, { timeout: 10000 });
  const d = await widgetData(page, 'later.temp');
  assert.equal(d.chart, 'bar');
  assert.match(await page.textContent('.widget[data-topic="later.temp"] .w-unit'), /°C/);
  assert.equal(await page.evaluate(() => window.__noReload), true, 'page was not reloaded');
  // A topic with no meta at all still gets a sensible default widget.
  await pubUntilSeen('dashboard', hub, ['nometa.value', '7'], 'nometa.value', (pts) => pts.length > 0);
  await page.waitForSelector('.widget[data-topic="nometa.value"][data-chart="line"]', { timeout: 10000 });
  assert.equal((await page.textContent('.widget[data-topic="nometa.value"] .w-title')).trim(), 'nometa.value');
  await page.context().close();
});

test('event text that looks like HTML is shown as literal text', async () => {
  const page = await openPage(browser, hub);
  await page.evaluate(() => { window.__xss = 0; });
  const payloads = [
    '<img src=x onerror=alert(1)>',
    '<script>window.__xss=1</script><b>bold?</b>',
  ];
  for (const [i, text] of payloads.entries()) {
    await pubUntilSeen('dashboard', hub, ['--event', 'info', 'demo.x', text], 'demo.x',
      (pts) => pts.some((p) => p.text === text));
    void i;
  }
  await page.waitForSelector('.widget[data-topic="demo.x"][data-kind="feed"]', { timeout: 10000 });
  // Widgets off screen are drawn when they scroll into view.
  await page.locator('.widget[data-topic="demo.x"]').scrollIntoViewIfNeeded();
  await page.waitForFunction((n) => document.querySelectorAll('.widget[data-topic="demo.x"] .feed-text').length >= n, payloads.length, { timeout: 10000 });
  const texts = await page.$$eval('.widget[data-topic="demo.x"] .feed-text', (els) => els.map((e) => e.textContent));
  for (const p of payloads) assert.ok(texts.includes(p), `literal text shown: ${p}`);
  // No element was created from the text anywhere on the page.
  assert.equal(await page.$$eval('.widget[data-topic="demo.x"] img, .widget[data-topic="demo.x"] script, .widget[data-topic="demo.x"] b', (e) => e.length), 0);
  assert.equal(await page.$$eval('img[src="x"]', (e) => e.length), 0);
  await sleep(300);
  assert.equal(await page.evaluate(() => window.__xss), 0);
  assert.deepEqual(page.errors.filter((e) => e.startsWith('dialog')), [], 'no alert() ran');
  await screenshot(page, 'dashboard-literal-html', { fullPage: false });
  await page.context().close();
});

test('hostile meta and odd values: shown as text, sensible fallbacks, no error', async () => {
  const page = await openPage(browser, hub);
  const pub = await h.pubStream(hub, 'pub-hostile');
  const meta = {
    topic: 'evil.meta', kind: 'meta', title: '<img src=x onerror=alert(2)>', unit: '<b>u</b>', chart: 'gauge"><script>',
    min: 'zero', fields: { value: { label: '<svg onload=alert(3)>', color: 'url(javascript:alert(4))' }, x: { color: 'red;}body{display:none' } },
  };
  await pubUntilShown(page, pub, 'evil.meta', [meta, { topic: 'evil.meta', value: 1.5 }]);
  // A far-future timestamp (beyond what a Date holds) and a NaN-ish field.
  pub.write(JSON.stringify({ topic: 'evil.meta', ts: 9e15, fields: { value: null, x: 3 } }));
  pub.write(JSON.stringify({ topic: 'evil.feed', kind: 'event', ts: 9e15, level: 'error', text: 'far future' }));
  await page.waitForFunction(() => window.rtdash.info('evil.meta')?.count >= 2, null, { timeout: 10000 });
  await page.waitForFunction(() => window.rtdash.info('evil.feed')?.count >= 1, null, { timeout: 10000 });
  const w = '.widget[data-topic="evil.meta"]';
  await page.locator(w).scrollIntoViewIfNeeded();
  await page.waitForFunction((s) => document.querySelector(s + ' .w-title').textContent === '<img src=x onerror=alert(2)>', w, { timeout: 5000 });
  assert.equal((await widgetData(page, 'evil.meta')).chart, 'line', 'unknown chart type falls back to line');
  assert.ok((await page.textContent(`${w} .w-legend`)).includes('<svg onload=alert(3)>'));
  assert.equal(await page.$$eval('img[src="x"], svg[onload], script:not([src])', (e) => e.length), 0);
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).display), 'block');
  await page.locator('.widget[data-topic="evil.feed"]').scrollIntoViewIfNeeded();
  await page.waitForSelector('.widget[data-topic="evil.feed"] .feed-text:text("far future")', { timeout: 5000 });
  await sleep(500);
  assert.deepEqual(realErrors(page), []);
  await pub.close();
  await page.context().close();
});

test('of web/node_modules the hub serves Chart.js and nothing else', async () => {
  const js = await fetch(`${hub.url}vendor/chart.js/dist/chart.umd.min.js`);
  await js.arrayBuffer();
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
  // The linter and its dependencies (devDependencies of web/) stay private.
  for (const p of ['vendor/eslint/package.json', 'vendor/@kurkle/color/package.json', 'vendor/.package-lock.json',
    'node_modules/eslint/package.json', 'node_modules/chart.js/package.json', 'node_modules/.package-lock.json']) {
    const r = await fetch(hub.url + p);
    await r.arrayBuffer();
    assert.equal(r.status, 404, `GET /${p}`);
  }
});

test('screenshots: both themes at phone width, 1920 px and 4K', async () => {
  for (const [w, hgt, scheme] of [[390, 844, 'dark'], [390, 844, 'light'], [1920, 1080, 'light'], [1920, 1080, 'dark'], [3840, 2160, 'dark']]) {
    const page = await openPage(browser, hub, { width: w, height: hgt, colorScheme: scheme });
    await waitCount(page, 'system.cpu', 20);
    await sleep(500);
    await screenshot(page, `dashboard-${scheme}-${w}`, { fullPage: w < 1000 });
    // Nothing overflows the viewport horizontally.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at ${w}px (overflow ${overflow})`);
    assert.deepEqual(realErrors(page), []);
    await page.context().close();
  }
});
