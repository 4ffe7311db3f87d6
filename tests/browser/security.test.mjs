// SPDX-License-Identifier: MIT
// The page with auth on (SPEC §7, SECURITY.md S8), against a real hub
// started with a users file and a tokens file (hashes from the real
// `rtdash-hub --hash-password`): the login screen instead of a reconnect
// loop, wrong and right passwords, who is logged in, logout, a viewer who
// sees only its topics, a token in #token= that never reaches the address
// bar or a request, a wrong token, sessions and tokens ended by the hub
// (4401, 4403), a page on another origin refused before any 101, wire text
// never run as HTML, and the login errors a person can meet.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Harness, openPage, waitLive, waitCount, hubFetch, hubJSON, makeToken, launchBrowser, realErrors,
  pubStream, pubUntilShown, screenshot, sleep, waitFor,
} from './lib.mjs';

const h = new Harness('security');
let hub, browser;

const USERS = [
  { name: 'alice', role: 'admin', password: 'alice-correct-horse' },
  { name: 'vic', role: 'viewer', password: 'vic-battery-staple', patterns: ['demo.*'] },
];
const TOK = { admin: makeToken('admin'), viewer: makeToken('viewer'), gone: makeToken('gone'), long: `long_${'x'.repeat(150)}_${makeToken()}` };
const TOKENS = [
  { token: TOK.admin, role: 'admin' },
  { token: TOK.long, role: 'viewer', patterns: ['demo.*'] },
  { token: TOK.viewer, role: 'viewer', patterns: ['demo.*'] },
  { token: TOK.gone, role: 'viewer', patterns: ['demo.*'] },
];
// The page asks /api/whoami without credentials on purpose: Chromium notes the 401s (and 429s) as console errors.
const ALLOW = { allow: [401, 429] };

before(async () => {
  ({ hub, browser } = await h.standardPage({
    hub: { auth: { users: USERS, tokens: TOKENS } },
    history: { 'system.cpu': 3, 'demo.sales': 3 },
  }));
});

after(async () => { await h.close(); });

/** A page on the hub that has not logged in, with every WebSocket it opens in page.sockets. */
async function freshPage(opts = {}) {
  return openPage(browser, hub, {
    wait: false,
    ...opts,
    setup: async (page) => {
      page.sockets = [];
      page.on('websocket', (ws) => {
        const rec = { url: ws.url(), closed: false, frames: [] };
        ws.on('framereceived', (f) => { if (rec.frames.length < 50) rec.frames.push(String(f.payload).slice(0, 200)); });
        ws.on('close', () => { rec.closed = true; });
        page.sockets.push(rec);
      });
      if (opts.setup) await opts.setup(page);
    },
  });
}

async function waitGate(page, mode) {
  await page.waitForSelector(`#gate:not([hidden]) #${mode}-form:not([hidden])`, { timeout: 15000 });
}

/** Log in through the form, with the keyboard only. */
async function typeLogin(page, user, password) {
  await page.focus('#login-user');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login-password', 'Tab goes from user to password');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

async function shownText(page, sel) {
  await page.waitForSelector(`${sel}:not([hidden])`, { timeout: 15000 });
  return (await page.textContent(sel)).trim();
}

async function widgetTopics(page) {
  return page.$$eval('.widget[data-topic]', (els) => els.map((e) => e.dataset.topic));
}

test('auth on: the login screen, not a reconnect loop', async () => {
  const page = await freshPage();
  await waitGate(page, 'login');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login-user', 'the user field has the focus');
  assert.equal(await page.isVisible('#token-form'), false);
  assert.equal(await page.isVisible('#sections'), false, 'no dashboard behind the gate');
  assert.equal(await page.isVisible('#who'), false);
  await sleep(2500);
  assert.equal(page.sockets.length, 0, 'no WebSocket was tried');
  assert.equal(await page.getAttribute('#conn', 'data-state'), 'auth');
  assert.deepEqual(await widgetTopics(page), []);
  await screenshot(page, 'security-login');
  assert.deepEqual(realErrors(page, ALLOW), []);
  await page.context().close();
});

test('a wrong password: a visible error, and no connection', async () => {
  const page = await freshPage();
  await waitGate(page, 'login');
  await typeLogin(page, 'alice', 'not-the-password');
  assert.match(await shownText(page, '#login-error'), /Wrong user or password/);
  assert.equal(await page.getAttribute('#login-error', 'role'), 'alert');
  assert.equal(await page.inputValue('#login-password'), '', 'the password field is emptied');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login-password');
  await sleep(1000);
  assert.equal(page.sockets.length, 0, 'no WebSocket');
  assert.equal(await page.isVisible('#sections'), false);
  await screenshot(page, 'security-wrong-password');
  await page.context().close();
});

test('the right password: live data, the user in the header; logout goes back to the login screen and closes the WebSocket', async () => {
  const page = await freshPage();
  await waitGate(page, 'login');
  await typeLogin(page, 'alice', 'alice-correct-horse');
  await waitLive(page);
  await waitCount(page, 'system.cpu', 2);
  await waitCount(page, 'demo.sales', 2);
  assert.equal(await page.isVisible('#gate'), false);
  assert.equal((await page.textContent('#who-name')).trim(), 'alice');
  assert.equal((await page.textContent('#who-role')).trim(), 'admin');
  assert.equal(await page.isVisible('#logout-btn'), true);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.role), 'admin');
  const session = (await page.context().cookies()).find((c) => c.name === 'rtdash_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Strict', 'an HttpOnly SameSite=Strict session cookie');
  assert.equal(await page.evaluate(() => document.cookie.includes('rtdash_session')), false, 'scripts cannot read it');
  assert.equal(page.sockets.length, 1);
  const ws = page.sockets[0];
  assert.ok(!ws.url.includes('token'), 'nothing in the WebSocket URL');
  await screenshot(page, 'security-live-alice');

  await page.click('#logout-btn');
  await waitGate(page, 'login');
  assert.match(await shownText(page, '#gate-note'), /logged out/i);
  await waitFor(() => ws.closed, { what: 'the WebSocket closed' });
  assert.deepEqual(await widgetTopics(page), [], 'nothing of the session is left on the page');
  // The session is over on the hub too: its cookie no longer works.
  const r = await fetch(`${hub.url}api/whoami`, { headers: { Cookie: `rtdash_session=${session.value}` } });
  await r.arrayBuffer();
  assert.equal(r.status, 401);
  await sleep(1500);
  assert.equal(page.sockets.filter((s) => !s.closed).length, 0, 'no new WebSocket after logout');
  assert.deepEqual(realErrors(page, ALLOW), []);
  await page.context().close();
});

test('a viewer limited to demo.* sees only demo widgets', async () => {
  // The hub has system.* topics (sysmetrics publishes them) besides demo.*.
  const all = (await hubJSON(hub, 'api/topics')).map((t) => t.topic);
  assert.ok(all.some((t) => t.startsWith('system.')) && all.some((t) => t.startsWith('demo.')));
  const page = await freshPage();
  await waitGate(page, 'login');
  await typeLogin(page, 'vic', 'vic-battery-staple');
  await waitLive(page);
  for (const t of ['demo.sales', 'demo.users', 'demo.requests', 'demo.views']) await waitCount(page, t, 2);
  await sleep(1500); // time for system topics to show up, if they could
  const shown = await widgetTopics(page);
  assert.ok(shown.length >= 4, shown.join(' '));
  assert.deepEqual(shown.filter((t) => !t.startsWith('demo.')), [], 'only demo widgets');
  assert.deepEqual((await page.evaluate(() => window.rtdash.topics())).filter((t) => !t.startsWith('demo.')), []);
  assert.equal((await page.textContent('#who-name')).trim(), 'vic');
  assert.equal((await page.textContent('#who-role')).trim(), 'viewer');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.role), 'viewer');
  // The page asked only for what it may have: no command was refused.
  assert.equal(await page.$$eval('#activity .log-item', (els) => els.filter((e) => /refused/i.test(e.textContent)).length), 0);
  await screenshot(page, 'security-viewer');
  assert.deepEqual(realErrors(page, ALLOW), []);
  await page.context().close();
});

test('a token in #token=: out of the address bar and of every request, kept for the tab, live', async () => {
  const urls = [];
  const page = await freshPage({
    path: `#token=${TOK.viewer}`,
    setup: (p) => { p.on('request', (r) => urls.push(r.url())); },
  });
  await waitLive(page);
  await waitCount(page, 'demo.sales', 2);
  assert.ok(!page.url().includes(TOK.viewer), page.url());
  assert.ok(!(await page.evaluate(() => window.location.href)).includes(TOK.viewer));
  assert.ok(urls.length > 3, `requests seen: ${urls.length}`);
  assert.deepEqual(urls.filter((u) => u.includes(TOK.viewer)), [], 'no request URL holds the token');
  assert.deepEqual(page.sockets.map((s) => s.url).filter((u) => u.includes(TOK.viewer)), []);
  assert.equal(await page.evaluate(() => window.sessionStorage.getItem('rtdash.token')), TOK.viewer);
  assert.equal((await page.textContent('#who-name')).trim(), 'token');
  assert.equal((await page.textContent('#who-role')).trim(), 'viewer');
  assert.deepEqual((await widgetTopics(page)).filter((t) => !t.startsWith('demo.')), []);
  // A reload keeps the tab's token (sessionStorage), still without it in the address.
  await page.reload();
  await waitLive(page);
  assert.ok(!page.url().includes(TOK.viewer));
  assert.deepEqual(urls.filter((u) => u.includes(TOK.viewer)), []);
  assert.deepEqual(realErrors(page, ALLOW), []);
  await page.context().close();
});

test('?token= (the old way) still works: moved to sessionStorage and stripped', async () => {
  const page = await freshPage({ path: `?token=${TOK.viewer}&trace=1` });
  await waitLive(page);
  assert.ok(!page.url().includes(TOK.viewer), page.url());
  assert.ok(page.url().endsWith('/?trace=1'), page.url());
  assert.equal(await page.evaluate(() => window.sessionStorage.getItem('rtdash.token')), TOK.viewer);
  assert.deepEqual(page.sockets.map((s) => s.url).filter((u) => u.includes('token')), []);
  await page.context().close();
});

test('a token too long for the subprotocol header (over 127 bytes with rtdash.v1) goes as ?token= to /ws only', async () => {
  const urls = [];
  const page = await freshPage({
    path: `#token=${TOK.long}`,
    setup: (p) => { p.on('request', (r) => urls.push(r.url())); },
  });
  await waitLive(page);
  await waitCount(page, 'demo.sales', 1);
  assert.ok(!page.url().includes(TOK.long));
  assert.deepEqual(urls.filter((u) => u.includes(TOK.long)), [], 'no HTTP request holds it');
  assert.equal(page.sockets.length, 1);
  assert.ok(page.sockets[0].url.endsWith(`/ws?token=${TOK.long}`), 'the WebSocket carries it in its query');
  await page.context().close();
});

test('a wrong token: the token prompt with an error, not a reconnect loop; the right one then connects', async () => {
  const whoamis = [];
  const bad = makeToken('wrong');
  const page = await freshPage({
    path: `#token=${bad}`,
    setup: (p) => { p.on('request', (r) => { if (r.url().includes('/api/whoami')) whoamis.push(r.url()); }); },
  });
  await waitGate(page, 'token');
  assert.match(await shownText(page, '#token-error'), /did not accept this token/);
  assert.ok(!page.url().includes(bad));
  await sleep(3000);
  assert.equal(page.sockets.length, 0, 'no WebSocket tried');
  assert.ok(whoamis.length <= 1, `asked the hub ${whoamis.length} times`);
  assert.equal(await page.evaluate(() => window.sessionStorage.getItem('rtdash.token')), null, 'the wrong token is forgotten');
  assert.notEqual(await page.getAttribute('#conn', 'data-state'), 'reconnecting');
  await screenshot(page, 'security-wrong-token');
  // Typed into the prompt (keyboard only), a good token connects.
  await page.focus('#token-input');
  await page.keyboard.type(TOK.viewer);
  await page.keyboard.press('Enter');
  await waitLive(page);
  await waitCount(page, 'demo.sales', 1);
  assert.equal(await page.isVisible('#gate'), false);
  assert.deepEqual(realErrors(page, ALLOW), []);
  await page.context().close();
});

test('a session ended elsewhere (close 4401): the login screen says so, no reconnect; logging in again goes on', async () => {
  const page = await freshPage();
  await waitGate(page, 'login');
  await typeLogin(page, 'alice', 'alice-correct-horse');
  await waitLive(page);
  await waitCount(page, 'demo.sales', 2);
  await page.evaluate(() => { window.__noReload = true; });
  const session = (await page.context().cookies()).find((c) => c.name === 'rtdash_session');
  // The same session logged out from elsewhere: the hub closes its WebSockets with 4401.
  const r = await fetch(`${hub.url}api/logout`, { method: 'POST', headers: { Cookie: `rtdash_session=${session.value}` } });
  await r.arrayBuffer();
  assert.equal(r.status, 200);
  await waitGate(page, 'login');
  assert.match(await shownText(page, '#gate-note'), /session ended/i);
  const n = page.sockets.length;
  await sleep(3000);
  assert.equal(page.sockets.length, n, 'no reconnect attempt');
  assert.equal(await page.getAttribute('#conn', 'data-state'), 'auth');
  await typeLogin(page, 'alice', 'alice-correct-horse');
  await waitLive(page);
  assert.equal(await page.evaluate(() => window.__noReload), true, 'the same person goes on without a reload');
  const before = (await page.evaluate(() => window.rtdash.info('demo.sales'))).lastSeq;
  await page.waitForFunction((s) => window.rtdash.info('demo.sales').lastSeq > s, before, { timeout: 10000 });
  assert.deepEqual(realErrors(page, ALLOW), []);
  await page.context().close();
});

test('a revoked token (close 4403): a message and the prompt, no reconnect', async () => {
  const page = await freshPage({ path: `#token=${TOK.gone}` });
  await waitLive(page);
  await waitCount(page, 'demo.sales', 1);
  hub.auth.rewrite({ users: USERS, tokens: TOKENS.filter((t) => t.token !== TOK.gone) });
  hub.proc.kill('SIGHUP');
  await page.waitForSelector('#gate:not([hidden])', { timeout: 10000 });
  assert.match(await shownText(page, '#gate-note'), /revoked/i);
  // A token person gets the token prompt (and may switch to the login form).
  await waitGate(page, 'token');
  assert.equal(await page.isVisible('#gate-use-login'), true);
  const n = page.sockets.length;
  await sleep(3000);
  assert.equal(page.sockets.length, n, 'no reconnect attempt');
  assert.equal(await page.evaluate(() => window.sessionStorage.getItem('rtdash.token')), null);
  await screenshot(page, 'security-revoked');
  assert.deepEqual(realErrors(page, ALLOW), []);
  await page.context().close();
});

test('a page on another origin cannot open the WebSocket (403 before any 101), even with a valid token', async () => {
  const metric = async () => {
    const text = await (await hubFetch(hub, 'metrics')).text();
    const m = /^rtdash_connections_refused_total\{reason="origin"\} (\d+)$/m.exec(text);
    assert.ok(m, 'the metric is there');
    return Number(m[1]);
  };
  const before = await metric();
  // Local Network Access would stop a public page from reaching loopback on
  // its own; without it (older browsers) only the hub's Origin check stands.
  const evil = await launchBrowser({ args: ['--disable-features=LocalNetworkAccessChecks'] });
  try {
    const ctx = await evil.newContext();
    const html = `<!doctype html><title>evil</title><script>
      window.got = []; window.done = false;
      const ws = new WebSocket('ws://127.0.0.1:${hub.port}/ws', ['rtdash.v1', 'bearer.${TOK.admin}']);
      ws.onopen = () => window.got.push('open');
      ws.onmessage = (e) => window.got.push(String(e.data));
      ws.onclose = (e) => { window.got.push('close ' + e.code); window.done = true; };
    </script>`;
    await ctx.route('http://evil.example/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
    const page = await ctx.newPage();
    await page.goto('http://evil.example/');
    await page.waitForFunction(() => window.done, null, { timeout: 15000 });
    const got = await page.evaluate(() => window.got);
    assert.ok(!got.includes('open'), `no 101: ${got.join(' | ')}`);
    assert.ok(!got.some((m) => m.includes('welcome')), 'no welcome');
    await waitFor(async () => (await metric()) > before, { what: 'rtdash_connections_refused_total{reason="origin"} to go up' });
    await ctx.close();
  } finally {
    await evil.close();
  }
});

test('hostile meta and event text: no dialog, no element made from it, no page error', async () => {
  const page = await freshPage({
    path: `#token=${TOK.admin}`,
    setup: (p) => p.addInitScript(() => {
      window.__made = [];
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      // Elements made after the static page is parsed, i.e. by scripts.
      const seen = new MutationObserver((muts) => {
        for (const m of muts) {
          for (const n of m.addedNodes) {
            if (n.nodeType !== 1) continue;
            for (const el of [n, ...n.querySelectorAll('*')]) {
              const bad = /^(IMG|SCRIPT|IFRAME|OBJECT|EMBED|B)$/.test(el.tagName)
                || [...el.attributes].some((a) => /^on/i.test(a.name) || /^\s*javascript:/i.test(a.value));
              if (bad) window.__made.push(el.outerHTML.slice(0, 120));
            }
          }
        }
      });
      document.addEventListener('DOMContentLoaded', () => seen.observe(document, { childList: true, subtree: true }));
    }),
  });
  await waitLive(page);
  const pub = await h.pubStream(hub, 'pub-xss');
  const meta = {
    topic: 'xss.meta', kind: 'meta', title: '<img src=x onerror=alert(1)>', unit: '<b>u</b><img src=x onerror=alert(2)>',
    collector: '<svg onload=alert(3)>',
    fields: { value: { label: '<img src=x onerror=alert(4)>', color: 'red;background:url(javascript:alert(5))' } },
  };
  const feedTitle = 'Feed <script>alert(6)</script>';
  const badField = '<img src=x onerror=alert(10)>';
  const text = '<img src=x onerror=alert(7)><a href="javascript:alert(8)">x</a>';
  await pubUntilShown(page, pub, 'xss.meta', [meta, { topic: 'xss.meta', value: 1.5 }]);
  await pubUntilShown(page, pub, 'xss.feed', [{ topic: 'xss.feed', kind: 'meta', title: feedTitle },
    { topic: 'xss.feed', kind: 'event', level: 'warning', text }]);
  // a field whose name is markup (a sample only: the page labels it by its name)
  await pubUntilShown(page, pub, 'xss.field', [{ topic: 'xss.field', fields: { [badField]: 2.5, ok: 1 } }]);
  for (const t of ['xss.meta', 'xss.feed', 'xss.field']) await page.locator(`.widget[data-topic="${t}"]`).scrollIntoViewIfNeeded();
  await page.waitForFunction((m) => document.querySelector('.widget[data-topic="xss.feed"] .w-title')?.textContent === m, feedTitle, { timeout: 10000 });
  assert.ok(await page.evaluate((f) => {
    const w = document.querySelector('.widget[data-topic="xss.field"]');
    return w.textContent.includes(f) || [...w.querySelectorAll('*')].some((e) => [...e.attributes].some((a) => a.value.includes(f)));
  }, badField), 'the field name as text');
  await page.waitForFunction((m) => document.querySelector('.widget[data-topic="xss.meta"] .w-title')?.textContent === m.title, meta, { timeout: 10000 });
  await page.waitForFunction((t) => [...document.querySelectorAll('.widget[data-topic="xss.feed"] .feed-text')].some((e) => e.textContent === t), text, { timeout: 10000 });
  assert.ok((await page.textContent('.widget[data-topic="xss.meta"] .w-unit')).includes('<b>u</b>'), 'the unit as text');
  // The field label: text, or an attribute value (aria-label, title), never markup.
  assert.ok(await page.evaluate((l) => {
    const w = document.querySelector('.widget[data-topic="xss.meta"]');
    return w.textContent.includes(l) || [...w.querySelectorAll('*')].some((e) => [...e.attributes].some((a) => a.value.includes(l)));
  }, meta.fields.value.label), 'the field label as text');
  await sleep(500);
  assert.deepEqual(page.errors.filter((e) => e.startsWith('dialog')), [], 'no alert() ran');
  assert.deepEqual(await page.evaluate(() => window.__made), [], 'no img, script, b or on* attribute was made');
  assert.equal(await page.$$eval('img, script:not([src]), a[href^="javascript"]', (e) => e.length), 0);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violation');
  assert.deepEqual(realErrors(page, ALLOW), []);
  await screenshot(page, 'security-xss');
  await pub.close();
  await page.context().close();
});

test('login errors a person can meet: hub unreachable, too many attempts (with the wait)', async () => {
  const page = await freshPage();
  await waitGate(page, 'login');
  // The hub is gone between the page load and the login.
  await page.route('**/api/login', (route) => route.abort('connectionrefused'));
  await typeLogin(page, 'alice', 'whatever');
  assert.match(await shownText(page, '#login-error'), /cannot be reached/);
  await page.unroute('**/api/login');
  // Wrong passwords until the hub's per-address limit answers 429.
  let msg = '';
  for (let i = 0; i < 12 && !/Too many/.test(msg); i++) {
    await typeLogin(page, 'alice', `wrong-${i}`);
    await page.waitForFunction(() => !document.getElementById('login-form').hasAttribute('aria-busy'), null, { timeout: 15000 });
    msg = await shownText(page, '#login-error');
  }
  assert.match(msg, /Too many login attempts\. Try again in \d+\ss\./);
  assert.equal(page.sockets.length, 0);
  await screenshot(page, 'security-rate-limited');
  await page.context().close();
});

test('auth off: no gate, no user in the header, connected as before', async () => {
  const open = await h.hub();
  const page = await openPage(browser, open);
  assert.equal(await page.isVisible('#gate'), false);
  assert.equal(await page.isVisible('#who'), false);
  const st = await page.evaluate(() => window.rtdash.state().who);
  assert.deepEqual(st, { user: null, role: 'admin', patterns: ['*'], auth: false });
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test('over TLS: the page loads from https and goes live over wss, with a login', async () => {
  const secure = await h.hub({ tls: true, auth: { users: [{ name: 'alice', role: 'admin', password: 'pw-alice-1' }] } });
  const pub = await pubStream(h.tag, secure, 'pub-tls');
  const sockets = [];
  const page = await openPage(browser, secure, { wait: false, setup: (p) => p.on('websocket', (w) => sockets.push(w.url())) });
  assert.ok(page.url().startsWith('https://'), page.url());
  await waitGate(page, 'login');
  await typeLogin(page, 'alice', 'pw-alice-1');
  await waitLive(page);
  await pubUntilShown(page, pub, 'tls.temp', ['tls.temp 21.5']);
  assert.ok(sockets.length >= 1 && sockets.every((u) => u.startsWith('wss://')), `the WebSockets: ${sockets}`);
  assert.deepEqual(realErrors(page, ALLOW), []);
  await screenshot(page, 'security-tls');
  await pub.close();
  await page.context().close();
});
