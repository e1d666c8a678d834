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

const fmt = (x, d = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(d));
const ratio = (a, b) => (a / b).toFixed(2) + '×';
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

// --- Feature pipeline: 100k JSON-object records, wasm vs the same transform hand-written in JS ---
const spec = JSON.parse(await read('tests/data/penguins_features.json'));
const pipeline = mlcycle.Pipeline.fromJson(JSON.stringify(spec));
const penguinsCsv = (await read('tests/data/penguins_test.csv')).toString().trim().split('\n');
const cols = penguinsCsv[0].split(',');
const baseRecords = penguinsCsv.slice(1).map((l) => {
  const c = l.split(',');
  const r = Object.fromEntries(cols.map((k, i) => [k, c[i]]));
  const num = (v) => (v === '' ? null : Number(v));
  return { island: r.island || null, sex: r.sex || null, bill_length_mm: num(r.bill_length_mm), bill_depth_mm: num(r.bill_depth_mm), flipper_length_mm: num(r.flipper_length_mm), body_mass_g: num(r.body_mass_g) };
});
const N_RECORDS = QUICK ? 20_000 : 100_000;
const records = Array.from({ length: N_RECORDS }, (_, i) => baseRecords[i % baseRecords.length]);
// The hand-written JavaScript equivalent (what a page would write), parameters from the spec.
const [numImp, scaler, catImp, onehot] = spec.transforms;
function jsTransform(recs) {
  const out = new Float32Array(recs.length * 9);
  const numF = numImp.inputs, catF = catImp.inputs;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i], o = i * 9;
    for (let j = 0; j < 4; j++) {
      let v = r[numF[j]];
      if (v === null || v === undefined || Number.isNaN(v)) v = numImp.params.statistics[j];
      out[o + j] = (v - scaler.params.mean[j]) / scaler.params.scale[j];
    }
    let k = o + 4;
    for (let j = 0; j < 2; j++) {
      let v = r[catF[j]];
      if (v === null || v === undefined || v === '') v = catImp.params.statistics[j];
      const cats = onehot.params.categories[j];
      for (let c = 0; c < cats.length; c++) out[k + c] = v === cats[c] ? 1 : 0;
      k += cats.length;
    }
  }
  return out;
}
const wasmOut = pipeline.transformBatch(records.slice(0, 1000));
const jsOut = jsTransform(records.slice(0, 1000));
let pipeDiff = 0; for (let i = 0; i < wasmOut.length; i++) pipeDiff = Math.max(pipeDiff, Math.abs(wasmOut[i] - jsOut[i]));
const pipeIters = QUICK ? 3 : 5;
const tWasm = median(timeLoop(pipeIters, () => pipeline.transformBatch(records)));
const tJs = median(timeLoop(pipeIters, () => jsTransform(records)));

// --- Monitoring overhead: the end-to-end deployment path with and without a monitor ---
// Same version, same records: one deployment opened from a registry whose version has a
// reference profile (monitoring on) and one whose reference artifact is absent (off).
let monitorLine = 'monitoring overhead: skipped (demo-registry/ not built; run make registry)';
try {
  const http = await import('node:http');
  const { readFile: rf } = await import('node:fs/promises');
  const regDir = new URL('../demo-registry/', import.meta.url);
  const manifest = JSON.parse(await rf(new URL('manifest.json', regDir), 'utf8'));
  const noRef = structuredClone(manifest);
  for (const v of Object.values(noRef.models.penguins.versions)) delete v.artifacts.reference;
  const server = http.createServer(async (req, res) => {
    try {
      const path = req.url.split('?')[0];
      if (path === '/on/manifest.json') return res.end(JSON.stringify(manifest));
      if (path === '/off/manifest.json') return res.end(JSON.stringify(noRef));
      res.end(await rf(new URL(path.replace(/^\/(on|off)\//, ''), regDir)));
    } catch { res.writeHead(404).end(); }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  const on = await (await mlcycle.Registry.load(`${base}/on/manifest.json`)).open('penguins', { alias: 'production' });
  const off = await (await mlcycle.Registry.load(`${base}/off/manifest.json`)).open('penguins', { alias: 'production' });
  server.close();
  const iters = QUICK ? 3000 : 20000;
  // Interleave rounds so machine noise hits both sides alike.
  const tOn = [], tOff = [];
  for (let round = 0; round < 5; round++) {
    tOff.push(median(timeLoop(iters / 5, (i) => off.predict(baseRecords[i % baseRecords.length]))));
    tOn.push(median(timeLoop(iters / 5, (i) => on.predict(baseRecords[i % baseRecords.length]))));
  }
  const mOn = median(tOn) * 1000, mOff = median(tOff) * 1000;
  monitorLine = `end-to-end predict (JS object → pipeline → model → monitor), penguins 1.0.0: ${fmt(mOn)} µs with monitoring, ${fmt(mOff)} µs without → overhead ${(((mOn - mOff) / mOff) * 100).toFixed(1)}% (median per call)`;
} catch (e) {
  monitorLine = `monitoring overhead: failed (${e.code ?? ''} ${e.message})`;
}

// --- Cold start in fresh processes (median of 3): bytes in memory → first prediction ---
const { execFileSync } = await import('node:child_process');
const coldRuns = QUICK ? 1 : 3;
const cold = (runtime, model, width) => median(Array.from({ length: coldRuns }, () =>
  JSON.parse(execFileSync(process.execPath, [new URL('cold-start.mjs', import.meta.url).pathname, runtime, model, String(width)]).toString()).ms));
const coldLines = [];
for (const [name, path, width] of [['penguins_logreg', 'tests/data/penguins_logreg.onnx', 9], ['digits_mlp', 'tests/data/variants/digits_mlp_probaonly.onnx', 64]]) {
  const a = cold('mlcycle', path, width), b = cold('ort', path, width);
  coldLines.push(`cold start (fresh Node process, bytes in memory → first prediction), ${name}: mlcycle ${fmt(a)} ms, onnxruntime-web ${fmt(b)} ms, ratio ${ratio(a, b)}`);
}

const gz = (b) => gzipSync(b, { level: 9 }).length;
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
lines.push('');
lines.push(`feature pipeline, ${N_RECORDS} JSON-object records (penguins spec): wasm transformBatch ${fmt(N_RECORDS / (tWasm / 1000), 0)} records/s, hand-written JS ${fmt(N_RECORDS / (tJs / 1000), 0)} records/s, ratio ${ratio(tJs, tWasm)} (max |Δ| ${pipeDiff.toExponential(1)})`);
lines.push(monitorLine);
lines.push(...coldLines);
console.log(lines.join('\n'));
