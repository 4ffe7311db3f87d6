// SPDX-License-Identifier: MIT
// Alerts: a threshold per field set in the UI fires once per crossing, with
// hysteresis (no storm while the value wobbles around the threshold), shows
// in the activity feed and as a toast, and is remembered.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, pubUntilShown, waitCount, info, screenshot, sleep, waitLive, realErrors } from './lib.mjs';

const h = new Harness('alerts');
let page, pub;
const T = 'alert.t';

before(async () => {
  ({ pub, page } = await h.standardPage({ collectors: false, pub: 'pub-alerts', page: { width: 1280, height: 900 } }));
  await pubUntilShown(page, pub, T, [{ topic: T, kind: 'meta', title: 'Alert test', unit: 'u', chart: 'line' }, `${T} 10`]);
  await page.waitForSelector(`.widget[data-topic="${T}"] .w-title:text("Alert test")`, { timeout: 10000 });
});

after(async () => { if (pub) await pub.close(); await h.close(); });

const alertsLogged = () => page.$$eval(`#activity .log-item[data-kind="alert"][data-topic="${T}"]`, (e) => e.length);
const clearsLogged = () => page.$$eval(`#activity .log-item[data-kind="alert-clear"][data-topic="${T}"]`, (e) => e.length);

async function send(values) {
  for (const v of values) {
    const before1 = (await info(page, T)).lastSeq;
    pub.write(`${T} ${v}`);
    await page.waitForFunction(([t, s]) => window.rtdash.info(t).lastSeq > s, [T, before1], { timeout: 5000 });
  }
}

test('set a threshold in the UI', async () => {
  const w = `.widget[data-topic="${T}"]`;
  await page.click(`${w} details.menu > summary`);
  await page.click(`${w} .open-alerts`);
  const row = '#alert-dialog fieldset[data-field="value"]';
  await page.waitForSelector(row);
  assert.equal(await page.isChecked(`${row} .a-enabled`), false);
  await page.selectOption(`${row} .a-op`, 'above');
  await page.fill(`${row} .a-value`, '50');
  await page.fill(`${row} .a-rearm`, '40');
  assert.equal(await page.isChecked(`${row} .a-enabled`), true, 'typing a threshold enables the rule');
  await screenshot(page, 'alerts-dialog', { fullPage: false });
  await page.click('#alert-save');
  await page.waitForSelector('#alert-dialog', { state: 'hidden' });
  // (The dialog's close event, which saves, comes a task after it hides.)
  await page.waitForFunction(() => /1 rule/.test(document.getElementById('alert-sub').textContent), null, { timeout: 5000 });
});

test('fires once per crossing, with hysteresis', async () => {
  await send([20, 60]);                 // crosses 50: fire #1
  await page.waitForFunction((t) => document.querySelectorAll(`#activity .log-item[data-kind="alert"][data-topic="${t}"]`).length === 1, T);
  assert.equal(await page.getAttribute(`.widget[data-topic="${T}"]`, 'data-alert'), 'true');
  await page.waitForSelector('.toast[data-level="warning"]');
  await send([49, 51, 45, 55, 41, 62]); // wobbles around 50, never below the re-arm level 40
  await sleep(200);
  assert.equal(await alertsLogged(), 1, 'no storm while above the re-arm level');
  await send([30]);                     // back below 40: re-armed
  await page.waitForFunction((t) => document.querySelectorAll(`#activity .log-item[data-kind="alert-clear"][data-topic="${t}"]`).length === 1, T);
  assert.equal(await page.getAttribute(`.widget[data-topic="${T}"]`, 'data-alert'), 'false');
  await send([45, 70, 80]);             // crosses again: fire #2
  await page.waitForFunction((t) => document.querySelectorAll(`#activity .log-item[data-kind="alert"][data-topic="${t}"]`).length === 2, T);
  await sleep(200);
  assert.equal(await alertsLogged(), 2);
  assert.equal(await clearsLogged(), 1);
  assert.equal((await page.textContent('#alert-count')).trim(), '2');
  await screenshot(page, 'alerts-fired', { fullPage: false });
});

test('rules are remembered across reload and do not re-fire on old data', async () => {
  await page.reload();
  await waitLive(page);
  await waitCount(page, T, 5);
  await sleep(300);
  // The history holds values above 50, but only the newest point is judged:
  // 80 is above, so this page sees one crossing, not one per old point.
  assert.ok(await alertsLogged() <= 1);
  const w = `.widget[data-topic="${T}"]`;
  await page.click(`${w} details.menu > summary`);
  await page.click(`${w} .open-alerts`);
  const row = '#alert-dialog fieldset[data-field="value"]';
  assert.equal(await page.isChecked(`${row} .a-enabled`), true);
  assert.equal(await page.inputValue(`${row} .a-value`), '50');
  assert.equal(await page.inputValue(`${row} .a-rearm`), '40');
  await page.keyboard.press('Escape');
  assert.deepEqual(realErrors(page), []);
});
