// Threshold alerts per field, set in the UI and remembered. A rule fires once
// when the value crosses its threshold and re-arms only when the value comes
// back past the re-arm level (hysteresis), so a noisy value never storms.

import { h } from './dom.js';
import { load, save } from './prefs.js';
import { fmtValue, isNum } from './format.js';

export class Alerts {
  /** @param {{onFire: Function, onClear: Function, onChange: Function}} cb */
  constructor(cb) {
    this.cb = cb;
    const rules = load('alerts', []);
    this.rules = Array.isArray(rules) ? rules.filter(validRule) : [];
    this.state = new Map();     // rule id -> 'armed' | 'firing'
    this.lastEval = new Map();  // topic -> [ts, seq] of the last point evaluated
    this.fired = 0;
  }

  rulesFor(topic) { return this.rules.filter((r) => r.topic === topic); }
  firing(topic) { return this.rulesFor(topic).some((r) => this.state.get(r.id) === 'firing'); }
  firingCount() { let n = 0; for (const r of this.rules) if (this.state.get(r.id) === 'firing') n++; return n; }

  /** The level at which a firing rule re-arms. */
  rearmLevel(rule, bounds) {
    if (isNum(rule.rearm)) return rule.op === 'above' ? Math.min(rule.rearm, rule.value) : Math.max(rule.rearm, rule.value);
    let hyst = Math.abs(rule.value) * 0.05;
    if (bounds && isNum(bounds.min) && isNum(bounds.max) && bounds.max > bounds.min) hyst = (bounds.max - bounds.min) * 0.02;
    return rule.op === 'above' ? rule.value - hyst : rule.value + hyst;
  }

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
        const lvl = this.rearmLevel(r, ctx && ctx.bounds);
        const back = r.op === 'above' ? v <= lvl : v >= lvl;
        if (back) {
          this.state.set(r.id, 'armed');
          this.cb.onClear(r, series, v, pt);
        }
      }
    }
  }

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
    save('alerts', this.rules);
    this.cb.onChange(topic);
  }

  /** Fill and open the dialog for a sample topic. */
  openDialog(series, info) {
    const dlg = document.getElementById('alert-dialog');
    const rowsEl = document.getElementById('alert-rows');
    const title = document.getElementById('alert-dialog-title');
    title.textContent = `Alerts — ${info.title}`;
    const existing = new Map(this.rulesFor(series.topic).map((r) => [r.field, r]));
    const rows = [];
    rowsEl.replaceChildren();
    const fields = info.fields;
    if (!fields.length) rowsEl.append(h('p', { class: 'dialog-help', text: 'This topic has no numeric fields yet.' }));
    for (const f of fields) {
      const r = existing.get(f.name);
      const en = h('input', { type: 'checkbox', class: 'a-enabled' });
      en.checked = !!r;
      const op = h('select', { class: 'a-op' }, h('option', { value: 'above', text: 'above' }), h('option', { value: 'below', text: 'below' }));
      op.value = r ? r.op : 'above';
      const val = h('input', { type: 'number', step: 'any', class: 'a-value', inputmode: 'decimal' });
      if (r) val.value = String(r.value);
      const rearm = h('input', { type: 'number', step: 'any', class: 'a-rearm', placeholder: 'auto', inputmode: 'decimal' });
      if (r && isNum(r.rearm)) rearm.value = String(r.rearm);
      val.addEventListener('input', () => { if (val.value !== '') en.checked = true; });
      const cur = h('span', { class: 'a-current', text: `now ${fmtValue(f.current, f.unit)}` });
      const unit = f.unit ? ` (${f.unit})` : '';
      rowsEl.append(h('fieldset', { class: 'alert-row', dataset: { field: f.name } },
        h('legend', {}, h('span', { text: f.label + unit }), cur),
        h('label', { class: 'a-check' }, en, h('span', { text: 'Enabled' })),
        h('label', {}, h('span', { class: 'a-lbl', text: 'When value is' }), op),
        h('label', {}, h('span', { class: 'a-lbl', text: 'Threshold' }), val),
        h('label', {}, h('span', { class: 'a-lbl', text: 'Re-arm at' }), rearm)));
      rows.push({ field: f.name, en, op, val, rearm });
    }
    const onClose = () => {
      dlg.removeEventListener('close', onClose);
      if (dlg.returnValue !== 'save') return;
      const out = [];
      for (const r of rows) {
        const v = parseFloat(r.val.value);
        if (!r.en.checked || !Number.isFinite(v)) continue;
        const ra = parseFloat(r.rearm.value);
        out.push({ field: r.field, op: r.op.value, value: v, rearm: Number.isFinite(ra) ? ra : null });
      }
      this.setRules(series.topic, out);
    };
    dlg.returnValue = '';
    dlg.addEventListener('close', onClose);
    dlg.showModal();
    const first = rowsEl.querySelector('input.a-value');
    if (first) first.focus();
  }
}

function validRule(r) {
  return r && typeof r === 'object' && typeof r.topic === 'string' && typeof r.field === 'string'
    && (r.op === 'above' || r.op === 'below') && isNum(r.value);
}
