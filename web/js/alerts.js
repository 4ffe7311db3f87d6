// SPDX-License-Identifier: MIT
// Threshold alerts per field, set in the UI and remembered (localStorage).
// The rules and their hysteresis are in alert-rules.js; this adds the dialog
// that edits a topic's rules, and storage.

import { h } from './dom.js';
import { load, save } from './prefs.js';
import { fmtValue, isNum } from './format.js';
import { AlertRules } from './alert-rules.js';

export class Alerts extends AlertRules {
  /** @param {{onFire: Function, onClear: Function, onChange: Function}} cb */
  constructor(cb) {
    super(cb, load('alerts', []));
  }

  persist() { save('alerts', this.rules); }

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
