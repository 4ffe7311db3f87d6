// SPDX-License-Identifier: MIT
// Export of a widget's visible data (the points it holds, the fields not
// hidden) as CSV (RFC 4180) or JSON, downloaded as a file.

import { fmtISO } from './format.js';

// A spreadsheet runs a cell that starts with one of these as a formula
// (=HYPERLINK(…), +cmd|…): a string cell gets a leading ' so that it stays
// text (SPEC §7, SECURITY.md S7.4). Numbers are written as numbers: -3.5 stays.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v) {
  if (v == null) return '';
  let t;
  if (typeof v === 'number') t = Number.isFinite(v) ? String(v) : '';
  else {
    t = String(v);
    if (FORMULA_START.test(t)) t = `'${t}`;
  }
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

function stamp(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Build the export of a series.
 * @param {import('./store.js').Series} series
 * @param {'csv'|'json'} format
 * @param {{fields?: string[], levels?: string[]}} visible  what the widget shows
 * @returns {{name: string, type: string, text: string}}
 */
export function buildExport(series, format, visible = {}) {
  const topic = series.topic;
  const meta = series.meta || {};
  const isEvent = series.kind === 'event';
  const levels = visible.levels ? new Set(visible.levels) : null;
  const pts = isEvent && levels ? series.points.filter((p) => levels.has(p.level)) : series.points;
  const fields = isEvent ? [] : (visible.fields || series.fields());
  const name = `${topic}-${stamp()}.${format}`;
  if (format === 'csv') {
    const rows = [];
    rows.push(isEvent ? ['time', 'ts', 'seq', 'level', 'text'] : ['time', 'ts', 'seq', ...fields]);
    for (const p of pts) {
      const iso = fmtISO(p.ts);
      rows.push(isEvent ? [iso, p.ts, p.seq, p.level, p.text] : [iso, p.ts, p.seq, ...fields.map((f) => p.fields[f])]);
    }
    return { name, type: 'text/csv;charset=utf-8', text: rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n' };
  }
  const out = {
    topic,
    title: typeof meta.title === 'string' ? meta.title : topic,
    unit: meta.unit ?? null,
    kind: series.kind,
    exported_at: new Date().toISOString(),
    fields: isEvent ? undefined : Object.fromEntries(fields.map((f) => {
      const m = meta.fields && typeof meta.fields === 'object' && meta.fields[f] && typeof meta.fields[f] === 'object' ? meta.fields[f] : {};
      return [f, { label: m.label ?? f, unit: m.unit ?? meta.unit ?? null }];
    })),
    points: pts.map((p) => (isEvent
      ? { ts: p.ts, time: fmtISO(p.ts), seq: p.seq, level: p.level, text: p.text }
      : { ts: p.ts, time: fmtISO(p.ts), seq: p.seq, fields: Object.fromEntries(fields.map((f) => [f, p.fields[f] ?? null])) })),
  };
  return { name, type: 'application/json', text: JSON.stringify(out, null, 2) + '\n' };
}

export function download({ name, type, text }) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
