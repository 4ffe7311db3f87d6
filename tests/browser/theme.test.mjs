// SPDX-License-Identifier: MIT
// Dark / light theme: follows the system until the user picks one, the pick
// survives a reload, and the charts are re-coloured.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, openPage, waitCount, screenshot, waitLive, realErrors } from './lib.mjs';

const h = new Harness('theme');
let hub, browser;

before(async () => {
  ({ hub, browser } = await h.standardPage());
});

after(async () => { await h.close(); });

const theme = (page) => page.evaluate(() => ({
  theme: document.documentElement.dataset.theme,
  pref: document.documentElement.dataset.themePref,
  saved: localStorage.getItem('rtdash.theme'),
  bg: getComputedStyle(document.body).backgroundColor,
  tick: (() => { const c = document.querySelector('.widget[data-topic="system.cpu"] canvas'); return c ? window.Chart.getChart(c).options.scales.x.ticks.color : null; })(),
}));

test('theme follows the system, switches, and persists across reload', async () => {
  const page = await openPage(browser, hub, { colorScheme: 'dark' });
  await waitCount(page, 'system.cpu', 3);
  let t = await theme(page);
  assert.deepEqual([t.theme, t.pref, t.saved], ['dark', 'system', null]);
  const darkBg = t.bg, darkTick = t.tick;

  // system → light
  await page.click('#theme-btn');
  t = await theme(page);
  assert.deepEqual([t.theme, t.pref, t.saved], ['light', 'light', 'light']);
  assert.notEqual(t.bg, darkBg, 'background changed');
  await page.waitForFunction((c) => {
    const el = document.querySelector('.widget[data-topic="system.cpu"] canvas');
    return window.Chart.getChart(el).options.scales.x.ticks.color !== c;
  }, darkTick);
  assert.match(await page.getAttribute('#theme-btn', 'aria-label'), /Theme: Light/);

  await page.reload();
  await waitLive(page);
  await waitCount(page, 'system.cpu', 3);
  t = await theme(page);
  assert.deepEqual([t.theme, t.pref], ['light', 'light'], 'light after reload');
  await screenshot(page, 'theme-light', { fullPage: false });

  // light → dark, persists too
  await page.click('#theme-btn');
  await page.reload();
  await waitLive(page);
  t = await theme(page);
  assert.deepEqual([t.theme, t.pref], ['dark', 'dark'], 'dark after reload');
  // An explicit choice wins over the system's.
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal((await theme(page)).theme, 'dark');

  // dark → system: follows the (now light) system preference, live.
  await page.click('#theme-btn');
  t = await theme(page);
  assert.deepEqual([t.theme, t.pref], ['light', 'system']);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  await page.reload();
  await waitLive(page);
  assert.equal((await theme(page)).pref, 'system');
  await screenshot(page, 'theme-dark', { fullPage: false });
  assert.deepEqual(realErrors(page), []);
});
