// SPDX-License-Identifier: MIT
// An event topic's widget: the newest events first, filtered by level.

import { Widget } from './widget.js';
import { h, setText } from '../dom.js';
import { fmtTime, fmtDateTime, fmtISO } from '../format.js';
import { widgetPref, setWidgetPref } from '../prefs.js';

const LEVELS = ['info', 'success', 'warning', 'error'];

export class FeedWidget extends Widget {
  constructor(actions, series) {
    super(actions, series, 'feed');
    const pref = widgetPref(this.topic);
    this.hiddenLevels = new Set(Array.isArray(pref.hiddenLevels) ? pref.hiddenLevels : []);
    this.tools.append(this.toggleBtn, this.menu);
    this.addExportItems();
    this.levelBtns = new Map();
    const bar = h('div', { class: 'levels', role: 'group', 'aria-label': 'Show levels' });
    for (const lv of LEVELS) {
      const cnt = h('span', { class: 'lvl-count', text: '0' });
      const b = h('button', { type: 'button', class: 'chip chip-toggle lvl-chip', dataset: { level: lv },
        'aria-pressed': this.hiddenLevels.has(lv) ? 'false' : 'true', title: `Show ${lv} events` },
      h('span', { class: 'lvl-dot' }), h('span', { class: 'chip-label', text: lv }), cnt);
      b.addEventListener('click', () => {
        if (this.hiddenLevels.has(lv)) this.hiddenLevels.delete(lv); else this.hiddenLevels.add(lv);
        b.setAttribute('aria-pressed', this.hiddenLevels.has(lv) ? 'false' : 'true');
        setWidgetPref(this.topic, { hiddenLevels: [...this.hiddenLevels] });
        this.full = true;
        this.actions.markDirty(this);
      });
      this.levelBtns.set(lv, { b, cnt });
      bar.append(b);
    }
    this.list = h('ol', { class: 'feed', 'aria-label': 'Events, newest first' });
    this.body = h('div', { class: 'w-body feed-body' }, this.list);
    this.el.dataset.size = 'tall';
    this.el.append(this.head, bar, this.body, this.foot);
    this.full = true;
    this.applyMeta(true);
  }

  applyMeta(first) {
    if (this.metaChanged(first)) this.updateTitles();
  }

  item(p) {
    return h('li', { class: 'feed-item', dataset: { level: p.level, seq: String(p.seq) } },
      h('time', { class: 'feed-time', datetime: fmtISO(p.ts), title: fmtDateTime(p.ts), text: fmtTime(p.ts) }),
      h('span', { class: 'feed-level', text: p.level }),
      h('span', { class: 'feed-text', text: p.text }));
  }

  render() {
    const sr = this.series;
    this.updateFlags();
    const pts = sr.points;
    const cap = sr.cap;
    if (this.list.firstElementChild && this.list.firstElementChild.classList.contains('feed-empty')) this.full = true;
    if (this.full || sr.reordered || sr.appendedSince >= cap) {
      const frag = document.createDocumentFragment();
      for (let i = pts.length - 1; i >= 0; i--) {
        if (!this.hiddenLevels.has(pts[i].level)) frag.append(this.item(pts[i]));
      }
      this.list.replaceChildren(frag);
    } else if (sr.appendedSince > 0) {
      for (let i = pts.length - sr.appendedSince; i < pts.length; i++) {
        if (i >= 0 && !this.hiddenLevels.has(pts[i].level)) this.list.prepend(this.item(pts[i]));
      }
      while (this.list.childElementCount > cap) this.list.lastElementChild.remove();
    }
    this.full = false;
    sr.reordered = false;
    sr.appendedSince = 0;
    const counts = { info: 0, success: 0, warning: 0, error: 0 };
    for (const p of pts) counts[p.level]++;
    for (const [lv, x] of this.levelBtns) setText(x.cnt, String(counts[lv]));
    if (!this.list.childElementCount) {
      this.list.append(h('li', { class: 'feed-empty', text: pts.length ? 'No events at the selected levels.' : 'No events yet.' }));
    }
    this.renderFoot();
  }

  exportView() { return { levels: LEVELS.filter((l) => !this.hiddenLevels.has(l)) }; }
}
