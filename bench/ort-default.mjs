// onnxruntime-web 1.30 with its DEFAULT settings (numThreads left to ORT), in its own process:
// ORT's thread count is global and fixed at its first session, so the 1-thread runs and these
// cannot share a process. Prints JSON; used by bench.mjs: node bench/ort-default.mjs ITER_1 ITER_1000
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { MODELS, goldenInputs, batch, timeLoopAsync, median, quantile } from './common.mjs';

const [iter1, iter1000] = process.argv.slice(2).map(Number);
const root = new URL('../', import.meta.url);
const ort = await import('onnxruntime-web');
const results = {};
for (const [name, path] of MODELS) {
  const bytes = new Uint8Array(await readFile(new URL(path, root)));
  const { width, rows } = await goldenInputs(name);
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const inName = s.inputNames[0];
  const outName = s.outputNames.includes('probabilities') ? 'probabilities' : s.outputNames[s.outputNames.length - 1];
  const x1 = batch(rows, width, 1), x1000 = batch(rows, width, 1000);
  const t1 = await timeLoopAsync(iter1, () => s.run({ [inName]: new ort.Tensor('float32', x1, [1, width]) }, [outName]));
  const t1000 = await timeLoopAsync(iter1000, () => s.run({ [inName]: new ort.Tensor('float32', x1000, [1000, width]) }, [outName]));
  results[name] = { p50: median(t1) * 1000, p95: quantile(t1, 0.95) * 1000, tput: 1000 / (median(t1000) / 1000) };
  await s.release();
}
console.log(JSON.stringify({ numThreads: ort.env.wasm.numThreads ?? null, results }));
