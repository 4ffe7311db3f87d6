// SPDX-License-Identifier: MIT
// Number: the headline value large, its change since the previous sample,
// and a sparkline of the recent values.

import { Renderer } from './renderer.js';
import { Spark } from './spark.js';
import { h, setText } from '../dom.js';
import { fmtParts, fmtValue } from '../format.js';
import { num, primary } from '../fields.js';

export class NumberRenderer extends Renderer {
  static id = 'number';
  static label = 'Number';

  get togglesFields() { return false; }

  build() {
    this.num = h('span', { class: 'n-num', text: '–' });
    this.unit = h('span', { class: 'n-unit' });
    this.delta = h('span', { class: 'n-delta' });
    const canvas = h('canvas', { class: 'spark', 'aria-hidden': 'true' });
    this.w.body.append(h('div', { class: 'number' },
      h('div', { class: 'n-read' }, this.num, this.unit), this.delta, h('div', { class: 'spark-box' }, canvas)));
    this.spark = new Spark(canvas);
  }

  render({ value: v, unit }) {
    const p = primary(this.series);
    const parts = fmtParts(v, unit);
    setText(this.num, parts.num);
    setText(this.unit, parts.unit);
    const prev = this.series.prev();
    const pv = prev ? num(prev.fields[p]) : null;
    if (v != null && pv != null) {
      const d = v - pv;
      this.delta.dataset.dir = d > 0 ? 'up' : d < 0 ? 'down' : 'flat';
      setText(this.delta, `${d > 0 ? '▲' : d < 0 ? '▼' : '■'} ${fmtValue(Math.abs(d), unit)}`);
    } else {
      setText(this.delta, '');
    }
    this.spark.draw(this.series, this.w.fieldInfo(p).color);
  }

  themeChanged() { return true; }
}
