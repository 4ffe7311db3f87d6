// SPDX-License-Identifier: MIT
// The screen shown instead of the dashboard when the hub wants credentials
// (SECURITY.md S8): a login form (user, password) when people can log in, a
// token form otherwise, and a note saying why it is shown (session ended,
// access revoked, logged out). Plain forms: Enter submits, errors are text in
// a role="alert" element. What a submit does is the app's business.

import { setText } from './dom.js';

export class Gate {
  /**
   * @param {object} o
   * @param {(user: string, password: string) => Promise<string|null>} o.onLogin  resolves with an error to show, or null
   * @param {(token: string) => Promise<string|null>} o.onToken  the same for a token
   */
  constructor({ onLogin, onToken }) {
    this.el = document.getElementById('gate');
    this.title = document.getElementById('gate-title');
    this.note = document.getElementById('gate-note');
    this.loginForm = document.getElementById('login-form');
    this.tokenForm = document.getElementById('token-form');
    this.user = document.getElementById('login-user');
    this.password = document.getElementById('login-password');
    this.token = document.getElementById('token-input');
    this.loginError = document.getElementById('login-error');
    this.tokenError = document.getElementById('token-error');
    this.toToken = document.getElementById('gate-use-token');
    this.toLogin = document.getElementById('gate-use-login');
    this.canLogin = true;
    this.mode = null;
    this.busy = false;

    this.loginForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const user = this.user.value.trim();
      const pw = this.password.value;
      if (!user || !pw) {
        this.error(this.loginError, !user ? 'Enter your user name.' : 'Enter your password.');
        (!user ? this.user : this.password).focus();
        return;
      }
      this.submit(this.loginForm, this.loginError, () => onLogin(user, pw), () => {
        this.password.value = '';
        this.password.focus();
      });
    });
    this.tokenForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const t = this.token.value.trim();
      if (!t) {
        this.error(this.tokenError, 'Enter an access token.');
        this.token.focus();
        return;
      }
      this.submit(this.tokenForm, this.tokenError, () => onToken(t), () => {
        this.token.select();
        this.token.focus();
      });
    });
    this.toToken.addEventListener('click', () => this.show('token'));
    this.toLogin.addEventListener('click', () => this.show('login'));
  }

  async submit(form, errEl, run, onFail) {
    if (this.busy) return;
    this.busy = true;
    this.error(errEl, '');
    const btn = form.querySelector('button[type="submit"]');
    form.setAttribute('aria-busy', 'true');
    btn.disabled = true;
    let err;
    try { err = await run(); } catch (e) { err = `Something went wrong: ${String(e && e.message ? e.message : e)}`; }
    this.busy = false;
    form.removeAttribute('aria-busy');
    btn.disabled = false;
    if (err) {
      this.error(errEl, err);
      onFail();
    }
  }

  error(el, text) {
    setText(el, text);
    el.hidden = !text;
  }

  /**
   * Show the gate. mode: 'login' or 'token'; note: why it is shown (or '');
   * error: a first error to show in the form (e.g. a refused token).
   */
  show(mode, { note, error, canLogin } = {}) {
    if (canLogin != null) this.canLogin = canLogin;
    if (mode === 'login' && !this.canLogin) mode = 'token';
    this.mode = mode;
    if (note !== undefined) {
      setText(this.note, note || '');
      this.note.hidden = !note;
    }
    setText(this.title, mode === 'login' ? 'Log in to rtdash' : 'Connect with an access token');
    this.loginForm.hidden = mode !== 'login';
    this.tokenForm.hidden = mode !== 'token';
    this.toLogin.hidden = !this.canLogin;
    this.error(this.loginError, mode === 'login' && error ? error : '');
    this.error(this.tokenError, mode === 'token' && error ? error : '');
    this.el.hidden = false;
    document.documentElement.dataset.gate = 'open';
    const first = mode === 'login' ? (this.user.value ? this.password : this.user) : this.token;
    first.focus();
  }

  hide() {
    this.el.hidden = true;
    this.password.value = '';
    this.token.value = '';
    this.error(this.loginError, '');
    this.error(this.tokenError, '');
    delete document.documentElement.dataset.gate;
  }

  isOpen() { return !this.el.hidden; }
}
