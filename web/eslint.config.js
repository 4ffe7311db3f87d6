// SPDX-License-Identifier: MIT
// ESLint for the page (npm run lint; ctest web.lint). Besides the recommended
// rules, a guard: nothing that parses a string as HTML or as code may appear
// in web/js (text from the wire goes through textContent / setAttribute, see
// dom.js). tests/web/lint.test.mjs proves the guard fails when it should.

import js from '@eslint/js';
import globals from 'globals';

const NO_HTML = 'parses HTML: build elements with h() from dom.js and set text with textContent';

export default [
  js.configs.recommended,
  {
    files: ['js/**/*.js'],
    // No eslint-disable comments: the guard cannot be switched off in a file.
    linterOptions: { noInlineConfig: true },
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules: {
      'no-restricted-properties': ['error',
        { property: 'innerHTML', message: NO_HTML },
        { property: 'outerHTML', message: NO_HTML },
        { property: 'insertAdjacentHTML', message: NO_HTML },
        { property: 'setHTMLUnsafe', message: NO_HTML },
        { property: 'parseHTMLUnsafe', message: NO_HTML },
        { property: 'createContextualFragment', message: NO_HTML },
        { property: 'parseFromString', message: NO_HTML },
        { property: 'srcdoc', message: NO_HTML },
        { object: 'document', property: 'write', message: NO_HTML },
        { object: 'document', property: 'writeln', message: NO_HTML },
      ],
      'no-restricted-syntax': ['error',
        { selector: 'NewExpression[callee.name="DOMParser"]', message: NO_HTML },
      ],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-script-url': 'error',
    },
  },
  {
    // theme-init.js is a classic script in the oldest style (it runs before
    // first paint): catch (e) with an unused e is its way of saying "ignore".
    files: ['js/theme-init.js'],
    languageOptions: { sourceType: 'script' },
    rules: { 'no-unused-vars': ['error', { caughtErrors: 'none' }] },
  },
];
