// SPDX-License-Identifier: MIT
// Sections and order of widgets: the standard collectors' topics get a
// sensible fixed order; anything else is grouped by its first topic segment.

import { h } from './dom.js';
import { load, save } from './prefs.js';

const RANKS = [
  [/^system\.cpu$/, 10],
  [/^system\.memory$/, 20],
  [/^system\.load$/, 30],
  [/^system\.swap$/, 40],
  [/^system\.cpu\.cores$/, 50],
  [/^system\.net\.(eth|en|wl|ww|bond)/, 60], // physical interfaces before bridges and veths
  [/^system\.net\.lo$/, 66],
  [/^system\.net\./, 65],
  [/^system\.disk\./, 70],
  [/^demo\.sales$/, 110],
  [/^demo\.users$/, 120],
  [/^demo\.requests$/, 130],
  [/^demo\.views$/, 140],
  [/^demo\.feed$/, 150],
];
const SECTION_TITLES = { system: 'System', 'system.net': 'Network', 'system.disk': 'Disks', demo: 'Demo' };
const SECTION_RANK = { system: 0, 'system.net': 0.1, 'system.disk': 0.2, demo: 2 };

export function rankOf(topic) {
  for (const [re, r] of RANKS) if (re.test(topic)) return r;
  return 1000;
}

/** Network interfaces and disks are many on some hosts: their own sections. */
function sectionKey(topic) {
  if (topic.startsWith('system.net.')) return 'system.net';
  if (topic.startsWith('system.disk.')) return 'system.disk';
  return topic.split('.')[0];
}

export class Layout {
  constructor(root) {
    this.root = root;
    this.sections = new Map(); // key -> {el, grid, widgets: []}
  }

  section(key) {
    let sec = this.sections.get(key);
    if (sec) return sec;
    const title = SECTION_TITLES[key] || key.charAt(0).toUpperCase() + key.slice(1);
    const id = `sec-${this.sections.size + 1}`;
    const count = h('span', { class: 'sec-count' });
    const gridId = `${id}-grid`;
    const grid = h('div', { class: 'grid', id: gridId });
    const collapsed = new Set(load('collapsed', []));
    const btn = h('button', { type: 'button', class: 'sec-toggle', 'aria-expanded': collapsed.has(key) ? 'false' : 'true', 'aria-controls': gridId },
      h('span', { class: 'sec-chevron', 'aria-hidden': 'true' }), h('span', { text: title }), count);
    const el = h('section', { class: 'section', 'aria-labelledby': id, dataset: { section: key, collapsed: collapsed.has(key) ? 'true' : 'false' } },
      h('h2', { class: 'sec-title', id }, btn), grid);
    btn.addEventListener('click', () => {
      const now = new Set(load('collapsed', []));
      const c = el.dataset.collapsed !== 'true';
      el.dataset.collapsed = c ? 'true' : 'false';
      btn.setAttribute('aria-expanded', c ? 'false' : 'true');
      if (c) now.add(key); else now.delete(key);
      save('collapsed', [...now]);
    });
    sec = { key, el, grid, count, widgets: [], rank: SECTION_RANK[key] ?? 1 };
    this.sections.set(key, sec);
    // Sections: system first, then others by name, demo after system.
    const all = [...this.sections.values()].sort((a, b) => a.rank - b.rank || a.key.localeCompare(b.key));
    const next = all[all.indexOf(sec) + 1];
    if (next) this.root.insertBefore(el, next.el); else this.root.append(el);
    return sec;
  }

  place(widget) {
    const sec = this.section(sectionKey(widget.topic));
    const r = rankOf(widget.topic);
    const cmp = (w) => rankOf(w.topic) - r || w.topic.localeCompare(widget.topic);
    const idx = sec.widgets.findIndex((w) => cmp(w) > 0);
    if (idx < 0) { sec.widgets.push(widget); sec.grid.append(widget.el); } else {
      sec.widgets.splice(idx, 0, widget);
      sec.grid.insertBefore(widget.el, sec.widgets[idx + 1].el);
    }
    this.updateCounts();
  }

  replace(oldW, newW) {
    for (const sec of this.sections.values()) {
      const i = sec.widgets.indexOf(oldW);
      if (i >= 0) { sec.widgets[i] = newW; oldW.el.replaceWith(newW.el); return; }
    }
    this.place(newW);
  }

  filter(q) {
    const needle = q.trim().toLowerCase();
    let shown = 0;
    for (const sec of this.sections.values()) {
      let n = 0;
      for (const w of sec.widgets) {
        const ok = w.matches(needle);
        w.el.hidden = !ok;
        if (ok) n++;
      }
      sec.el.hidden = n === 0;
      shown += n;
    }
    this.updateCounts();
    return shown;
  }

  updateCounts() {
    for (const sec of this.sections.values()) {
      const vis = sec.widgets.filter((w) => !w.el.hidden).length;
      sec.count.textContent = vis === sec.widgets.length ? String(vis) : `${vis} of ${sec.widgets.length}`;
    }
  }
}
