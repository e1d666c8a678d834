// Side-by-side benchmark: mlcycle (pkg/, wasm + SIMD) against onnxruntime-web 1.30 (wasm
// backend, 1 thread) in ONE Node process, on the same inputs. Not a test: it prints a table of
// measurements and ratios (mlcycle / onnxruntime-web; < 1 is better for times and sizes).
//
//   node bench/bench.mjs            # all models
//   BENCH_QUICK=1 node bench/bench.mjs
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

const root = new URL('../', import.meta.url);
const read = (p) => readFile(new URL(p, root));
const QUICK = !!process.env.BENCH_QUICK;
const ITER_1 = QUICK ? 300 : 2000;
const ITER_1000 = QUICK ? 5 : 30;

const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const median = (xs) => quantile(xs, 0.5);

async function goldenInputs(name) {
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

function batch(rows, width, n) {
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) out.set(rows[i % rows.length], i * width);
  return out;
}

function timeLoop(iters, fn) {
  const ts = [];
  for (let i = 0; i < Math.min(50, iters); i++) fn(i); // warm-up
  for (let i = 0; i < iters; i++) { const t0 = performance.now(); fn(i); ts.push(performance.now() - t0); }
  return ts;
}
async function timeLoopAsync(iters, fn) {
  const ts = [];
  for (let i = 0; i < Math.min(50, iters); i++) await fn(i);
  for (let i = 0; i < iters; i++) { const t0 = performance.now(); await fn(i); ts.push(performance.now() - t0); }
  return ts;
}

const MODELS = [
  ['penguins_logreg', 'tests/data/penguins_logreg.onnx'],
  ['penguins_gbt', 'tests/data/variants/penguins_gbt.onnx'],
  ['breast_cancer_gbt', 'tests/data/breast_cancer_gbt.onnx'],
  ['breast_cancer_rf', 'tests/data/variants/breast_cancer_rf.onnx'],
  ['breast_cancer_mlp', 'tests/data/variants/breast_cancer_mlp_probaonly.onnx'],
  ['digits_mlp', 'tests/data/variants/digits_mlp_probaonly.onnx'],
];

// --- runtimes: first load (cold) is measured as part of the first model creation ---
const mlWasm = await read('pkg/mlcycle_bg.wasm');
const ortWasm = await read('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm');

let t0 = performance.now();
const mlcycle = await import('../pkg/mlcycle.js');
await mlcycle.default({ module_or_path: mlWasm });
const mlInitMs = performance.now() - t0;

const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;

const results = [];
let ortFirst = true;
for (const [name, path] of MODELS) {
  const bytes = new Uint8Array(await read(path));
  const { width, rows } = await goldenInputs(name);
  const x1 = batch(rows, width, 1);
  const x1000 = batch(rows, width, 1000);

  // creation
  t0 = performance.now();
  const model = mlcycle.Model.fromBytes(bytes);
  const mlCreate = performance.now() - t0;
  const mlCreateWarm = median(timeLoop(5, () => mlcycle.Model.fromBytes(bytes).free()));

  t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const ortCreate = performance.now() - t0;
  const ortCreateFirst = ortFirst; ortFirst = false;
  const ortCreateWarm = median(await timeLoopAsync(5, async () => (await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })).release()));
  const inName = session.inputNames[0];
  const outName = session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames[session.outputNames.length - 1];

  // agreement
  const mlOut = model.predict(x1000, 1000);
  const ortOut = (await session.run({ [inName]: new ort.Tensor('float32', x1000, [1000, width]) }, [outName]))[outName].data;
  let maxDiff = 0; for (let i = 0; i < mlOut.length; i++) maxDiff = Math.max(maxDiff, Math.abs(mlOut[i] - ortOut[i]));

  // batch 1
  const ml1 = timeLoop(ITER_1, () => model.predict(x1, 1));
  const ort1 = await timeLoopAsync(ITER_1, () => session.run({ [inName]: new ort.Tensor('float32', x1, [1, width]) }, [outName]));
  // batch 1000
  const ml1000 = timeLoop(ITER_1000, () => model.predict(x1000, 1000));
  const ort1000 = await timeLoopAsync(ITER_1000, () => session.run({ [inName]: new ort.Tensor('float32', x1000, [1000, width]) }, [outName]));

  results.push({
    name, maxDiff,
    create: [mlCreate + (results.length === 0 ? mlInitMs : 0), ortCreate, ortCreateFirst],
    createWarm: [mlCreateWarm, ortCreateWarm],
    p50: [median(ml1) * 1000, median(ort1) * 1000],
    p95: [quantile(ml1, 0.95) * 1000, quantile(ort1, 0.95) * 1000],
    tput: [1000 / (median(ml1000) / 1000), 1000 / (median(ort1000) / 1000)],
  });
  model.free();
  await session.release();
}

const gz = (b) => gzipSync(b, { level: 9 }).length;
const fmt = (x, d = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(d));
const ratio = (a, b) => (a / b).toFixed(2) + '×';
const lines = [];
lines.push(`mlcycle vs onnxruntime-web 1.30 (wasm, 1 thread), Node ${process.version}, ${os.cpus()[0].model}, ${new Date().toISOString().slice(0, 10)}`);
lines.push('');
lines.push('| model | create ms (ml / ort / ratio) | warm create ms (ml / ort) | batch-1 p50 µs (ml / ort / ratio) | batch-1 p95 µs (ml / ort) | batch-1000 rows/s (ml / ort / ratio) | max abs diff |');
lines.push('|---|---|---|---|---|---|---|');
for (const r of results) {
  lines.push(`| ${r.name} | ${fmt(r.create[0])} / ${fmt(r.create[1])}${r.create[2] ? ' (ort runtime init)' : ''} / ${ratio(r.create[0], r.create[1])} | ${fmt(r.createWarm[0], 2)} / ${fmt(r.createWarm[1], 2)} | ${fmt(r.p50[0])} / ${fmt(r.p50[1])} / ${ratio(r.p50[0], r.p50[1])} | ${fmt(r.p95[0])} / ${fmt(r.p95[1])} | ${fmt(r.tput[0], 0)} / ${fmt(r.tput[1], 0)} / ${ratio(r.tput[0], r.tput[1])} | ${r.maxDiff.toExponential(1)} |`);
}
lines.push('');
lines.push(`| wasm | raw bytes | gzip -9 bytes |`);
lines.push('|---|---|---|');
lines.push(`| mlcycle (pkg/mlcycle_bg.wasm) | ${mlWasm.length} | ${gz(mlWasm)} |`);
lines.push(`| onnxruntime-web (ort-wasm-simd-threaded.wasm) | ${ortWasm.length} | ${gz(ortWasm)} |`);
lines.push(`| ratio | ${ratio(mlWasm.length, ortWasm.length)} | ${ratio(gz(mlWasm), gz(ortWasm))} |`);
lines.push('');
lines.push(`mlcycle runtime init (compile + instantiate, included in the first create): ${fmt(mlInitMs)} ms`);
console.log(lines.join('\n'));
