// SPDX-License-Identifier: MIT
// What every widget has: a header (title, topic, badges, stop/start, menu),
// a footer (last update, rate, counts) and its data attributes. A widget
// reaches the app only through its actions (see widgets/index.js).

import { h, setText, icon } from '../dom.js';
import { fmtTime, fmtDateTime, fmtAgo, fmtRate, fmtCount } from '../format.js';
import { str, title } from '../fields.js';

/** Redraw limit per widget: a 10 Hz stream redraws its chart 5 times a second. */
const CHART_MIN_MS = Number(new URLSearchParams(window.location.search).get('min_redraw_ms')) || 200;

let uid = 0;

export class Widget {
  /**
   * @param {import('./index.js').Actions} actions
   * @param {import('../store.js').Series} series
   * @param {string} kind  'series' | 'feed'
   */
  constructor(actions, series, kind) {
    this.actions = actions;
    this.series = series;
    this.topic = series.topic;
    this.kind = kind;
    this.visible = true;
    this.lastRender = -Infinity;
    this.id = `w${++uid}`;
    this.metaKey = null;
    this.el = h('article', {
      class: `widget widget-${kind}`,
      id: this.id,
      'aria-labelledby': `${this.id}-title`,
      dataset: { topic: this.topic, kind, state: 'live', stale: 'false', count: '0' },
    });
    this.titleEl = h('h3', { class: 'w-title', id: `${this.id}-title` });
    this.topicEl = h('span', { class: 'w-topic' });
    this.badges = h('div', { class: 'w-badges' },
      h('span', { class: 'badge badge-stale', text: 'stale' }),
      h('span', { class: 'badge badge-paused', text: 'paused' }),
      h('span', { class: 'badge badge-stopped', text: 'stopped' }),
      h('span', { class: 'badge badge-alert', text: 'alert' }));
    this.toggleBtn = h('button', { type: 'button', class: 'btn-icon w-toggle', 'aria-pressed': 'false' });
    this.toggleBtn.addEventListener('click', () => this.actions.toggle(this.topic));
    this.tools = h('div', { class: 'w-actions' });
    this.menu = this.buildMenu();
    this.head = h('header', { class: 'w-head' },
      h('div', { class: 'w-titles' }, this.titleEl, this.topicEl), this.badges, this.tools);
    this.updatedEl = h('span', { class: 'w-updated' });
    this.infoEl = h('span', { class: 'w-info' });
    this.foot = h('footer', { class: 'w-foot' }, this.updatedEl, this.infoEl);
  }

  buildMenu() {
    const list = h('div', { class: 'menu-list', role: 'menu' });
    const details = h('details', { class: 'menu' },
      h('summary', { class: 'btn-icon', 'aria-label': 'More actions', title: 'More actions' }, icon('more')), list);
    this.menuList = list;
    return details;
  }

  addMenuItem(label, ic, fn, cls) {
    const b = h('button', { type: 'button', role: 'menuitem', class: `menu-item ${cls || ''}` }, icon(ic), h('span', { text: label }));
    b.addEventListener('click', () => { this.menu.open = false; fn(); });
    this.menuList.append(b);
    return b;
  }

  /** The two export entries of the menu (what is exported: exportView()). */
  addExportItems() {
    this.addMenuItem('Export CSV', 'download', () => this.actions.export(this.topic, 'csv'), 'export-csv');
    this.addMenuItem('Export JSON', 'download', () => this.actions.export(this.topic, 'json'), 'export-json');
  }

  title() { return title(this.series); }

  /** True (and remembered) when the series' meta differs from the last call's; always on first. */
  metaChanged(first) {
    const key = JSON.stringify(this.series.meta ?? null);
    if (!first && key === this.metaKey) return false;
    this.metaKey = key;
    return true;
  }

  setStopped(stopped) {
    this.el.dataset.state = stopped ? 'stopped' : 'live';
    const t = this.title();
    this.toggleBtn.replaceChildren(icon(stopped ? 'play' : 'stop'));
    this.toggleBtn.setAttribute('aria-pressed', stopped ? 'true' : 'false');
    this.toggleBtn.setAttribute('aria-label', `${stopped ? 'Start' : 'Stop'} ${t} stream`);
    this.toggleBtn.title = stopped ? 'Start this stream (fills the gap from the hub)' : 'Stop this stream (unsubscribe)';
  }

  updateTitles() {
    const t = this.title();
    setText(this.titleEl, t);
    setText(this.topicEl, t === this.topic ? (this.series.meta?.collector ? str(this.series.meta.collector) : '') : this.topic);
    this.menu.querySelector('summary').setAttribute('aria-label', `More actions for ${t}`);
    this.setStopped(this.el.dataset.state === 'stopped');
  }

  updateFlags() {
    const sr = this.series;
    const stale = sr.stale ? 'true' : 'false';
    if (this.el.dataset.stale !== stale) {
      this.el.dataset.stale = stale;
      this.badges.querySelector('.badge-stale').title = sr.staleSince ? `No data since ${fmtTime(sr.staleSince)}` : 'No recent data';
    }
  }

  /** Least time between two renders (ms). */
  minInterval() { return CHART_MIN_MS; }

  setAlerting(on) { this.el.dataset.alert = on ? 'true' : 'false'; }

  /** Footer and data attributes (used by people and by the tests). */
  renderFoot() {
    const sr = this.series;
    const last = sr.last();
    const d = this.el.dataset;
    d.count = String(sr.points.length);
    d.lastSeq = last ? String(last.seq) : '';
    d.lastTs = last ? String(last.ts) : '';
    d.firstTs = sr.points.length ? String(sr.points[0].ts) : '';
    this.tick(Date.now());
  }

  tick(now) {
    const sr = this.series;
    const last = sr.last();
    setText(this.updatedEl, last ? `Updated ${fmtAgo(last.ts, now)}` : 'Waiting for data…');
    if (last) this.updatedEl.title = fmtDateTime(last.ts);
    const parts = [];
    if (sr.rate > 0) parts.push(`${fmtRate(sr.rate)}/s`);
    parts.push(`${fmtCount(sr.points.length)} ${sr.kind === 'event' ? 'events' : 'pts'}`);
    if (sr.gaps) parts.push(`${sr.gaps} gap${sr.gaps > 1 ? 's' : ''}`);
    setText(this.infoEl, parts.join(' · '));
  }

  matches(q) {
    if (!q) return true;
    return this.topic.toLowerCase().includes(q) || this.title().toLowerCase().includes(q);
  }

  // What the app asks of any widget; each kind answers for itself.

  /** What an export holds: {fields} or {levels} as shown (export.js buildExport). */
  exportView() { return {}; }
  /** {title, fields: [{name, label, unit, current}]} for the alert dialog, or null: no alerts here. */
  alertInfo() { return null; }
  /** Value bounds used by alert hysteresis, or null. */
  bounds() { return null; }
  /** Label and unit of a field for messages. */
  fieldInfo(f) { return { label: f, unit: '' }; }

  themeChanged() {}
  destroy() { this.el.remove(); }
}
