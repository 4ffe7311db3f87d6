// SPDX-License-Identifier: MIT
// The activity log (newest first, bounded) and the toasts (a few at a time,
// each for 6 s). Text only: it goes in through h() as text nodes.

import { h } from './dom.js';
import { fmtTime } from './format.js';

const LOG_CAP = 200;        // activity entries kept
const TOAST_CAP = 4;
const TOAST_MS = 6000;

export class Activity {
  constructor(logEl, toastsEl) {
    this.logEl = logEl;
    this.toastsEl = toastsEl;
  }

  /** kind: 'system' | 'alert' | 'alert-clear'; topic: the one it is about, if any. */
  log(level, text, kind, topic) {
    const li = h('li', { class: 'log-item', dataset: { level, kind, topic: topic || '' } },
      h('time', { class: 'log-time', text: fmtTime(Date.now()) }),
      h('span', { class: 'log-text', text }));
    this.logEl.prepend(li);
    while (this.logEl.childElementCount > LOG_CAP) this.logEl.lastElementChild.remove();
  }

  clear() { this.logEl.replaceChildren(); }

  toast(text, level) {
    const t = h('div', { class: 'toast', role: 'status', dataset: { level } }, h('span', { text }));
    const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss', text: '×' });
    close.addEventListener('click', () => t.remove());
    t.append(close);
    this.toastsEl.append(t);
    while (this.toastsEl.childElementCount > TOAST_CAP) this.toastsEl.firstElementChild.remove();
    window.setTimeout(() => t.remove(), TOAST_MS);
  }
}
