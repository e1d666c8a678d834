// A DataFrame-style export (one input per column, string inputs, in-graph imputation and
// one-hot encoding, string class labels) predicted from JS records, from a columns object and
// from the precompiled form, against onnxruntime's outputs (tests/data/interop/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mlcycle, { data } from './load.mjs';

const { Model } = mlcycle;

const csv = (text) => {
  const [header, ...lines] = text.trim().split('\n');
  const cols = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((c, i) => [cols[i], c])));
};

// What a web form or JSON body sends: numbers as numbers, missing values as null.
const toRecord = (row) => {
  const num = (v) => (v === '' ? null : Number(v));
  return {
    island: row.island, sex: row.sex === '' ? null : row.sex,
    bill_length_mm: num(row.bill_length_mm), bill_depth_mm: num(row.bill_depth_mm),
    flipper_length_mm: num(row.flipper_length_mm), body_mass_g: num(row.body_mass_g),
  };
};

async function fixture() {
  const rows = csv((await data('interop/pipeline_columns_input.csv')).toString());
  const ort = csv((await data('interop/pipeline_columns_ort.csv')).toString());
  return { rows, ort };
}

function assertMatchesOrt(model, out, ort) {
  const classes = model.labels;
  assert.deepEqual(classes, ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.equal(out.length, ort.length * 3);
  let maxDiff = 0;
  ort.forEach((r, i) => classes.forEach((c, j) => {
    maxDiff = Math.max(maxDiff, Math.abs(out[i * 3 + j] - Number(r[`p_${c}`])));
  }));
  assert.ok(maxDiff <= 1e-5, `max diff ${maxDiff}`);
  const labels = Array.from(model.argmax(out), (k) => classes[k]);
  assert.deepEqual(labels, ort.map((r) => r.label));
}

test('one input per column: records with strings and nulls match onnxruntime', async () => {
  const { rows, ort } = await fixture();
  const model = Model.fromBytes(await data('interop/pipeline_columns.onnx'));
  assert.deepEqual(model.inputs.map((i) => [i.name, i.dtype]), [
    ['island', 'string'], ['sex', 'string'], ['bill_length_mm', 'float32'],
    ['bill_depth_mm', 'float32'], ['flipper_length_mm', 'float32'], ['body_mass_g', 'float32'],
  ]);
  const records = rows.map(toRecord);
  assert.ok(records.some((r) => r.sex === null && r.bill_length_mm === null), 'fixture has missing values');
  assertMatchesOrt(model, model.predict(records), ort);
  // One record at a time gives the same numbers.
  const one = model.predict(records[0]);
  assert.deepEqual(Array.from(one), Array.from(model.predict(records).slice(0, 3)));
});

test('one input per column: a columns object and the precompiled form agree', async () => {
  const { rows, ort } = await fixture();
  const model = Model.fromBytes(await data('interop/pipeline_columns.onnx'));
  const records = rows.map(toRecord);
  const columns = Object.fromEntries(Object.keys(records[0]).map((k) => [k, records.map((r) => r[k])]));
  columns.body_mass_g = Float64Array.from(records, (r) => (r.body_mass_g === null ? NaN : r.body_mass_g));
  assertMatchesOrt(model, model.predict(columns), ort);
  const pre = Model.fromNnef(await data('nnef/interop/pipeline_columns.nnef.tar'));
  assertMatchesOrt(pre, pre.predict(records), ort);
});

test('absent fields and wrong types are coded errors', async () => {
  const model = Model.fromBytes(await data('interop/pipeline_columns.onnx'));
  const good = { island: 'Biscoe', sex: 'male', bill_length_mm: 50.7, bill_depth_mm: 15, flipper_length_mm: 223, body_mass_g: 5550 };
  const { body_mass_g: _, ...absent } = good;
  for (const bad of [absent, { ...good, island: 3 }, { ...good, bill_depth_mm: 'deep' }]) {
    assert.throws(() => model.predict(bad), (e) => e instanceof Error && e.code === 'E_FEATURE_INVALID');
  }
  // A category the encoder never saw (handle_unknown='ignore') still predicts, as in onnxruntime.
  const p = model.predict({ ...good, island: 'Atlantis' });
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
});

test('string-labelled classifiers load and label with their strings', async () => {
  for (const name of ['rf_strlabels', 'logreg_strlabels', 'tree_strlabels', 'svc', 'lgbm', 'catboost', 'hgb']) {
    const model = Model.fromBytes(await data(`interop/${name}.onnx`));
    assert.deepEqual(model.labels, ['Adelie', 'Chinstrap', 'Gentoo'], name);
    const rows = csv((await data(`interop/${name}_input.csv`)).toString());
    const ort = csv((await data(`interop/${name}_ort.csv`)).toString());
    const x = new Float32Array(rows.flatMap((r) => Object.values(r).map((v) => (v === '' ? NaN : Number(v)))));
    const out = model.predict(x, rows.length);
    const labels = Array.from(model.argmax(out), (k) => model.labels[k]);
    assert.deepEqual(labels, ort.map((r) => r.label), name);
  }
});
