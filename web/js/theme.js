// SPDX-License-Identifier: MIT
// Dark / light theme: follows the system until the user picks one; the choice
// is remembered (localStorage, applied before paint by theme-init.js).

import { loadTheme, saveTheme } from './prefs.js';

const ORDER = ['system', 'light', 'dark'];
const LABEL = { system: 'System', light: 'Light', dark: 'Dark' };
const mq = window.matchMedia ? window.matchMedia('(prefers-color-scheme: light)') : null;

export class Theme {
  constructor(onChange) {
    this.onChange = onChange;
    this.pref = loadTheme();
    if (!ORDER.includes(this.pref)) this.pref = 'system';
    if (mq) mq.addEventListener('change', () => { if (this.pref === 'system') this.apply(); });
    this.apply(true);
  }

  effective() {
    if (this.pref === 'system') return mq && mq.matches ? 'light' : 'dark';
    return this.pref;
  }

  set(pref) {
    this.pref = ORDER.includes(pref) ? pref : 'system';
    saveTheme(this.pref);
    this.apply();
  }

  cycle() { this.set(ORDER[(ORDER.indexOf(this.pref) + 1) % ORDER.length]); }

  apply(initial) {
    const root = document.documentElement;
    const eff = this.effective();
    const changed = root.dataset.theme !== eff;
    root.dataset.theme = eff;
    root.dataset.themePref = this.pref;
    const meta = document.querySelector('meta[name="theme-color"]');
    if (meta) meta.setAttribute('content', eff === 'light' ? '#f5f7fb' : '#0d1117');
    const btn = document.getElementById('theme-btn');
    if (btn) {
      const next = ORDER[(ORDER.indexOf(this.pref) + 1) % ORDER.length];
      const desc = this.pref === 'system' ? `System (${LABEL[eff].toLowerCase()})` : LABEL[this.pref];
      btn.setAttribute('aria-label', `Theme: ${desc}. Switch to ${LABEL[next].toLowerCase()}`);
      btn.title = `Theme: ${desc} — click for ${LABEL[next].toLowerCase()}`;
    }
    if (changed && !initial) this.onChange(eff);
  }
}
