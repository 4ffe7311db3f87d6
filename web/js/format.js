// SPDX-License-Identifier: MIT
// Number, unit and time formatting. Units come from meta: "%", "B", "B/s",
// "bytes", "bytes/s", "ms", "s", free text otherwise.

const nf = new Map();
function numFmt(maxFrac, minFrac = 0) {
  const key = maxFrac * 10 + minFrac;
  let f = nf.get(key);
  if (!f) {
    f = new Intl.NumberFormat(undefined, { maximumFractionDigits: maxFrac, minimumFractionDigits: minFrac });
    nf.set(key, f);
  }
  return f;
}
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});

export function isNum(v) { return typeof v === 'number' && Number.isFinite(v); }

/** A readable number: about 3 significant digits, compact beyond a million. */
export function fmtNum(v) {
  if (!isNum(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return compact.format(v);
  if (a >= 100 || Number.isInteger(v)) return numFmt(0).format(v);
  if (a >= 10) return numFmt(1).format(v);
  return numFmt(2).format(v);
}

const BIN = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
function bytesParts(v) {
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1024 && i < BIN.length - 1) { x /= 1024; i++; }
  const sign = v < 0 ? -1 : 1;
  const digits = i === 0 ? 0 : x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return { num: numFmt(digits).format(sign * x), unit: BIN[i] };
}

export function isBytes(unit) { return unit === 'B' || unit === 'bytes' || unit === 'byte'; }
export function isRate(unit) { return unit === 'B/s' || unit === 'bytes/s' || unit === 'Bps'; }

/** { num, unit } so the number and the unit can be styled apart. */
export function fmtParts(v, unit) {
  if (!isNum(v)) return { num: '–', unit: unit && !isBytes(unit) && !isRate(unit) ? unit : '' };
  if (isBytes(unit)) return bytesParts(v);
  if (isRate(unit)) { const p = bytesParts(v); return { num: p.num, unit: p.unit + '/s' }; }
  if (unit === '%') return { num: Math.abs(v) < 10 ? numFmt(1).format(v) : numFmt(1).format(v), unit: '%' };
  return { num: fmtNum(v), unit: unit || '' };
}

export function fmtValue(v, unit) {
  const p = fmtParts(v, unit);
  if (!p.unit) return p.num;
  return p.unit === '%' ? p.num + '%' : p.num + ' ' + p.unit;
}

/** Short tick label for an axis. */
export function fmtAxis(v, unit) {
  if (isBytes(unit) || isRate(unit)) {
    const p = bytesParts(v);
    return p.num + (p.unit === 'B' ? '' : ' ' + p.unit.replace('iB', ''));
  }
  if (unit === '%') return numFmt(0).format(v) + '%';
  const a = Math.abs(v);
  if (a >= 1e4) return compact.format(v);
  return numFmt(a < 10 ? 2 : a < 100 ? 1 : 0).format(v);
}

/** A ts a Date can hold (±8.64e15 ms); anything else from the wire is shown as '–'. */
export function isTs(ts) { return isNum(ts) && Math.abs(ts) <= 8.64e15; }
export function fmtTime(ts) { return isTs(ts) ? timeFmt.format(ts) : '–'; }
export function fmtDateTime(ts) { return isTs(ts) ? dateTimeFmt.format(ts) : '–'; }
export function fmtISO(ts) { return isTs(ts) ? new Date(ts).toISOString() : ''; }

export function fmtCount(n) { return numFmt(0).format(n); }

export function fmtRate(r) {
  if (r >= 100) return numFmt(0).format(r);
  if (r >= 10) return numFmt(1).format(r);
  return numFmt(1, 1).format(r);
}

/** "3 s ago", "4 min ago" … */
export function fmtAgo(ts, now = Date.now()) {
  if (!isNum(ts)) return '';
  const d = Math.max(0, Math.round((now - ts) / 1000));
  if (d < 2) return 'just now';
  if (d < 60) return d + ' s ago';
  if (d < 3600) return Math.floor(d / 60) + ' min ago';
  if (d < 86400) return Math.floor(d / 3600) + ' h ago';
  return Math.floor(d / 86400) + ' d ago';
}
