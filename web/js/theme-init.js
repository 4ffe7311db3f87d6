// SPDX-License-Identifier: MIT
// Applies the saved theme before first paint. Classic script (CSP: 'self').
(function () {
  var t = 'system';
  try { t = localStorage.getItem('rtdash.theme') || 'system'; } catch (e) { /* storage off */ }
  if (t !== 'dark' && t !== 'light') t = 'system';
  var eff = t === 'system'
    ? (window.matchMedia && window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark')
    : t;
  document.documentElement.dataset.theme = eff;
  document.documentElement.dataset.themePref = t;
})();
