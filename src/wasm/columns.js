// Columnar batches across the wasm boundary, on the JS side (wasm-bindgen snippet of
// src/wasm/pipeline.rs, shipped as the package's columns.js): what costs per value to cross is
// done here, so that whole columns cross in one copy.

// Dictionary-encodes a plain JS array for Pipeline.transformColumns / Deployment.predictBatch:
// crossing into wasm costs per value, so a column of 100,000 strings crosses as one Uint32Array
// of codes and its few distinct values instead. Keys are the values themselves (a Map, so
// SameValueZero: every NaN is one key); -0 keeps its own code so that it reaches the pipeline
// as -0, as it would in a record. Objects (a Date) are keyed by identity.
export function dictionaryEncode(array) {
  const n = array.length;
  const codes = new Uint32Array(n);
  const index = new Map();
  const values = [];
  let negativeZero = -1;
  for (let i = 0; i < n; i++) {
    const v = array[i];
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
      }
    }
    codes[i] = code;
  }
  return [codes, values];
}

// The per-row arrays of Deployment.predictBatch's result, written onto `result` from compact
// forms that cross in one copy each (a string per row would cross one by one): `valid` from 1/0
// flags, `labels` from indices into `classNames` (-1: none), and `ids` — `<idPrefix>-<n>`
// numbered from `firstId` over the answered rows — built on first read (an enumerable getter
// that keeps its array: JSON.stringify, structuredClone and spreading see a plain array), so a
// caller that never sends feedback does not pay for 100,000 strings.
export function batchRows(result, idPrefix, firstId, valid, classes, classNames) {
  const n = valid.length;
  const labels = new Array(n);
  const answered = new Array(n);
  for (let i = 0; i < n; i++) {
    answered[i] = valid[i] === 1;
    const c = classes[i];
    labels[i] = c >= 0 && c < classNames.length ? classNames[c] : null;
  }
  let ids;
  Object.defineProperty(result, 'ids', {
    enumerable: true,
    configurable: true,
    get() {
      if (ids === undefined) {
        ids = new Array(n);
        let next = firstId;
        for (let i = 0; i < n; i++) ids[i] = answered[i] ? `${idPrefix}-${next++}` : null;
      }
      return ids;
    },
    set(value) {
      ids = value;
    },
  });
  result.labels = labels;
  result.valid = answered;
}
