// SPDX-License-Identifier: MIT
// Shared helpers for the browser tests: the real hub and collectors on free
// loopback ports (with auth on when asked: users and tokens files in a
// temporary directory), Debian's chromium driven by playwright-core,
// screenshots in tests/artifacts/, and cleanup of every process we start and
// every file we write (also on failure).
//
// Environment (set by ctest, see tests/CMakeLists.txt):
//   RTDASH_BIN  directory with rtdash-hub, rtdash-sysmetrics, rtdash-demo, rtdash-pub
//   RTDASH_SRC  the repository root (web root = $RTDASH_SRC/web)

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SRC = process.env.RTDASH_SRC || path.resolve(here, '..', '..');
export const BIN = process.env.RTDASH_BIN || path.join(SRC, 'build', 'bin');
export const WEB = path.join(SRC, 'web');
export const ARTIFACTS = path.join(SRC, 'tests', 'artifacts');
export const CHROMIUM = process.env.RTDASH_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

fs.mkdirSync(ARTIFACTS, { recursive: true });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fail early and clearly when the set-up is incomplete. */
export function checkSetup() {
  const missing = [];
  for (const b of ['rtdash-hub', 'rtdash-sysmetrics', 'rtdash-demo', 'rtdash-pub']) {
    if (!fs.existsSync(path.join(BIN, b))) missing.push(path.join(BIN, b));
  }
  if (!fs.existsSync(path.join(WEB, 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js'))) {
    missing.push(`${WEB}/node_modules/chart.js (run: npm ci --prefix web)`);
  }
  if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
  if (missing.length) throw new Error(`browser tests need:\n  ${missing.join('\n  ')}`);
}

// ------------------------------------------------------------------ processes

const children = new Set();
const tempDirs = new Set();

function killAllSync() {
  for (const c of children) {
    try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  children.clear();
  for (const d of tempDirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* gone */ }
  }
  tempDirs.clear();
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { killAllSync(); process.exit(130); });
}

/** A free TCP port on 127.0.0.1 (bound and released; good enough on loopback). */
function tryPort(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', () => resolve(null));
    srv.listen(port, '127.0.0.1', () => {
      const got = srv.address().port;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * A free loopback port below the kernel's ephemeral range, picked at random:
 * a port from listen(0) is an ephemeral one, which an outgoing connection may
 * take before the hub binds it (and the same port is reused on restarts).
 */
export async function freePort() {
  let ephLo = 32768;
  try {
    ephLo = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]) || ephLo;
  } catch { /* not Linux: keep the default */ }
  const lo = 10000, hi = Math.max(ephLo, 11000);
  for (let i = 0; i < 200; i++) {
    const got = await tryPort(lo + Math.floor(Math.random() * (hi - lo)));
    if (got) return got;
  }
  return tryPort(0);
}

/**
 * Start a program from RTDASH_BIN; its output goes to tests/artifacts/<tag>-<name>.log.
 * Returns the ChildProcess with .name, .exited (promise of the exit code) and .stop().
 */
export function run(tag, name, prog, args = [], env = {}, opts = {}) {
  const log = fs.openSync(path.join(ARTIFACTS, `${tag}-${name}.log`), 'a');
  const child = spawn(path.join(BIN, prog), args, {
    env: { ...process.env, ...env },
    stdio: [opts.stdin ? 'pipe' : 'ignore', log, log],
  });
  fs.closeSync(log);
  child.name = name;
  children.add(child);
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { children.delete(child); resolve(code ?? signal); });
    child.on('error', (err) => { children.delete(child); resolve(`error: ${err.message}`); });
  });
  /** Stop with a signal; SIGKILL after a grace period. */
  child.stop = async (signal = 'SIGTERM', graceMs = 3000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exited;
    try { child.kill(signal); } catch { /* gone */ }
    const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
    const r = await child.exited;
    clearTimeout(t);
    return r;
  };
  return child;
}

export async function waitFor(fn, { timeout = 10000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}

export async function getJSON(url, init) {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

/**
 * fetch() a path of the hub (no leading slash needed), as the harness's
 * admin when the hub has auth on (hub.adminToken), so that the tests can
 * read /api/* and /metrics whatever the page may.
 */
export function hubFetch(hub, p, init = {}) {
  const headers = { ...(init.headers || {}) };
  if (hub.adminToken && !Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) {
    headers.Authorization = `Bearer ${hub.adminToken}`;
  }
  return fetch(hub.url + p.replace(/^\//, ''), { ...init, headers });
}

export async function hubJSON(hub, p, init) {
  const r = await hubFetch(hub, p, init);
  if (!r.ok) throw new Error(`${hub.url}${p}: HTTP ${r.status}`);
  return r.json();
}

// ------------------------------------------------------------------ auth

const hashes = new Map();

/** The argon2id hash of password, from the real `rtdash-hub --hash-password` (cached). */
export function hashPassword(password) {
  if (hashes.has(password)) return hashes.get(password);
  const r = spawnSync(path.join(BIN, 'rtdash-hub'), ['--hash-password'], { input: password, encoding: 'utf8', timeout: 60000 });
  const hash = (r.stdout || '').trim();
  if (r.status !== 0 || !hash.startsWith('$argon2id$')) {
    throw new Error(`rtdash-hub --hash-password: exit ${r.status}: ${r.stderr || r.error}`);
  }
  hashes.set(password, hash);
  return hash;
}

/** A random token the hub accepts ([A-Za-z0-9._~-], 16 to 512 characters). */
export function makeToken(prefix = 'tok') {
  return `${prefix}_${crypto.randomBytes(24).toString('base64url')}`;
}

/**
 * A users file (`NAME ROLE HASH [PATTERN...]`, hashes from the real hub) and
 * a tokens file (`TOKEN ROLE [PATTERN...]`, mode 600) in a temporary
 * directory removed at exit. The tokens file also holds an admin token of
 * the harness's own (adminToken: hubFetch reads the API and /metrics with
 * it), so auth is on even with no tokens given.
 *   users:  [{name, role, password, patterns?}]   (no users: no --users, only tokens work)
 *   tokens: [{token, role, patterns?}]
 * Returns {dir, usersFile, authFile, adminToken, args, rewrite(spec)}:
 * rewrite() writes new sets into the same files (then SIGHUP the hub).
 */
export function makeAuthFiles(spec = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtdash-auth-'));
  tempDirs.add(dir);
  const adminToken = makeToken('harness');
  const usersFile = path.join(dir, 'users');
  const authFile = path.join(dir, 'tokens');
  const line = (...parts) => `${parts.flat().join(' ')}\n`;
  const write = ({ users = [], tokens = [] }) => {
    if (users.length) {
      fs.writeFileSync(usersFile, users.map((u) => line(u.name, u.role, hashPassword(u.password), u.patterns || [])).join(''), { mode: 0o600 });
      fs.chmodSync(usersFile, 0o600);
    }
    fs.writeFileSync(authFile, [...tokens, { token: adminToken, role: 'admin' }]
      .map((t) => line(t.token, t.role, t.patterns || [])).join(''), { mode: 0o600 });
    fs.chmodSync(authFile, 0o600);
  };
  write(spec);
  const args = [...(spec.users?.length ? ['--users', usersFile] : []), '--auth', authFile];
  return { dir, usersFile, authFile, adminToken, args, rewrite: write };
}

/**
 * Start rtdash-hub on free (or given) ports and wait for /healthz.
 * auth: {users, tokens} as for makeAuthFiles: the hub starts with auth on.
 * @returns {{port, ingestPort, ingest, url, proc, stop, auth, adminToken}}
 */
export async function startHub(tag, { port, ingestPort, args = [], auth, tls = false } = {}) {
  port = port || await freePort();
  ingestPort = ingestPort || await freePort();
  const ingest = `tcp://127.0.0.1:${ingestPort}`;
  const access = auth ? makeAuthFiles(auth) : null;
  const cert = tls ? makeCert() : null;
  const proc = run(tag, 'hub', 'rtdash-hub',
    ['--port', String(port), '--ingest', ingest, '--web-root', WEB, '--host', '127.0.0.1', ...(access ? access.args : []),
      ...(cert ? ['--tls-cert', cert.cert, '--tls-key', cert.key] : []), ...args]);
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`rtdash-hub exited with ${proc.exitCode}`);
    return tls ? (await httpsStatus(`${url}healthz`)) === 200 : (await fetch(`${url}healthz`)).ok;
  }, { timeout: 15000, what: `rtdash-hub /healthz on port ${port}` });
  return { port, ingestPort, ingest, url, proc, stop: (sig) => proc.stop(sig), auth: access, adminToken: access ? access.adminToken : null };
}

/** A self-signed certificate for 127.0.0.1 and localhost (openssl), in a temp dir. */
export function makeCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtdash-tls-'));
  const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  fs.chmodSync(key, 0o600);
  return { dir, cert, key };
}

/** The status of a GET over https, not checking the (self-signed) certificate; 0 if it fails. */
function httpsStatus(url) {
  return new Promise((resolve) => {
    const req = https.get(url, { rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

/** Start the two standard collectors publishing to hub every intervalMs. */
export function startCollectors(tag, hub, intervalMs = 200) {
  const env = { RTDASH_HUB: hub.ingest };
  return [
    run(tag, 'sysmetrics', 'rtdash-sysmetrics', ['--interval-ms', String(intervalMs)], env),
    run(tag, 'demo', 'rtdash-demo', ['--interval-ms', String(intervalMs)], env),
  ];
}

/** Wait until the hub holds at least n history points of topic. */
export async function waitHistory(hub, topic, n, timeout = 20000) {
  return waitFor(async () => {
    const h = await hubJSON(hub, `api/history/${topic}`);
    return h.points && h.points.length >= n ? h : null;
  }, { timeout, what: `${n} history points of ${topic}` });
}

// ------------------------------------------------------------------ rtdash-pub

/**
 * A long-running rtdash-pub reading one message per line of standard input
 * ("topic value", "topic field=v …" or JSON lines). Lines written before the
 * ZeroMQ connection is up would be lost (PUB semantics), so give it a moment.
 */
export async function pubStream(tag, hub, name = 'pub', args = []) {
  const proc = run(tag, name, 'rtdash-pub', args, { RTDASH_HUB: hub.ingest }, { stdin: true });
  await sleep(500);
  return {
    proc,
    write(line) { proc.stdin.write(line.endsWith('\n') ? line : `${line}\n`); },
    async close() { try { proc.stdin.end(); } catch { /* gone */ } return proc.stop('SIGTERM'); },
  };
}

/**
 * Write lines (strings, or objects sent as JSON) to a pubStream until the
 * page holds a point of topic: what is written before the ZeroMQ link is up
 * is dropped (PUB semantics), so the lines are repeated until then.
 */
export async function pubUntilShown(page, pub, topic, lines, timeout = 20000) {
  await waitFor(async () => {
    for (const l of lines) pub.write(typeof l === 'string' ? l : JSON.stringify(l));
    return page.waitForFunction((t) => window.rtdash.info(t)?.count >= 1, topic, { timeout: 1000 }).then(() => true, () => false);
  }, { timeout, interval: 0, what: `${topic} on the page` });
}

/** One rtdash-pub invocation (e.g. --event info demo.x TEXT); resolves with its exit code. */
export async function pubOnce(tag, hub, args, name = 'pub-once') {
  const proc = run(tag, name, 'rtdash-pub', args, { RTDASH_HUB: hub.ingest });
  const t = setTimeout(() => proc.stop('SIGKILL'), 10000);
  const code = await proc.exited;
  clearTimeout(t);
  return code;
}

/**
 * Publish until the hub has it: ZeroMQ PUB drops what is sent before the
 * connection is up, so a one-shot publish is retried until the topic's
 * history shows it (match(points) true).
 */
export async function pubUntilSeen(tag, hub, args, topic, match, timeout = 15000) {
  const end = Date.now() + timeout;
  for (let i = 0; ; i++) {
    await pubOnce(tag, hub, args, `pub-${i}`);
    const ok = await waitFor(async () => {
      const r = await hubFetch(hub, `api/history/${topic}`);
      if (!r.ok) return false;
      const h = await r.json();
      return match(h.points || []);
    }, { timeout: 1500, what: topic }).catch(() => false);
    if (ok) return;
    if (Date.now() > end) throw new Error(`rtdash-pub ${args.join(' ')}: never reached the hub`);
  }
}

// ------------------------------------------------------------------ browser

/** Debian's chromium; args: flags besides CHROMIUM_ARGS (e.g. --disable-features=…). */
export async function launchBrowser({ args = [] } = {}) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...args] });
}

/**
 * A new page (own context) on the hub's dashboard. Page errors and console
 * errors are collected in page.errors; CSP violations count as errors.
 * path: what follows the hub's URL (default RTDASH_PAGE_QUERY, e.g.
 * '#token=…'); setup(page): runs before the page is loaded (listeners, init
 * scripts); wait: until the page is live.
 */
export async function openPage(browser, hub, { width = 1440, height = 900, colorScheme = 'dark', acceptDownloads = false, wait = true, path: at, setup } = {}) {
  const ctx = await browser.newContext({ viewport: { width, height }, colorScheme, acceptDownloads,
    ignoreHTTPSErrors: hub.url.startsWith('https:') });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // A failed load names its resource only in the message's location.
    const where = m.text().startsWith('Failed to load resource') && m.location().url ? ` (${m.location().url})` : '';
    page.errors.push(`console: ${m.text()}${where}`);
  });
  page.on('dialog', (d) => { page.errors.push(`dialog: ${d.type()} ${d.message()}`); d.dismiss().catch(() => {}); });
  if (setup) await setup(page);
  await page.goto(hub.url + (at ?? (process.env.RTDASH_PAGE_QUERY || '')));
  if (wait) await waitLive(page);
  return page;
}

/**
 * Page errors except the browser's own notes on connections that failed
 * (expected while a hub restarts or a link is cut: the WebSocket, and the
 * /api/whoami the page asks before each attempt) and, for the HTTP statuses
 * in allow (e.g. [401] where the page asks /api/whoami without credentials
 * on purpose), its notes on those answers.
 */
export function realErrors(page, { allow = [] } = {}) {
  return page.errors.filter((e) => !/WebSocket connection to .* failed/i.test(e)
    && !/Failed to load resource: net::ERR_[A-Z_]+ \(.*\/api\/whoami\)$/.test(e)
    && !allow.some((st) => e.includes(`the server responded with a status of ${st} `)));
}

export async function waitLive(page, timeout = 15000) {
  await page.waitForFunction(() => window.rtdash && window.rtdash.state().conn === 'open'
    && document.getElementById('conn').dataset.state === 'open', null, { timeout });
}

/** A widget's data attributes (chart, kind, state, stale; count etc. as of its last render). */
export async function widgetData(page, topic) {
  return page.evaluate((t) => {
    const el = document.querySelector(`.widget[data-topic="${t}"]`);
    return el ? { ...el.dataset } : null;
  }, topic);
}

/** What the page holds for a topic: {count, lastSeq, lastTs, firstTs, kind, stale, gaps, stopped}. */
export async function info(page, topic) {
  return page.evaluate((t) => window.rtdash.info(t), topic);
}

/** Points the page holds for a topic (oldest first). */
export async function series(page, topic) {
  return page.evaluate((t) => window.rtdash.series(t), topic);
}

/** Wait until the page holds at least n points of topic. */
export async function waitCount(page, topic, n, timeout = 15000) {
  await page.waitForFunction(([t, k]) => {
    const i = window.rtdash && window.rtdash.info(t);
    return i && i.count >= k;
  }, [topic, n], { timeout });
}

/** Wait until the newest point of topic has seq > seq (or ts > ts). */
export async function waitSeqAbove(page, topic, seq, timeout = 10000) {
  await page.waitForFunction(([t, s]) => {
    const i = window.rtdash.info(t);
    return i && i.lastSeq > s;
  }, [topic, seq], { timeout });
}
export async function waitTsAbove(page, topic, ts, timeout = 10000) {
  await page.waitForFunction(([t, s]) => {
    const i = window.rtdash.info(t);
    return i && i.lastTs > s;
  }, [topic, ts], { timeout });
}

/** No two points at the same (ts, seq) and strictly ordered. */
export function assertOrderedUnique(points, label = '') {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1], b = points[i];
    if (!(a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq))) {
      throw new Error(`${label}: points ${i - 1} (${a.ts},${a.seq}) and ${i} (${b.ts},${b.seq}) out of order or duplicated`);
    }
  }
}

/** Consecutive seq numbers (a collector counts 1, 2, 3 … per topic): no gap. */
export function assertNoSeqGap(points, label = '') {
  for (let i = 1; i < points.length; i++) {
    if (points[i].seq !== points[i - 1].seq + 1) {
      throw new Error(`${label}: seq ${points[i - 1].seq} is followed by ${points[i].seq}`);
    }
  }
}

export async function screenshot(page, name, opts = {}) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, ...opts });
  return file;
}

/**
 * Everything one test file starts, stopped in after(): hub(s), collectors,
 * publishers, the browser.
 */
export class Harness {
  constructor(tag) {
    this.tag = tag;
    this.procs = [];
    this.browser = null;
  }
  /** A hub (startHub options: args, auth…), stopped in close(). */
  async hub(opts) { const h = await startHub(this.tag, opts); this.procs.push(h.proc); return h; }
  collectors(hub, intervalMs) { const c = startCollectors(this.tag, hub, intervalMs); this.procs.push(...c); return c; }
  async pubStream(hub, name, args) { const p = await pubStream(this.tag, hub, name, args); this.procs.push(p.proc); return p; }
  async browserStart(opts) { this.browser = await launchBrowser(opts); return this.browser; }

  /**
   * The usual set-up of a test file: a hub, the two standard collectors every
   * intervalMs (none with collectors: false), the browser, an rtdash-pub
   * reading standard input if `pub` names one; then wait until the hub holds
   * `history` points of each topic named ({topic: n}). With `page` (openPage
   * options), a page on the hub (or on `await url(hub)`) that holds `count`
   * points of each topic named (default: the same as history). hub: startHub
   * options (auth: {users, tokens} for a hub with auth on).
   * @returns {Promise<{hub, browser, pub, page}>} pub and page are null unless asked for
   */
  async standardPage({ collectors = true, intervalMs = 200, pub, history = {}, page, url, count = history, hub: hubOpts } = {}) {
    checkSetup();
    const hub = await this.hub(hubOpts);
    if (collectors) this.collectors(hub, intervalMs);
    const browser = await this.browserStart();
    const stream = pub ? await this.pubStream(hub, pub) : null;
    for (const [t, n] of Object.entries(history)) await waitHistory(hub, t, n);
    if (!page) return { hub, browser, pub: stream, page: null };
    const pg = await openPage(browser, url ? { url: await url(hub) } : hub, page);
    for (const [t, n] of Object.entries(count)) await waitCount(pg, t, n);
    return { hub, browser, pub: stream, page: pg };
  }
  async close() {
    if (this.browser) await this.browser.close().catch(() => {});
    await Promise.all(this.procs.map((p) => p.stop('SIGTERM', 2000)));
  }
}

/**
 * A TCP proxy on loopback in front of the hub, to cut the page's link without
 * touching the hub: cut() drops every connection and refuses new ones until
 * restore().
 */
export async function startProxy(targetPort) {
  const socks = new Set();
  let down = false;
  const srv = net.createServer((c) => {
    if (down) { c.destroy(); return; }
    const up = net.connect(targetPort, '127.0.0.1');
    socks.add(c); socks.add(up);
    const drop = () => { c.destroy(); up.destroy(); socks.delete(c); socks.delete(up); };
    c.on('error', drop); up.on('error', drop); c.on('close', drop); up.on('close', drop);
    c.pipe(up); up.pipe(c);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    cut() { down = true; for (const s of socks) s.destroy(); socks.clear(); },
    restore() { down = false; },
    close() { for (const s of socks) s.destroy(); return new Promise((r) => srv.close(r)); },
  };
}
