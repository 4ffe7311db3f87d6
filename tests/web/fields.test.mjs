// SPDX-License-Identifier: MIT
// fields.js: what a topic's meta and data say about its fields (headline,
// unit, plotted fields, bounds, cpu0…cpuN instances, gauge range, widget kind).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Series } from '../../web/js/store.js';
import { PALETTE } from '../../web/js/charts.js';
import {
  title, fieldUnit, fieldInfo, primary, unitOf, plotFields, bounds, homogeneous, instanceStats, niceCeil, gaugeRange, widgetKind,
} from '../../web/js/fields.js';

/** A sample series with meta and one point per fields object. */
function series(meta, ...points) {
  const sr = new Series('t.x');
  if (meta !== undefined) sr.setMeta(meta);
  points.forEach((fields, i) => sr.add({ ts: 1000 * (i + 1), seq: i + 1, fields }));
  return sr;
}

const memory = () => series(
  { title: 'Memory', unit: 'B', fields: { percent: { unit: '%' }, used: {}, total: {}, free: {} } },
  { percent: 40, used: 4e9, total: 1e10, free: 6e9 });

test('title: meta title or the topic', () => {
  assert.equal(title(series({ title: 'CPU' })), 'CPU');
  assert.equal(title(series({ title: 42 })), '42');
  assert.equal(title(series({ title: '' })), 't.x');
  assert.equal(title(series(undefined)), 't.x');
});

test('fieldUnit / fieldInfo: field meta first, then meta, then defaults', () => {
  const sr = series({ unit: 'ms', fields: { p50: { label: 'Median', color: '#ff0000' }, size: { unit: 'B' } } }, { p50: 1, size: 2, other: 3 });
  assert.equal(fieldUnit(sr, 'p50'), 'ms');
  assert.equal(fieldUnit(sr, 'size'), 'B');
  assert.equal(fieldUnit(series(undefined, { v: 1 }), 'v'), '');
  const seen = [];
  const norm = (c, fallback) => { seen.push([c, fallback]); return c || fallback; };
  assert.deepEqual(fieldInfo(sr, 'p50', norm), { label: 'Median', unit: 'ms', color: '#ff0000' });
  assert.deepEqual(fieldInfo(sr, 'other', norm), { label: 'other', unit: 'ms', color: PALETTE[2] });
  assert.deepEqual(seen[0], ['#ff0000', PALETTE[0]], 'the wire colour goes through the check, with the palette as fallback');
  // Without a colour the default check needs no canvas: the palette colour of the field's place.
  assert.equal(fieldInfo(sr, 'size').color, PALETTE[1]);
});

test('primary: usage, percent, value or the first field, among those in meta unit', () => {
  assert.equal(primary(series({}, { a: 1, value: 2, percent: 3 })), 'percent');
  assert.equal(primary(series({}, { a: 1, value: 2, usage: 3 })), 'usage');
  assert.equal(primary(series({}, { b: 1, a: 2 })), 'b');
  assert.equal(primary(series({})), 'value', 'no fields yet');
  // Memory: meta unit B; percent is in %, so the headline is among the B fields.
  assert.equal(primary(memory()), 'used');
  assert.equal(unitOf(memory()), 'B');
  // When no field has meta's unit, all fields are candidates.
  assert.equal(primary(series({ unit: 'x', fields: { percent: { unit: '%' } } }, { percent: 1 })), 'percent');
});

test('plotFields: the fields in the headline unit', () => {
  assert.deepEqual(plotFields(memory()), ['used', 'total', 'free']);
  assert.deepEqual(plotFields(series({ unit: '%' }, { usage: 1, user: 2 })), ['usage', 'user']);
});

test('bounds: meta min/max; % is 0–100 unless meta says otherwise', () => {
  assert.deepEqual(bounds(series({ unit: '%' }, { v: 1 })), { min: 0, max: 100, fixed: true });
  assert.deepEqual(bounds(series({ unit: '%', max: 400 }, { v: 1 })), { min: null, max: 400, fixed: false });
  assert.deepEqual(bounds(series({ min: -20, max: 50 }, { v: 1 })), { min: -20, max: 50, fixed: true });
  assert.deepEqual(bounds(series({ min: 'zero' }, { v: 1 })), { min: null, max: null, fixed: false }, 'wire junk is ignored');
  assert.deepEqual(bounds(series(undefined, { v: 1 })), { min: null, max: null, fixed: false });
});

test('homogeneous: consecutive instances of one prefix', () => {
  assert.equal(homogeneous(series({}, { cpu0: 1, cpu1: 2, cpu2: 3 })), true);
  assert.equal(homogeneous(series({}, { cpu2: 1, cpu0: 2, cpu1: 3 })), true, 'any order');
  assert.equal(homogeneous(series({}, { cpu0: 1, cpu2: 2 })), false, 'a hole');
  assert.equal(homogeneous(series({}, { cpu0: 1, disk1: 2 })), false, 'two prefixes');
  assert.equal(homogeneous(series({}, { cpu0: 1 })), false, 'one field');
  assert.equal(homogeneous(series({}, { value: 1, v1: 2 })), false, 'a headline name');
  assert.equal(homogeneous(series({}, { a: 1, b: 2 })), false);
});

test('instanceStats: average and busiest instance', () => {
  const sr = series({ unit: '%' }, { cpu0: 10, cpu1: 50, cpu2: 30 });
  assert.deepEqual(instanceStats(sr, sr.last().fields), { avg: 30, max: 50, field: 'cpu1' });
  assert.deepEqual(instanceStats(sr, { cpu0: 4, cpu1: null, cpu2: 'x' }), { avg: 4, max: 4, field: 'cpu0' }, 'non-numbers skipped');
  assert.equal(instanceStats(sr, { cpu0: null }), null);
  assert.equal(instanceStats(sr, null), null);
  assert.equal(instanceStats(memory(), memory().last().fields), null, 'not instances');
});

test('niceCeil: 1, 2, 2.5, 5 × 10^n', () => {
  const cases = [[0, 1], [-5, 1], [0.7, 1], [1, 1], [1.1, 2], [2.2, 2.5], [3, 5], [7, 10], [11, 20], [240, 250], [251, 500], [0.031, 0.05]];
  for (const [x, want] of cases) assert.ok(Math.abs(niceCeil(x) - want) < 1e-12, `niceCeil(${x}) = ${niceCeil(x)}, want ${want}`);
});

test('gaugeRange: bounds, else up to the largest value seen', () => {
  assert.deepEqual(gaugeRange(series({ unit: '%' }, { value: 50 })), { lo: 0, hi: 100, fixed: true });
  assert.deepEqual(gaugeRange(series({}, { value: 70 }, { value: 200 }, { value: 90 })), { lo: 0, hi: 250, fixed: false });
  assert.deepEqual(gaugeRange(series({ min: 10 }, { value: 12 })), { lo: 10, hi: 20, fixed: false });
  const empty = gaugeRange(series({}));
  assert.ok(empty.lo === 0 && empty.hi > 0 && empty.hi < 1e-6, `no data yet: a tiny range above 0 (${empty.hi})`);
});

test('widgetKind: data kind first, then meta', () => {
  const ev = new Series('e');
  ev.add({ ts: 1, seq: 1, text: 'x', level: 'info' });
  assert.equal(widgetKind(ev), 'feed');
  assert.equal(widgetKind(series({ chart: 'feed' }, { v: 1 })), 'series', 'data says samples');
  for (const meta of [{ kind: 'event' }, { chart: 'feed' }, { chart: 'events' }, { chart: 'log' }]) {
    assert.equal(widgetKind(series(meta)), 'feed', JSON.stringify(meta));
  }
  assert.equal(widgetKind(series({ chart: 'line' })), 'series');
  assert.equal(widgetKind(series(undefined)), 'series');
});
