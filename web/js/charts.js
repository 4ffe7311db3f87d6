// SPDX-License-Identifier: MIT
// Chart.js glue: configs for live time series (line / area / bar over time)
// and categorical bars (latest value per field), theme colours, colour parsing.
// Chart.js is the UMD build loaded by index.html (window.Chart).

import { fmtAxis, fmtTime, fmtValue, isBytes, isRate } from './format.js';

export const PALETTE = ['#4c8dff', '#2fbf71', '#f5a524', '#ef5d5d', '#a070f0', '#1fb5c9', '#e66bb0', '#8ac926', '#ff8a3d', '#17a2a0'];

export function chartLib() { return window.Chart || null; }

let theme = null;
/** Colours for axes/grid/tooltips read from CSS custom properties. */
export function themeColors() {
  if (!theme) {
    const cs = getComputedStyle(document.documentElement);
    const v = (n, d) => (cs.getPropertyValue(n) || '').trim() || d;
    theme = {
      grid: v('--chart-grid', 'rgba(128,128,128,.15)'),
      tick: v('--chart-tick', '#8b93a7'),
      tipBg: v('--chart-tip-bg', '#1b2130'),
      tipFg: v('--chart-tip-fg', '#e6e9ef'),
      tipBorder: v('--chart-tip-border', '#2b3245'),
      font: v('--font-sans', 'system-ui, sans-serif'),
      size: Number(v('--chart-font', '11')) || 11,
    };
  }
  return theme;
}
export function resetThemeColors() { theme = null; }

// Normalise any CSS colour (from meta, i.e. from the wire) through the canvas
// parser: invalid values fall back; the result is '#rrggbb' or 'rgba(...)'.
let probe = null;
const colorCache = new Map();
export function normColor(c, fallback) {
  if (typeof c !== 'string' || !c || c.length > 64) return fallback;
  const key = c + '|' + fallback;
  if (colorCache.has(key)) return colorCache.get(key);
  if (!probe) probe = document.createElement('canvas').getContext('2d');
  probe.fillStyle = '#010203';
  probe.fillStyle = c;
  const out = probe.fillStyle === '#010203' && c.trim().toLowerCase() !== '#010203' ? fallback : probe.fillStyle;
  if (colorCache.size > 500) colorCache.clear();
  colorCache.set(key, out);
  return out;
}

/** The colour with alpha a (0..1). */
export function alpha(color, a) {
  if (color.startsWith('#') && color.length === 7) {
    const n = parseInt(color.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
  }
  const m = /^rgba?\(([^)]+)\)$/.exec(color);
  if (m) {
    const p = m[1].split(',').map((x) => x.trim());
    return `rgba(${p[0]},${p[1]},${p[2]},${a})`;
  }
  return color;
}

/** Time tick labels; a label equal to the previous one (sub-second spans) is left out. */
function timeTick(v, i, ticks) {
  const s = fmtTime(v);
  return i > 0 && fmtTime(ticks[i - 1].value) === s ? '' : s;
}

function baseOptions(unit) {
  const t = themeColors();
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    events: ['mousemove', 'mouseout', 'touchstart', 'touchmove'],
    layout: { padding: { top: 4, right: 2, bottom: 0, left: 0 } },
    plugins: {
      legend: { display: false },
      decimation: { enabled: false },
      tooltip: {
        backgroundColor: t.tipBg,
        titleColor: t.tipFg,
        bodyColor: t.tipFg,
        borderColor: t.tipBorder,
        borderWidth: 1,
        padding: 8,
        boxPadding: 4,
        usePointStyle: true,
        callbacks: {
          label: (ctx) => ` ${ctx.dataset.label}: ${fmtValue(ctx.parsed.y, ctx.dataset.unit ?? unit)}`,
        },
      },
    },
  };
}

/** Config for a live chart over time: kind is 'line', 'area' or 'bar'. */
export function timeChartConfig(kind, unit, bounds) {
  const t = themeColors();
  const opts = baseOptions(unit);
  opts.interaction = { mode: 'index', axis: 'x', intersect: false };
  opts.plugins.tooltip.callbacks.title = (items) => (items.length ? fmtTime(items[0].parsed.x) : '');
  opts.elements = {
    point: { radius: 0, hoverRadius: 3, hitRadius: 6 },
    line: { borderWidth: 1.75, tension: 0, borderJoinStyle: 'round', capBezierPoints: false },
    bar: { borderWidth: 0, borderRadius: 2 },
  };
  opts.datasets = { bar: { barPercentage: 0.9, categoryPercentage: 0.9, grouped: true } };
  opts.scales = {
    x: {
      type: 'linear',
      offset: false,
      grid: { color: t.grid, drawTicks: false },
      border: { display: false },
      ticks: { color: t.tick, maxTicksLimit: 5, maxRotation: 0, autoSkipPadding: 16, padding: 6, font: { size: t.size }, callback: timeTick, includeBounds: false },
    },
    y: {
      type: 'linear',
      grace: '5%',
      beginAtZero: true,
      grid: { color: t.grid, drawTicks: false },
      border: { display: false },
      ticks: { color: t.tick, maxTicksLimit: 5, padding: 6, font: { size: t.size }, callback: (v) => fmtAxis(v, unit) },
    },
  };
  if (bounds.min != null) opts.scales.y.min = bounds.min;
  if (bounds.max != null) opts.scales.y.max = bounds.max;
  if (isBytes(unit) || isRate(unit)) opts.scales.y.ticks.precision = 0;
  return { type: kind === 'bar' ? 'bar' : 'line', data: { datasets: [] }, options: opts };
}

/** Config for bars of the latest value of each field (e.g. per-core CPU). */
export function categoryBarConfig(unit, bounds) {
  const t = themeColors();
  const opts = baseOptions(unit);
  opts.parsing = true;
  opts.normalized = false;
  opts.interaction = { mode: 'index', intersect: false };
  opts.elements = { bar: { borderWidth: 0, borderRadius: 3 } };
  opts.scales = {
    x: { type: 'category', grid: { display: false }, border: { display: false }, ticks: { color: t.tick, font: { size: t.size }, maxRotation: 0, autoSkip: true } },
    y: {
      type: 'linear', beginAtZero: true, grace: '5%',
      grid: { color: t.grid, drawTicks: false }, border: { display: false },
      ticks: { color: t.tick, maxTicksLimit: 5, padding: 6, font: { size: t.size }, callback: (v) => fmtAxis(v, unit) },
    },
  };
  if (bounds.min != null) opts.scales.y.min = bounds.min;
  if (bounds.max != null) opts.scales.y.max = bounds.max;
  return { type: 'bar', data: { labels: [], datasets: [{ label: '', data: [], backgroundColor: [], unit }] }, options: opts };
}

/** Re-apply theme colours to an existing chart (after a theme switch). */
export function restyle(chart) {
  const t = themeColors();
  const o = chart.options;
  for (const ax of Object.values(o.scales || {})) {
    if (ax.grid) ax.grid.color = t.grid;
    if (ax.ticks) { ax.ticks.color = t.tick; ax.ticks.font = { size: t.size }; }
  }
  const tip = o.plugins.tooltip;
  tip.backgroundColor = t.tipBg; tip.titleColor = t.tipFg; tip.bodyColor = t.tipFg; tip.borderColor = t.tipBorder;
}
