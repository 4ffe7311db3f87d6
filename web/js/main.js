// SPDX-License-Identifier: MIT
// rtdash dashboard: wires the connection, the session (session.js), the
// per-topic store, the widgets (drawn by frames.js), the activity log and the
// controls together. Protocol: SPEC.md §3–§4, proto/PROTOCOL.md. Access
// (SPEC §7, SECURITY.md S8): /api/whoami before each connection, the login
// or token screen (gate.js) when the hub wants credentials.

import { setText } from './dom.js';
import { Connection } from './conn.js';
import { Store } from './store.js';
import { Session } from './session.js';
import { Frames } from './frames.js';
import { Activity } from './activity.js';
import { createWidget, widgetKind } from './widgets/index.js';
import { Layout } from './layout.js';
import { Alerts } from './alerts.js';
import { Theme } from './theme.js';
import { buildExport, download } from './export.js';
import { resetThemeColors, chartLib } from './charts.js';
import { fmtCount, fmtRate, fmtTime, fmtValue } from './format.js';
import { load, save } from './prefs.js';
import { TokenStore, takeToken, validToken, whoami, login, logout, sameIdentity } from './auth.js';
import { Gate } from './gate.js';

const NOTE_KEY = 'rtdash.note'; // a note for the gate that survives the reload after a logout
const SUBPROTOCOL_MAX = 127;    // bytes of Sec-WebSocket-Protocol the hub takes (lws 4.1)

function takeNote() {
  try {
    const n = window.sessionStorage.getItem(NOTE_KEY);
    window.sessionStorage.removeItem(NOTE_KEY);
    return n || '';
  } catch { return ''; }
}

class App {
  constructor() {
    this.store = new Store();
    this.widgets = new Map();        // topic -> widget
    this.msgCount = 0;
    this.msgWindow = 0;
    this.msgRate = 0;
    this.clients = null;
    this.query = '';
    this.trace = new URLSearchParams(window.location.search).get('trace') ? [] : null;

    this.el = {
      conn: document.getElementById('conn'),
      connText: document.getElementById('conn-text'),
      retry: document.getElementById('conn-retry'),
      server: document.getElementById('server-info'),
      clients: document.getElementById('clients-count'),
      msgs: document.getElementById('msg-count'),
      msgRate: document.getElementById('msg-rate'),
      topics: document.getElementById('topic-count'),
      topicSub: document.getElementById('topic-sub'),
      alertCount: document.getElementById('alert-count'),
      alertSub: document.getElementById('alert-sub'),
      log: document.getElementById('activity'),
      toasts: document.getElementById('toasts'),
      empty: document.getElementById('empty'),
      pause: document.getElementById('pause-all'),
      search: document.getElementById('search'),
      foot: document.getElementById('foot-info'),
      who: document.getElementById('who'),
      whoName: document.getElementById('who-name'),
      whoRole: document.getElementById('who-role'),
      logout: document.getElementById('logout-btn'),
    };

    // Who we are to the hub. A token given in the address (#token=…, or
    // ?token=…) moves to sessionStorage and out of the address bar first.
    this.tokens = new TokenStore();
    takeToken(this.tokens);
    this.who = null;           // the last whoami or login answer (auth.js identity())
    this.dataOwner = null;     // the identity the data on the page was received under
    this.canLogin = null;      // from the hub's last 401: people can log in (else tokens only)
    this.note = takeNote();    // why the gate is shown, for its first showing
    this.gate = new Gate({ onLogin: (u, p) => this.doLogin(u, p), onToken: (t) => this.doToken(t) });

    this.activity = new Activity(this.el.log, this.el.toasts);
    this.frames = new Frames(() => setText(this.el.msgs, fmtCount(this.msgCount)));
    this.layout = new Layout(document.getElementById('sections'));
    this.theme = new Theme(() => this.onThemeChange());
    this.alerts = new Alerts({
      onFire: (r, sr, v) => this.onAlertFire(r, sr, v),
      onClear: (r, sr, v) => this.onAlertClear(r, sr, v),
      onChange: (topic) => { this.refreshAlertKpi(); const w = this.widgets.get(topic); if (w) w.setAlerting(this.alerts.firing(topic)); },
    });
    this.conn = new Connection({
      onMessage: (m) => this.onMessage(m),
      onState: (s) => this.onConnState(s),
      check: () => this.checkAccess(),
      creds: () => this.wsCreds(),
      onAuthClose: (code) => this.onAuthClose(code),
    });
    this.session = new Session(this.conn, this.store);
    // All a widget may ask of the app.
    this.actions = {
      markDirty: (w) => this.frames.markDirty(w),
      export: (topic, format) => this.exportTopic(topic, format),
      openAlerts: (topic) => this.openAlerts(topic),
      toggle: (topic) => this.toggleTopic(topic),
    };

    // Crossing the wall-screen breakpoint changes chart font sizes.
    if (window.matchMedia) window.matchMedia('(min-width: 2800px)').addEventListener('change', () => this.onThemeChange());
    this.bindControls();
    this.refreshAlertKpi();
    window.setInterval(() => this.tick(), 1000);
    if (chartLib()) {
      const Chart = chartLib();
      Chart.defaults.font.family = getComputedStyle(document.documentElement).getPropertyValue('--font-sans').trim() || Chart.defaults.font.family;
    }
    this.activity.log('info', 'Dashboard loaded', 'system');
    this.conn.start();
    // Small read-only hook for tests and curious people.
    window.rtdash = {
      series: (t) => {
        const s = this.store.get(t);
        return s ? s.points.map((p) => ({ ...p })) : null;
      },
      info: (t) => {
        const s = this.store.get(t);
        if (!s) return null;
        const last = s.last();
        return { count: s.points.length, lastSeq: last ? last.seq : null, lastTs: last ? last.ts : null,
          firstTs: s.points.length ? s.points[0].ts : null, kind: s.kind, stale: s.stale, gaps: s.gaps, stopped: this.session.isStopped(t) };
      },
      topics: () => this.store.topics(),
      trace: () => (this.trace ? this.trace.slice() : null),
      state: () => {
        const ss = this.session;
        return { conn: this.conn.state, epoch: ss.epoch, paused: ss.paused, msgs: this.msgCount, stopped: [...ss.stopped], subscribed: [...ss.subscribed],
          who: this.who ? { user: this.who.user, role: this.who.role, patterns: this.who.patterns.slice(), auth: this.who.auth } : null,
          gate: this.gate.isOpen() ? this.gate.mode : null };
      },
    };
  }

  // ---------------------------------------------------------------- access
  /**
   * How the WebSocket carries the token: as the subprotocol bearer.<token>
   * besides rtdash.v1, so never in a URL. The hub (lws 4.1) reads at most
   * 127 bytes of Sec-WebSocket-Protocol and answers 400 past them; a longer
   * token (a JWT) goes as ?token=, the only other place a browser's
   * WebSocket can put it.
   */
  wsCreds() {
    const t = this.tokens.get();
    if (!t || !validToken(t)) return { protocols: ['rtdash.v1'], query: '' };
    if (`rtdash.v1, bearer.${t}`.length > SUBPROTOCOL_MAX) return { protocols: ['rtdash.v1'], query: `?token=${encodeURIComponent(t)}` };
    return { protocols: ['rtdash.v1', `bearer.${t}`], query: '' };
  }

  /**
   * Before each connection attempt: may we? 'ok' (connect), 'retry' (the hub
   * did not answer: back off as for a lost link) or 'stop' (credentials
   * needed: the gate is shown and nothing is retried).
   */
  async checkAccess() {
    const token = this.tokens.get();
    const r = await whoami(token);
    if (r.kind === 'ok') { this.setWho(r.who); return 'ok'; }
    if (r.kind === 'unreachable') return 'retry';
    this.canLogin = r.login;
    if (token) {
      this.tokens.clear();
      this.askCredentials('token', { error: 'The hub did not accept this token (wrong, expired or revoked).' });
    } else {
      // Known before (the hub restarted, or the session ran out while the link was down)?
      const ended = this.dataOwner && this.dataOwner.auth ? 'Your session ended. Log in again.' : undefined;
      this.askCredentials('login', { note: ended });
    }
    return 'stop';
  }

  /** Show the gate instead of the dashboard; no connection until it is passed. */
  askCredentials(mode, { note, error } = {}) {
    this.conn.stop('auth');
    this.setWho(null);
    const n = note ?? this.note;
    this.note = '';
    this.gate.show(mode, { note: n, error, canLogin: this.canLogin !== false });
  }

  async doLogin(user, password) {
    const r = await login(user, password);
    if (!r.ok) return r.error;
    this.tokens.clear(); // the person's session, not an old token
    this.admit(r.who);
    return null;
  }

  async doToken(token) {
    if (!validToken(token)) return 'That is not a token: tokens are letters, digits and . _ ~ - only.';
    const r = await whoami(token);
    if (r.kind === 'unreachable') return 'The hub cannot be reached. Check the connection and try again.';
    if (r.kind !== 'ok') return 'The hub did not accept this token.';
    this.tokens.set(token);
    this.admit(r.who);
    return null;
  }

  /** Past the gate: connect, or start afresh when the page holds someone else's data. */
  admit(who) {
    if (this.dataOwner && !sameIdentity(this.dataOwner, who)) {
      // What is on the page was received with other rights: none of it may stay.
      window.location.reload();
      return;
    }
    this.gate.hide();
    this.setWho(who);
    if (who.auth) this.activity.log('success', who.user ? `Logged in as ${who.user} (${who.role})` : `Access token accepted (${who.role})`, 'system');
    this.conn.start();
  }

  /** The hub closed with 4401 (expired, logged out elsewhere) or 4403 (revoked). */
  async onAuthClose(code) {
    const wasToken = !!(this.who && this.who.auth && this.who.user == null);
    if (wasToken) this.tokens.clear();
    const note = code === 4403 ? 'Your access to this hub was revoked.'
      : wasToken ? 'Your access token expired.' : 'Your session ended. Log in again.';
    this.activity.log('warning', note, 'system');
    this.setWho(null);
    // Whether people can log in here, if not known yet (the page may never have seen a 401).
    if (this.canLogin == null) {
      const r = await whoami(null);
      if (r.kind === 'unauthorized') this.canLogin = r.login;
    }
    this.askCredentials(wasToken || this.canLogin === false ? 'token' : 'login', { note });
  }

  async doLogout() {
    this.conn.stop('auth');
    await logout();
    this.tokens.clear();
    // Start from a clean page: nothing received for whom just left stays in memory.
    try { window.sessionStorage.setItem(NOTE_KEY, 'You are logged out.'); } catch { /* no note then */ }
    window.location.reload();
  }

  setWho(who) {
    this.who = who;
    const shown = !!(who && who.auth);
    this.el.who.hidden = !shown;
    if (shown) {
      setText(this.el.whoName, who.user ?? 'token');
      setText(this.el.whoRole, who.role);
      this.el.who.title = who.user ? `Logged in as ${who.user} (${who.role})` : `Connected with an access token (${who.role})`;
    }
    // Controls that need more than a viewer check this (css: .needs-editor, .needs-admin).
    if (who) document.documentElement.dataset.role = who.role;
    else delete document.documentElement.dataset.role;
  }

  // ---------------------------------------------------------------- controls
  bindControls() {
    this.el.retry.addEventListener('click', () => this.conn.retryNow());
    this.el.logout.addEventListener('click', () => this.doLogout());
    this.el.pause.addEventListener('click', () => this.setPaused(!this.session.paused));
    document.getElementById('theme-btn').addEventListener('click', () => this.theme.cycle());
    document.getElementById('activity-clear').addEventListener('click', () => this.activity.clear());
    this.el.search.addEventListener('input', () => {
      this.query = this.el.search.value;
      this.layout.filter(this.query);
      for (const w of this.widgets.values()) if (!w.el.hidden) this.frames.markDirty(w);
    });
    const nb = document.getElementById('notify-btn');
    if (!('Notification' in window)) nb.hidden = true;
    else {
      const upd = () => {
        const p = Notification.permission;
        nb.setAttribute('aria-pressed', p === 'granted' ? 'true' : 'false');
        nb.title = p === 'granted' ? 'Browser notifications are on for alerts'
          : p === 'denied' ? 'Browser notifications are blocked for this site' : 'Enable browser notifications for alerts';
      };
      upd();
      nb.addEventListener('click', async () => {
        if (Notification.permission === 'default') { try { await Notification.requestPermission(); } catch { /* ignore */ } }
        upd();
        this.activity.toast(Notification.permission === 'granted' ? 'Alerts will also show as browser notifications.' : 'Browser notifications are not allowed; alerts show here.', 'info');
      });
    }
    // Close open widget menus on outside click / Escape.
    document.addEventListener('click', (e) => {
      for (const d of document.querySelectorAll('details.menu[open]')) if (!d.contains(e.target)) d.open = false;
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') for (const d of document.querySelectorAll('details.menu[open]')) { d.open = false; d.querySelector('summary').focus(); }
      if (e.key === '/' && document.activeElement === document.body) { e.preventDefault(); this.el.search.focus(); }
    });
  }

  setPaused(p) {
    document.documentElement.dataset.paused = p ? 'true' : 'false';
    const b = this.el.pause;
    b.setAttribute('aria-pressed', p ? 'true' : 'false');
    b.querySelector('.btn-label').textContent = p ? 'Resume' : 'Pause';
    b.title = p ? 'Resume all streams and fill what was missed' : 'Pause all streams (the hub keeps what you miss)';
    this.session.setPaused(p, (f) => {
      this.activity.log('success', `Resumed — filled ${fmtCount(f.points)} missed point${f.points === 1 ? '' : 's'} from the hub`, 'system');
    });
    if (p) this.activity.log('info', 'Paused all streams', 'system');
  }

  toggleTopic(topic) {
    const stopped = this.session.toggle(topic);
    const w = this.widgets.get(topic);
    if (w) w.setStopped(stopped);
    this.refreshTopicKpi();
  }

  exportTopic(topic, format) {
    const sr = this.store.get(topic);
    const w = this.widgets.get(topic);
    if (!sr) return;
    const file = buildExport(sr, format, w ? w.exportView() : {});
    download(file);
    this.activity.log('info', `Exported ${sr.points.length} points of ${w ? w.title() : topic} as ${format.toUpperCase()}`, 'system');
  }

  openAlerts(topic) {
    const sr = this.store.get(topic);
    const info = sr && this.widgets.get(topic)?.alertInfo();
    if (info) this.alerts.openDialog(sr, info);
  }

  // ---------------------------------------------------------------- protocol
  onMessage(m) {
    if (this.trace) {
      // ?trace=1: the last messages in short form, for diagnosis (bounded).
      const pts = Array.isArray(m.points) ? ` seqs ${m.points.map((p) => p && p.seq).join(',')}` : '';
      this.trace.push(`${Date.now()} ${m.type} ${m.topic ?? ''}${m.seq != null ? ` seq ${m.seq}` : ''}${m.complete != null ? ` complete=${m.complete}` : ''}${pts}`);
      if (this.trace.length > 2000) this.trace.splice(0, 1000);
    }
    switch (m.type) {
      case 'welcome': this.onWelcome(m); break;
      case 'clients': this.setClients(m.count); break;
      case 'topic': if (typeof m.topic === 'string') this.onTopic(m.topic, m.meta, true); break;
      case 'sample':
      case 'event': this.onData(m); break;
      case 'history': this.onHistory(m); break;
      case 'stale': this.onStale(m); break;
      case 'subscribed': case 'unsubscribed': case 'paused': case 'resumed': case 'pong': break;
      case 'error':
        this.activity.log('error', `Hub refused a command: ${String(m.code ?? '')} ${String(m.message ?? '')}`.trim(), 'system');
        break;
      default: break;
    }
  }

  onWelcome(m) {
    // Where each chart stopped is taken before the welcome's last values are
    // shown: resume from there (same hub), or reload everything (new epoch).
    const { restarted, reconnect, since } = this.session.welcome(m);
    this.dataOwner = this.who;
    setText(this.el.server, [m.server, m.version].filter((x) => typeof x === 'string' && x).join(' '));
    setText(this.el.foot, `${String(m.server ?? 'rtdash')} ${String(m.version ?? '')} · epoch ${String(m.epoch ?? '?')} · client #${String(m.client_id ?? '?')}`);
    if (m.clients != null) this.setClients(m.clients);
    this.onConnState({ state: 'open' });
    const topics = Array.isArray(m.topics) ? m.topics : [];
    for (const t of topics) {
      if (!t || typeof t.topic !== 'string') continue;
      const sr = this.onTopic(t.topic, t.meta, false);
      if (t.last && typeof t.last === 'object' && sr.add({ ...t.last }, false)) {
        this.ensureWidget(sr);
        this.markDirtyTopic(sr.topic);
      }
      const stale = t.stale === true;
      if (sr.stale !== stale) { sr.stale = stale; this.markDirtyTopic(sr.topic); }
    }
    if (restarted) this.activity.log('warning', 'The hub restarted (new epoch): reloading history', 'system');
    else if (reconnect) this.activity.log('success', 'Reconnected: catching up from where the charts stopped', 'system');
    else this.activity.log('success', `Connected to ${String(m.server ?? 'hub')} ${String(m.version ?? '')}`.trim(), 'system');
    // Everything known (from this welcome and from before a reconnect), minus stopped topics.
    this.session.subscribeAll(since);
    this.refreshTopicKpi();
  }

  onTopic(topic, meta, live) {
    const sr = this.store.ensure(topic);
    if (meta !== undefined) sr.setMeta(meta);
    this.ensureWidget(sr);
    const w = this.widgets.get(topic);
    if (w) { w.applyMeta(false); this.frames.markDirty(w); }
    if (live) {
      if (this.session.announce(topic)) this.activity.log('info', `New topic: ${w ? w.title() : topic}`, 'system');
      this.refreshTopicKpi();
    }
    return sr;
  }

  ensureWidget(sr) {
    const cur = this.widgets.get(sr.topic);
    if (cur && cur.kind === widgetKind(sr)) return cur;
    const w = createWidget(this.actions, sr);
    if (this.session.isStopped(sr.topic)) w.setStopped(true);
    w.setAlerting(this.alerts.firing(sr.topic));
    this.widgets.set(sr.topic, w);
    if (cur) {
      this.frames.remove(cur);
      this.layout.replace(cur, w);
      cur.destroy();
    } else {
      this.layout.place(w);
    }
    if (this.query) this.layout.filter(this.query);
    this.el.empty.hidden = true;
    this.frames.add(w);
    return w;
  }

  onData(m) {
    if (typeof m.topic !== 'string') return;
    if (this.session.isStopped(m.topic)) return; // in flight before the unsubscribe took effect
    const sr = this.store.ensure(m.topic);
    const wasKind = sr.kind;
    const added = sr.add(m);
    this.msgCount++;
    this.msgWindow++;
    sr.noteLive();
    if (sr.stale) sr.stale = false;
    if (sr.kind !== wasKind || !this.widgets.has(m.topic)) this.ensureWidget(sr);
    if (added) {
      if (sr.kind === 'sample') this.alerts.evaluate(sr, sr.last(), { bounds: this.boundsOf(sr.topic) });
      this.markDirtyTopic(m.topic);
    }
  }

  onHistory(m) {
    const got = this.session.history(m);
    if (!got) return;
    const { series: sr, added } = got;
    if (got.kindChanged || !this.widgets.has(m.topic)) this.ensureWidget(sr);
    if (added) {
      // Only the newest point counts for alerts: no storm from old data.
      if (sr.kind === 'sample') this.alerts.evaluate(sr, sr.last(), { bounds: this.boundsOf(sr.topic) });
      this.markDirtyTopic(m.topic);
    }
  }

  onStale(m) {
    const sr = typeof m.topic === 'string' && this.store.get(m.topic);
    if (!sr) return;
    if (!sr.stale) {
      sr.stale = true;
      sr.staleSince = typeof m.since === 'number' ? m.since : (sr.last()?.ts ?? Date.now());
      const w = this.widgets.get(m.topic);
      this.activity.log('warning', `${w ? w.title() : m.topic}: no data since ${fmtTime(sr.staleSince)} (stale)`, 'system');
      this.markDirtyTopic(m.topic);
      this.refreshTopicKpi();
    }
  }

  boundsOf(topic) {
    const w = this.widgets.get(topic);
    return w ? w.bounds() : null;
  }

  setClients(n) {
    if (typeof n !== 'number') return;
    this.clients = n;
    setText(this.el.clients, fmtCount(n));
  }

  // ---------------------------------------------------------------- alerts
  onAlertFire(r, sr, v) {
    const w = this.widgets.get(sr.topic);
    const title = w ? w.title() : sr.topic;
    const fi = w ? w.fieldInfo(r.field) : { label: r.field, unit: '' };
    const text = `${title}: ${fi.label} ${fmtValue(v, fi.unit)} is ${r.op} ${fmtValue(r.value, fi.unit)}`;
    this.activity.log('warning', text, 'alert', sr.topic);
    this.activity.toast(text, 'warning');
    if (w) w.setAlerting(true);
    if ('Notification' in window && Notification.permission === 'granted') {
      try { new Notification(`rtdash alert: ${title}`, { body: text, tag: r.id }); } catch { /* ignore */ }
    }
    this.refreshAlertKpi();
  }

  onAlertClear(r, sr, v) {
    const w = this.widgets.get(sr.topic);
    const fi = w ? w.fieldInfo(r.field) : { label: r.field, unit: '' };
    this.activity.log('success', `${w ? w.title() : sr.topic}: ${fi.label} back to normal (${fmtValue(v, fi.unit)})`, 'alert-clear', sr.topic);
    if (w) w.setAlerting(this.alerts.firing(sr.topic));
    this.refreshAlertKpi();
  }

  refreshAlertKpi() {
    setText(this.el.alertCount, fmtCount(this.alerts.fired));
    const n = this.alerts.rules.length;
    const f = this.alerts.firingCount();
    setText(this.el.alertSub, n ? `${n} rule${n > 1 ? 's' : ''} · ${f} firing` : 'no rules set');
    document.getElementById('kpi-alerts').dataset.firing = f ? 'true' : 'false';
  }

  refreshTopicKpi() {
    let stale = 0;
    for (const sr of this.store.series.values()) if (sr.stale) stale++;
    setText(this.el.topics, fmtCount(this.store.series.size));
    const parts = [];
    parts.push(stale ? `${stale} stale` : 'all fresh');
    if (this.session.stopped.size) parts.push(`${this.session.stopped.size} stopped`);
    setText(this.el.topicSub, parts.join(' · '));
  }

  // ---------------------------------------------------------------- rendering
  markDirtyTopic(topic) {
    const w = this.widgets.get(topic);
    if (w) this.frames.markDirty(w);
  }

  tick() {
    const now = Date.now();
    this.msgRate = this.msgWindow;
    this.msgWindow = 0;
    setText(this.el.msgRate, `received · ${fmtRate(this.msgRate)} /s`);
    setText(this.el.msgs, fmtCount(this.msgCount));
    for (const sr of this.store.series.values()) { sr.rate = sr.rateCount; sr.rateCount = 0; }
    for (const w of this.widgets.values()) if (w.visible && !w.el.hidden) w.tick(now);
    if (this.connState === 'waiting') this.renderConn();
  }

  onThemeChange() {
    resetThemeColors();
    for (const w of this.widgets.values()) w.themeChanged();
  }

  // ---------------------------------------------------------------- connection state
  onConnState(s) {
    const was = this.connState;
    this.connState = s.state;
    this.retryAt = s.retryAt;
    if (s.state !== 'open') this.session.closed();
    if (was === 'open' && s.state !== 'open' && s.state !== 'auth') this.activity.log('error', 'Connection to the hub lost', 'system');
    this.renderConn();
  }

  renderConn() {
    const st = this.connState;
    let text;
    if (st === 'open') text = 'Live';
    else if (st === 'connecting') text = 'Connecting…';
    else if (st === 'reconnecting') text = 'Reconnecting…';
    else if (st === 'offline') text = 'Offline';
    else if (st === 'auth' || st === 'stopped') text = 'Not connected';
    else {
      const secs = Math.max(0, Math.ceil((this.retryAt - Date.now()) / 1000));
      text = `Reconnecting in ${secs} s`;
    }
    const shown = st === 'waiting' ? 'reconnecting' : st;
    this.el.conn.dataset.state = shown;
    setText(this.el.connText, text);
    this.el.retry.hidden = !(st === 'waiting' || st === 'offline');
    document.title = st === 'open' ? 'rtdash' : `rtdash — ${text.toLowerCase()}`;
    document.documentElement.dataset.conn = st === 'open' ? 'up' : 'down';
  }
}

// Saved state schema versioning (future-proofing of localStorage).
if (load('schema', 1) !== 1) save('schema', 1);

if (document.readyState === 'loading') window.addEventListener('DOMContentLoaded', () => new App(), { once: true });
else new App();
