// Columnar batches from JS (`Pipeline.transformColumns` / `transformColumnsReport`): the same
// rows as records give bit-identical features whatever the column types (Float64Array,
// Float32Array of exact values, Int32Array, plain arrays with nulls, string arrays — the plain
// ones dictionary-encoded in JS by the package's columns.js); NaN, ±Infinity and undefined keep
// their record meaning; bad rows are reported like
// `transformBatchReport`; malformed batches throw E_INVALID_ARGUMENT naming the column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mlcycle, { data } from './load.mjs';

const { Pipeline } = mlcycle;
const spec = (await data('penguins_features.json')).toString();
const pipeline = Pipeline.fromJson(spec);
const FIELDS = pipeline.fieldNames;

/** The holdout as records a page would build (numbers as numbers, empty as null). */
async function records() {
  const [head, ...lines] = (await data('penguins_test.csv')).toString().trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : v])));
}

function columnsOf(rows, numeric = (n) => Float64Array.from(rows, (r) => r[n] ?? NaN)) {
  return Object.fromEntries(FIELDS.map((n) => [n, typeof rows.find((r) => r[n] != null)?.[n] === 'number' ? numeric(n) : rows.map((r) => r[n])]));
}

const bits = (f) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));

test('columns give the records\' features bit for bit, whatever the column types', async () => {
  const rows = await records();
  const want = pipeline.transformBatch(rows);
  const asTyped = pipeline.transformColumns(columnsOf(rows));
  assert.deepEqual(bits(asTyped), bits(want));
  // plain arrays with nulls
  assert.deepEqual(bits(pipeline.transformColumns(columnsOf(rows, (n) => rows.map((r) => r[n])))), bits(want));
  // Float32Array / Int32Array where the values are exact in them (integers)
  const ints = rows.map((r) => ({ ...r, body_mass_g: r.body_mass_g == null ? null : Math.round(r.body_mass_g), flipper_length_mm: r.flipper_length_mm == null ? null : Math.round(r.flipper_length_mm) }));
  const wantInts = pipeline.transformBatch(ints);
  const cols = columnsOf(ints);
  cols.flipper_length_mm = Float32Array.from(ints, (r) => r.flipper_length_mm ?? NaN);
  assert.deepEqual(bits(pipeline.transformColumns(cols)), bits(wantInts));
  const noMissing = ints.filter((r) => r.body_mass_g != null);
  const c2 = columnsOf(noMissing);
  c2.body_mass_g = Int32Array.from(noMissing, (r) => r.body_mass_g);
  assert.deepEqual(bits(pipeline.transformColumns(c2)), bits(pipeline.transformBatch(noMissing)));
});

test('bad rows: the same report as records, NaN / Infinity / undefined keep their meaning', async () => {
  const rows = (await records()).slice(0, 6);
  rows[1].body_mass_g = 'heavy';
  rows[2].body_mass_g = Infinity;
  rows[3].island = 'Atlantis';
  rows[4].bill_length_mm = NaN; // missing, imputed
  rows[5].sex = undefined; // missing, imputed
  const want = pipeline.transformBatchReport(rows);
  const got = pipeline.transformColumnsReport(columnsOf(rows, (n) => rows.map((r) => r[n])));
  assert.deepEqual(got.valid, want.valid);
  assert.deepEqual(got.errors, want.errors);
  assert.deepEqual(bits(got.values), bits(want.values));
  assert.deepEqual(got.valid, [true, false, false, true, true, true], 'an unseen island is ignored by the encoder (handle_unknown), as for records');
  assert.equal(got.errors.find((e) => e.row === 2).rule, 'finite', 'Infinity is not read as missing');
  // strict: the first bad row, as transformBatch
  const strict = (f) => { try { f(); } catch (e) { return [e.code, e.message]; } return null; };
  assert.deepEqual(strict(() => pipeline.transformColumns(columnsOf(rows, (n) => rows.map((r) => r[n])))), strict(() => pipeline.transformBatch(rows)));
});

test('malformed batches throw E_INVALID_ARGUMENT naming the column', async () => {
  const rows = await records();
  const cols = columnsOf(rows);
  const code = (c) => { try { pipeline.transformColumns(c); } catch (e) { assert.ok(e instanceof Error); return [e.code, e.message]; } return null; };
  const { sex, ...noSex } = cols;
  let [c, m] = code(noSex);
  assert.equal(c, 'E_INVALID_ARGUMENT'); assert.match(m, /sex/);
  [c, m] = code({ ...cols, body_mass_g: new Float64Array(3) });
  assert.equal(c, 'E_INVALID_ARGUMENT'); assert.match(m, /body_mass_g/); assert.match(m, /3 rows/);
  [c, m] = code({ ...cols, island: 'Biscoe' });
  assert.equal(c, 'E_INVALID_ARGUMENT'); assert.match(m, /columns\.island/);
  [c, m] = code([cols]);
  assert.equal(c, 'E_INVALID_ARGUMENT'); assert.match(m, /object of arrays/);
  // a BigInt is a value of the wrong type: a type error on its row, as in a record
  const big = { ...cols, body_mass_g: rows.map((r, i) => (i === 0 ? 4000n : r.body_mass_g)) };
  const rep = pipeline.transformColumnsReport(big);
  assert.equal(rep.valid[0], false);
  assert.equal(rep.errors[0].field, 'body_mass_g');
  assert.equal(rep.errors[0].rule, 'type');
  // zero rows is an empty result, not an error
  assert.equal(pipeline.transformColumns(Object.fromEntries(FIELDS.map((n) => [n, []]))).length, 0);
});
