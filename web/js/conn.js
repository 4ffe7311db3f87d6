// SPDX-License-Identifier: MIT
// The WebSocket to the hub: reconnects by itself with exponential backoff and
// full jitter, splits batched frames on '\n', keeps the link alive with pings
// and notices a dead link (no traffic at all for WATCHDOG_MS).
//
// Before each attempt it asks check() (GET /api/whoami, see main.js): a
// browser cannot read why a WebSocket handshake failed, so a 401 there would
// look like a network error and turn into an endless reconnect. A close with
// 4401 (session or token expired, logged out) or 4403 (access revoked) is not
// retried either: onAuthClose tells the app, which asks for credentials.

const BASE_MS = 500;
const MAX_MS = 15000;
const PING_MS = 15000;
const WATCHDOG_MS = 45000;

export class Connection {
  /**
   * @param {object} o
   * @param {(msg: object) => void} o.onMessage
   * @param {(state: object) => void} o.onState  state: {state, retryAt?, attempt, rtt}
   * @param {() => Promise<'ok'|'retry'|'stop'>} [o.check]  before each attempt: go on, try later, or give up (the app took over)
   * @param {() => {protocols: string[], query: string}} [o.creds]  subprotocols to offer and a query for the URL (default rtdash.v1, none)
   * @param {(code: number, reason: string) => void} [o.onAuthClose]  closed with 4401 or 4403: not retried
   */
  constructor({ onMessage, onState, check, creds, onAuthClose }) {
    this.onMessage = onMessage;
    this.onState = onState;
    this.check = check || null;
    this.creds = creds || (() => ({ protocols: ['rtdash.v1'], query: '' }));
    this.onAuthClose = onAuthClose || (() => {});
    this.checkGen = 0;
    this.ws = null;
    this.state = 'connecting';
    this.attempt = 0;
    this.retryAt = 0;
    this.retryTimer = 0;
    this.pingTimer = 0;
    this.lastRx = 0;
    this.pingSentAt = 0;
    this.rtt = null;
    this.badFrames = 0;
    this.stopped = false;
    window.addEventListener('online', () => { if (!this.stopped && this.state !== 'open') this.retryNow(); });
    window.addEventListener('offline', () => { if (!this.stopped && this.state !== 'open') this.setState(this.state); });
  }

  /** The WebSocket's address; query: '' (a token travels as a subprotocol, SPEC §7) or '?token=…' (see main.js wsCreds). */
  url(query = '') {
    const loc = window.location;
    const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${loc.host}/ws${query}`;
  }

  start() {
    this.stopped = false;
    this.attempt = 0;
    this.open();
    if (!this.pingTimer) this.pingTimer = window.setInterval(() => this.keepAlive(), 5000);
  }

  /** Close and stay closed until start(): no retry. state: what to show meanwhile. */
  stop(state = 'stopped') {
    this.stopped = true;
    this.checkGen++;
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    this.drop();
    this.setState(state);
  }

  open() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    this.drop(); // never two sockets at once
    this.setState(this.attempt ? 'reconnecting' : 'connecting');
    if (!this.check) { this.openSocket(); return; }
    const gen = ++this.checkGen;
    Promise.resolve().then(() => this.check()).catch(() => 'retry').then((verdict) => {
      if (gen !== this.checkGen || this.stopped) return; // overtaken by a newer attempt, or stopped
      if (verdict === 'ok') this.openSocket();
      else if (verdict === 'retry') this.scheduleRetry();
      // 'stop': the app stopped us (credentials needed)
    });
  }

  openSocket() {
    let ws;
    try {
      const c = this.creds();
      ws = new WebSocket(this.url(c.query), c.protocols);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.lastRx = Date.now();
      this.pingSentAt = 0;
      this.setState('open');
    };
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      this.lastRx = Date.now();
      if (typeof e.data !== 'string') return;
      this.dispatch(e.data);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.closeInfo = { code: e.code, reason: e.reason };
      if (this.stopped) return;
      if (e.code === 4401 || e.code === 4403) {
        // Expired, logged out or revoked: trying again cannot help.
        this.stop('auth');
        this.onAuthClose(e.code, e.reason);
        return;
      }
      this.scheduleRetry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  /** Forget the current socket (if any) and close it quietly. */
  drop() {
    const old = this.ws;
    if (!old) return;
    this.ws = null;
    old.onopen = old.onmessage = old.onclose = old.onerror = null;
    try { old.close(1000, 'reconnect'); } catch { /* ignore */ }
  }

  dispatch(data) {
    // A frame holds one message or several separated by '\n' (SPEC §3).
    let start = 0;
    for (;;) {
      const nl = data.indexOf('\n', start);
      const line = nl < 0 ? data.slice(start) : data.slice(start, nl);
      if (line.length && line.trim().length) {
        let msg;
        try { msg = JSON.parse(line); } catch { this.badFrames++; msg = null; }
        if (msg && typeof msg === 'object' && typeof msg.type === 'string') {
          if (msg.type === 'pong' && this.pingSentAt) {
            this.rtt = Date.now() - this.pingSentAt;
            this.pingSentAt = 0;
          }
          try { this.onMessage(msg); } catch (err) { console.error('rtdash: message handler', err); }
        }
      }
      if (nl < 0) break;
      start = nl + 1;
    }
  }

  /** Called once the hub said welcome: the connection counts as healthy. */
  healthy() { this.attempt = 0; }

  scheduleRetry() {
    clearTimeout(this.retryTimer);
    const exp = Math.min(MAX_MS, BASE_MS * 2 ** Math.min(this.attempt, 10));
    // Full jitter in [exp/2, exp): spreads a crowd of pages after a hub restart.
    const delay = Math.round(exp / 2 + Math.random() * exp / 2);
    this.attempt++;
    this.retryAt = Date.now() + delay;
    this.retryTimer = window.setTimeout(() => this.open(), delay);
    this.setState('waiting');
  }

  retryNow() {
    if (this.stopped) return;
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) return;
    this.open();
  }

  keepAlive() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    if (now - this.lastRx > WATCHDOG_MS) {
      // Silent link (proxy dropped it, laptop slept): start over.
      this.drop();
      this.scheduleRetry();
      return;
    }
    if (!this.pingSentAt && now - (this.lastPing || 0) >= PING_MS) {
      this.lastPing = now;
      this.pingSentAt = now;
      this.send({ type: 'ping' });
    }
  }

  send(obj) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(obj));
    return true;
  }

  isOpen() { return !!this.ws && this.ws.readyState === WebSocket.OPEN; }

  setState(state) {
    this.state = state;
    this.onState({
      state: state === 'waiting' && navigator.onLine === false ? 'offline' : state,
      retryAt: this.retryAt,
      attempt: this.attempt,
      rtt: this.rtt,
    });
  }
}
