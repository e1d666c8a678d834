// Columnar batches across the wasm boundary, on the JS side (wasm-bindgen snippet of
// src/wasm/pipeline.rs, shipped as the package's columns.js): what costs per value to cross is
// done here, so that whole columns cross in one copy.

// Dictionary-encodes a plain JS array for Pipeline.transformColumns / Deployment.predictBatch:
// crossing into wasm costs per value, so a column of 100,000 strings crosses as one Uint32Array
// of codes and its few distinct values instead. Keys are the values themselves (a Map, so
// SameValueZero: every NaN is one key); -0 keeps its own code so that it reaches the pipeline
// as -0, as it would in a record. Objects (a Date) are keyed by identity.
//
// The first four distinct values that are neither NaN nor a zero (for which `===` is exactly
// SameValueZero and cannot confuse -0 with 0) are also held in locals and compared with `===`
// before the Map is asked: a categorical column usually has a handful of values, and the
// comparisons cost a third of a hash lookup (2.9 → 1.8 ms for penguins' two string columns of
// 100,000 rows, Node 20).
export function dictionaryEncode(array) {
  const n = array.length;
  const codes = new Uint32Array(n);
  const index = new Map();
  const values = [];
  let negativeZero = -1;
  let seen = 0;
  let v0, v1, v2, v3;
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  for (let i = 0; i < n; i++) {
    const v = array[i];
    if (seen > 0 && v === v0) { codes[i] = c0; continue; }
    if (seen > 1 && v === v1) { codes[i] = c1; continue; }
    if (seen > 2 && v === v2) { codes[i] = c2; continue; }
    if (seen > 3 && v === v3) { codes[i] = c3; continue; }
    let code;
    if (v === 0 && Object.is(v, -0)) {
      if (negativeZero < 0) {
        negativeZero = values.length;
        values.push(v);
      }
      code = negativeZero;
    } else {
      code = index.get(v);
      if (code === undefined) {
        code = values.length;
        index.set(v, code);
        values.push(v);
        if (seen < 4 && v === v && v !== 0) {
          if (seen === 0) { v0 = v; c0 = code; }
          else if (seen === 1) { v1 = v; c1 = code; }
          else if (seen === 2) { v2 = v; c2 = code; }
          else { v3 = v; c3 = code; }
          seen++;
        }
      }
    }
    codes[i] = code;
  }
  return [codes, values];
}

// The per-row arrays of Deployment.predictBatch's result, written onto `result` from compact
// forms that cross in one copy each (a string per row would cross one by one): `valid` from 1/0
// flags, `labels` from indices into `classNames` (-1: none), and `ids` — `<idPrefix>-<n>`
// numbered from `firstId` over the answered rows. Each is built on first read (an enumerable
// getter that keeps its array, so JSON.stringify, structuredClone and spreading see a plain
// array, and assigning replaces it): a caller that reads only the probabilities does not pay
// for 300,000 array slots per 100,000 rows.
export function batchRows(result, idPrefix, firstId, valid, classes, classNames) {
  const n = valid.length;
  lazy(result, 'ids', () => {
    const ids = new Array(n);
    let next = firstId;
    for (let i = 0; i < n; i++) ids[i] = valid[i] === 1 ? `${idPrefix}-${next++}` : null;
    return ids;
  });
  lazy(result, 'labels', () => Array.from(classes, (c) => (c >= 0 && c < classNames.length ? classNames[c] : null)));
  lazy(result, 'valid', () => Array.from(valid, (v) => v === 1));
}

// An enumerable, configurable property computed by `make` on first read and kept.
function lazy(object, key, make) {
  let value;
  let made = false;
  Object.defineProperty(object, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (!made) {
        value = make();
        made = true;
      }
      return value;
    },
    set(v) {
      value = v;
      made = true;
    },
  });
}
