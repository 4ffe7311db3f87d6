// SPDX-License-Identifier: MIT
// Time series: one dataset per plotted field over time, drawn as a line, as
// an area (the headline field filled) or, by bar.js, as bars. The datasets
// hold copies of the store's columns, so Chart.js never hooks those.

import { ChartRenderer } from './renderer.js';
import { alpha, timeChartConfig } from '../charts.js';
import { primary, unitOf, bounds } from '../fields.js';

/** Radius of the dot drawn for a value no line segment reaches (as a hovered point). */
const LONE_RADIUS = 3;

/**
 * Point radius for a dataset: 0 (a line shows the values, points are drawn
 * only on hover), or per point when some value has no neighbour to draw a
 * line to (a single sample, or one between gaps): a dot for each of those.
 */
export function pointRadius(data) {
  let radius = 0;
  for (let k = 0; k < data.length; k++) {
    if (data[k].y == null || (k > 0 && data[k - 1].y != null) || (k + 1 < data.length && data[k + 1].y != null)) continue;
    if (!radius) radius = new Array(data.length).fill(0);
    radius[k] = LONE_RADIUS;
  }
  return radius;
}

export class LineRenderer extends ChartRenderer {
  static id = 'line';
  static label = 'Line';

  config() { return timeChartConfig(this.constructor.id, unitOf(this.series), bounds(this.series)); }

  build() {
    super.build();
    this.dsFields = [];
    this.setDatasets(this.shown());
  }

  /** Whether field f is filled (plot: the fields drawn, headline: the one filled). */
  filled() { return false; }

  /** Fill colour of a dataset of colour c. */
  background(c, fill) { return fill ? alpha(c, 0.18) : c; }

  setDatasets(plot) {
    this.dsFields = plot.slice();
    const p = primary(this.series);
    const headline = plot.includes(p) ? p : plot[0];
    this.chart.data.datasets = plot.map((f) => {
      const fi = this.w.fieldInfo(f);
      const c = fi.color;
      const fill = this.filled(f, plot, headline);
      return {
        label: fi.label,
        unit: fi.unit,
        data: [],
        borderColor: c,
        backgroundColor: this.background(c, fill),
        pointBackgroundColor: c,
        fill: fill ? 'origin' : false,
        order: fill ? 1 : 0,
        spanGaps: false,
      };
    });
  }

  fieldsChanged() { this.setDatasets(this.shown()); }

  render(view) {
    this.w.renderSummary(view);
    const sr = this.series;
    const ch = this.chart;
    // New fields may have appeared since the datasets were made.
    const want = this.shown();
    let stale = want.length !== this.dsFields.length;
    for (let i = 0; !stale && i < want.length; i++) stale = want[i] !== this.dsFields[i];
    if (stale) this.setDatasets(want);
    // Chart.js gets a copy of each column (same point objects): it hooks the
    // arrays it is given, and the store's own arrays must change only here,
    // under our control, not call into Chart.js on every message.
    const dss = ch.data.datasets;
    for (let i = 0; i < dss.length; i++) {
      dss[i].data = (sr.cols.get(this.dsFields[i]) || []).slice();
      dss[i].pointRadius = pointRadius(dss[i].data);
    }
    const pts = sr.points;
    const x = ch.options.scales.x;
    if (pts.length) {
      const lo = pts[0].ts, hi = pts[pts.length - 1].ts;
      // One instant (a single sample): in the middle of a second, not on the edge.
      x.min = hi > lo ? lo : lo - 500;
      x.max = hi > lo ? hi : lo + 500;
    } else {
      const now = Date.now();
      x.min = now - 60000; x.max = now; // an empty last minute, not 1970
    }
    ch.update('none');
  }
}

export class AreaRenderer extends LineRenderer {
  static id = 'area';
  static label = 'Area';

  // The headline field is filled, the others are lines over it (several
  // translucent fills on top of each other read as mud).
  filled(f, plot, headline) { return f === headline || plot.length === 1; }
}
