// The model budget from JS: `Model.fromBytes(bytes, {maxBytes})` / `Model.fromNnef(bytes,
// {maxBytes})` refuse a file over it with E_MODEL_INVALID naming the option, the labels array of
// old still works, and a hostile 146-byte ConstantOfShape file is
// refused without trapping the instance (a model loaded before it keeps predicting). Needs pkg/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mlcycle, { data } from './load.mjs';

const { Model } = mlcycle;
const HOSTILE = await data('hostile/constant_of_shape.onnx');
const X = new Float32Array([39.1, 18.7, 181.0, 3750.0, 0, 0, 1, 0, 1]);

test('maxBytes bounds what a model file may ask for', async () => {
  const bytes = await data('penguins_logreg.onnx');
  const model = Model.fromBytes(bytes);
  const want = Array.from(model.predict(X, 1));
  assert.deepEqual(Model.fromBytes(bytes, ['a', 'b', 'c']).labels, ['a', 'b', 'c']);
  assert.deepEqual(Model.fromBytes(bytes, { labels: ['a', 'b', 'c'] }).labels, ['a', 'b', 'c']);
  assert.throws(() => Model.fromBytes(bytes, { maxBytes: 64 }), (e) => e instanceof Error && e.code === 'E_MODEL_INVALID' && /maxBytes/.test(e.message));
  assert.throws(() => Model.fromBytes(bytes, { maxBytes: 0 }), (e) => e.code === 'E_INVALID_ARGUMENT');
  // A misspelt option is refused, not ignored (option bags cross as JSON: unknown members fail).
  assert.throws(() => Model.fromBytes(bytes, { maxbytes: 64 }), (e) => e.code === 'E_INVALID_ARGUMENT' && /maxbytes/.test(e.message));
  assert.throws(() => Model.fromBytes(bytes, { labels: ['a', 'b', 'c'], lables: [] }), (e) => e.code === 'E_INVALID_ARGUMENT');
  assert.throws(() => Model.fromBytes(bytes, { maxBytes: 10n }), (e) => e.code === 'E_INVALID_ARGUMENT', 'BigInt');
  const nnef = await data('nnef/penguins_logreg.nnef.tar');
  assert.throws(() => Model.fromNnef(nnef, { maxBytes: 64 }), (e) => e.code === 'E_MODEL_INVALID' && /budget/.test(e.message));
  for (let i = 0; i < 50; i++) {
    assert.throws(() => Model.fromBytes(HOSTILE), (e) => e.code === 'E_MODEL_INVALID');
  }
  assert.deepEqual(Array.from(model.predict(X, 1)), want);
});
