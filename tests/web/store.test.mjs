// SPDX-License-Identifier: MIT
// store.js: the per-topic series. Points stay in (ts, seq) order without
// duplicates whatever order live data, histories and resumes arrive in; the
// chart columns stay parallel to the points; the cap holds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Series, Store, SAMPLE_CAP, EVENT_CAP, cmpPos, normLevel } from '../../web/js/store.js';

const sample = (ts, seq, fields = { value: seq }) => ({ ts, seq, fields });
const positions = (sr) => sr.points.map((p) => [p.ts, p.seq]);

test('cmpPos orders by ts, then seq', () => {
  assert.equal(cmpPos(1, 5, 2, 1), -1);
  assert.equal(cmpPos(2, 1, 1, 5), 1);
  assert.equal(cmpPos(3, 1, 3, 2), -1);
  assert.equal(cmpPos(3, 2, 3, 1), 1);
  assert.equal(cmpPos(3, 2, 3, 2), 0);
});

test('in-order points are appended', () => {
  const sr = new Series('t');
  for (let i = 1; i <= 5; i++) assert.equal(sr.add(sample(1000 * i, i)), true);
  assert.deepEqual(positions(sr), [[1000, 1], [2000, 2], [3000, 3], [4000, 4], [5000, 5]]);
  assert.equal(sr.kind, 'sample');
  assert.equal(sr.appendedSince, 5);
  assert.equal(sr.reordered, false);
  assert.deepEqual(sr.pos, [5000, 5]);
  assert.deepEqual(sr.last(), { ts: 5000, seq: 5, fields: { value: 5 } });
  assert.equal(sr.prev().seq, 4);
});

test('out-of-order points go to their place (binary search), columns follow', () => {
  const sr = new Series('t');
  for (const [ts, seq] of [[10, 1], [50, 5], [30, 3], [20, 2], [40, 4], [5, 0], [30, 2.5]]) sr.add(sample(ts, seq));
  assert.deepEqual(positions(sr), [[5, 0], [10, 1], [20, 2], [30, 2.5], [30, 3], [40, 4], [50, 5]]);
  assert.equal(sr.reordered, true);
  assert.deepEqual(sr.cols.get('value').map((c) => [c.x, c.y]), sr.points.map((p) => [p.ts, p.fields.value]));
  // The resume position is the newest point ever received.
  assert.deepEqual(sr.pos, [50, 5]);
});

test('the same (ts, seq) twice is one point', () => {
  const sr = new Series('t');
  assert.equal(sr.add(sample(10, 1)), true);
  assert.equal(sr.add(sample(20, 2)), true);
  assert.equal(sr.add(sample(20, 2, { value: 99 })), false, 'duplicate of the newest');
  assert.equal(sr.add(sample(10, 1, { value: 99 })), false, 'duplicate in the middle');
  assert.equal(sr.add({ ts: '20', seq: '2', fields: {} }), false, 'numeric strings are the same position');
  assert.equal(sr.points.length, 2);
  assert.equal(sr.points[1].fields.value, 2, 'the first copy is kept');
  // Same seq at another ts is another point (seq is per collector run).
  assert.equal(sr.add(sample(30, 2)), true);
  assert.equal(sr.points.length, 3);
});

test('points without a finite ts and seq are refused', () => {
  const sr = new Series('t');
  assert.equal(sr.add({ ts: 'x', seq: 1, fields: {} }), false);
  assert.equal(sr.add({ ts: 1, fields: {} }), false);
  assert.equal(sr.add({ ts: Infinity, seq: 1, fields: {} }), false);
  assert.equal(sr.points.length, 0);
  assert.equal(sr.kind, null);
});

test('the cap drops the oldest; older than everything kept is refused when full', () => {
  const sr = new Series('t');
  for (let i = 1; i <= SAMPLE_CAP + 10; i++) sr.add(sample(i * 10, i));
  assert.equal(sr.points.length, SAMPLE_CAP);
  assert.equal(sr.points[0].seq, 11);
  assert.equal(sr.cols.get('value').length, SAMPLE_CAP);
  assert.equal(sr.cols.get('value')[0].x, 110);
  assert.equal(sr.add(sample(5, 0)), false, 'older than all kept');
  assert.equal(sr.points[0].seq, 11);
  // Inside the window: inserted, and the oldest goes.
  assert.equal(sr.add(sample(155, 15.5)), true);
  assert.equal(sr.points.length, SAMPLE_CAP);
  assert.equal(sr.points[0].seq, 12);
  assert.ok(sr.points.some((p) => p.seq === 15.5));
});

test('events: level normalised, own cap, no columns', () => {
  const sr = new Series('e');
  assert.equal(sr.add({ ts: 1, seq: 1, text: 'a', level: 'warning' }), true);
  assert.equal(sr.add({ ts: 2, seq: 2, text: 'b', level: 'bogus' }), true);
  assert.equal(sr.add({ ts: 3, seq: 3, level: 'error' }), true, 'an event without text');
  assert.equal(sr.kind, 'event');
  assert.deepEqual(sr.points.map((p) => [p.level, p.text]), [['warning', 'a'], ['info', 'b'], ['error', '']]);
  assert.equal(sr.cols.size, 0);
  for (let i = 4; i <= EVENT_CAP + 20; i++) sr.add({ ts: i, seq: i, text: String(i), level: 'info' });
  assert.equal(sr.points.length, EVENT_CAP);
  assert.equal(normLevel('success'), 'success');
  assert.equal(normLevel(undefined), 'info');
});

test('a topic that switches from samples to events starts over', () => {
  const sr = new Series('t');
  sr.add(sample(1, 1));
  sr.add(sample(2, 2));
  sr.add({ ts: 3, seq: 3, text: 'now events', level: 'info' });
  assert.equal(sr.kind, 'event');
  assert.deepEqual(positions(sr), [[3, 3]]);
});

test('advance=false shows a point without moving the resume position', () => {
  const sr = new Series('t');
  sr.add(sample(10, 1));
  assert.equal(sr.add(sample(50, 5), false), true);
  assert.deepEqual(sr.pos, [10, 1], 'resume from before the welcome value');
  assert.equal(sr.last().seq, 5);
  sr.add(sample(20, 2));
  assert.deepEqual(sr.pos, [20, 2]);
  // A fresh series with only a welcome value has nothing to resume from.
  const fresh = new Series('u');
  fresh.add(sample(1, 1), false);
  assert.equal(fresh.pos, null);
});

test('gap marks are counted', () => {
  const sr = new Series('t');
  sr.add(sample(1, 1));
  sr.add({ ...sample(5, 5), gap: true });
  assert.equal(sr.gaps, 1);
});

test('a field first seen later gets nulls for the earlier points', () => {
  const sr = new Series('t');
  sr.add(sample(10, 1, { a: 1 }));
  sr.add(sample(30, 3, { a: 3 }));
  sr.add(sample(20, 2, { a: 2, b: 20 }));
  assert.deepEqual(sr.cols.get('b').map((c) => [c.x, c.y]), [[10, null], [20, 20], [30, null]]);
  assert.deepEqual(sr.cols.get('a').map((c) => c.y), [1, 2, 3]);
  // Non-numbers are holes in the column, not zeros.
  sr.add(sample(40, 4, { a: 'x', b: NaN }));
  assert.deepEqual(sr.cols.get('a').map((c) => c.y), [1, 2, 3, null]);
  assert.deepEqual(sr.cols.get('b').map((c) => c.y), [null, 20, null, null]);
});

test('field order: meta first, then as seen', () => {
  const sr = new Series('t');
  sr.add(sample(1, 1, { z: 1, y: 2 }));
  sr.setMeta({ fields: { a: {}, y: {} } });
  assert.deepEqual(sr.fieldOrder, ['a', 'y', 'z']);
  // fields(): those with data or described by meta.
  assert.deepEqual(sr.fields(), ['a', 'y', 'z']);
  sr.setMeta(null);
  assert.deepEqual(sr.fields(), ['y', 'z'], 'a had only meta');
  sr.setMeta('not an object');
  assert.equal(sr.meta, null);
});

test('Store: ensure creates once, topics in creation order', () => {
  const st = new Store();
  const a = st.ensure('a');
  assert.equal(st.ensure('a'), a);
  st.ensure('b');
  assert.deepEqual(st.topics(), ['a', 'b']);
  assert.equal(st.get('c'), undefined);
});
