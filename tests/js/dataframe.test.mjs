// A DataFrame-style export (skl2onnx, one input per column, string columns, imputers and a
// one-hot encoder inside the graph) published by the CLI with no features.json, served over
// HTTP and opened by the JS Registry: raw records (strings, nulls) go straight into the graph,
// predictions equal onnxruntime's, monitoring and validation read the raw fields.
// Uses the debug CLI that `make test` builds (MLCYCLE_BIN overrides).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mlcycle from './load.mjs';
import { serve } from './static-server.mjs';

const { Registry, Model, validateRaw, validateRawCsv } = mlcycle;
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = process.env.MLCYCLE_BIN ?? join(root, 'target/debug/mlcycle');
const MODEL = 'tests/data/interop/pipeline_columns.onnx';
const FIELDS = ['island', 'sex', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];
let dir, server;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-dataframe-'));
  execFileSync(bin, [
    'publish', '--registry', join(dir, 'reg'), '--name', 'penguins', '--version', '1.0.0',
    '--model', MODEL,
    '--train', 'tests/data/penguins_train.csv', '--holdout', 'tests/data/penguins_test.csv',
    '--label', 'species', '--alias', 'production',
  ], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  server = await serve(dir);
});
after(async () => { await server?.close(); await rm(dir, { recursive: true, force: true }); });

// The holdout as a page would send it: strings as strings, numbers as numbers, empty as null.
async function holdout() {
  const text = await readFile(join(root, 'tests/data/penguins_test.csv'), 'utf8');
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => {
    const r = Object.fromEntries(l.split(',').map((c, i) => [cols[i], c]));
    const record = {};
    for (const f of FIELDS) {
      const v = r[f];
      record[f] = v === '' ? null : (f === 'island' || f === 'sex' ? v : Number(v));
    }
    return { species: r.species, record };
  });
}

async function ort() {
  const text = await readFile(join(root, 'tests/data/interop/pipeline_columns_ort.csv'), 'utf8');
  return text.trim().split('\n').slice(1).map((l) => {
    const [label, ...p] = l.split(',');
    return { label, p: p.map(Number) };
  });
}

test('a version without features.json is served from raw records, equal to onnxruntime', async () => {
  const reg = await Registry.load(`${server.url}/reg/manifest.json`);
  const d = await reg.open('penguins', { alias: 'production' });
  assert.equal(d.status().modelFormat, 'nnef');
  // The form fields a page can build: the graph's raw inputs.
  const spec = d.featureSpec;
  assert.deepEqual(spec.fields.map((f) => f.name), FIELDS);
  assert.equal(spec.fields[0].type, 'string');
  assert.equal(spec.fields[2].type, 'number');

  const rows = await holdout();
  const want = await ort();
  assert.ok(rows.some((r) => r.record.sex === null), 'the holdout has missing strings');
  assert.ok(rows.some((r) => r.record.bill_length_mm === null), 'and missing numbers');
  rows.forEach((r, i) => {
    const got = d.predict(r.record);
    assert.equal(got.label, want[i].label, `row ${i}`);
    got.probabilities.forEach((p, k) => assert.ok(Math.abs(p - want[i].p[k]) <= 1e-5, `row ${i}: ${got.probabilities} vs ${want[i].p}`));
  });

  // A misspelt field is refused, not read as a missing value.
  const { island, ...rest } = rows[0].record;
  assert.throws(() => d.predict({ ...rest, Island: island }), (e) => e instanceof Error && e.code === 'E_FEATURE_INVALID');

  // Monitoring: drift by raw field (strings as categories), class mix by string label.
  const m = d.monitor();
  const drift = Object.fromEntries(m.drift.features.map((f) => [f.name, f]));
  assert.equal(drift.island.kind, 'categorical');
  assert.equal(drift.body_mass_g.kind, 'numeric');
  assert.equal(m.telemetry.classes.reduce((n, c) => n + c.count, 0), rows.length);

  const report = d.validate(rows.map((r) => r.record), rows.map((r) => r.species), { latency: { enabled: false } });
  assert.equal(report.dataset.evaluated, rows.length);
  assert.ok(report.metrics.accuracy > 0.95, `accuracy ${report.metrics.accuracy}`);
  assert.equal(report.quality.invalidRows, 0);
});

test('validateRaw(model, …) feeds raw records to a model that carries its preprocessing', async () => {
  const model = Model.fromBytes(await readFile(join(root, MODEL)));
  const rows = await holdout();
  const report = validateRaw(model, rows.map((r) => r.record), rows.map((r) => r.species), { latency: { enabled: false } });
  assert.equal(report.dataset.evaluated, rows.length);
  assert.ok(report.metrics.accuracy > 0.95);
  // Rows without a field the graph reads are counted as rejected, with the reason.
  const broken = rows.map((r, i) => (i < 3 ? { sex: r.record.sex } : r.record));
  const r2 = validateRaw(model, broken, rows.map((r) => r.species), { latency: { enabled: false } });
  assert.equal(r2.dataset.invalidFeatures, 3);
  assert.ok(r2.quality.findings.some((f) => f.kind === 'invalid_rows' && f.message.includes('island')), JSON.stringify(r2.quality.findings));
  // The same from CSV text (empty cells are missing values, not errors).
  const csv = await readFile(join(root, 'tests/data/penguins_test.csv'), 'utf8');
  const r3 = validateRawCsv(model, csv, 'species', { latency: { enabled: false } });
  assert.equal(r3.dataset.evaluated, rows.length);
  assert.equal(r3.metrics.accuracy, report.metrics.accuracy);
  // The same as columns, the labels as a column named by the label key
  const fields = Object.keys(rows[0].record);
  const columns = Object.fromEntries(fields.map((n) => [n, rows.map((r) => r.record[n] ?? null)]));
  columns.species = rows.map((r) => r.species);
  const r4 = validateRaw(model, columns, 'species', { latency: { enabled: false } });
  assert.equal(r4.dataset.evaluated, rows.length);
  assert.deepEqual(r4.metrics, report.metrics);
});
