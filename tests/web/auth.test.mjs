// SPDX-License-Identifier: MIT
// auth.js: the token taken from the address and kept out of it, the store
// it lives in, and what the page makes of the hub's whoami, login and logout
// answers (a fake fetch stands for the hub).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenStore, takeToken, validToken, identity, sameIdentity, whoami, login, logout } from '../../web/js/auth.js';

const T = 'tok_0123456789abcdefXYZ-._~';

/** A fake sessionStorage. */
function storage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), m };
}

/** A fake location and history: replaceState records the new address. */
function address(href) {
  const u = new URL(href);
  const hist = { state: { s: 1 }, calls: [], replaceState(state, title, url) { this.calls.push({ state, url }); } };
  return { loc: { pathname: u.pathname, search: u.search, hash: u.hash }, hist };
}

test('#token= goes to the store and out of the address; the rest of the address stays', () => {
  const st = new TokenStore(storage());
  const { loc, hist } = address(`http://h:8080/?trace=1#token=${T}&x=1`);
  assert.equal(takeToken(st, loc, hist), T);
  assert.equal(st.get(), T);
  assert.equal(hist.calls.length, 1);
  assert.equal(hist.calls[0].url, '/?trace=1#x=1');
  assert.deepEqual(hist.calls[0].state, { s: 1 }, 'history state kept');
  assert.ok(!hist.calls[0].url.includes(T));
});

test('?token= is taken too (fallback) and stripped; the fragment wins when both are there', () => {
  const st = new TokenStore(storage());
  let a = address(`http://h/?token=${T}&trace=1`);
  assert.equal(takeToken(st, a.loc, a.hist), T);
  assert.equal(a.hist.calls[0].url, '/?trace=1');
  a = address(`http://h/dash/?token=other_token_1234567#token=${T}`);
  assert.equal(takeToken(st, a.loc, a.hist), T);
  assert.equal(a.hist.calls[0].url, '/dash/');
});

test('no token in the address: nothing stored, the address is left alone', () => {
  const st = new TokenStore(storage());
  const { loc, hist } = address('http://h/?trace=1#sec');
  assert.equal(takeToken(st, loc, hist), null);
  assert.equal(st.get(), null);
  assert.equal(hist.calls.length, 0);
});

test('a token with characters a subprotocol cannot carry is stripped but not kept', () => {
  const st = new TokenStore(storage());
  const { loc, hist } = address('http://h/#token=a%20b%2Cc%20and%20more%20text');
  assert.equal(takeToken(st, loc, hist), null);
  assert.equal(st.get(), null);
  assert.equal(hist.calls[0].url, '/');
  assert.equal(validToken(T), true);
  assert.equal(validToken('a.b-c_d~e'), true);
  for (const bad of ['', 'a b', 'a,b', 'a"b', 'x'.repeat(8193), null]) assert.equal(validToken(bad), false, String(bad).slice(0, 20));
});

test('TokenStore: sessionStorage, or memory when storage throws', () => {
  const s = storage();
  const st = new TokenStore(s);
  st.set(T);
  assert.equal(s.m.get('rtdash.token'), T);
  st.clear();
  assert.equal(st.get(), null);
  const refusing = { getItem() { throw new Error('no'); }, setItem() { throw new Error('no'); }, removeItem() { throw new Error('no'); } };
  const mem = new TokenStore(refusing);
  mem.set(T);
  assert.equal(mem.get(), T);
  mem.clear();
  assert.equal(mem.get(), null);
});

test('identity: safe types from whatever the hub said', () => {
  assert.deepEqual(identity({ user: 'alice', role: 'admin', patterns: ['*'], exp: 17, auth: true }),
    { user: 'alice', role: 'admin', patterns: ['*'], exp: 17, auth: true });
  assert.deepEqual(identity({ user: 3, role: 'root', patterns: ['a.*', 7], exp: '1' }),
    { user: null, role: 'viewer', patterns: ['a.*'], exp: null, auth: true }, 'an unknown role is the least one');
  assert.equal(identity(null).role, 'viewer');
  assert.equal(sameIdentity(identity({ user: 'a', role: 'viewer', patterns: ['x.*'] }), identity({ user: 'a', role: 'viewer', patterns: ['x.*'], exp: 5 })), true);
  assert.equal(sameIdentity(identity({ user: 'a', role: 'viewer', patterns: ['x.*'] }), identity({ user: 'b', role: 'viewer', patterns: ['x.*'] })), false);
  assert.equal(sameIdentity(identity({ user: 'a', role: 'viewer', patterns: ['x.*'] }), identity({ user: 'a', role: 'viewer', patterns: ['y.*'] })), false);
  assert.equal(sameIdentity(null, identity({})), false);
});

/** A fake fetch answering status with body (an object, as JSON; a string as is), recording calls. */
function hub(status, body) {
  const calls = [];
  const fn = async (url, init = {}) => {
    calls.push({ url, init });
    if (status === 'down') throw new TypeError('Failed to fetch');
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return { status, ok: status >= 200 && status < 300, json: async () => JSON.parse(text), arrayBuffer: async () => new ArrayBuffer(0) };
  };
  fn.calls = calls;
  return fn;
}

test('whoami: the token goes in an Authorization header, never in the URL', async () => {
  const f = hub(200, { user: null, role: 'viewer', patterns: ['demo.*'], exp: null, auth: true });
  const r = await whoami(T, f);
  assert.deepEqual(r, { kind: 'ok', who: { user: null, role: 'viewer', patterns: ['demo.*'], exp: null, auth: true } });
  assert.equal(f.calls[0].url, '/api/whoami');
  assert.equal(f.calls[0].init.headers.Authorization, `Bearer ${T}`);
  assert.equal(f.calls[0].init.credentials, 'same-origin');
  await whoami(null, f);
  assert.deepEqual(f.calls[1].init.headers, {}, 'no token: the cookie only');
});

test('whoami: 401 says whether people can log in; no answer means try later; 404 is an old, open hub', async () => {
  assert.deepEqual(await whoami(null, hub(401, { error: 'unauthorized', message: 'log in', login: true })), { kind: 'unauthorized', login: true });
  assert.deepEqual(await whoami(null, hub(401, { error: 'unauthorized', message: 'give a token', login: false })), { kind: 'unauthorized', login: false });
  assert.deepEqual(await whoami(null, hub(401, 'not json')), { kind: 'unauthorized', login: false });
  assert.deepEqual(await whoami(null, hub('down')), { kind: 'unreachable' });
  assert.deepEqual(await whoami(null, hub(503, { error: 'unavailable' })), { kind: 'unreachable', status: 503 });
  const old = await whoami(null, hub(404, { error: 'not_found' }));
  assert.equal(old.kind, 'ok');
  assert.equal(old.who.auth, false);
  const open = await whoami(null, hub(200, { user: null, role: 'admin', patterns: ['*'], exp: null, auth: false }));
  assert.equal(open.who.auth, false);
});

test('login: the body the hub expects; each refusal is a sentence to show', async () => {
  const f = hub(200, { user: 'alice', role: 'admin', patterns: ['*'], exp: 1796444695, auth: true });
  const ok = await login('alice', 'pw "x"', f);
  assert.equal(ok.ok, true);
  assert.equal(ok.who.user, 'alice');
  assert.equal(f.calls[0].url, '/api/login');
  assert.equal(f.calls[0].init.method, 'POST');
  assert.deepEqual(JSON.parse(f.calls[0].init.body), { user: 'alice', password: 'pw "x"' });
  assert.match((await login('a', 'b', hub(401, { error: 'unauthorized', message: 'wrong user or password' }))).error, /Wrong user or password/);
  const limited = await login('a', 'b', hub(429, { error: 'limit', message: 'too many login attempts: try again in 12 s' }));
  assert.equal(limited.ok, false);
  assert.match(limited.error, /Too many login attempts\. Try again in 12\u00a0s\./);
  assert.equal(limited.wait, 12);
  assert.match((await login('a', 'b', hub(429, {}))).error, /Too many login attempts/);
  assert.match((await login('a', 'b', hub('down'))).error, /cannot be reached/);
  assert.match((await login('a', 'b', hub(404, { error: 'not_found' }))).error, /token/);
  assert.match((await login('a', 'b', hub(500, 'x'))).error, /HTTP 500/);
});

test('logout: POST /api/logout; a hub that is gone is not an error', async () => {
  const f = hub(200, { status: 'logged out' });
  assert.equal(await logout(f), true);
  assert.equal(f.calls[0].url, '/api/logout');
  assert.equal(f.calls[0].init.method, 'POST');
  assert.equal(await logout(hub('down')), false);
});
