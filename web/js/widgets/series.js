// SPDX-License-Identifier: MIT
// A sample topic's widget: the chart type menu, a summary (headline value,
// side note, meter), a legend of field chips and a body drawn by the
// renderer of the chosen chart type (widgets/renderers.js).

import { Widget } from './widget.js';
import { CHART_TYPES, typeLabel, createRenderer } from './renderers.js';
import { h, setText } from '../dom.js';
import { fmtParts, fmtValue, isNum } from '../format.js';
import { fieldInfo, primary, unitOf, plotFields, bounds, instanceStats, num } from '../fields.js';
import { widgetPref, setWidgetPref } from '../prefs.js';

export class SeriesWidget extends Widget {
  constructor(actions, series) {
    super(actions, series, 'series');
    const pref = widgetPref(this.topic);
    this.hidden = new Set(Array.isArray(pref.hidden) ? pref.hidden : []);
    this.type = null;
    this.renderer = null;
    this.legendKey = '';
    this.chips = new Map();

    this.select = h('select', { class: 'w-type', title: 'Chart type' },
      ...CHART_TYPES.map((t) => h('option', { value: t, text: typeLabel(t) })));
    this.select.addEventListener('change', () => {
      setWidgetPref(this.topic, { chart: this.select.value });
      this.setType(this.select.value);
    });
    this.tools.append(this.select, this.toggleBtn, this.menu);
    this.addExportItems();
    this.addMenuItem('Alerts…', 'bell', () => this.actions.openAlerts(this.topic), 'open-alerts');
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

  fieldInfo(f) { return fieldInfo(this.series, f); }
  bounds() { return bounds(this.series); }

  defaultType() {
    const c = this.series.meta?.chart;
    return CHART_TYPES.includes(c) ? c : 'line';
  }

  applyMeta(first) {
    if (!this.metaChanged(first)) return;
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
    this.actions.markDirty(this);
  }

  rebuildBody() {
    if (this.renderer) { this.renderer.destroy(); this.renderer = null; }
    this.body.replaceChildren();
    this.el.dataset.size = plotFields(this.series).length > 8 ? 'wide' : 'normal';
    this.renderer = createRenderer(this.type, this);
  }

  // ---- legend (field chips; chart fields toggle, others are read-outs) ----
  buildLegend() {
    const fs = this.series.fields();
    const key = fs.join('\u0000') + '|' + this.type;
    if (key === this.legendKey) return;
    this.legendKey = key;
    this.chips.clear();
    this.legend.replaceChildren();
    const plot = new Set(plotFields(this.series));
    const toggles = this.renderer.togglesFields;
    for (const f of fs) {
      const fi = this.fieldInfo(f);
      const sw = h('span', { class: 'chip-swatch' });
      sw.style.background = fi.color;
      const val = h('span', { class: 'chip-val', text: '–' });
      let chip;
      if (plot.has(f) && toggles) {
        chip = h('button', { type: 'button', class: 'chip chip-toggle', 'aria-pressed': this.hidden.has(f) ? 'false' : 'true',
          title: `Show or hide ${fi.label}`, dataset: { field: f } }, sw, h('span', { class: 'chip-label', text: fi.label }), val);
        chip.addEventListener('click', () => this.toggleField(f));
      } else {
        chip = h('span', { class: 'chip chip-stat', dataset: { field: f } }, sw, h('span', { class: 'chip-label', text: fi.label }), val);
      }
      this.chips.set(f, { chip, val, unit: fi.unit });
      this.legend.append(chip);
    }
    this.legend.hidden = fs.length <= 1 && !toggles;
  }

  toggleField(f) {
    if (this.hidden.has(f)) this.hidden.delete(f); else this.hidden.add(f);
    setWidgetPref(this.topic, { hidden: [...this.hidden] });
    const c = this.chips.get(f);
    if (c) c.chip.setAttribute('aria-pressed', this.hidden.has(f) ? 'false' : 'true');
    this.renderer.fieldsChanged();
    this.actions.markDirty(this);
  }

  exportView() { return { fields: this.series.fields().filter((f) => !this.hidden.has(f)) }; }

  alertInfo() {
    const last = this.series.last();
    return {
      title: this.title(),
      fields: this.series.fields().map((f) => {
        const fi = this.fieldInfo(f);
        return { name: f, label: fi.label, unit: fi.unit, current: last ? last.fields[f] : null };
      }),
    };
  }

  // ---- render ----
  render() {
    this.updateFlags();
    this.buildLegend();
    const last = this.series.last();
    const lf = last ? last.fields : null;
    const p = primary(this.series);
    const view = { fields: lf, primary: p, unit: unitOf(this.series), value: lf ? num(lf[p]) : null };
    for (const [f, c] of this.chips) setText(c.val, fmtValue(lf ? num(lf[f]) : null, c.unit));
    this.renderer.render(view);
    this.renderFoot();
  }

  /** The summary above a chart (renderers that show one call this). */
  renderSummary({ fields: lf, primary: p, unit, value }) {
    let v = value;
    const parts = fmtParts(v, unit);
    setText(this.numEl, parts.num);
    setText(this.unitEl, parts.unit);
    let side = '';
    const usedOfTotal = lf && isNum(lf.used) && isNum(lf.total) && p !== 'used';
    const st = usedOfTotal ? null : instanceStats(this.series, lf);
    if (usedOfTotal) {
      side = `${fmtValue(lf.used, this.fieldInfo('used').unit)} of ${fmtValue(lf.total, this.fieldInfo('total').unit)}`;
    } else if (st) {
      // cpu0, cpu1, …: the headline is the average, the side the busiest one.
      v = st.avg;
      const pa = fmtParts(v, unit);
      setText(this.numEl, pa.num);
      setText(this.unitEl, pa.unit + ' avg');
      side = `max ${fmtValue(st.max, unit)} · ${this.fieldInfo(st.field).label}`;
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

  themeChanged() {
    if (this.renderer.themeChanged()) this.actions.markDirty(this);
  }

  destroy() {
    if (this.renderer) { this.renderer.destroy(); this.renderer = null; }
    super.destroy();
  }
}
