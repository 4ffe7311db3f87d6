// SPDX-License-Identifier: MIT
// The body of a series widget is drawn by one renderer per chart type, as
// Chart.js has one controller per type: each is its own class with a static
// id, looked up by that id in widgets/renderers.js. A renderer builds its
// DOM into the widget's body, draws it on render(view) and lets go of it on
// destroy(). view: {fields, primary, unit, value} of the newest sample.

import { h } from '../dom.js';
import { chartLib, restyle } from '../charts.js';
import { plotFields } from '../fields.js';

export class Renderer {
  /** The chart type it draws (meta's `chart`, the type menu's value). */
  static id = '';
  /** Its name in the type menu. */
  static label = '';
  /** True for renderers that draw with Chart.js. */
  static usesChartJs = false;

  /** The renderer for widget w (a type may pick a variant, see bar.js). */
  static create(w) { return new this(w); }

  /** @param {import('./series.js').SeriesWidget} w */
  constructor(w) {
    this.w = w;
    this.series = w.series;
  }

  /** Chart fields are toggled from the legend (not on a single read-out). */
  get togglesFields() { return true; }

  /** Plotted fields not hidden in the legend. */
  shown() { return plotFields(this.series).filter((f) => !this.w.hidden.has(f)); }

  build() {}
  render() {}
  /** The set of fields shown changed (legend toggle). */
  fieldsChanged() {}
  /** The theme changed; true when a redraw is needed. */
  themeChanged() { return false; }
  destroy() {}
}

/** A renderer that draws with Chart.js: config() says what chart. */
export class ChartRenderer extends Renderer {
  static usesChartJs = true;

  build() {
    const Chart = chartLib();
    const canvas = h('canvas', { role: 'img', 'aria-label': `${this.constructor.label} chart of ${this.w.title()}` });
    this.w.body.append(h('div', { class: 'chart-box' }, canvas));
    this.chart = new Chart(canvas, this.config());
  }

  /** The Chart.js config (charts.js). */
  config() { return null; }

  themeChanged() {
    restyle(this.chart);
    return true;
  }

  destroy() {
    this.chart.destroy();
    this.chart = null;
  }
}

/** Without Chart.js (it failed to load): the summary above, a note below. */
export class NoChartRenderer extends Renderer {
  build() {
    this.w.body.replaceChildren(h('p', { class: 'w-nochart', text: 'Charts unavailable (Chart.js was not loaded).' }));
  }

  render(view) { this.w.renderSummary(view); }
}
