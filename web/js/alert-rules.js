// SPDX-License-Identifier: MIT
// Threshold rules per field and their state. A rule fires once when the
// value crosses its threshold and re-arms only when the value comes back past
// the re-arm level (hysteresis), so a noisy value never storms. No DOM and
// no storage (alerts.js adds the dialog and remembers the rules).

import { isNum } from './format.js';

/** A rule as stored: {topic, field, op: 'above'|'below', value, rearm?, id}. */
export function validRule(r) {
  return r && typeof r === 'object' && typeof r.topic === 'string' && typeof r.field === 'string'
    && (r.op === 'above' || r.op === 'below') && isNum(r.value);
}

/**
 * The level at which a firing rule re-arms: its rearm if set (never on the
 * wrong side of the threshold), else 2 % of the bounds' range (or 5 % of
 * the threshold) back from the threshold.
 */
export function rearmLevel(rule, bounds) {
  if (isNum(rule.rearm)) return rule.op === 'above' ? Math.min(rule.rearm, rule.value) : Math.max(rule.rearm, rule.value);
  let hyst = Math.abs(rule.value) * 0.05;
  if (bounds && isNum(bounds.min) && isNum(bounds.max) && bounds.max > bounds.min) hyst = (bounds.max - bounds.min) * 0.02;
  return rule.op === 'above' ? rule.value - hyst : rule.value + hyst;
}

export class AlertRules {
  /**
   * @param {{onFire: Function, onClear: Function, onChange: Function}} cb
   * @param {object[]} rules  rules as stored (invalid ones are left out)
   */
  constructor(cb, rules = []) {
    this.cb = cb;
    this.rules = Array.isArray(rules) ? rules.filter(validRule) : [];
    this.state = new Map();     // rule id -> 'armed' | 'firing'
    this.lastEval = new Map();  // topic -> [ts, seq] of the last point evaluated
    this.fired = 0;
  }

  rulesFor(topic) { return this.rules.filter((r) => r.topic === topic); }
  firing(topic) { return this.rulesFor(topic).some((r) => this.state.get(r.id) === 'firing'); }
  firingCount() { let n = 0; for (const r of this.rules) if (this.state.get(r.id) === 'firing') n++; return n; }

  /**
   * Evaluate a sample point of a topic. Points not newer than the last one
   * evaluated are ignored (history reloads and resumes never re-fire).
   */
  evaluate(series, pt, ctx) {
    if (!this.rules.length || !pt || !pt.fields) return;
    const le = this.lastEval.get(series.topic);
    if (le && (pt.ts < le[0] || (pt.ts === le[0] && pt.seq <= le[1]))) return;
    this.lastEval.set(series.topic, [pt.ts, pt.seq]);
    for (const r of this.rules) {
      if (r.topic !== series.topic) continue;
      const v = pt.fields[r.field];
      if (!isNum(v)) continue;
      const st = this.state.get(r.id) || 'armed';
      const crossed = r.op === 'above' ? v > r.value : v < r.value;
      if (st === 'armed' && crossed) {
        this.state.set(r.id, 'firing');
        this.fired++;
        this.cb.onFire(r, series, v, pt);
      } else if (st === 'firing') {
        const lvl = rearmLevel(r, ctx && ctx.bounds);
        const back = r.op === 'above' ? v <= lvl : v >= lvl;
        if (back) {
          this.state.set(r.id, 'armed');
          this.cb.onClear(r, series, v, pt);
        }
      }
    }
  }

  /**
   * Replace a topic's rules. A rule that stays (same field, op and value)
   * keeps its id and so its state; the state of a removed rule is dropped.
   */
  setRules(topic, rules) {
    const keep = this.rules.filter((r) => r.topic !== topic);
    const old = new Map(this.rulesFor(topic).map((r) => [r.field + '|' + r.op + '|' + r.value, r]));
    const next = rules.map((r) => ({ ...r, topic })).filter(validRule).map((r) => {
      const o = old.get(r.field + '|' + r.op + '|' + r.value);
      return { ...r, topic, id: o ? o.id : `${topic}|${r.field}|${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}` };
    });
    const ids = new Set(next.map((r) => r.id));
    for (const r of this.rulesFor(topic)) if (!ids.has(r.id)) this.state.delete(r.id);
    this.rules = [...keep, ...next];
    this.persist();
    this.cb.onChange(topic);
  }

  /** The rules changed: alerts.js stores them. */
  persist() {}
}
