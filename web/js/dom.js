// SPDX-License-Identifier: MIT
// Small DOM helpers. Text from the wire only ever goes through textContent /
// setAttribute; nothing here parses HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Create an HTML element. attrs: class, text, dataset, on* listeners, others as attributes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) applyAttrs(el, attrs);
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c); // strings become text nodes
  }
  return el;
}

/** Create an SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  if (attrs) applyAttrs(el, attrs);
  for (const c of children.flat()) if (c) el.append(c);
  return el;
}

function applyAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** Set textContent only when it changed (avoids needless layout work). */
export function setText(el, text) {
  const t = String(text);
  if (el.textContent !== t) el.textContent = t;
}

/** Icons as SVG path data (stroke icons on a 24×24 grid). */
const ICONS = {
  stop: ['M7 7h10v10H7z'],
  play: ['M7 5l12 7-12 7z'],
  more: ['M5 12h.01M12 12h.01M19 12h.01'],
  bell: ['M6 16V11a6 6 0 0112 0v5l1.5 2h-15z', 'M10 20.5a2 2 0 004 0'],
  download: ['M12 4v11', 'M7.5 10.5L12 15l4.5-4.5', 'M5 19.5h14'],
  eye: ['M2.5 12s3.5-6.5 9.5-6.5 9.5 6.5 9.5 6.5-3.5 6.5-9.5 6.5S2.5 12 2.5 12z', 'M12 9.5a2.5 2.5 0 110 5 2.5 2.5 0 010-5z'],
  reset: ['M4 12a8 8 0 102.3-5.6', 'M4 4v4h4'],
  close: ['M6 6l12 12M18 6L6 18'],
};

export function icon(name, cls = 'ic') {
  return s('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', class: cls },
    ...(ICONS[name] || []).map((d) => s('path', { d })));
}
