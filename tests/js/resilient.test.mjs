// Trap recovery (js/resilient.js, issue 13): after a deliberately trapped call, models and
// pipelines loaded before it still predict correctly in the same process, from a fresh instance;
// the trapped call itself throws E_TRAPPED; a monitor comes back from its last snapshot. Needs
// pkg/ and demo-registry/ (`make test` builds both). Chromium: tests/e2e/resilient.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRuntime } from '../../pkg/resilient.js';

const root = new URL('../../', import.meta.url);
const data = (name) => readFile(new URL(`tests/data/${name}`, root));
const X = new Float32Array([39.1, 18.7, 181.0, 3750.0, 0, 0, 1, 0, 1]);
const RECORD = { island: 'Biscoe', sex: 'male', bill_length_mm: 50.7, bill_depth_mm: 15.0, flipper_length_mm: 223.0, body_mass_g: 5550.0 };

test('models and pipelines loaded before a trap keep predicting after it', async () => {
  const rt = await createRuntime({ module: await readFile(new URL('pkg/mlcycle_bg.wasm', root)) });
  const model = rt.model(await data('penguins_logreg.onnx'), ['Adelie', 'Chinstrap', 'Gentoo']);
  const nnef = rt.modelFromNnef(await data('nnef/penguins_gbt.nnef.tar'));
  const pipeline = rt.pipeline(await readFile(new URL('tests/data/penguins_features.json', root), 'utf8'));
  const want = Array.from(model.predict(X, 1));
  const wantNnef = Array.from(nnef.predict(X, 1));
  const features = Array.from(pipeline.transform(RECORD));
  assert.equal(rt.generation, 1);

  for (let round = 1; round <= 3; round++) {
    assert.throws(() => rt.debugTrap(), (e) => e instanceof Error && e.code === 'E_TRAPPED' && e.cause instanceof WebAssembly.RuntimeError);
    assert.equal(rt.traps, round);
    assert.equal(rt.generation, round + 1, 'a fresh instance serves');
    assert.deepEqual(Array.from(model.predict(X, 1)), want);
    assert.deepEqual(Array.from(nnef.predict(X, 1)), wantNnef);
    assert.deepEqual(Array.from(pipeline.transform(RECORD)), features);
    assert.deepEqual(model.labels, ['Adelie', 'Chinstrap', 'Gentoo']);
    await rt.ready();
  }
  // Typed errors are not traps: they pass through and keep the instance.
  assert.throws(() => pipeline.transform({ ...RECORD, body_mass_g: 'heavy' }), (e) => e.code === 'E_FEATURE_INVALID');
  assert.equal(rt.generation, 4);
});

test('a monitor is restored from its last snapshot after a trap', async () => {
  // The demo registry's published reference profile (`make test` builds demo-registry/).
  const reference = await readFile(new URL('demo-registry/penguins/1.0.0/reference.json', root), 'utf8');
  const rt = await createRuntime({ module: await readFile(new URL('pkg/mlcycle_bg.wasm', root)) });
  const monitor = rt.monitor(reference, undefined, 'tab1', { snapshotEvery: 10 });
  const P = new Float32Array([0.1, 0.2, 0.7]);
  for (let i = 0; i < 25; i++) monitor.observe(RECORD, P, 1.0, 1000 + i);
  assert.equal(monitor.report().telemetry.predictions, 25);
  assert.throws(() => rt.debugTrap(), (e) => e.code === 'E_TRAPPED');
  // Restored from the snapshot taken at the 20th change: the last 5 are lost, nothing else.
  assert.equal(monitor.report().telemetry.predictions, 20);
  monitor.observe(RECORD, P, 1.0, 2000);
  assert.equal(monitor.report().telemetry.predictions, 21);
});
