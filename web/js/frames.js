// SPDX-License-Identifier: MIT
// When widgets draw: a widget marked dirty is drawn in the next animation
// frame, at most every minInterval() ms (fast streams cost a bounded amount
// of CPU), and only while on screen (an IntersectionObserver tells; one
// that scrolls into view is drawn then).

export class Frames {
  /** @param {() => void} after  called at the end of every frame */
  constructor(after) {
    this.after = after;
    this.dirty = new Set();
    this.rafPending = false;
    this.deferTimer = 0;
    this.widgetByEl = new WeakMap();
    this.io = 'IntersectionObserver' in window ? new IntersectionObserver((entries) => {
      for (const e of entries) {
        const w = this.widgetByEl.get(e.target);
        if (!w) continue;
        w.visible = e.isIntersecting;
        if (w.visible && this.dirty.has(w)) this.schedule();
      }
    }, { rootMargin: '200px 0px' }) : null;
  }

  /** Start watching a new widget (and draw it). */
  add(w) {
    this.widgetByEl.set(w.el, w);
    if (this.io) this.io.observe(w.el);
    this.markDirty(w);
  }

  /** Forget a widget that goes away. */
  remove(w) {
    if (this.io) this.io.unobserve(w.el);
    this.dirty.delete(w);
  }

  markDirty(w) {
    this.dirty.add(w);
    this.schedule();
  }

  schedule() {
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(() => this.frame());
  }

  frame() {
    this.rafPending = false;
    const now = performance.now();
    let due = Infinity;
    for (const w of this.dirty) {
      if (!w.visible || w.el.hidden) continue; // drawn when it scrolls into view
      // A chart redraws at most every minInterval ms, however fast its data
      // comes: fast streams cost a bounded amount of CPU.
      const next = w.lastRender + w.minInterval();
      if (next > now) { if (next < due) due = next; continue; }
      this.dirty.delete(w);
      w.lastRender = now;
      try { w.render(); } catch (err) { console.error('rtdash: render', w.topic, err); }
    }
    if (due !== Infinity && !this.deferTimer) {
      this.deferTimer = window.setTimeout(() => { this.deferTimer = 0; this.schedule(); }, Math.max(0, due - now));
    }
    this.after();
  }
}
