// SPDX-License-Identifier: MIT
// Who the page is to the hub (SPEC §7, SECURITY.md S8): the token it was
// given, kept in sessionStorage and never in the address bar; GET
// /api/whoami before connecting; POST /api/login and /api/logout. No DOM:
// gate.js shows the forms, main.js decides what happens.

const KEY = 'rtdash.token';
// What a WebSocket subprotocol may carry after "bearer." (RFC 6455 tokens as
// the hub accepts them: literal tokens, and JWTs, which are base64url and dots).
const TOKEN_RE = /^[A-Za-z0-9._~-]{1,8192}$/;

export function validToken(t) { return typeof t === 'string' && TOKEN_RE.test(t); }

/** Where the token lives: sessionStorage (this tab only), or memory when storage is refused. */
export class TokenStore {
  constructor(storage = safeSession()) {
    this.storage = storage;
    this.mem = null;
  }
  get() {
    try { if (this.storage) return this.storage.getItem(KEY); } catch { /* refused */ }
    return this.mem;
  }
  set(token) {
    this.mem = token;
    try { if (this.storage) this.storage.setItem(KEY, token); } catch { /* refused: memory */ }
  }
  clear() {
    this.mem = null;
    try { if (this.storage) this.storage.removeItem(KEY); } catch { /* refused */ }
  }
}

function safeSession() {
  try { return window.sessionStorage; } catch { return null; }
}

/**
 * Take a token given in the address: #token=… (a fragment: never sent to the
 * server nor written to its logs) or, as a fallback, ?token=…. It goes into
 * the store and out of the address bar (history.replaceState), with the rest
 * of the address kept. Returns the token taken, or null.
 */
export function takeToken(store, loc = window.location, hist = window.history) {
  const hash = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const query = new URLSearchParams(loc.search);
  const fromHash = hash.get('token');
  const fromQuery = query.get('token');
  if (fromHash == null && fromQuery == null) return null;
  hash.delete('token');
  query.delete('token');
  const q = query.toString();
  const f = hash.toString();
  const url = `${loc.pathname}${q ? `?${q}` : ''}${f ? `#${f}` : ''}`;
  try { hist.replaceState(hist.state, '', url); } catch { /* keep going: the token still works */ }
  const token = fromHash || fromQuery;
  if (!validToken(token)) return null;
  store.set(token);
  return token;
}

/** The part of a whoami answer the page uses, with safe types. */
export function identity(j) {
  const o = j && typeof j === 'object' ? j : {};
  return {
    user: typeof o.user === 'string' ? o.user : null,
    role: ['viewer', 'editor', 'admin'].includes(o.role) ? o.role : 'viewer',
    patterns: Array.isArray(o.patterns) ? o.patterns.filter((p) => typeof p === 'string') : [],
    exp: typeof o.exp === 'number' ? o.exp : null,
    auth: o.auth !== false,
  };
}

/** Same person with the same rights: what the page holds may stay. */
export function sameIdentity(a, b) {
  return !!a && !!b && a.user === b.user && a.role === b.role && a.patterns.join('\n') === b.patterns.join('\n');
}

async function readJSON(r) {
  try { return await r.json(); } catch { return null; }
}

/**
 * GET /api/whoami with the token (if any) and the session cookie. Returns
 *   {kind: 'ok', who}                  who is identity(); auth off: role admin, auth false
 *   {kind: 'unauthorized', login}      401: login true when people can log in
 *   {kind: 'unreachable', status?}     no answer, or one that says nothing (retry later)
 * A hub without /api/whoami (404) predates auth: it is open.
 */
export async function whoami(token, fetchFn = window.fetch.bind(window)) {
  let r;
  try {
    r = await fetchFn('/api/whoami', {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return { kind: 'unreachable' };
  }
  const j = await readJSON(r);
  if (r.status === 200 && j && typeof j === 'object') return { kind: 'ok', who: identity(j) };
  if (r.status === 401) return { kind: 'unauthorized', login: !!(j && j.login === true) };
  if (r.status === 404) return { kind: 'ok', who: identity({ role: 'admin', patterns: ['*'], auth: false }) };
  return { kind: 'unreachable', status: r.status };
}

/**
 * POST /api/login. Returns {ok: true, who} or {ok: false, error} where error
 * is a sentence to show: wrong password, rate-limited (with the wait), hub
 * unreachable, and so on.
 */
export async function login(user, password, fetchFn = window.fetch.bind(window)) {
  let r;
  try {
    r = await fetchFn('/api/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user, password }),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, error: 'The hub cannot be reached. Check the connection and try again.' };
  }
  const j = await readJSON(r);
  if (r.status === 200) return { ok: true, who: identity(j) };
  const msg = j && typeof j.message === 'string' ? j.message : '';
  if (r.status === 401) return { ok: false, error: 'Wrong user or password.' };
  if (r.status === 429) {
    const m = /(\d+)\s*s\b/.exec(msg);
    return { ok: false, error: m ? `Too many login attempts. Try again in ${m[1]}\u00a0s.` : 'Too many login attempts. Try again later.', wait: m ? Number(m[1]) : null };
  }
  if (r.status === 404) return { ok: false, error: 'This hub has no user logins. Use an access token.' };
  if (r.status === 400 || r.status === 413) return { ok: false, error: 'Enter a user name and a password.' };
  return { ok: false, error: `The hub could not log you in (HTTP ${r.status}). Try again.` };
}

/** POST /api/logout: the hub ends the session and clears its cookie. Errors are ignored. */
export async function logout(fetchFn = window.fetch.bind(window)) {
  try {
    const r = await fetchFn('/api/logout', { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
    await r.arrayBuffer().catch(() => {});
    return r.ok;
  } catch {
    return false;
  }
}
