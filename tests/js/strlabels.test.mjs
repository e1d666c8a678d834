// A classifier fitted on string labels (skl2onnx defaults) published by the CLI without
// --labels, served over HTTP and opened by the JS Registry: the label is the string, the
// monitor's class mix and the validation metrics are keyed by the string classes.
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

const { Registry } = mlcycle;
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = process.env.MLCYCLE_BIN ?? join(root, 'target/debug/mlcycle');
let dir, server;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-strlabels-'));
  execFileSync(bin, [
    'publish', '--registry', join(dir, 'reg'), '--name', 'penguins', '--version', '1.0.0',
    '--model', 'tests/data/interop/rf_strlabels.onnx', '--spec', 'tests/data/interop/numeric4_features.json',
    '--train', 'tests/data/penguins_train.csv', '--holdout', 'tests/data/penguins_test.csv',
    '--label', 'species', '--alias', 'production',
  ], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  server = await serve(dir);
});
after(async () => { await server?.close(); await rm(dir, { recursive: true, force: true }); });

async function holdout() {
  const text = await readFile(join(root, 'tests/data/penguins_test.csv'), 'utf8');
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split(',');
  const num = (v) => (v === '' ? null : Number(v));
  return lines.map((l) => {
    const r = Object.fromEntries(l.split(',').map((c, i) => [cols[i], c]));
    return {
      species: r.species,
      record: {
        bill_length_mm: num(r.bill_length_mm), bill_depth_mm: num(r.bill_depth_mm),
        flipper_length_mm: num(r.flipper_length_mm), body_mass_g: num(r.body_mass_g),
      },
    };
  });
}

test('a string-labelled version predicts, monitors and validates by its string classes', async () => {
  const reg = await Registry.load(`${server.url}/reg/manifest.json`);
  const d = await reg.open('penguins', { alias: 'production' });
  const rows = await holdout();
  const ort = (await readFile(join(root, 'tests/data/interop/rf_strlabels_ort.csv'), 'utf8'))
    .trim().split('\n').slice(1).map((l) => l.split(',')[0]);
  const labels = rows.map((r) => d.predict(r.record).label);
  assert.deepEqual(labels, ort, 'labels equal onnxruntime\'s');
  assert.equal(typeof labels[0], 'string');

  const mix = d.monitor().telemetry.classes;
  assert.deepEqual(mix.map((c) => c.label), ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.equal(mix.reduce((n, c) => n + c.count, 0), rows.length);
  assert.equal(mix.find((c) => c.label === 'Gentoo').count, ort.filter((l) => l === 'Gentoo').length);

  const report = d.validate(rows.map((r) => r.record), rows.map((r) => r.species), { latency: { enabled: false } });
  assert.ok(report.metrics.accuracy > 0.9, `accuracy ${report.metrics.accuracy}`);
  assert.ok(JSON.stringify(report).includes('"Chinstrap"'));
});
