// Shared by the benchmark scripts: the fixture models, their inputs, timing helpers.
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

const root = new URL('../', import.meta.url);
export const read = (p) => readFile(new URL(p, root));

/** [name, ONNX path, committed precompiled (NNEF) path or null]. */
export const MODELS = [
  ['penguins_logreg', 'tests/data/penguins_logreg.onnx'],
  ['penguins_gbt', 'tests/data/variants/penguins_gbt.onnx'],
  ['breast_cancer_gbt', 'tests/data/breast_cancer_gbt.onnx'],
  ['breast_cancer_rf', 'tests/data/variants/breast_cancer_rf.onnx'],
  ['breast_cancer_mlp', 'tests/data/variants/breast_cancer_mlp_probaonly.onnx'],
  ['digits_mlp', 'tests/data/variants/digits_mlp_probaonly.onnx'],
  // Interop exports (tests/data/interop/): LightGBM (ZipMap stripped: onnxruntime-web cannot
  // return seq(map)) and skl2onnx's kNN (Scan/TopK graph; ONNX only, see tests/interop.rs).
  ['lgbm', 'tests/data/interop/lgbm_nozipmap.onnx'],
  ['knn', 'tests/data/interop/knn_nozipmap.onnx'],
];

export const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
export const median = (xs) => quantile(xs, 0.5);

export async function goldenInputs(name) {
  if (name === 'lgbm' || name === 'knn') {
    const file = name === 'lgbm' ? 'lgbm_input.csv' : 'knn_nozipmap_input.csv';
    const csv = (await read(`tests/data/interop/${file}`)).toString().trim().split('\n').slice(1);
    return { width: 4, rows: csv.map((l) => l.split(',').map((v) => (v === '' ? NaN : Number(v)))) };
  }
  if (name.startsWith('penguins')) {
    const g = JSON.parse(await read('tests/data/penguins_golden.json'));
    return { width: 9, rows: g.rows.map((r) => r.features) };
  }
  if (name.startsWith('breast_cancer')) {
    const g = JSON.parse(await read('tests/data/breast_cancer_golden.json'));
    return { width: 30, rows: g.rows.map((r) => r.features) };
  }
  const csv = (await read('tests/data/digits_test.csv')).toString().trim().split('\n').slice(1);
  return { width: 64, rows: csv.map((l) => l.split(',').slice(0, 64).map(Number)) };
}

export function batch(rows, width, n) {
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) out.set(rows[i % rows.length], i * width);
  return out;
}

export function timeLoop(iters, fn) {
  const ts = [];
  for (let i = 0; i < Math.min(50, iters); i++) fn(i); // warm-up
  for (let i = 0; i < iters; i++) { const t0 = performance.now(); fn(i); ts.push(performance.now() - t0); }
  return ts;
}

export async function timeLoopAsync(iters, fn) {
  const ts = [];
  for (let i = 0; i < Math.min(50, iters); i++) await fn(i);
  for (let i = 0; i < iters; i++) { const t0 = performance.now(); await fn(i); ts.push(performance.now() - t0); }
  return ts;
}
