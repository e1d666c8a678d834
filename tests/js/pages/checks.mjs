// The same checks, run in a page and in a dedicated Web Worker (no `window` there).
export async function runChecks(mlcycle) {
  const { Model } = mlcycle;
  const bytes = new Uint8Array(await (await fetch('/tests/data/penguins_logreg.onnx')).arrayBuffer());
  const golden = await (await fetch('/tests/data/penguins_golden.json')).json();
  const model = Model.fromBytes(bytes);
  const features = new Float32Array(golden.rows.flatMap((r) => r.features));
  const out = model.predict(features, golden.rows.length);
  let maxDiff = 0;
  golden.rows.forEach((r, i) => r.proba.forEach((p, j) => { maxDiff = Math.max(maxDiff, Math.abs(out[i * 3 + j] - p)); }));
  const codeOf = (fn) => { try { fn(); return null; } catch (e) { return { isError: e instanceof Error, code: e.code, name: e.name }; } };
  return {
    hasWindow: typeof window !== 'undefined',
    kind: model.kind,
    inputsPlain: Object.getPrototypeOf(model.inputs[0]) === Object.prototype,
    maxDiff,
    corrupted: codeOf(() => Model.fromBytes(bytes.slice(0, 100))),
    wrongWidth: codeOf(() => model.predict(new Float32Array(5), 1)),
  };
}
