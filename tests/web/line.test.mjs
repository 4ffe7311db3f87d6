// SPDX-License-Identifier: MIT
// widgets/line.js pointRadius: a value that no line segment reaches (a
// single sample, or one between holes) gets a dot; a line gets none.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pointRadius } from '../../web/js/widgets/line.js';

const col = (...ys) => ys.map((y, i) => ({ x: i * 1000, y }));

test('a line needs no dots', () => {
  assert.equal(pointRadius(col()), 0);
  assert.equal(pointRadius(col(1, 2)), 0);
  assert.equal(pointRadius(col(1, 2, null, 3, 4)), 0, 'holes between segments');
  assert.equal(pointRadius(col(null, null)), 0, 'nothing to draw');
});

test('a value with no neighbour gets a dot', () => {
  assert.deepEqual(pointRadius(col(7)), [3], 'a single sample');
  assert.deepEqual(pointRadius(col(null, 7)), [0, 3], 'a field that appeared with the last sample');
  assert.deepEqual(pointRadius(col(1, 2, null, 5, null, 8, 9)), [0, 0, 0, 3, 0, 0, 0], 'one between holes');
  assert.deepEqual(pointRadius(col(5, null, 6)), [3, 0, 3], 'at both ends');
});
