// One cold start in a fresh Node process: time from "wasm bytes (and model bytes) in memory" to
// "first prediction returned" (instantiate + load model + first predict). Used by bench.mjs:
//   node bench/cold-start.mjs mlcycle-onnx|mlcycle-nnef|slim|ort MODEL WIDTH
// mlcycle-onnx: full package, ONNX model; mlcycle-nnef: full package, precompiled model;
// slim: the slim edge package, precompiled model; ort: onnxruntime-web 1.30 (wasm, 1 thread).
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

const [runtime, modelPath, width] = process.argv.slice(2);
const root = new URL('../', import.meta.url);
const model = new Uint8Array(await readFile(new URL(modelPath, root)));
const x = new Float32Array(Number(width)).fill(0.5);
let ms;
if (runtime === 'ort') {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  // Hand ORT its wasm bytes too, so both sides start from bytes in memory.
  ort.env.wasm.wasmBinary = await readFile(new URL('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', root));
  const t0 = performance.now();
  const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const out = s.outputNames.includes('probabilities') ? 'probabilities' : s.outputNames[s.outputNames.length - 1];
  await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [1, Number(width)]) }, [out]);
  ms = performance.now() - t0;
} else {
  const pkg = runtime === 'slim' ? 'pkg-slim' : 'pkg';
  const wasm = await readFile(new URL(`${pkg}/mlcycle_bg.wasm`, root));
  // The package's Node entry, as a Node user loads it (it instantiates without loading Node's
  // fetch, which wasm-bindgen's own init would: js/node.js).
  const mod = await import(`../${pkg}/node.js`);
  const t0 = performance.now();
  await mod.default({ module_or_path: wasm });
  const m = runtime === 'mlcycle-onnx' ? mod.Model.fromBytes(model) : mod.Model.fromNnef(model);
  m.predict(x, 1);
  ms = performance.now() - t0;
}
console.log(JSON.stringify({ runtime, model: modelPath, ms }));
