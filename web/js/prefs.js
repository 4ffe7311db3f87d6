// SPDX-License-Identifier: MIT
// User preferences in localStorage (theme, chart type per topic, hidden fields,
// alert rules, level filters). Failures (private mode, quota) are ignored.

const PREFIX = 'rtdash.';

export function load(key, fallback) {
  try {
    const v = localStorage.getItem(PREFIX + key);
    if (v == null) return fallback;
    return JSON.parse(v);
  } catch {
    return fallback;
  }
}

export function save(key, value) {
  try {
    if (value === undefined) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch { /* ignore */ }
}

// theme is stored as a plain string so theme-init.js can read it cheaply.
export function loadTheme() {
  try { return localStorage.getItem(PREFIX + 'theme') || 'system'; } catch { return 'system'; }
}
export function saveTheme(t) {
  try { localStorage.setItem(PREFIX + 'theme', t); } catch { /* ignore */ }
}

/** Per-topic widget settings: { chart, hidden: [field…] }. */
const widgetPrefs = load('widgets', {});
export function widgetPref(topic) { return widgetPrefs[topic] || {}; }
export function setWidgetPref(topic, patch) {
  const cur = { ...(widgetPrefs[topic] || {}), ...patch };
  for (const k of Object.keys(cur)) if (cur[k] === undefined || (Array.isArray(cur[k]) && !cur[k].length)) delete cur[k];
  if (Object.keys(cur).length) widgetPrefs[topic] = cur; else delete widgetPrefs[topic];
  save('widgets', widgetPrefs);
}
