#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// How much CPU the dashboard page uses in headless Chromium, measured two ways
// over the same window:
//   - CDP Performance.getMetrics: TaskDuration (all main-thread work of the
//     page: script, style, layout, paint) and ScriptDuration deltas;
//   - /proc/<pid>/stat utime+stime of the Chromium processes (the renderer,
//     and the whole browser tree: renderer + GPU/compositor + browser).
// Scenarios:
//   standard  rtdash-sysmetrics + rtdash-demo at their default rate (1000 ms)
//   20x10     20 line charts at 10 updates/s each (one rtdash-pub stdin stream
//             feeding 20 topics every 100 ms)
// Each at 1920×1080 (off-screen widgets are not drawn, as a person sees it)
// and with a viewport tall enough to show every widget at once.
//
// Usage: node tests/browser/measure_cpu.mjs [--seconds 30] [--only standard|20x10]
//   (RTDASH_BIN / RTDASH_SRC as for the tests). Results: stdout and
//   tests/artifacts/cpu.json.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Harness, checkSetup, openPage, waitCount, sleep, ARTIFACTS } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const SECONDS = Number(opt('seconds', 30));
const ONLY = opt('only', '');
const WARMUP_MS = 5000;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function cpuTicks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
  } catch { return 0; }
}
function cmdline(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return []; }
}
function childrenOf(pid) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}
function tree(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]));
  return all;
}
/** Chromium processes started by this node process: {all, renderers}. */
function chromiumProcs() {
  const roots = childrenOf(process.pid).filter((p) => cmdline(p).join(' ').includes('chrom'));
  const all = roots.flatMap(tree);
  const renderers = all.filter((p) => cmdline(p).join(' ').includes('--type=renderer')); // chromium rewrites its argv into one string
  return { all, renderers };
}

async function measure(page, label, extra = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  await sleep(WARMUP_MS);
  const procs = chromiumProcs();
  await cdp.send('HeapProfiler.collectGarbage'); // heap numbers without garbage: shows real growth
  const m0 = await metrics();
  const t0 = Date.now();
  const r0 = procs.renderers.map(cpuTicks);
  const a0 = procs.all.map(cpuTicks);
  const msgs0 = await page.evaluate(() => window.rtdash.state().msgs);
  await sleep(SECONDS * 1000);
  await cdp.send('HeapProfiler.collectGarbage');
  const m1 = await metrics();
  const t1 = Date.now();
  const r1 = procs.renderers.map(cpuTicks);
  const a1 = procs.all.map(cpuTicks);
  const msgs1 = await page.evaluate(() => window.rtdash.state().msgs);
  const wall = (t1 - t0) / 1000;
  const pct = (x) => Math.round((x / wall) * 1000) / 10;
  const sum = (a, b) => a.reduce((s, v, i) => s + (v - b[i]), 0);
  const res = {
    scenario: label,
    ...extra,
    seconds: wall,
    widgets: await page.$$eval('.widget', (e) => e.length),
    widgets_on_screen: await page.$$eval('.widget', (els) => els.filter((e) => { const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; }).length),
    messages_per_s: Math.round(((msgs1 - msgs0) / wall) * 10) / 10,
    main_thread_task_pct: pct(m1.TaskDuration - m0.TaskDuration),
    script_pct: pct(m1.ScriptDuration - m0.ScriptDuration),
    layout_style_pct: pct((m1.LayoutDuration - m0.LayoutDuration) + (m1.RecalcStyleDuration - m0.RecalcStyleDuration)),
    renderer_process_pct: pct(sum(r1, r0) / CLK_TCK),
    chromium_total_pct: pct(sum(a1, a0) / CLK_TCK),
    js_heap_mb_start: Math.round(m0.JSHeapUsedSize / 1e5) / 10,
    js_heap_mb_end: Math.round(m1.JSHeapUsedSize / 1e5) / 10,
    dom_nodes_start: m0.Nodes,
    dom_nodes_end: m1.Nodes,
  };
  await cdp.detach();
  return res;
}

async function scenarioStandard(results) {
  const h = new Harness('cpu-standard');
  try {
    const hub = await h.hub();
    h.collectors(hub, 1000);
    const browser = await h.browserStart();
    await sleep(2500);
    for (const [w, hgt, what] of [[1920, 1080, '1920x1080'], [1920, 4200, 'all widgets on screen']]) {
      const page = await openPage(browser, hub, { width: w, height: hgt });
      await waitCount(page, 'system.cpu', 2);
      results.push(await measure(page, 'standard collectors, default 1000 ms', { viewport: `${w}x${hgt}`, view: what }));
      console.log(JSON.stringify(results[results.length - 1]));
      await page.context().close();
    }
  } finally { await h.close(); }
}

async function scenario20x10(results) {
  const h = new Harness('cpu-20x10');
  let timer;
  try {
    const hub = await h.hub();
    const pub = await h.pubStream(hub, 'pub-bench');
    const N = 20;
    const topics = Array.from({ length: N }, (_, i) => `bench.t${String(i + 1).padStart(2, '0')}`);
    for (const t of topics) pub.write(JSON.stringify({ topic: t, kind: 'meta', title: `Series ${t.slice(-2)}`, unit: 'ms', chart: 'line', interval_ms: 100 }));
    let k = 0;
    timer = setInterval(() => {
      k++;
      let lines = '';
      for (let i = 0; i < N; i++) lines += `${topics[i]} ${(50 + 40 * Math.sin((k + i * 7) / 9) + Math.random() * 5).toFixed(2)}\n`;
      pub.write(lines);
    }, 100);
    const browser = await h.browserStart();
    await sleep(2000);
    for (const [w, hgt, what] of [[1920, 1080, '1920x1080'], [1920, 2400, 'all 20 charts on screen']]) {
      const page = await openPage(browser, hub, { width: w, height: hgt });
      await waitCount(page, topics[N - 1], 5);
      results.push(await measure(page, '20 line charts x 10 updates/s', { viewport: `${w}x${hgt}`, view: what }));
      console.log(JSON.stringify(results[results.length - 1]));
      await page.context().close();
    }
  } finally {
    clearInterval(timer);
    await h.close();
  }
}

checkSetup();
const results = [];
if (!ONLY || ONLY === 'standard') await scenarioStandard(results);
if (!ONLY || ONLY === '20x10') await scenario20x10(results);
fs.writeFileSync(path.join(ARTIFACTS, 'cpu.json'), JSON.stringify(results, null, 2) + '\n');
console.log('\nscenario                               | view                    | widgets (on screen) | msg/s | main thread | script | renderer proc | chromium total | heap MB start→end');
for (const r of results) {
  console.log(`${r.scenario.padEnd(38)} | ${r.view.padEnd(23)} | ${String(r.widgets).padStart(3)} (${String(r.widgets_on_screen).padStart(2)})${' '.repeat(11)}| ${String(r.messages_per_s).padStart(5)} | ${String(r.main_thread_task_pct).padStart(9)} % | ${String(r.script_pct).padStart(4)} % | ${String(r.renderer_process_pct).padStart(11)} % | ${String(r.chromium_total_pct).padStart(12)} % | ${r.js_heap_mb_start} → ${r.js_heap_mb_end}`);
}
console.log(`\n(% of one core over ${SECONDS} s after ${WARMUP_MS / 1000} s warm-up; results in ${path.join(ARTIFACTS, 'cpu.json')})`);
