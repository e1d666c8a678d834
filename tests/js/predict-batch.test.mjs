// Deployment.predictBatch from JS over real HTTP (demo-registry/): records and columns give the
// same answers as one-by-one predict, bad rows are rejected on their own and counted, the monitor
// observes every answered row, feedback joins batch ids, malformed batches throw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mlcycle from './load.mjs';
import { serve } from './static-server.mjs';

const { Registry } = mlcycle;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir, server;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-batch-'));
  await cp(join(ROOT, 'demo-registry'), join(dir, 'reg'), { recursive: true });
  server = await serve(dir);
});
after(async () => { await server?.close(); await rm(dir, { recursive: true, force: true }); });

async function holdout() {
  const [head, ...lines] = (await readFile(join(ROOT, 'tests/data/penguins_test.csv'), 'utf8')).trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : v])));
}

test('predictBatch: records and columns = one-by-one predict; bad rows rejected alone; monitored', async () => {
  const reg = await Registry.load(`${server.url}/reg/manifest.json`);
  const rows = await holdout();
  rows[5] = { ...rows[5], body_mass_g: 'heavy' };
  const one = await reg.open('penguins', { version: '1.0.0' });
  const want = rows.map((r) => { try { return one.predict(r); } catch (e) { return e; } });
  const fields = one.featureSpec.fields.map((f) => f.name);
  const num = (n) => typeof rows.find((r) => r[n] != null)?.[n] === 'number';
  const columns = Object.fromEntries(fields.map((n) => [n, num(n) ? rows.map((r) => r[n]) : rows.map((r) => r[n])]));
  columns.flipper_length_mm = Float64Array.from(rows, (r) => r.flipper_length_mm ?? NaN);
  for (const batch of [rows, columns]) {
    const d = await reg.open('penguins', { version: '1.0.0' });
    const out = d.predictBatch(batch);
    assert.equal(out.rows, rows.length);
    assert.equal(out.width, 3);
    assert.ok(out.probabilities instanceof Float32Array);
    assert.deepEqual(out.valid.map((v, i) => (v ? null : i)).filter((x) => x != null), [5]);
    assert.equal(out.errors[0].row, 5);
    assert.equal(out.errors[0].field, 'body_mass_g');
    assert.equal(want[5].code, 'E_FEATURE_INVALID');
    want.forEach((w, i) => {
      if (i === 5) { assert.equal(out.ids[i], null); assert.ok(Number.isNaN(out.probabilities[i * 3])); return; }
      assert.equal(out.labels[i], w.label, `row ${i}`);
      // predict() crosses f32 probabilities as JSON numbers (shortest f32 text): the same f32s
      assert.deepEqual([...out.probabilities.subarray(i * 3, i * 3 + 3)], w.probabilities.map(Math.fround), `row ${i}`);
    });
    const m = d.monitor();
    assert.equal(m.telemetry.predictions, rows.length - 1);
    assert.equal(m.telemetry.errors.E_FEATURE_INVALID, 1);
    assert.deepEqual(m.drift.features.map((f) => f.counts), one.monitor().drift.features.map((f) => f.counts), 'the same drift counts as one by one');
    assert.equal(d.feedback(out.ids[0], out.labels[0]), 'matched');
    // ids are built on first read but behave as a plain array property: one array, seen by
    // JSON, structuredClone and spreading; the answered rows' ids are distinct and joinable
    assert.ok(Array.isArray(out.ids) && out.ids === out.ids);
    assert.equal(out.ids.filter((id) => id === null).length, 1);
    assert.equal(new Set(out.ids.filter(Boolean)).size, rows.length - 1);
    assert.deepEqual(JSON.parse(JSON.stringify(out)).ids, out.ids);
    assert.deepEqual(structuredClone({ ...out, probabilities: null }).ids, out.ids);
    assert.equal(d.feedback(out.ids[rows.length - 1], out.labels[rows.length - 1]), 'matched');
    // labels and valid are built on first read too, and behave as plain array properties
    for (const key of ['labels', 'valid']) {
      assert.ok(Array.isArray(out[key]) && out[key] === out[key], key);
      assert.deepEqual(JSON.parse(JSON.stringify(out))[key], out[key], key);
      assert.deepEqual(structuredClone({ ...out, probabilities: null })[key], out[key], key);
      assert.ok(Object.keys(out).includes(key), key);
      out[key] = ['replaced'];
      assert.deepEqual(out[key], ['replaced'], key);
    }
  }
});

test('predictBatch: malformed batches throw and observe nothing', async () => {
  const reg = await Registry.load(`${server.url}/reg/manifest.json`);
  const d = await reg.open('penguins', { version: '1.0.0' });
  const rows = await holdout();
  const code = (b) => { try { d.predictBatch(b); } catch (e) { assert.ok(e instanceof Error); return e.code; } return null; };
  assert.equal(code({ island: rows.map((r) => r.island) }), 'E_INVALID_ARGUMENT', 'fields without a column');
  assert.equal(code([rows[0], 42]), 'E_INVALID_ARGUMENT', 'a record that is not an object');
  assert.equal(code('island'), 'E_INVALID_ARGUMENT');
  assert.equal(d.monitor().telemetry.predictions, 0);
  const empty = d.predictBatch([]);
  assert.equal(empty.rows, 0);
});
