// SPDX-License-Identifier: MIT
// format.js: numbers with units, bytes in binary units, axis labels, times.
// Digits and separators come from the default locale: expectations are
// written with the same Intl formatter (n below), so they check the choices
// format.js makes (unit, scale, digits, sign), not the locale.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isNum, fmtNum, fmtParts, fmtValue, fmtAxis, fmtTime, fmtDateTime, fmtISO, fmtCount, fmtRate, fmtAgo, isTs, isBytes, isRate,
} from '../../web/js/format.js';

const n = (v, max, min = 0) => new Intl.NumberFormat(undefined, { maximumFractionDigits: max, minimumFractionDigits: min }).format(v);
const compact = (v) => new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(v);

test('isNum: finite numbers only', () => {
  assert.equal(isNum(0), true);
  assert.equal(isNum(-1.5), true);
  for (const v of [NaN, Infinity, '1', null, undefined, {}]) assert.equal(isNum(v), false, String(v));
});

test('fmtNum: about three significant digits, compact from a million', () => {
  assert.equal(fmtNum(3.14159), n(3.14, 2));
  assert.equal(fmtNum(31.4159), n(31.4, 1));
  assert.equal(fmtNum(314.159), n(314, 0));
  assert.equal(fmtNum(12345.6), n(12346, 0));
  assert.equal(fmtNum(7), n(7, 0), 'integers keep no decimals');
  assert.equal(fmtNum(-0.125), n(-0.13, 2));
  assert.equal(fmtNum(2500000), compact(2500000));
  assert.equal(fmtNum(NaN), '–');
  assert.equal(fmtNum('5'), '–');
});

test('fmtParts / fmtValue: units', () => {
  assert.deepEqual(fmtParts(512, 'B'), { num: n(512, 0), unit: 'B' });
  assert.deepEqual(fmtParts(1536, 'bytes'), { num: n(1.5, 2), unit: 'KiB' });
  assert.deepEqual(fmtParts(10.5 * 1024 * 1024, 'B'), { num: n(10.5, 1), unit: 'MiB' });
  assert.deepEqual(fmtParts(200 * 1024 ** 3, 'B'), { num: n(200, 0), unit: 'GiB' });
  assert.deepEqual(fmtParts(-2048, 'B'), { num: n(-2, 2), unit: 'KiB' }, 'sign kept');
  assert.deepEqual(fmtParts(1024 ** 6 * 3, 'B'), { num: n(3072, 0), unit: 'PiB' }, 'PiB is the largest unit');
  assert.deepEqual(fmtParts(3 * 1024 * 1024, 'B/s'), { num: n(3, 2), unit: 'MiB/s' });
  assert.deepEqual(fmtParts(42.25, '%'), { num: n(42.25, 1), unit: '%' });
  assert.deepEqual(fmtParts(42, 'ms'), { num: n(42, 0), unit: 'ms' });
  assert.deepEqual(fmtParts(null, 'ms'), { num: '–', unit: 'ms' });
  assert.deepEqual(fmtParts(null, 'B'), { num: '–', unit: '' }, 'no bare byte unit without a value');
  assert.equal(fmtValue(42.25, '%'), `${n(42.25, 1)}%`, 'percent without a space');
  assert.equal(fmtValue(1536, 'B'), `${n(1.5, 2)} KiB`);
  assert.equal(fmtValue(5, ''), n(5, 0));
  assert.equal(fmtValue(undefined, '%'), '–%');
});

test('isBytes / isRate', () => {
  for (const u of ['B', 'bytes', 'byte']) assert.equal(isBytes(u), true, u);
  for (const u of ['B/s', 'bytes/s', 'Bps']) assert.equal(isRate(u), true, u);
  assert.equal(isBytes('KB'), false);
  assert.equal(isRate('B'), false);
});

test('fmtAxis: short labels', () => {
  assert.equal(fmtAxis(2048, 'B'), `${n(2, 2)} K`, 'KiB shortened to K');
  assert.equal(fmtAxis(100, 'B'), n(100, 0), 'plain bytes have no unit');
  assert.equal(fmtAxis(50, '%'), `${n(50, 0)}%`);
  assert.equal(fmtAxis(20000, 'ms'), compact(20000));
  assert.equal(fmtAxis(2.345, ''), n(2.35, 2));
  assert.equal(fmtAxis(23.45, ''), n(23.5, 1));
  assert.equal(fmtAxis(234.5, ''), n(235, 0));
});

test('times: ISO, guards against timestamps a Date cannot hold', () => {
  assert.equal(fmtISO(0), '1970-01-01T00:00:00.000Z');
  assert.equal(fmtISO(1764300000123), '2025-11-28T03:20:00.123Z');
  assert.equal(isTs(8.64e15), true);
  assert.equal(isTs(9e15), false);
  assert.equal(fmtISO(9e15), '');
  assert.equal(fmtTime(9e15), '–');
  assert.equal(fmtDateTime('x'), '–');
  assert.match(fmtTime(1764300000123), /\d/);
});

test('fmtAgo', () => {
  const now = 1_000_000_000;
  assert.equal(fmtAgo(now - 1000, now), 'just now');
  assert.equal(fmtAgo(now + 5000, now), 'just now', 'a clock ahead of ours is not negative');
  assert.equal(fmtAgo(now - 3000, now), '3 s ago');
  assert.equal(fmtAgo(now - 59_000, now), '59 s ago');
  assert.equal(fmtAgo(now - 61_000, now), '1 min ago');
  assert.equal(fmtAgo(now - 2 * 3600_000, now), '2 h ago');
  assert.equal(fmtAgo(now - 3 * 86400_000, now), '3 d ago');
  assert.equal(fmtAgo(null, now), '');
});

test('fmtCount / fmtRate', () => {
  assert.equal(fmtCount(1234567), n(1234567, 0));
  assert.equal(fmtRate(0), n(0, 1, 1), 'one decimal below 10');
  assert.equal(fmtRate(2.25), n(2.25, 1, 1));
  assert.equal(fmtRate(12.34), n(12.3, 1));
  assert.equal(fmtRate(123.4), n(123, 0));
});
