// SPDX-License-Identifier: MIT
// What a chart draws, read back from its canvas: a line or area chart whose
// topic holds a single sample shows that sample as a dot (there is no second
// point to draw a line to; #17 item 7, the README's one-line example), and a
// normal line chart shows its line without dots.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, pubUntilShown, info, screenshot, realErrors } from './lib.mjs';

const h = new Harness('charts');
let page, pub;

before(async () => {
  ({ pub, page } = await h.standardPage({ collectors: false, pub: 'pub-charts', page: { width: 1280, height: 900 } }));
});

after(async () => { if (pub) await pub.close(); await h.close(); });

/**
 * Publish until the page holds topic. Each sample carries its own ts and
 * seq, so a repeat is the same point (the page keeps one).
 */
const publish = (topic, lines) => pubUntilShown(page, pub, topic, lines);

/**
 * What topic's chart shows: per dataset, the pixels of its colour inside the
 * chart area, and its first point element (radius, inside the area).
 */
function drawn(topic) {
  return page.evaluate((t) => {
    const c = document.querySelector(`.widget[data-topic="${t}"] canvas`);
    const ch = window.Chart.getChart(c);
    const a = ch.chartArea;
    const dpr = ch.currentDevicePixelRatio;
    const x0 = Math.floor(a.left * dpr), y0 = Math.floor(a.top * dpr);
    const img = c.getContext('2d').getImageData(x0, y0, Math.ceil(a.right * dpr) - x0, Math.ceil(a.bottom * dpr) - y0).data;
    return ch.data.datasets.map((ds, i) => {
      const hex = /^#([0-9a-f]{6})$/i.exec(ds.borderColor);
      const n = hex ? parseInt(hex[1], 16) : 0;
      const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
      let pixels = 0;
      for (let k = 0; k < img.length; k += 4) {
        if (img[k + 3] > 200 && Math.abs(img[k] - rgb[0]) + Math.abs(img[k + 1] - rgb[1]) + Math.abs(img[k + 2] - rgb[2]) < 60) pixels++;
      }
      const el = ch.getDatasetMeta(i).data[0];
      return {
        label: ds.label, color: ds.borderColor, points: ds.data.length, pixels,
        radius: el ? el.options.radius : null,
        inside: !!el && el.x >= a.left && el.x <= a.right && el.y >= a.top && el.y <= a.bottom,
      };
    });
  }, topic);
}

/** Wait until topic's widget has drawn n points (it draws when on screen). */
async function rendered(topic, n) {
  const w = page.locator(`.widget[data-topic="${topic}"]`);
  await w.scrollIntoViewIfNeeded();
  await page.waitForFunction(([t, k]) => {
    const c = document.querySelector(`.widget[data-topic="${t}"] canvas`);
    const ch = c && window.Chart.getChart(c);
    return ch && ch.data.datasets.length && ch.data.datasets.every((ds) => ds.data.length === k);
  }, [topic, n], { timeout: 10000 });
  return w;
}

test('a line chart with a single sample draws it', async () => {
  // As the README's line-protocol example: CPU in %, two fields, one line of input.
  const ts = Date.now();
  await publish('one.cpu', [
    { topic: 'one.cpu', kind: 'meta', title: 'CPU', unit: '%', chart: 'line' },
    { topic: 'one.cpu', ts, seq: 1, fields: { usage_user: 12.5, usage_idle: 80.1 } },
  ]);
  assert.equal((await info(page, 'one.cpu')).count, 1, 'exactly one sample');
  const w = await rendered('one.cpu', 1);
  assert.equal(await w.getAttribute('data-chart'), 'line');
  await screenshot(page, 'charts-single-point', { clip: await w.boundingBox() });
  const ds = await drawn('one.cpu');
  assert.equal(ds.length, 2);
  for (const d of ds) {
    assert.ok(d.radius > 0, `${d.label}: the point has a radius (${d.radius})`);
    assert.ok(d.inside, `${d.label}: the point is inside the chart area`);
    assert.ok(d.pixels >= 12, `${d.label}: ${d.pixels} pixels of ${d.color} drawn`);
  }
  assert.deepEqual(realErrors(page), []);
});

test('an area chart with a single sample draws it', async () => {
  await publish('one.area', [
    { topic: 'one.area', kind: 'meta', title: 'Queue', unit: 'jobs', chart: 'area' },
    { topic: 'one.area', ts: Date.now(), seq: 1, fields: { value: 17 } },
  ]);
  await rendered('one.area', 1);
  const [d] = await drawn('one.area');
  assert.ok(d.radius > 0 && d.inside, `radius ${d.radius}, inside ${d.inside}`);
  assert.ok(d.pixels >= 12, `${d.pixels} pixels of ${d.color} drawn`);
});

test('with a second sample the line is drawn and the dots go', async () => {
  const ts = Date.now();
  pub.write(JSON.stringify({ topic: 'one.cpu', ts, seq: 2, fields: { usage_user: 40, usage_idle: 50 } }));
  await page.waitForFunction(() => window.rtdash.info('one.cpu')?.count === 2, null, { timeout: 10000 });
  await rendered('one.cpu', 2);
  for (const d of await drawn('one.cpu')) {
    assert.equal(d.radius, 0, `${d.label}: no dots on a line`);
    assert.ok(d.pixels >= 12, `${d.label}: ${d.pixels} pixels of the line`);
  }
  assert.deepEqual(realErrors(page), []);
});
