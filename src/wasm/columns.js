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
