// The demo's validation statistics (www/validation.js, pure functions): Wilson intervals and
// numpy-linear bootstrap percentiles on known values, and the Compare verdict on synthetic
// versions that are clearly better, clearly worse and indistinguishable — the paths the demo's
// own two versions (one disagreeing row) never reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapCi, pairedComparison, resamples, verdictOf, wilson } from '../../www/validation.js';

const close = (a, b, tol = 5e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('Wilson score intervals (z = 1.96) match the textbook values', () => {
  const [a, b] = wilson(5, 10); close(a, 0.2366); close(b, 0.7634);
  const [c, d] = wilson(0, 10); assert.equal(c, 0); close(d, 0.2775);
  const [e, f] = wilson(104, 104); close(e, 104 / (104 + 1.959963984540054 ** 2), 1e-12); close(f, 1, 1e-12); // all right: n / (n + z²)
  assert.deepEqual(wilson(0, 0), [null, null]);
});

test('bootstrap percentiles are numpy\'s linear quantiles; resamples are seeded', () => {
  // 40 "resamples" whose statistic is 0..39: numpy.percentile(arange(40), [2.5, 97.5]) = [0.975, 38.025]
  const samples = Array.from({ length: 40 }, (_, i) => Int32Array.of(i));
  const [lo, hi] = bootstrapCi((ix) => ix[0], samples);
  close(lo, 0.975, 1e-12); close(hi, 38.025, 1e-12);
  assert.deepEqual(resamples(50, 3), resamples(50, 3), 'the same seed, the same rows');
  assert.ok(resamples(50, 200).flatMap((s) => [...s]).every((i) => i >= 0 && i < 50));
});

/** A version whose prediction on row i is right when right(i), with a confident probability. */
function version(v, n, right, decision = 'go') {
  const labels = ['a', 'b'];
  const truth = Array.from({ length: n }, (_, i) => labels[i % 2]);
  const predicted = truth.map((t, i) => (right(i) ? t : labels[1 - labels.indexOf(t)]));
  const scores = predicted.map((p) => (p === 'a' ? [0.9, 0.1] : [0.1, 0.9]));
  return { v, report: { decision, metrics: { labels }, predictions: { rows: truth.map((_, i) => i), truth, predicted, scores } } };
}

test('Compare: clearly better promotes, clearly worse holds, indistinguishable holds', () => {
  const n = 200;
  const base = version('1.0.0', n, (i) => i % 10 < 7); // 70 % right
  const better = version('1.1.0', n, () => true); // 100 %
  const cmp = pairedComparison(base, better);
  const acc = cmp.deltas.find((d) => d.k === 'accuracy');
  close(acc.delta, 0.3, 1e-12);
  assert.ok(acc.lo > 0 && acc.lo <= acc.delta && acc.delta <= acc.hi, JSON.stringify(acc));
  assert.equal(acc.sig, 'better');
  assert.equal(cmp.deltas.find((d) => d.k === 'logLoss').sig, 'better', 'lower loss is better');
  assert.deepEqual(cmp.dis, { rows: 60, baseRight: 0, candRight: 60 });
  assert.equal(verdictOf(better, cmp).verdict, 'promote');
  // the same candidate with failing criteria is held
  assert.equal(verdictOf({ ...better, report: { ...better.report, decision: 'no-go' } }, cmp).verdict, 'hold');

  const worse = version('1.2.0', n, (i) => i % 10 < 4); // 40 %
  const w = pairedComparison(base, worse);
  assert.equal(w.deltas.find((d) => d.k === 'accuracy').sig, 'worse');
  assert.match(verdictOf(worse, w).why, /significantly worse/);

  const same = version('1.3.0', n, (i) => i % 10 < 7 && i !== 3 || i === 4); // one row swapped
  const s = pairedComparison(base, same);
  assert.equal(s.deltas.find((d) => d.k === 'accuracy').sig, 'none');
  assert.deepEqual(verdictOf(same, s), { verdict: 'hold', why: 'no evidence it is better' });
});
