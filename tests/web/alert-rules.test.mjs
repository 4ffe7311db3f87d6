// SPDX-License-Identifier: MIT
// alert-rules.js: a rule fires once per crossing and re-arms only past the
// re-arm level (hysteresis); old points never re-fire; rules are validated.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertRules, rearmLevel, validRule } from '../../web/js/alert-rules.js';

/** Rules with a log of what fired and cleared. */
function rules(list) {
  const log = [];
  const changed = [];
  const ar = new AlertRules({
    onFire: (r, sr, v) => log.push(['fire', r.field, v]),
    onClear: (r, sr, v) => log.push(['clear', r.field, v]),
    onChange: (topic) => changed.push(topic),
  }, list);
  let seq = 0;
  const series = { topic: 't' };
  /** Feed values of field f as consecutive points. */
  const feed = (values, f = 'value', ctx) => {
    for (const v of values) { seq++; ar.evaluate(series, { ts: seq * 1000, seq, fields: { [f]: v } }, ctx); }
  };
  return { ar, log, changed, feed, series };
}

const above50 = { id: 'r1', topic: 't', field: 'value', op: 'above', value: 50, rearm: 40 };

test('fires once per crossing, re-arms below the re-arm level', () => {
  const { ar, log, feed } = rules([above50]);
  feed([20, 60]);
  assert.deepEqual(log, [['fire', 'value', 60]]);
  assert.equal(ar.firing('t'), true);
  assert.equal(ar.firingCount(), 1);
  feed([49, 51, 45, 55, 41, 62]); // wobbles around 50, never down to 40
  assert.equal(log.length, 1, 'no storm');
  feed([40]);
  assert.deepEqual(log[1], ['clear', 'value', 40], 'at the re-arm level counts as back');
  assert.equal(ar.firing('t'), false);
  feed([45, 50]);
  assert.equal(log.length, 2, 'equal to the threshold is not a crossing');
  feed([70, 80]);
  assert.deepEqual(log.slice(2), [['fire', 'value', 70]]);
  assert.equal(ar.fired, 2);
});

test('below: mirrored', () => {
  const { log, feed } = rules([{ id: 'b', topic: 't', field: 'value', op: 'below', value: 10, rearm: 15 }]);
  feed([12, 9, 11, 14, 8]);
  assert.deepEqual(log, [['fire', 'value', 9]]);
  feed([15]);
  assert.deepEqual(log[1], ['clear', 'value', 15]);
});

test('points not newer than the last one evaluated are ignored', () => {
  const { ar, log, series } = rules([above50]);
  ar.evaluate(series, { ts: 5000, seq: 5, fields: { value: 10 } });
  ar.evaluate(series, { ts: 4000, seq: 9, fields: { value: 99 } });
  ar.evaluate(series, { ts: 5000, seq: 5, fields: { value: 99 } });
  assert.deepEqual(log, [], 'older or same position: a history reload');
  ar.evaluate(series, { ts: 5000, seq: 6, fields: { value: 99 } });
  assert.deepEqual(log, [['fire', 'value', 99]]);
});

test('non-numeric values and other topics or fields do not count', () => {
  const { ar, log, feed } = rules([above50]);
  feed(['99', null, NaN]);
  feed([99], 'other');
  ar.evaluate({ topic: 'u' }, { ts: 1e9, seq: 1, fields: { value: 99 } });
  assert.deepEqual(log, []);
});

test('rearmLevel: explicit, clamped, or automatic from the bounds', () => {
  assert.equal(rearmLevel({ op: 'above', value: 50, rearm: 40 }), 40);
  assert.equal(rearmLevel({ op: 'above', value: 50, rearm: 60 }), 50, 'never above an above-threshold');
  assert.equal(rearmLevel({ op: 'below', value: 10, rearm: 5 }), 10, 'never below a below-threshold');
  assert.equal(rearmLevel({ op: 'above', value: 200 }), 190, '5 % of the threshold');
  assert.equal(rearmLevel({ op: 'below', value: 200 }), 210);
  assert.equal(rearmLevel({ op: 'above', value: 80 }, { min: 0, max: 100 }), 78, '2 % of the range');
  assert.equal(rearmLevel({ op: 'above', value: 80 }, { min: 0, max: null }), 76, 'open bounds: 5 %');
});

test('automatic hysteresis in evaluate uses the bounds given', () => {
  const { log, feed } = rules([{ id: 'a', topic: 't', field: 'value', op: 'above', value: 80 }]);
  const ctx = { bounds: { min: 0, max: 100 } };
  feed([81, 78.5], 'value', ctx);
  assert.equal(log.length, 1, '78.5 is above the re-arm level 78');
  feed([77.9], 'value', ctx);
  assert.deepEqual(log[1], ['clear', 'value', 77.9]);
});

test('validRule', () => {
  assert.ok(validRule(above50));
  assert.ok(!validRule({ ...above50, op: 'over' }));
  assert.ok(!validRule({ ...above50, value: '50' }));
  assert.ok(!validRule({ ...above50, topic: 1 }));
  assert.ok(!validRule(null));
  const { ar } = rules([above50, { topic: 't' }, 'junk']);
  assert.equal(ar.rules.length, 1, 'stored junk is left out');
  assert.equal(new AlertRules({}, 'not a list').rules.length, 0);
});

test('setRules keeps the id and state of an unchanged rule, drops removed ones', () => {
  const { ar, feed, changed } = rules([above50, { id: 'o', topic: 'other', field: 'x', op: 'below', value: 1 }]);
  feed([60]);
  assert.equal(ar.firing('t'), true);
  ar.setRules('t', [{ field: 'value', op: 'above', value: 50, rearm: 45 }, { field: 'value', op: 'below', value: 0 }, { field: 'bad' }]);
  assert.deepEqual(changed, ['t']);
  assert.equal(ar.rules.length, 3, 'other topic kept, two valid new');
  const same = ar.rulesFor('t').find((r) => r.op === 'above');
  assert.equal(same.id, 'r1', 'same field, op and value: same rule');
  assert.equal(same.rearm, 45);
  assert.equal(ar.firing('t'), true, 'still firing');
  const fresh = ar.rulesFor('t').find((r) => r.op === 'below');
  assert.match(fresh.id, /^t\|value\|/);
  ar.setRules('t', []);
  assert.equal(ar.firing('t'), false);
  assert.equal(ar.state.has('r1'), false, 'state of a removed rule is gone');
  assert.deepEqual(ar.rules.map((r) => r.topic), ['other']);
});
