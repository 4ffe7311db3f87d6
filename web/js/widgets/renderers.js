// SPDX-License-Identifier: MIT
// The chart types a series widget offers, each drawn by its own renderer
// class (as Chart.js registers one controller per type), keyed by its id.

import { LineRenderer, AreaRenderer } from './line.js';
import { BarRenderer } from './bar.js';
import { GaugeRenderer } from './gauge.js';
import { NumberRenderer } from './number.js';
import { NoChartRenderer } from './renderer.js';
import { chartLib } from '../charts.js';

const REGISTRY = new Map([LineRenderer, AreaRenderer, BarRenderer, GaugeRenderer, NumberRenderer].map((R) => [R.id, R]));

/** Chart types in menu order. */
export const CHART_TYPES = [...REGISTRY.keys()];

/** The type menu's label of a chart type. */
export function typeLabel(type) { return REGISTRY.get(type).label; }

/** The renderer of chart type for widget w, built into its body. */
export function createRenderer(type, w) {
  const R = REGISTRY.get(type) || LineRenderer;
  const r = R.usesChartJs && !chartLib() ? new NoChartRenderer(w) : R.create(w);
  r.build();
  return r;
}
