// SPDX-License-Identifier: MIT
// The lint guard can fail: web/eslint.config.js, copied with a probe file
// into a temporary directory, must reject every way of parsing a string as
// HTML or code (exit 1, the rule named) and pass a clean file (exit 0).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const ESLINT = path.join(WEB, 'node_modules', 'eslint', 'bin', 'eslint.js');
let dir;

before(() => {
  assert.ok(fs.existsSync(ESLINT), `${ESLINT} is missing: run npm ci in web/ (make build does)`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtdash-lint-'));
  fs.copyFileSync(path.join(WEB, 'eslint.config.js'), path.join(dir, 'eslint.config.js'));
  fs.copyFileSync(path.join(WEB, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(WEB, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(dir, 'js'));
});

after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

/** Lint js/probe.js holding src: {status, messages: [{line, ruleId, message}]}. */
function lint(src) {
  fs.writeFileSync(path.join(dir, 'js', 'probe.js'), src);
  const r = spawnSync(process.execPath, [ESLINT, '--format', 'json', 'js'], { cwd: dir, encoding: 'utf8' });
  let messages = [];
  try { messages = JSON.parse(r.stdout)[0].messages; } catch { /* status and stderr say why */ }
  return { status: r.status, messages, stderr: r.stderr };
}

// Each line of the probe and the rule that must name it.
const BAD = [
  ['el.innerHTML = x;', 'no-restricted-properties'],
  ['el.outerHTML = x;', 'no-restricted-properties'],
  ["el.insertAdjacentHTML('beforeend', x);", 'no-restricted-properties'],
  ['document.write(x);', 'no-restricted-properties'],
  ['document.writeln(x);', 'no-restricted-properties'],
  ["el['innerHTML'] = x;", 'no-restricted-properties'],
  ['el.setHTMLUnsafe(x);', 'no-restricted-properties'],
  ['const { innerHTML } = el; void innerHTML;', 'no-restricted-properties'],
  ['document.createRange().createContextualFragment(x);', 'no-restricted-properties'],
  ["new DOMParser().parseFromString(x, 'text/html');", 'no-restricted-syntax'],
  ['eval(x);', 'no-eval'],
  ["setTimeout('go()', 10);", 'no-implied-eval'],
  ['new Function(x)();', 'no-new-func'],
];

test('every HTML or code sink is an error, with its rule named', () => {
  const src = `export function probe(el, x) {\n${BAD.map(([line]) => `  ${line}\n`).join('')}}\n`;
  const r = lint(src);
  assert.equal(r.status, 1, `eslint exits 1 on lint errors (got ${r.status}: ${r.stderr})`);
  BAD.forEach(([line, rule], i) => {
    const got = r.messages.filter((m) => m.line === i + 2).map((m) => m.ruleId);
    assert.ok(got.includes(rule), `${line} → ${rule} (got ${got.join(', ') || 'nothing'})`);
  });
  assert.ok(r.messages.every((m) => m.severity === 2), 'errors, not warnings');
});

test('an eslint-disable comment does not switch the guard off', () => {
  const r = lint('export function probe(el, x) {\n  // eslint-disable-next-line\n  el.innerHTML = x;\n}\n');
  assert.equal(r.status, 1);
  assert.ok(r.messages.some((m) => m.line === 3 && m.ruleId === 'no-restricted-properties'), JSON.stringify(r.messages));
});

test('a clean file passes: the failures above come from the guard', () => {
  const r = lint("export function probe(el, x) {\n  el.textContent = x;\n  el.setAttribute('title', x);\n}\n");
  assert.equal(r.status, 0, JSON.stringify(r.messages) + r.stderr);
});
