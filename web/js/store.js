// SPDX-License-Identifier: MIT
// Per-topic data: meta, a bounded, (ts, seq)-ordered and de-duplicated list of
// points, and chart columns kept in step with it (one {x, y} array per field,
// handed to Chart.js as dataset data so nothing is rebuilt per frame).

export const SAMPLE_CAP = 120; // points kept per sample topic (history is 50)
export const EVENT_CAP = 100;  // events kept per event topic

/** Compare two positions (ts, seq) — both numbers. */
export function cmpPos(ats, aseq, bts, bseq) {
  if (ats !== bts) return ats < bts ? -1 : 1;
  if (aseq !== bseq) return aseq < bseq ? -1 : 1;
  return 0;
}

export class Series {
  constructor(topic) {
    this.topic = topic;
    this.meta = null;
    this.kind = null;       // 'sample' | 'event' | null (unknown yet)
    this.points = [];       // oldest first; {ts, seq, fields} or {ts, seq, text, level}
    this.cols = new Map();  // field -> [{x, y}] parallel to points (samples only)
    this.fieldOrder = [];   // fields in first-seen order (meta order first)
    this.pos = null;        // [ts, seq] of the newest point ever received (for resume)
    this.stale = false;
    this.staleSince = 0;
    this.gaps = 0;          // gap marks and incomplete histories seen
    this.version = 0;       // bumped on every change
    this.lastArrival = 0;   // Date.now() of the last live message
    this.rateCount = 0;     // live messages in the current rate window
    this.rate = 0;          // live messages per second
    this.appendedSince = 0; // points appended at the end since the last render (feed)
    this.reordered = false; // a point went somewhere else than the end since the last render
  }

  get cap() { return this.kind === 'event' ? EVENT_CAP : SAMPLE_CAP; }

  setMeta(meta) {
    this.meta = meta && typeof meta === 'object' ? meta : null;
    const mf = this.meta && this.meta.fields && typeof this.meta.fields === 'object' ? Object.keys(this.meta.fields) : [];
    // Meta's field order first, then fields only seen in data.
    const rest = this.fieldOrder.filter((f) => !mf.includes(f));
    this.fieldOrder = [...mf, ...rest];
    this.version++;
  }

  /**
   * Insert a point in (ts, seq) order. Returns true if it was new.
   * Duplicates (same ts and seq) and points older than everything kept when
   * full are ignored, so resumes and history reloads never duplicate.
   * advance=false: show the point but do not move the resume position (the
   * welcome's last value: the points before it may not be here yet).
   */
  add(p, advance = true) {
    const ts = Number(p.ts);
    const seq = Number(p.seq);
    if (!Number.isFinite(ts) || !Number.isFinite(seq)) return false;
    const isEvent = typeof p.text === 'string' || (p.fields == null && p.level != null);
    if (this.kind == null) this.kind = isEvent ? 'event' : 'sample';
    else if ((this.kind === 'event') !== isEvent) {
      // Topic switched between samples and events: start over with the new kind.
      this.clear();
      this.kind = isEvent ? 'event' : 'sample';
    }
    const pts = this.points;
    const n = pts.length;
    let i = n;
    if (n && cmpPos(ts, seq, pts[n - 1].ts, pts[n - 1].seq) <= 0) {
      // Out of order (history merge): binary search.
      let lo = 0, hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cmpPos(pts[mid].ts, pts[mid].seq, ts, seq) < 0) lo = mid + 1; else hi = mid;
      }
      i = lo;
      if (i < n && pts[i].ts === ts && pts[i].seq === seq) return false; // duplicate
      if (i === 0 && n >= this.cap) return false; // older than all we keep
    }
    const pt = isEvent
      ? { ts, seq, text: String(p.text ?? ''), level: normLevel(p.level) }
      : { ts, seq, fields: p.fields && typeof p.fields === 'object' ? p.fields : {} };
    if (p.gap) this.gaps++;
    if (i === n) { pts.push(pt); this.appendedSince++; } else { pts.splice(i, 0, pt); this.reordered = true; }
    if (!isEvent) this.addToCols(pt, i, n);
    if (pts.length > this.cap) {
      pts.shift();
      for (const col of this.cols.values()) col.shift();
    }
    if (advance && (!this.pos || cmpPos(ts, seq, this.pos[0], this.pos[1]) > 0)) this.pos = [ts, seq];
    this.version++;
    return true;
  }

  addToCols(pt, i, n) {
    const f = pt.fields;
    for (const name of Object.keys(f)) {
      if (!this.cols.has(name)) {
        // A field seen for the first time: earlier points had no value.
        const col = [];
        for (let k = 0; k < n; k++) col.push({ x: this.points[k < i ? k : k + 1].ts, y: null });
        this.cols.set(name, col);
        if (!this.fieldOrder.includes(name)) this.fieldOrder.push(name);
      }
    }
    for (const [name, col] of this.cols) {
      const v = f[name];
      const pointXY = { x: pt.ts, y: typeof v === 'number' && Number.isFinite(v) ? v : null };
      if (i === col.length) col.push(pointXY); else col.splice(i, 0, pointXY);
    }
  }

  clear() {
    this.points.length = 0;
    for (const col of this.cols.values()) col.length = 0;
    this.reordered = true;
    this.version++;
  }

  last() { return this.points.length ? this.points[this.points.length - 1] : null; }
  prev() { return this.points.length > 1 ? this.points[this.points.length - 2] : null; }

  /** Fields of samples in display order (meta first). */
  fields() { return this.fieldOrder.filter((f) => this.cols.has(f) || (this.meta?.fields && f in this.meta.fields)); }

  noteLive() {
    this.lastArrival = Date.now();
    this.rateCount++;
  }
}

export function normLevel(l) {
  return l === 'success' || l === 'warning' || l === 'error' ? l : 'info';
}

export class Store {
  constructor() {
    this.series = new Map();
  }
  get(topic) { return this.series.get(topic); }
  ensure(topic) {
    let s = this.series.get(topic);
    if (!s) { s = new Series(topic); this.series.set(topic, s); }
    return s;
  }
  topics() { return [...this.series.keys()]; }
}
