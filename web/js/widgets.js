// Widgets built from a topic's meta: time series (line / area / bar / gauge /
// number) and event feeds. Each widget renders from its Series in the
// animation frame the app schedules; nothing from the wire becomes HTML.

import { h, s, setText, icon } from './dom.js';
import { fmtParts, fmtValue, fmtTime, fmtDateTime, fmtISO, fmtAgo, fmtRate, fmtCount, isNum } from './format.js';
import { PALETTE, normColor, alpha, chartLib, timeChartConfig, categoryBarConfig, restyle } from './charts.js';
import { widgetPref, setWidgetPref } from './prefs.js';

export const CHART_TYPES = ['line', 'area', 'bar', 'gauge', 'number'];
const TYPE_LABELS = { line: 'Line', area: 'Area', bar: 'Bar', gauge: 'Gauge', number: 'Number' };
const PRIMARY = ['usage', 'percent', 'value'];
const LEVELS = ['info', 'success', 'warning', 'error'];
/** Redraw limit per widget: a 10 Hz stream redraws its chart 5 times a second. */
const CHART_MIN_MS = Number(new URLSearchParams(window.location.search).get('min_redraw_ms')) || 200;

let uid = 0;

function str(v) { return typeof v === 'string' ? v : v == null ? '' : String(v); }
function num(v) { return typeof v === 'number' && Number.isFinite(v) ? v : null; }

/** Smallest "nice" number ≥ x (1, 2, 2.5, 5 × 10^n). */
function niceCeil(x) {
  if (!(x > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= x) return m * e;
  return 10 * e;
}

class Widget {
  constructor(app, series, kind) {
    this.app = app;
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
    this.toggleBtn.addEventListener('click', () => this.app.toggleTopic(this.topic));
    this.actions = h('div', { class: 'w-actions' });
    this.menu = this.buildMenu();
    this.head = h('header', { class: 'w-head' },
      h('div', { class: 'w-titles' }, this.titleEl, this.topicEl), this.badges, this.actions);
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

  title() { return str(this.series.meta?.title) || this.topic; }

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

  themeChanged() {}
  destroy() { this.el.remove(); }
}

export class SeriesWidget extends Widget {
  constructor(app, series) {
    super(app, series, 'series');
    const pref = widgetPref(this.topic);
    this.hidden = new Set(Array.isArray(pref.hidden) ? pref.hidden : []);
    this.type = null;
    this.chart = null;
    this.chartMode = null;   // 'time' | 'cat' | 'gauge' | 'number'
    this.dsFields = [];
    this.legendKey = '';
    this.chips = new Map();

    this.select = h('select', { class: 'w-type', title: 'Chart type' },
      ...CHART_TYPES.map((t) => h('option', { value: t, text: TYPE_LABELS[t] })));
    this.select.addEventListener('change', () => {
      setWidgetPref(this.topic, { chart: this.select.value });
      this.setType(this.select.value);
    });
    this.actions.append(this.select, this.toggleBtn, this.menu);
    this.addMenuItem('Export CSV', 'download', () => this.app.exportTopic(this.topic, 'csv'), 'export-csv');
    this.addMenuItem('Export JSON', 'download', () => this.app.exportTopic(this.topic, 'json'), 'export-json');
    this.addMenuItem('Alerts…', 'bell', () => this.app.openAlerts(this.topic), 'open-alerts');
    this.addMenuItem('Default chart type', 'reset', () => {
      setWidgetPref(this.topic, { chart: undefined });
      this.setType(this.defaultType());
    }, 'reset-type');

    this.numEl = h('span', { class: 'w-num', text: '–' });
    this.unitEl = h('span', { class: 'w-unit' });
    this.sideEl = h('span', { class: 'w-side' });
    this.meterFill = h('div', { class: 'meter-fill' });
    this.meter = h('div', { class: 'meter', 'aria-hidden': 'true' }, this.meterFill);
    this.summary = h('div', { class: 'w-summary' },
      h('div', { class: 'w-big' }, this.numEl, this.unitEl), this.sideEl, this.meter);
    this.legend = h('div', { class: 'w-legend', role: 'group', 'aria-label': 'Fields' });
    this.body = h('div', { class: 'w-body' });
    this.el.append(this.head, this.summary, this.legend, this.body, this.foot);
    this.applyMeta(true);
  }

  // ---- meta-derived facts ----
  meta() { return this.series.meta || {}; }
  fields() { return this.series.fields(); }
  fieldInfo(f) {
    const mf = this.meta().fields;
    const m = mf && typeof mf === 'object' && mf[f] && typeof mf[f] === 'object' ? mf[f] : {};
    const idx = Math.max(0, this.series.fieldOrder.indexOf(f));
    const unit = m.unit != null ? str(m.unit) : str(this.meta().unit);
    return { label: str(m.label) || f, unit, color: normColor(m.color, PALETTE[idx % PALETTE.length]) };
  }
  /** The headline field: among the fields in meta's unit, usage/percent/value or the first. */
  primary() {
    const fs = this.fields();
    const mu = this.meta().unit;
    let cand = fs;
    if (typeof mu === 'string' && mu) {
      const same = fs.filter((f) => this.fieldInfo(f).unit === mu);
      if (same.length) cand = same;
    }
    for (const p of PRIMARY) if (cand.includes(p)) return p;
    return cand[0] || fs[0] || 'value';
  }
  unit() { return this.fieldInfo(this.primary()).unit; }
  /** Fields drawn on the chart: those in the primary field's unit. */
  plotFields() {
    const u = this.unit();
    return this.fields().filter((f) => this.fieldInfo(f).unit === u);
  }
  bounds() {
    const m = this.meta();
    let min = num(m.min), max = num(m.max);
    if (this.unit() === '%' && min == null && max == null) { min = 0; max = 100; }
    return { min, max, fixed: min != null && max != null };
  }
  defaultType() {
    const c = this.meta().chart;
    return CHART_TYPES.includes(c) ? c : 'line';
  }

  applyMeta(first) {
    const key = JSON.stringify(this.series.meta ?? null);
    if (!first && key === this.metaKey) return;
    this.metaKey = key;
    this.updateTitles();
    this.select.setAttribute('aria-label', `Chart type for ${this.title()}`);
    const pref = widgetPref(this.topic);
    const type = CHART_TYPES.includes(pref.chart) ? pref.chart : this.defaultType();
    this.legendKey = '';
    this.setType(type, true);
  }

  setType(type, force) {
    if (!force && type === this.type) return;
    this.type = type;
    this.select.value = type;
    this.el.dataset.chart = type;
    this.rebuildBody();
    this.app.markDirty(this);
  }

  rebuildBody() {
    if (this.chart) { this.chart.destroy(); this.chart = null; }
    this.body.replaceChildren();
    this.dsFields = [];
    this.spark = null;
    this.gauge = null;
    const t = this.type;
    const plot = this.plotFields().filter((f) => !this.hidden.has(f));
    const many = this.plotFields().length;
    this.el.dataset.size = many > 8 ? 'wide' : 'normal';
    if (t === 'gauge') { this.chartMode = 'gauge'; this.buildGauge(); return; }
    if (t === 'number') { this.chartMode = 'number'; this.buildNumber(); return; }
    const Chart = chartLib();
    const canvas = h('canvas', { role: 'img', 'aria-label': `${TYPE_LABELS[t]} chart of ${this.title()}` });
    this.body.append(h('div', { class: 'chart-box' }, canvas));
    if (!Chart) {
      this.body.replaceChildren(h('p', { class: 'w-nochart', text: 'Charts unavailable (Chart.js was not loaded).' }));
      this.chartMode = 'none';
      return;
    }
    if (t === 'bar' && many > 1) {
      this.chartMode = 'cat';
      this.chart = new Chart(canvas, categoryBarConfig(this.unit(), this.bounds()));
    } else {
      this.chartMode = 'time';
      this.chart = new Chart(canvas, timeChartConfig(t, this.unit(), this.bounds()));
      this.setDatasets(plot);
    }
  }

  setDatasets(plot) {
    const t = this.type;
    this.dsFields = plot.slice();
    // Area: the headline field is filled, the others are lines over it
    // (several translucent fills on top of each other read as mud).
    const filled = plot.includes(this.primary()) ? this.primary() : plot[0];
    this.chart.data.datasets = plot.map((f) => {
      const fi = this.fieldInfo(f);
      const c = fi.color;
      const fill = t === 'area' && (f === filled || plot.length === 1);
      return {
        label: fi.label,
        unit: fi.unit,
        data: [],
        borderColor: c,
        backgroundColor: fill ? alpha(c, 0.18) : t === 'bar' ? alpha(c, 0.8) : c,
        pointBackgroundColor: c,
        fill: fill ? 'origin' : false,
        order: fill ? 1 : 0,
        spanGaps: false,
      };
    });
  }

  buildGauge() {
    const d = 'M 20 100 A 80 80 0 0 1 180 100';
    const track = s('path', { d, class: 'g-track', pathLength: '100' });
    const val = s('path', { d, class: 'g-value', pathLength: '100', 'stroke-dasharray': '0 100' });
    const num = h('span', { class: 'g-num', text: '–' });
    const unit = h('span', { class: 'g-unit' });
    const lo = h('span', { class: 'g-lo' });
    const hi = h('span', { class: 'g-hi' });
    const svg = s('svg', { viewBox: '0 0 200 108', class: 'g-svg', 'aria-hidden': 'true' }, track, val);
    const label = h('div', { class: 'g-label', text: this.fieldInfo(this.primary()).label });
    const box = h('div', { class: 'gauge', role: 'meter', 'aria-label': this.title() },
      svg, h('div', { class: 'g-center' }, h('div', { class: 'g-read' }, num, unit), label),
      h('div', { class: 'g-range' }, lo, hi));
    const canvas = h('canvas', { class: 'spark', 'aria-hidden': 'true' });
    this.body.append(box, h('div', { class: 'spark-box spark-small' }, canvas));
    this.gauge = { box, val, num, unit, lo, hi, label };
    this.spark = { canvas, w: 0, h: 0 };
  }

  buildNumber() {
    const num = h('span', { class: 'n-num', text: '–' });
    const unit = h('span', { class: 'n-unit' });
    const delta = h('span', { class: 'n-delta' });
    const canvas = h('canvas', { class: 'spark', 'aria-hidden': 'true' });
    this.body.append(h('div', { class: 'number' },
      h('div', { class: 'n-read' }, num, unit), delta, h('div', { class: 'spark-box' }, canvas)));
    this.spark = { num, unit, delta, canvas, w: 0, h: 0 };
  }

  // ---- legend (field chips; chart fields toggle, others are read-outs) ----
  buildLegend() {
    const fs = this.fields();
    const key = fs.join('\u0000') + '|' + this.type;
    if (key === this.legendKey) return;
    this.legendKey = key;
    this.chips.clear();
    this.legend.replaceChildren();
    const plot = new Set(this.plotFields());
    for (const f of fs) {
      const fi = this.fieldInfo(f);
      const sw = h('span', { class: 'chip-swatch' });
      sw.style.background = fi.color;
      const val = h('span', { class: 'chip-val', text: '–' });
      let chip;
      if (plot.has(f) && this.type !== 'gauge' && this.type !== 'number') {
        chip = h('button', { type: 'button', class: 'chip chip-toggle', 'aria-pressed': this.hidden.has(f) ? 'false' : 'true',
          title: `Show or hide ${fi.label}`, dataset: { field: f } }, sw, h('span', { class: 'chip-label', text: fi.label }), val);
        chip.addEventListener('click', () => this.toggleField(f));
      } else {
        chip = h('span', { class: 'chip chip-stat', dataset: { field: f } }, sw, h('span', { class: 'chip-label', text: fi.label }), val);
      }
      this.chips.set(f, { chip, val, unit: fi.unit });
      this.legend.append(chip);
    }
    this.legend.hidden = fs.length <= 1 && (this.type === 'gauge' || this.type === 'number');
  }

  toggleField(f) {
    if (this.hidden.has(f)) this.hidden.delete(f); else this.hidden.add(f);
    setWidgetPref(this.topic, { hidden: [...this.hidden] });
    const c = this.chips.get(f);
    if (c) c.chip.setAttribute('aria-pressed', this.hidden.has(f) ? 'false' : 'true');
    if (this.chartMode === 'time') this.setDatasets(this.plotFields().filter((x) => !this.hidden.has(x)));
    this.app.markDirty(this);
  }

  visibleFields() { return this.fields().filter((f) => !this.hidden.has(f)); }

  // ---- render ----
  render() {
    const sr = this.series;
    this.updateFlags();
    this.buildLegend();
    const last = sr.last();
    const lf = last ? last.fields : null;
    const p = this.primary();
    const unit = this.unit();
    const v = lf ? num(lf[p]) : null;

    for (const [f, c] of this.chips) setText(c.val, fmtValue(lf ? num(lf[f]) : null, c.unit));

    if (this.chartMode === 'time' || this.chartMode === 'cat' || this.chartMode === 'none') this.renderSummary(v, unit, lf);
    if (this.chartMode === 'time') this.renderTime();
    else if (this.chartMode === 'cat') this.renderCat(lf);
    else if (this.chartMode === 'gauge') this.renderGauge(v, unit);
    else if (this.chartMode === 'number') this.renderNumber(v, unit);
    this.renderFoot();
  }

  /** Fields that are instances of one thing (cpu0, cpu1, …, consecutive numbers). */
  homogeneous() {
    const fs = this.plotFields();
    if (fs.length < 2 || PRIMARY.some((p) => fs.includes(p))) return false;
    let prefix = null;
    const nums = [];
    for (const f of fs) {
      const m = /^(.*?)(\d+)$/.exec(f);
      if (!m || (prefix != null && m[1] !== prefix)) return false;
      prefix = m[1];
      nums.push(Number(m[2]));
    }
    nums.sort((a, b) => a - b);
    return nums.every((n, i) => i === 0 || n === nums[i - 1] + 1);
  }

  renderSummary(v, unit, lf) {
    const parts = fmtParts(v, unit);
    setText(this.numEl, parts.num);
    setText(this.unitEl, parts.unit);
    let side = '';
    if (lf && isNum(lf.used) && isNum(lf.total) && this.primary() !== 'used') {
      side = `${fmtValue(lf.used, this.fieldInfo('used').unit)} of ${fmtValue(lf.total, this.fieldInfo('total').unit)}`;
    } else if (lf && this.homogeneous()) {
      // cpu0, cpu1, …: the headline is the average, the side the busiest one.
      let sum = 0, n = 0, mx = -Infinity, mf = '';
      for (const f of this.plotFields()) { const x = num(lf[f]); if (x == null) continue; sum += x; n++; if (x > mx) { mx = x; mf = f; } }
      if (n) {
        v = sum / n;
        const pa = fmtParts(v, unit);
        setText(this.numEl, pa.num);
        setText(this.unitEl, pa.unit + ' avg');
        side = `max ${fmtValue(mx, unit)} · ${this.fieldInfo(mf).label}`;
      }
    }
    setText(this.sideEl, side);
    const b = this.bounds();
    if (b.fixed && b.max > b.min) {
      this.meter.hidden = false;
      const frac = v == null ? 0 : Math.min(1, Math.max(0, (v - b.min) / (b.max - b.min)));
      this.meterFill.style.transform = `scaleX(${frac})`;
      this.meter.dataset.level = frac >= 0.9 ? 'crit' : frac >= 0.75 ? 'warn' : 'ok';
    } else {
      this.meter.hidden = true;
    }
  }

  renderTime() {
    const sr = this.series;
    const ch = this.chart;
    // New fields may have appeared since the datasets were made.
    const want = this.plotFields().filter((f) => !this.hidden.has(f));
    let stale = want.length !== this.dsFields.length;
    for (let i = 0; !stale && i < want.length; i++) stale = want[i] !== this.dsFields[i];
    if (stale) this.setDatasets(want);
    // Chart.js gets a copy of each column (same point objects): it hooks the
    // arrays it is given, and the store's own arrays must change only here,
    // under our control, not call into Chart.js on every message.
    const dss = ch.data.datasets;
    for (let i = 0; i < dss.length; i++) dss[i].data = (sr.cols.get(this.dsFields[i]) || []).slice();
    const pts = sr.points;
    const x = ch.options.scales.x;
    if (pts.length) {
      const lo = pts[0].ts, hi = pts[pts.length - 1].ts;
      x.min = lo;
      x.max = hi > lo ? hi : lo + 1000;
    } else {
      const now = Date.now();
      x.min = now - 60000; x.max = now; // an empty last minute, not 1970
    }
    ch.update('none');
  }

  renderCat(lf) {
    const ch = this.chart;
    const fs = this.plotFields().filter((f) => !this.hidden.has(f));
    const ds = ch.data.datasets[0];
    const labels = fs.map((f) => this.fieldInfo(f).label);
    if (ch.data.labels.join('\u0000') !== labels.join('\u0000')) {
      ch.data.labels = labels;
      ds.backgroundColor = fs.map((f) => alpha(this.fieldInfo(f).color, 0.85));
    }
    ds.label = this.title();
    ds.data = fs.map((f) => (lf ? num(lf[f]) : null));
    ch.update('none');
  }

  renderGauge(v, unit) {
    const g = this.gauge;
    const b = this.bounds();
    let lo = b.min ?? 0, hi = b.max;
    if (hi == null) {
      // Unbounded: scale to the largest value seen, rounded up to a nice number.
      let mx = 0;
      const col = this.series.cols.get(this.primary()) || [];
      for (const pt of col) if (pt.y != null && pt.y > mx) mx = pt.y;
      hi = niceCeil(Math.max(mx * 1.1, lo + 1e-9));
    }
    const frac = v == null || hi <= lo ? 0 : Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
    g.val.setAttribute('stroke-dasharray', `${(frac * 100).toFixed(2)} 100`);
    g.val.style.visibility = frac > 0.002 ? '' : 'hidden'; // a round cap would draw a dot at 0
    g.box.dataset.level = b.fixed ? (frac >= 0.9 ? 'crit' : frac >= 0.75 ? 'warn' : 'ok') : 'none';
    if (!b.fixed) g.val.style.stroke = this.fieldInfo(this.primary()).color; else g.val.style.stroke = '';
    const parts = fmtParts(v, unit);
    setText(g.num, parts.num);
    setText(g.unit, parts.unit);
    setText(g.lo, fmtValue(lo, unit));
    setText(g.hi, fmtValue(hi, unit));
    const lf = this.series.last()?.fields;
    const pct = this.primary() !== 'percent' && lf ? num(lf.percent) : null;
    setText(g.label, this.fieldInfo(this.primary()).label + (pct != null ? ` · ${fmtValue(pct, '%')}` : ''));
    this.drawSpark();
    g.box.setAttribute('aria-valuenow', v == null ? '' : String(v));
    g.box.setAttribute('aria-valuemin', String(lo));
    g.box.setAttribute('aria-valuemax', String(hi));
  }

  renderNumber(v, unit) {
    const sp = this.spark;
    const parts = fmtParts(v, unit);
    setText(sp.num, parts.num);
    setText(sp.unit, parts.unit);
    const prev = this.series.prev();
    const pv = prev ? num(prev.fields[this.primary()]) : null;
    if (v != null && pv != null) {
      const d = v - pv;
      sp.delta.dataset.dir = d > 0 ? 'up' : d < 0 ? 'down' : 'flat';
      setText(sp.delta, `${d > 0 ? '▲' : d < 0 ? '▼' : '■'} ${fmtValue(Math.abs(d), unit)}`);
    } else {
      setText(sp.delta, '');
    }
    this.drawSpark();
  }

  drawSpark() {
    const sp = this.spark;
    const c = sp.canvas;
    const w = c.clientWidth, hgt = c.clientHeight;
    if (!w || !hgt) return;
    const dpr = window.devicePixelRatio || 1;
    if (sp.w !== w || sp.h !== hgt) { sp.w = w; sp.h = hgt; c.width = Math.round(w * dpr); c.height = Math.round(hgt * dpr); }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    const col = this.series.cols.get(this.primary()) || [];
    if (col.length < 2) return;
    let mn = Infinity, mx = -Infinity;
    for (const p of col) if (p.y != null) { if (p.y < mn) mn = p.y; if (p.y > mx) mx = p.y; }
    if (!Number.isFinite(mn)) return;
    if (mx === mn) { mn = Math.min(0, mn); mx = Math.max(mx, mn + 1); }
    const x0 = col[0].x, x1 = col[col.length - 1].x || x0 + 1;
    const sx = (x) => ((x - x0) / Math.max(1, x1 - x0)) * (w - 2) + 1;
    const sy = (y) => hgt - 2 - ((y - mn) / (mx - mn)) * (hgt - 4);
    const color = this.fieldInfo(this.primary()).color;
    ctx.beginPath();
    let started = false;
    for (const p of col) {
      if (p.y == null) { started = false; continue; }
      if (!started) { ctx.moveTo(sx(p.x), sy(p.y)); started = true; } else ctx.lineTo(sx(p.x), sy(p.y));
    }
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = color;
    ctx.lineJoin = 'round';
    ctx.stroke();
    ctx.lineTo(sx(col[col.length - 1].x), hgt);
    ctx.lineTo(sx(col[0].x), hgt);
    ctx.closePath();
    ctx.fillStyle = alpha(color, 0.12);
    ctx.fill();
  }

  themeChanged() {
    if (this.chart) { restyle(this.chart); this.app.markDirty(this); }
    if (this.spark) this.app.markDirty(this);
  }

  destroy() {
    if (this.chart) { this.chart.destroy(); this.chart = null; }
    super.destroy();
  }
}

export class FeedWidget extends Widget {
  constructor(app, series) {
    super(app, series, 'feed');
    const pref = widgetPref(this.topic);
    this.hiddenLevels = new Set(Array.isArray(pref.hiddenLevels) ? pref.hiddenLevels : []);
    this.actions.append(this.toggleBtn, this.menu);
    this.addMenuItem('Export CSV', 'download', () => this.app.exportTopic(this.topic, 'csv'), 'export-csv');
    this.addMenuItem('Export JSON', 'download', () => this.app.exportTopic(this.topic, 'json'), 'export-json');
    this.levelBtns = new Map();
    const bar = h('div', { class: 'levels', role: 'group', 'aria-label': 'Show levels' });
    for (const lv of LEVELS) {
      const cnt = h('span', { class: 'lvl-count', text: '0' });
      const b = h('button', { type: 'button', class: 'chip chip-toggle lvl-chip', dataset: { level: lv },
        'aria-pressed': this.hiddenLevels.has(lv) ? 'false' : 'true', title: `Show ${lv} events` },
      h('span', { class: 'lvl-dot' }), h('span', { class: 'chip-label', text: lv }), cnt);
      b.addEventListener('click', () => {
        if (this.hiddenLevels.has(lv)) this.hiddenLevels.delete(lv); else this.hiddenLevels.add(lv);
        b.setAttribute('aria-pressed', this.hiddenLevels.has(lv) ? 'false' : 'true');
        setWidgetPref(this.topic, { hiddenLevels: [...this.hiddenLevels] });
        this.full = true;
        this.app.markDirty(this);
      });
      this.levelBtns.set(lv, { b, cnt });
      bar.append(b);
    }
    this.list = h('ol', { class: 'feed', 'aria-label': 'Events, newest first' });
    this.body = h('div', { class: 'w-body feed-body' }, this.list);
    this.el.dataset.size = 'tall';
    this.el.append(this.head, bar, this.body, this.foot);
    this.full = true;
    this.applyMeta(true);
  }

  applyMeta(first) {
    const key = JSON.stringify(this.series.meta ?? null);
    if (!first && key === this.metaKey) return;
    this.metaKey = key;
    this.updateTitles();
  }

  item(p) {
    return h('li', { class: 'feed-item', dataset: { level: p.level, seq: String(p.seq) } },
      h('time', { class: 'feed-time', datetime: fmtISO(p.ts), title: fmtDateTime(p.ts), text: fmtTime(p.ts) }),
      h('span', { class: 'feed-level', text: p.level }),
      h('span', { class: 'feed-text', text: p.text }));
  }

  render() {
    const sr = this.series;
    this.updateFlags();
    const pts = sr.points;
    const cap = sr.cap;
    if (this.list.firstElementChild && this.list.firstElementChild.classList.contains('feed-empty')) this.full = true;
    if (this.full || sr.reordered || sr.appendedSince >= cap) {
      const frag = document.createDocumentFragment();
      for (let i = pts.length - 1; i >= 0; i--) {
        if (!this.hiddenLevels.has(pts[i].level)) frag.append(this.item(pts[i]));
      }
      this.list.replaceChildren(frag);
    } else if (sr.appendedSince > 0) {
      for (let i = pts.length - sr.appendedSince; i < pts.length; i++) {
        if (i >= 0 && !this.hiddenLevels.has(pts[i].level)) this.list.prepend(this.item(pts[i]));
      }
      while (this.list.childElementCount > cap) this.list.lastElementChild.remove();
    }
    this.full = false;
    sr.reordered = false;
    sr.appendedSince = 0;
    const counts = { info: 0, success: 0, warning: 0, error: 0 };
    for (const p of pts) counts[p.level]++;
    for (const [lv, x] of this.levelBtns) setText(x.cnt, String(counts[lv]));
    if (!this.list.childElementCount) {
      this.list.append(h('li', { class: 'feed-empty', text: pts.length ? 'No events at the selected levels.' : 'No events yet.' }));
    }
    this.renderFoot();
  }

  visibleLevels() { return LEVELS.filter((l) => !this.hiddenLevels.has(l)); }
}
