// SPDX-License-Identifier: MIT
// Bars: with several plotted fields, one bar per field of the newest sample
// (categories, e.g. per-core CPU); with one field, bars over time.

import { LineRenderer } from './line.js';
import { ChartRenderer } from './renderer.js';
import { alpha, categoryBarConfig } from '../charts.js';
import { plotFields, unitOf, bounds, num } from '../fields.js';

export class BarRenderer extends LineRenderer {
  static id = 'bar';
  static label = 'Bar';

  static create(w) {
    return plotFields(w.series).length > 1 ? new CategoryBarRenderer(w) : new BarRenderer(w);
  }

  background(c) { return alpha(c, 0.8); }
}

/** The newest value of each plotted field as one bar each. */
export class CategoryBarRenderer extends ChartRenderer {
  static label = BarRenderer.label;

  config() { return categoryBarConfig(unitOf(this.series), bounds(this.series)); }

  render(view) {
    this.w.renderSummary(view);
    const lf = view.fields;
    const ch = this.chart;
    const fs = this.shown();
    const ds = ch.data.datasets[0];
    const labels = fs.map((f) => this.w.fieldInfo(f).label);
    if (ch.data.labels.join('\u0000') !== labels.join('\u0000')) {
      ch.data.labels = labels;
      ds.backgroundColor = fs.map((f) => alpha(this.w.fieldInfo(f).color, 0.85));
    }
    ds.label = this.w.title();
    ds.data = fs.map((f) => (lf ? num(lf[f]) : null));
    ch.update('none');
  }
}
