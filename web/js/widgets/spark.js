// SPDX-License-Identifier: MIT
// The sparkline under a gauge or a number: the headline field's column drawn
// on a small canvas of its own (no Chart.js: a few hundred points, one path).

import { alpha } from '../charts.js';
import { primary } from '../fields.js';

export class Spark {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.w = 0;
    this.h = 0;
  }

  /** Draw the headline column of series in colour. */
  draw(series, color) {
    const c = this.canvas;
    const w = c.clientWidth, hgt = c.clientHeight;
    if (!w || !hgt) return;
    const dpr = window.devicePixelRatio || 1;
    if (this.w !== w || this.h !== hgt) { this.w = w; this.h = hgt; c.width = Math.round(w * dpr); c.height = Math.round(hgt * dpr); }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    const col = series.cols.get(primary(series)) || [];
    if (col.length < 2) return;
    let mn = Infinity, mx = -Infinity;
    for (const p of col) if (p.y != null) { if (p.y < mn) mn = p.y; if (p.y > mx) mx = p.y; }
    if (!Number.isFinite(mn)) return;
    if (mx === mn) { mn = Math.min(0, mn); mx = Math.max(mx, mn + 1); }
    const x0 = col[0].x, x1 = col[col.length - 1].x || x0 + 1;
    const sx = (x) => ((x - x0) / Math.max(1, x1 - x0)) * (w - 2) + 1;
    const sy = (y) => hgt - 2 - ((y - mn) / (mx - mn)) * (hgt - 4);
    ctx.beginPath();
    let started = false;
    for (const p of col) {
      if (p.y == null) { started = false; continue; }
      if (!started) { ctx.moveTo(sx(p.x), sy(p.y)); started = true; } else ctx.lineTo(sx(p.x), sy(p.y));
    }
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = color;
    ctx.lineJoin = 'round';
    ctx.stroke();
    ctx.lineTo(sx(col[col.length - 1].x), hgt);
    ctx.lineTo(sx(col[0].x), hgt);
    ctx.closePath();
    ctx.fillStyle = alpha(color, 0.12);
    ctx.fill();
  }
}
