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

test('dictionaryEncode (columns.js): the codes and values of a plain Map keyed by SameValueZero, -0 apart', async () => {
  const { dictionaryEncode } = await import('../../pkg/columns.js');
  // What it must equal: one Map lookup per element, -0 given its own code.
  const plain = (array) => {
    const index = new Map(), values = [], codes = [];
    let negativeZero = -1;
    for (const v of array) {
      let code;
      if (Object.is(v, -0)) {
        if (negativeZero < 0) { negativeZero = values.length; values.push(v); }
        code = negativeZero;
      } else {
        code = index.get(v);
        if (code === undefined) { code = values.length; index.set(v, code); values.push(v); }
      }
      codes.push(code);
    }
    return [codes, values];
  };
  const date = new Date(0);
  const pool = ['Biscoe', 'Dream', null, 'Torgersen', -0, 0, NaN, undefined, 1, '1', true, date, new Date(0), '', 'x', 2.5, -0, NaN];
  const arrays = [
    [],
    ['a'],
    [-0, 0, -0, 0],
    [0, -0, 0],
    [NaN, NaN, 0, NaN],
    ['a', 'b', 'c', 'd', 'e', 'f', 'a', 'f', 'e'],
    [null, undefined, null, undefined, -0],
    Array.from({ length: 500 }, (_, i) => pool[(i * 7 + (i >> 3)) % pool.length]),
    Array.from({ length: 500 }, (_, i) => pool[(pool.length - 1 - (i % pool.length))]),
  ];
  for (const array of arrays) {
    const [codes, values] = dictionaryEncode(array);
    const [wantCodes, wantValues] = plain(array);
    assert.ok(codes instanceof Uint32Array);
    assert.deepEqual([...codes], wantCodes, String(array));
    assert.equal(values.length, wantValues.length);
    values.forEach((v, i) => assert.ok(Object.is(v, wantValues[i]), `value ${i} of ${array}`));
  }
});
