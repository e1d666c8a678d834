// JS-boundary tests of the Model API in Node: outputs are plain objects and typed arrays,
// errors are real Error objects with a stable `code`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mlcycle, { data, json } from './load.mjs';

const { Model } = mlcycle;

test('penguins_logreg predicts sklearn probabilities from JS', async () => {
  const model = Model.fromBytes(await data('penguins_logreg.onnx'));
  const golden = await json('penguins_golden.json');
  const rows = golden.rows.length;
  const features = new Float32Array(golden.rows.flatMap((r) => r.features));
  const out = model.predict(features, rows);
  assert.ok(out instanceof Float32Array);
  assert.equal(out.length, rows * 3);
  let maxDiff = 0;
  golden.rows.forEach((r, i) => r.proba.forEach((p, j) => { maxDiff = Math.max(maxDiff, Math.abs(out[i * 3 + j] - p)); }));
  assert.ok(maxDiff <= 1e-5, `max diff ${maxDiff}`);
  const winners = model.argmax(out);
  assert.deepEqual(Array.from(winners), golden.rows.map((r) => r.proba.indexOf(Math.max(...r.proba))));
});

test('model metadata are plain objects', async () => {
  const model = Model.fromBytes(await data('variants/breast_cancer_rf.onnx'));
  assert.equal(model.kind, 'classifier');
  assert.equal(model.nFeatures, 30);
  assert.deepEqual(model.labels, ['0', '1']);
  const inputs = model.inputs;
  assert.ok(Array.isArray(inputs));
  assert.equal(Object.getPrototypeOf(inputs[0]), Object.prototype);
  assert.deepEqual(inputs[0], { name: 'input', dtype: 'float32', shape: [null, 30] });
  const info = model.info;
  assert.equal(Object.getPrototypeOf(info), Object.prototype);
  assert.equal(info.output, 'probabilities');
  assert.ok(info.ops.includes('ai.onnx.ml:TreeEnsembleClassifier'));
});

test('labels can be given by the caller', async () => {
  const model = Model.fromBytes(await data('penguins_logreg.onnx'), ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.deepEqual(model.labels, ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.throws(() => Model.fromBytes(new Uint8Array(0)), (e) => e.code === 'E_MODEL_INVALID');
});

function expectCode(fn, code) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, 'thrown value is an Error');
    assert.equal(e.name, 'MlcycleError');
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.length > 0);
    return true;
  });
}

test('a corrupted model throws E_MODEL_INVALID', async () => {
  const bytes = new Uint8Array(await data('penguins_logreg.onnx'));
  const corrupted = bytes.slice(0, 200);
  corrupted[10] ^= 0xff;
  expectCode(() => Model.fromBytes(corrupted), 'E_MODEL_INVALID');
  expectCode(() => Model.fromBytes(new TextEncoder().encode('definitely not onnx')), 'E_MODEL_INVALID');
});

test('an unsupported operator is named with E_MODEL_UNSUPPORTED_OP', async () => {
  // The in-graph pipeline (string inputs, LabelEncoder, OneHotEncoder) loads since issue 12.
  const pipeline = Model.fromBytes(await data('penguins_pipeline.onnx'));
  assert.ok(pipeline.inputs.some((i) => i.dtype === 'string'));
  // An operator nobody implements: rename Normalizer to a same-length unknown op in the bytes.
  const bytes = Buffer.from(await data('interop/logreg_strlabels_nozipmap.onnx'));
  // (every occurrence: the node's name and its op_type)
  let at = bytes.indexOf('Normalizer');
  assert.ok(at > 0);
  for (; at >= 0; at = bytes.indexOf('Normalizer')) bytes.write('Normaliser', at);
  expectCode(() => Model.fromBytes(bytes), 'E_MODEL_UNSUPPORTED_OP');
  try { Model.fromBytes(bytes); } catch (e) { assert.match(e.message, /Normaliser/); }
});

test('a wrong input width throws E_INPUT_SHAPE and the model keeps working', async () => {
  const model = Model.fromBytes(await data('penguins_logreg.onnx'));
  expectCode(() => model.predict(new Float32Array(8), 1), 'E_INPUT_SHAPE');
  expectCode(() => model.predict(new Float32Array(18), 3), 'E_INPUT_SHAPE');
  expectCode(() => model.predict(new Float32Array(0), 0), 'E_INVALID_ARGUMENT');
  assert.equal(model.predict(new Float32Array(9), 1).length, 3);
});

test('a model precompiled to NNEF predicts exactly like its ONNX original', async () => {
  const onnx = Model.fromBytes(await data('variants/penguins_gbt.onnx'));
  const nnefBytes = onnx.toNnef();
  assert.ok(nnefBytes instanceof Uint8Array && nnefBytes.length > 1000);
  const nnef = Model.fromNnef(nnefBytes);
  assert.deepEqual(nnef.info, onnx.info);
  const golden = await json('penguins_golden.json');
  const x = new Float32Array(golden.rows.flatMap((r) => r.features));
  assert.deepEqual(Array.from(nnef.predict(x, golden.rows.length)), Array.from(onnx.predict(x, golden.rows.length)));
  expectCode(() => Model.fromNnef(new Uint8Array(512)), 'E_MODEL_INVALID');
});
