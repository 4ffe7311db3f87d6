// SPDX-License-Identifier: MIT
// Gauge: the headline value on a half-circle scale from meta's bounds (or up
// to the largest value seen), coloured by level when the bounds are fixed,
// with a sparkline of the recent values.

import { Renderer } from './renderer.js';
import { Spark } from './spark.js';
import { h, s, setText } from '../dom.js';
import { fmtParts, fmtValue } from '../format.js';
import { gaugeRange, num, primary } from '../fields.js';

export class GaugeRenderer extends Renderer {
  static id = 'gauge';
  static label = 'Gauge';

  get togglesFields() { return false; }

  build() {
    const d = 'M 20 100 A 80 80 0 0 1 180 100';
    const track = s('path', { d, class: 'g-track', pathLength: '100' });
    this.val = s('path', { d, class: 'g-value', pathLength: '100', 'stroke-dasharray': '0 100' });
    this.num = h('span', { class: 'g-num', text: '–' });
    this.unit = h('span', { class: 'g-unit' });
    this.lo = h('span', { class: 'g-lo' });
    this.hi = h('span', { class: 'g-hi' });
    const svg = s('svg', { viewBox: '0 0 200 108', class: 'g-svg', 'aria-hidden': 'true' }, track, this.val);
    this.label = h('div', { class: 'g-label', text: this.w.fieldInfo(primary(this.series)).label });
    this.box = h('div', { class: 'gauge', role: 'meter', 'aria-label': this.w.title() },
      svg, h('div', { class: 'g-center' }, h('div', { class: 'g-read' }, this.num, this.unit), this.label),
      h('div', { class: 'g-range' }, this.lo, this.hi));
    const canvas = h('canvas', { class: 'spark', 'aria-hidden': 'true' });
    this.w.body.append(this.box, h('div', { class: 'spark-box spark-small' }, canvas));
    this.spark = new Spark(canvas);
  }

  render({ value: v, unit }) {
    const p = primary(this.series);
    const { lo, hi, fixed } = gaugeRange(this.series);
    const frac = v == null || hi <= lo ? 0 : Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
    this.val.setAttribute('stroke-dasharray', `${(frac * 100).toFixed(2)} 100`);
    this.val.style.visibility = frac > 0.002 ? '' : 'hidden'; // a round cap would draw a dot at 0
    this.box.dataset.level = fixed ? (frac >= 0.9 ? 'crit' : frac >= 0.75 ? 'warn' : 'ok') : 'none';
    if (!fixed) this.val.style.stroke = this.w.fieldInfo(p).color; else this.val.style.stroke = '';
    const parts = fmtParts(v, unit);
    setText(this.num, parts.num);
    setText(this.unit, parts.unit);
    setText(this.lo, fmtValue(lo, unit));
    setText(this.hi, fmtValue(hi, unit));
    const lf = this.series.last()?.fields;
    const pct = p !== 'percent' && lf ? num(lf.percent) : null;
    setText(this.label, this.w.fieldInfo(p).label + (pct != null ? ` · ${fmtValue(pct, '%')}` : ''));
    this.spark.draw(this.series, this.w.fieldInfo(p).color);
    this.box.setAttribute('aria-valuenow', v == null ? '' : String(v));
    this.box.setAttribute('aria-valuemin', String(lo));
    this.box.setAttribute('aria-valuemax', String(hi));
  }

  themeChanged() { return true; }
}
