// SPDX-License-Identifier: MIT
// What a sample topic's meta and data say about its fields: the headline
// field, the unit, the fields drawn, the value bounds, labels and colours.
// Pure functions of a Series (store.js): no DOM, so node can test them.

import { PALETTE, normColor } from './charts.js';

/** Fields that make a good headline, in order of preference. */
export const PRIMARY = ['usage', 'percent', 'value'];

export function str(v) { return typeof v === 'string' ? v : v == null ? '' : String(v); }
export function num(v) { return typeof v === 'number' && Number.isFinite(v) ? v : null; }

function metaOf(series) { return series.meta || {}; }

/** The widget title: meta's title, else the topic. */
export function title(series) { return str(series.meta?.title) || series.topic; }

function fieldMeta(series, f) {
  const mf = metaOf(series).fields;
  return mf && typeof mf === 'object' && mf[f] && typeof mf[f] === 'object' ? mf[f] : {};
}

/** A field's unit: meta.fields[f].unit, else meta's unit. */
export function fieldUnit(series, f) {
  const m = fieldMeta(series, f);
  return m.unit != null ? str(m.unit) : str(metaOf(series).unit);
}

/**
 * Label, unit and colour of a field, from meta.fields[f] (else the field
 * name, meta's unit and the palette colour of its place). norm checks a
 * colour from the wire (charts.js normColor, which needs a canvas).
 */
export function fieldInfo(series, f, norm = normColor) {
  const m = fieldMeta(series, f);
  const idx = Math.max(0, series.fieldOrder.indexOf(f));
  return { label: str(m.label) || f, unit: fieldUnit(series, f), color: norm(m.color, PALETTE[idx % PALETTE.length]) };
}

/** The headline field: among the fields in meta's unit, usage/percent/value or the first. */
export function primary(series) {
  const fs = series.fields();
  const mu = metaOf(series).unit;
  let cand = fs;
  if (typeof mu === 'string' && mu) {
    const same = fs.filter((f) => fieldUnit(series, f) === mu);
    if (same.length) cand = same;
  }
  for (const p of PRIMARY) if (cand.includes(p)) return p;
  return cand[0] || fs[0] || 'value';
}

/** The unit of the headline field. */
export function unitOf(series) { return fieldUnit(series, primary(series)); }

/** Fields drawn on the chart: those in the headline field's unit. */
export function plotFields(series) {
  const u = unitOf(series);
  return series.fields().filter((f) => fieldUnit(series, f) === u);
}

/** Value range from meta's min/max; '%' without either is 0–100. */
export function bounds(series) {
  const m = metaOf(series);
  let min = num(m.min), max = num(m.max);
  if (unitOf(series) === '%' && min == null && max == null) { min = 0; max = 100; }
  return { min, max, fixed: min != null && max != null };
}

/** Plotted fields that are instances of one thing (cpu0, cpu1, …, consecutive numbers). */
export function homogeneous(series) {
  const fs = plotFields(series);
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

/**
 * For homogeneous fields (cpu0, cpu1, …) in the sample's fields lf: their
 * average and the busiest one, {avg, max, field}; null otherwise.
 */
export function instanceStats(series, lf) {
  if (!lf || !homogeneous(series)) return null;
  let sum = 0, n = 0, max = -Infinity, field = '';
  for (const f of plotFields(series)) {
    const x = num(lf[f]);
    if (x == null) continue;
    sum += x;
    n++;
    if (x > max) { max = x; field = f; }
  }
  return n ? { avg: sum / n, max, field } : null;
}

/** Smallest "nice" number ≥ x (1, 2, 2.5, 5 × 10^n). */
export function niceCeil(x) {
  if (!(x > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= x) return m * e;
  return 10 * e;
}

/**
 * A gauge's scale: meta's bounds; without a max, the largest value seen
 * (+10 %) rounded up to a nice number.
 */
export function gaugeRange(series) {
  const b = bounds(series);
  const lo = b.min ?? 0;
  let hi = b.max;
  if (hi == null) {
    let mx = 0;
    for (const pt of series.cols.get(primary(series)) || []) if (pt.y != null && pt.y > mx) mx = pt.y;
    hi = niceCeil(Math.max(mx * 1.1, lo + 1e-9));
  }
  return { lo, hi, fixed: b.fixed };
}

/** Which widget shows a topic: 'feed' for events, 'series' for samples. */
export function widgetKind(series) {
  if (series.kind === 'event') return 'feed';
  if (series.kind === 'sample') return 'series';
  const m = series.meta;
  if (m && (m.kind === 'event' || m.chart === 'feed' || m.chart === 'events' || m.chart === 'log')) return 'feed';
  return 'series';
}
