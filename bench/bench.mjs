// Side-by-side benchmark, in ONE run on one machine: mlcycle full (pkg/: ONNX parsed at load,
// and its precompiled NNEF form), mlcycle slim (pkg-slim/: NNEF only) and onnxruntime-web 1.30
// (wasm, 1 thread in this process; its default thread count in a child process, since ORT's
// thread count is global). Not a test: it prints tables of measurements and ratios against
// onnxruntime-web 1 thread (< 1 is better for times and sizes, > 1 for throughput).
//
//   node bench/bench.mjs            # everything (make bench)
//   BENCH_QUICK=1 node bench/bench.mjs
//   BENCH_ONLY=lgbm,knn node bench/bench.mjs   # some models only
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { MODELS, read, goldenInputs, batch, timeLoop, timeLoopAsync, median, quantile } from './common.mjs';
import { coldStartsInChromium } from './cold-start-browser.mjs';

const QUICK = !!process.env.BENCH_QUICK;
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : null;
const ITER_1 = QUICK ? 300 : 2000;
const ITER_1000 = QUICK ? 5 : 30;

const fmt = (x, d = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(d));
const ratio = (a, b) => (a / b).toFixed(2) + '×';

// --- runtimes: the first instantiation is part of the first model creation ---
const mlWasm = await read('pkg/mlcycle_bg.wasm');
const slimWasm = await read('pkg-slim/mlcycle_bg.wasm');
const ortWasm = await read('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm');

let t0 = performance.now();
const mlcycle = await import('../pkg/node.js'); // the package's Node entry
await mlcycle.default({ module_or_path: mlWasm });
const mlInitMs = performance.now() - t0;
t0 = performance.now();
const slim = await import('../pkg-slim/node.js');
await slim.default({ module_or_path: slimWasm });
const slimInitMs = performance.now() - t0;

const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;

const maxAbsDiff = (a, b) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

/** Times one synchronous mlcycle model: batch-1 latency and batch-1000 throughput. */
function timeModel(model, x1, x1000) {
  const t1 = timeLoop(ITER_1, () => model.predict(x1, 1));
  const t1000 = timeLoop(ITER_1000, () => model.predict(x1000, 1000));
  return { p50: median(t1) * 1000, p95: quantile(t1, 0.95) * 1000, tput: 1000 / (median(t1000) / 1000) };
}

const results = [];
let first = true;
for (const [name, path] of MODELS.filter(([n]) => !ONLY || ONLY.includes(n))) {
  const bytes = new Uint8Array(await read(path));
  const { width, rows } = await goldenInputs(name);
  const x1 = batch(rows, width, 1);
  const x1000 = batch(rows, width, 1000);
  const row = { name, runtimes: {} };

  // mlcycle full, ONNX
  t0 = performance.now();
  const onnxModel = mlcycle.Model.fromBytes(bytes);
  const createOnnx = performance.now() - t0 + (first ? mlInitMs : 0);
  const warmOnnx = median(timeLoop(5, () => mlcycle.Model.fromBytes(bytes).free()));
  // The precompiled form, where tract can reload it (not kNN's Scan: tests/interop.rs).
  let nnef = null, nnefModel = null, slimModel = null;
  let createNnef, warmNnef, createSlim, warmSlim;
  try {
    nnef = onnxModel.toNnef();
    // mlcycle full, precompiled
    t0 = performance.now();
    nnefModel = mlcycle.Model.fromNnef(nnef);
    createNnef = performance.now() - t0;
    warmNnef = median(timeLoop(5, () => mlcycle.Model.fromNnef(nnef).free()));
    // mlcycle slim, precompiled
    t0 = performance.now();
    slimModel = slim.Model.fromNnef(nnef);
    createSlim = performance.now() - t0 + (first ? slimInitMs : 0);
    warmSlim = median(timeLoop(5, () => slim.Model.fromNnef(nnef).free()));
  } catch (e) {
    row.nnefError = e.code ?? e.message;
  }
  // onnxruntime-web, 1 thread
  t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const createOrt = performance.now() - t0;
  const warmOrt = median(await timeLoopAsync(5, async () => (await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] })).release()));
  const inName = session.inputNames[0];
  const outName = session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames[session.outputNames.length - 1];
  const runOrt = (x, n) => session.run({ [inName]: new ort.Tensor('float32', x, [n, width]) }, [outName]);

  // agreement on 1000 rows
  const ortOut = (await runOrt(x1000, 1000))[outName].data;
  const onnxOut = onnxModel.predict(x1000, 1000);
  row.maxDiff = maxAbsDiff(onnxOut, ortOut);
  row.nnefIdentical = nnefModel && [nnefModel.predict(x1000, 1000), slimModel.predict(x1000, 1000)]
    .every((o) => o.length === onnxOut.length && o.every((v, i) => Object.is(v, onnxOut[i])));

  row.runtimes['mlcycle full (ONNX)'] = { create: createOnnx, warm: warmOnnx, ...timeModel(onnxModel, x1, x1000) };
  if (nnefModel) {
    row.runtimes['mlcycle full (NNEF)'] = { create: createNnef, warm: warmNnef, ...timeModel(nnefModel, x1, x1000) };
    row.runtimes['mlcycle slim (NNEF)'] = { create: createSlim, warm: warmSlim, ...timeModel(slimModel, x1, x1000) };
  }
  const o1 = await timeLoopAsync(ITER_1, () => runOrt(x1, 1));
  const o1000 = await timeLoopAsync(ITER_1000, () => runOrt(x1000, 1000));
  row.runtimes['onnxruntime-web 1 thread'] = { create: createOrt, warm: warmOrt, p50: median(o1) * 1000, p95: quantile(o1, 0.95) * 1000, tput: 1000 / (median(o1000) / 1000) };
  row.nnefBytes = nnef?.length;
  results.push(row);
  for (const m of [onnxModel, nnefModel, slimModel]) m?.free();
  await session.release();
  first = false;
}

// --- onnxruntime-web with its default thread count (own process) ---
let ortDefault = null;
try {
  ortDefault = JSON.parse(execFileSync(process.execPath, [new URL('ort-default.mjs', import.meta.url).pathname, String(ITER_1), String(ITER_1000)]).toString());
  for (const row of results) {
    const r = ortDefault.results[row.name];
    if (r) row.runtimes[`onnxruntime-web default (${ortDefault.numThreads ?? '?'} threads)`] = { ...r };
  }
} catch (e) {
  ortDefault = { error: e.message };
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
// The same rows as columns (typed arrays for numbers, string arrays): one crossing per column.
const numCol = (k) => Float64Array.from(records, (r) => r[k] ?? NaN);
const columns = { island: records.map((r) => r.island), sex: records.map((r) => r.sex), bill_length_mm: numCol('bill_length_mm'), bill_depth_mm: numCol('bill_depth_mm'), flipper_length_mm: numCol('flipper_length_mm'), body_mass_g: numCol('body_mass_g') };
const colOut = pipeline.transformColumns(columns);
const colSame = pipeline.transformBatch(records).every((v, i) => Object.is(v, colOut[i]));
const tCols = median(timeLoop(pipeIters, () => pipeline.transformColumns(columns)));

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
  const lines = [];
  for (const [label, pkg] of [['full', mlcycle], ['slim', slim]]) {
    const on = await (await pkg.Registry.load(`${base}/on/manifest.json`)).open('penguins', { alias: 'production' });
    const off = await (await pkg.Registry.load(`${base}/off/manifest.json`)).open('penguins', { alias: 'production' });
    const iters = QUICK ? 3000 : 20000;
    // Interleave rounds so machine noise hits both sides alike.
    const tOn = [], tOff = [];
    for (let round = 0; round < 5; round++) {
      tOff.push(median(timeLoop(iters / 5, (i) => off.predict(baseRecords[i % baseRecords.length]))));
      tOn.push(median(timeLoop(iters / 5, (i) => on.predict(baseRecords[i % baseRecords.length]))));
    }
    const mOn = median(tOn) * 1000, mOff = median(tOff) * 1000;
    lines.push(`end-to-end predict (JS object → pipeline → model → monitor), penguins 1.0.0 served from its ${on.status().modelFormat} artifact, mlcycle ${label}: ${fmt(mOn)} µs with monitoring, ${fmt(mOff)} µs without → overhead ${(((mOn - mOff) / mOff) * 100).toFixed(1)}% (median per call)`);
  }
  // A whole table end to end: columns → features → model → monitor in one call, against the
  // hand-written JS features + onnxruntime-web (1 thread) on the same rows, no monitoring.
  const batchDep = await (await mlcycle.Registry.load(`${base}/on/manifest.json`)).open('penguins', { alias: 'production' });
  const session = await ort.InferenceSession.create(new Uint8Array(await rf(new URL(`penguins/${batchDep.version}/model.onnx`, regDir))), { executionProviders: ['wasm'] });
  const ortTable = async () => {
    const x = jsTransform(records);
    return session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [records.length, 9]) });
  };
  // Alternated call by call (after two warm-up calls each; 11 timed calls each, medians), so
  // that machine noise hits both sides alike.
  const batchTimes = [], ortTimes = [];
  for (let i = -2; i < (QUICK ? 3 : 11); i++) {
    let t0 = performance.now();
    batchDep.predictBatch(columns);
    const tb = performance.now() - t0;
    t0 = performance.now();
    await ortTable();
    const to = performance.now() - t0;
    if (i >= 0) { batchTimes.push(tb); ortTimes.push(to); }
  }
  const tBatch = median(batchTimes);
  const tOrtTable = median(ortTimes);
  const tBatchRecords = median(timeLoop(pipeIters, () => batchDep.predictBatch(records)));
  lines.push(`a table of ${N_RECORDS} rows end to end, mlcycle full: predictBatch(columns) with monitoring ${fmt(tBatch)} ms (predictBatch(records) ${fmt(tBatchRecords)} ms) vs hand-written JS features + onnxruntime-web ${fmt(tOrtTable)} ms → ratio ${ratio(tOrtTable, tBatch)}`);
  await session.release();
  server.close();
  monitorLine = lines.join('\n');
} catch (e) {
  monitorLine = `monitoring overhead: failed (${e.code ?? ''} ${e.message})`;
}

// --- Cold start: bytes in memory → first prediction (instantiate + load + first predict) ---
const COLD = [
  ['penguins_logreg', 'tests/data/penguins_logreg.onnx', 'tests/data/nnef/penguins_logreg.nnef.tar', 9],
  ['penguins_gbt', 'tests/data/variants/penguins_gbt.onnx', 'tests/data/nnef/penguins_gbt.nnef.tar', 9],
  ['breast_cancer_gbt', 'tests/data/breast_cancer_gbt.onnx', 'tests/data/nnef/breast_cancer_gbt.nnef.tar', 30],
  ['breast_cancer_rf', 'tests/data/variants/breast_cancer_rf.onnx', 'tests/data/nnef/breast_cancer_rf.nnef.tar', 30],
  ['breast_cancer_mlp', 'tests/data/breast_cancer_mlp.onnx', 'tests/data/nnef/breast_cancer_mlp.nnef.tar', 30],
  ['digits_mlp', 'tests/data/digits_mlp.onnx', 'tests/data/nnef/digits_mlp.nnef.tar', 64],
];
const COLD_RUNTIMES = [['mlcycle-onnx', 'onnx'], ['mlcycle-nnef', 'nnef'], ['slim', 'nnef'], ['ort', 'onnx']];
// Rounds, each measuring every (fixture, runtime) cell once, and a cell's value is the median of
// its rounds: on a shared 2-core VM a cell's samples taken back to back shared whatever load that
// stretch had, and three of them moved a cell by ±10 % run to run (the NNEF ≤ ONNX comparisons
// flipped between runs); interleaved rounds spread that drift over every cell alike.
// COLD_RUNS overrides the count.
const coldRuns = Number(process.env.COLD_RUNS ?? (QUICK ? 1 : 7));
const coldNode = (runtime, model, width) =>
  JSON.parse(execFileSync(process.execPath, [new URL('cold-start.mjs', import.meta.url).pathname, runtime, model, String(width)]).toString()).ms;
const coldCases = COLD.flatMap(([name, onnxPath, nnefPath, width]) =>
  COLD_RUNTIMES.map(([runtime, kind]) => ({ name, runtime, model: kind === 'onnx' ? onnxPath : nnefPath, width })));
const nodeSamples = coldCases.map(() => []);
for (let round = 0; round < coldRuns; round++) {
  coldCases.forEach((c, i) => nodeSamples[i].push(coldNode(c.runtime, c.model, c.width)));
}
const cold = coldCases.map((c, i) => ({ name: c.name, runtime: c.runtime, host: 'node', ms: median(nodeSamples[i]) }));
let chromiumError = null;
try {
  const cases = coldCases.map((c) => [c.runtime, c.model, c.width]);
  const pageSamples = cases.map(() => []);
  for (let round = 0; round < coldRuns; round++) {
    (await coldStartsInChromium(cases, 1)).forEach((g, i) => pageSamples[i].push(g.ms));
  }
  coldCases.forEach((c, i) => cold.push({ name: c.name, runtime: c.runtime, host: 'chromium', ms: median(pageSamples[i]) }));
} catch (e) {
  chromiumError = e.message;
}

const gz = (b) => gzipSync(b, { level: 9 }).length;
const lines = [];
lines.push(`mlcycle (full and slim) vs onnxruntime-web 1.30 (wasm), Node ${process.version}, ${os.cpus()[0].model} × ${os.cpus().length}, ${new Date().toISOString().slice(0, 10)}`);
lines.push('');
lines.push('Per model: create = first model creation (first row includes the runtime\'s instantiation), warm = later creations; ratios against onnxruntime-web 1 thread.');
lines.push('');
lines.push('| model | runtime | create ms | warm create ms | batch-1 p50 µs (ratio) | batch-1 p95 µs | batch-1000 rows/s (ratio) |');
lines.push('|---|---|---|---|---|---|---|');
for (const r of results) {
  const ref = r.runtimes['onnxruntime-web 1 thread'];
  for (const [rt, v] of Object.entries(r.runtimes)) {
    lines.push(`| ${r.name} | ${rt} | ${v.create === undefined ? '–' : fmt(v.create)} | ${v.warm === undefined ? '–' : fmt(v.warm, 2)} | ${fmt(v.p50)} (${ratio(v.p50, ref.p50)}) | ${fmt(v.p95)} | ${fmt(v.tput, 0)} (${ratio(v.tput, ref.tput)}) |`);
  }
}
lines.push('');
lines.push('| model | max |mlcycle − ORT| | NNEF (full and slim) bitwise = ONNX path | NNEF bytes |');
lines.push('|---|---|---|---|');
for (const r of results) lines.push(`| ${r.name} | ${r.maxDiff.toExponential(1)} | ${r.nnefError ? `no NNEF (${r.nnefError})` : r.nnefIdentical ? 'yes' : 'NO'} | ${r.nnefBytes ?? '–'} |`);
if (ortDefault?.error) lines.push(`\nonnxruntime-web default threads: failed (${ortDefault.error})`);
lines.push('');
lines.push('| wasm | raw bytes | gzip -9 bytes | gzip vs ORT | goal (gzip) |');
lines.push('|---|---|---|---|---|');
lines.push(`| mlcycle full (pkg/) | ${mlWasm.length} | ${gz(mlWasm)} | ${ratio(gz(mlWasm), gz(ortWasm))} | ≤ 1.5 MB |`);
lines.push(`| mlcycle slim (pkg-slim/) | ${slimWasm.length} | ${gz(slimWasm)} | ${ratio(gz(slimWasm), gz(ortWasm))} | ≤ 1.0 MB |`);
lines.push(`| onnxruntime-web (ort-wasm-simd-threaded.wasm) | ${ortWasm.length} | ${gz(ortWasm)} | 1.00× | |`);
lines.push('');
lines.push(`Cold start, bytes in memory → first prediction (median of ${coldRuns} interleaved rounds of fresh processes / fresh pages; goals: NNEF ≤ ONNX, and ≤ 0.4× onnxruntime-web):`);
lines.push('');
lines.push('| model | host | mlcycle full (ONNX) | mlcycle full (NNEF) | mlcycle slim (NNEF) | onnxruntime-web 1 thread |');
lines.push('|---|---|---|---|---|---|');
for (const [name] of COLD) {
  for (const host of ['node', 'chromium']) {
    const get = (rt) => cold.find((c) => c.name === name && c.host === host && c.runtime === rt)?.ms;
    const ortMs = get('ort');
    if (ortMs === undefined) continue;
    const cell = (rt) => { const v = get(rt); return v === undefined ? '–' : `${fmt(v)} ms (${ratio(v, ortMs)})`; };
    lines.push(`| ${name} | ${host} | ${cell('mlcycle-onnx')} | ${cell('mlcycle-nnef')} | ${cell('slim')} | ${fmt(ortMs)} ms |`);
  }
}
if (chromiumError) lines.push(`\nChromium cold start: failed (${chromiumError})`);
lines.push('');
lines.push(`runtime instantiation (compile + instantiate, included in the first create): full ${fmt(mlInitMs)} ms, slim ${fmt(slimInitMs)} ms`);
lines.push('');
lines.push(`feature pipeline, ${N_RECORDS} JSON-object records (penguins spec): wasm transformBatch ${fmt(N_RECORDS / (tWasm / 1000), 0)} records/s, hand-written JS ${fmt(N_RECORDS / (tJs / 1000), 0)} records/s, ratio ${ratio(tJs, tWasm)} (max |Δ| ${pipeDiff.toExponential(1)})`);
lines.push(`feature pipeline, the same ${N_RECORDS} rows as columns (Float64Array numbers, string arrays): wasm transformColumns ${fmt(N_RECORDS / (tCols / 1000), 0)} rows/s, ratio to the hand-written JS on records ${ratio(tJs, tCols)} (${colSame ? 'bit-identical to transformBatch' : 'DIFFERS from transformBatch'})`);
lines.push(monitorLine);
console.log(lines.join('\n'));
