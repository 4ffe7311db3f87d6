// SPDX-License-Identifier: MIT
// session.js: subscribe / resume bookkeeping against a fake connection.
// A reconnect to the same hub resumes each topic from where it stopped; a
// new epoch loads everything again; stop / start and pause / resume fill
// the gap; an incomplete answer to a resume counts as a gap.

import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '../../web/js/session.js';
import { Store } from '../../web/js/store.js';

function setup() {
  const sent = [];
  const conn = { open: true, healthyCalls: 0, send(c) { if (!this.open) return false; sent.push(c); return true; }, isOpen() { return this.open; }, healthy() { this.healthyCalls++; } };
  const store = new Store();
  return { sent, conn, store, session: new Session(conn, store) };
}

const welcome = (epoch, ...topics) => ({ type: 'welcome', epoch, topics: topics.map((topic) => ({ topic })) });

test('first welcome: nothing to resume; subscribe to every topic with history', () => {
  const { sent, conn, store, session } = setup();
  const w = session.welcome(welcome(7, 'a', 'b'));
  assert.deepEqual([w.restarted, w.reconnect, w.since.size], [false, false, 0]);
  assert.equal(conn.healthyCalls, 1);
  store.ensure('a');
  store.ensure('b');
  session.subscribeAll(w.since);
  assert.deepEqual(sent, [{ type: 'subscribe', topics: ['a', 'b'], history: true }]);
  assert.deepEqual([...session.subscribed], ['a', 'b']);
  session.subscribe(['a']);
  assert.equal(sent.length, 1, 'already subscribed');
});

test('reconnect to the same hub resumes from where each topic stopped', () => {
  const { sent, store, session } = setup();
  session.welcome(welcome(7));
  const a = store.ensure('a');
  a.add({ ts: 100, seq: 4, fields: { v: 1 } });
  store.ensure('b'); // nothing held: full history
  session.closed();
  assert.equal(session.subscribed.size, 0);
  const w = session.welcome(welcome(7, 'a', 'b'));
  assert.deepEqual([w.restarted, w.reconnect], [false, true]);
  // The welcome's last value is shown without moving the position.
  a.add({ ts: 900, seq: 40, fields: { v: 2 } }, false);
  session.subscribeAll(w.since);
  assert.deepEqual(sent, [{ type: 'subscribe', topics: ['a', 'b'], history: true, since: { a: [100, 4] } }]);
  assert.deepEqual([...session.resuming], ['a']);
});

test('a new epoch loads everything again', () => {
  const { sent, store, session } = setup();
  session.welcome(welcome(7));
  store.ensure('a').add({ ts: 100, seq: 4, fields: { v: 1 } });
  const w = session.welcome(welcome(8, 'a'));
  assert.deepEqual([w.restarted, w.since.size], [true, 0]);
  session.subscribeAll(w.since);
  assert.equal(sent[0].since, undefined);
  assert.equal(session.epoch, 8);
});

test('subscribe goes in chunks of 200 and only when the connection is open', () => {
  const { sent, conn, session } = setup();
  const topics = Array.from({ length: 450 }, (_, i) => `t${i}`);
  conn.open = false;
  session.subscribe(topics);
  assert.equal(sent.length, 0);
  conn.open = true;
  session.subscribe(topics);
  assert.deepEqual(sent.map((c) => c.topics.length), [200, 200, 50]);
  assert.equal(session.subscribed.size, 450);
});

test('stop unsubscribes; start subscribes from the newest point held', () => {
  const { sent, store, session } = setup();
  session.welcome(welcome(1));
  store.ensure('a').add({ ts: 50, seq: 5, fields: { v: 1 } });
  session.subscribeAll(new Map());
  sent.length = 0;
  assert.equal(session.toggle('a'), true);
  assert.equal(session.isStopped('a'), true);
  assert.deepEqual(sent, [{ type: 'unsubscribe', topics: ['a'] }]);
  assert.equal(session.announce('a'), false, 'a stopped topic is not subscribed again');
  assert.equal(session.history({ type: 'history', topic: 'a', points: [] }), null, 'nor filled');
  assert.equal(session.toggle('a'), false);
  assert.deepEqual(sent[1], { type: 'subscribe', topics: ['a'], history: true, since: { a: [50, 5] } });
  // A welcome while stopped leaves it out.
  session.toggle('a');
  sent.length = 0;
  session.subscribeAll(session.welcome(welcome(1, 'a')).since);
  assert.deepEqual(sent, []);
});

test('history merges into the store; an incomplete answer to a resume is a gap', () => {
  const { store, session } = setup();
  session.welcome(welcome(1));
  const a = store.ensure('a');
  a.add({ ts: 10, seq: 1, fields: { v: 1 } });
  session.subscribe(['a']);
  assert.ok(session.resuming.has('a'));
  const got = session.history({ type: 'history', topic: 'a', complete: false, points: [{ ts: 10, seq: 1, fields: {} }, { ts: 20, seq: 2, fields: {} }, null, 'x'] });
  assert.equal(got.series, a);
  assert.equal(got.added, 1, 'the duplicate and the junk are not added');
  assert.equal(got.kindChanged, false);
  assert.equal(a.gaps, 1);
  assert.equal(session.resuming.has('a'), false);
  // An incomplete first load (nothing held before) is no gap.
  const got2 = session.history({ type: 'history', topic: 'b', complete: false, points: [{ ts: 1, seq: 1, text: 'e' }] });
  assert.equal(got2.series.gaps, 0);
  assert.equal(got2.kindChanged, true, 'b became an event topic');
  assert.equal(session.history({ type: 'history', topic: 'c' }), null, 'malformed');
});

test('new topics announced in a burst are subscribed with one command', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sent, session } = setup();
  session.welcome(welcome(1));
  assert.equal(session.announce('x'), true);
  assert.equal(session.announce('y'), true);
  assert.equal(sent.length, 0);
  t.mock.timers.tick(25);
  assert.deepEqual(sent, [{ type: 'subscribe', topics: ['x', 'y'], history: true }]);
  assert.equal(session.announce('x'), false, 'subscribed now');
});

test('pause, then resume: what the resume histories filled is reported once', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { sent, store, session } = setup();
  session.welcome(welcome(1));
  store.ensure('a').add({ ts: 10, seq: 1, fields: { v: 1 } });
  session.subscribeAll(new Map());
  sent.length = 0;
  session.setPaused(true);
  assert.deepEqual(sent, [{ type: 'pause' }]);
  // A reconnect while paused pauses again.
  session.subscribeAll(session.welcome(welcome(1, 'a')).since);
  assert.deepEqual(sent.at(-1), { type: 'pause' });
  const done = mock.fn();
  session.setPaused(false, done);
  assert.deepEqual(sent.at(-1), { type: 'resume' });
  session.history({ type: 'history', topic: 'a', complete: false, points: [{ ts: 20, seq: 2, fields: {} }, { ts: 30, seq: 3, fields: {} }] });
  assert.equal(store.get('a').gaps, 1, 'missed more than the hub kept');
  t.mock.timers.tick(1500);
  assert.equal(done.mock.callCount(), 1);
  assert.deepEqual(done.mock.calls[0].arguments, [{ points: 2, topics: 1 }]);
  assert.equal(session.resumeFill, null);
});
