// A tiny app as a web developer writes it: the package by name, `init()`, one prediction from a
// model the page fetches. Bundled by Vite and webpack (main.js: the bundler finds and emits the
// wasm through the package's `new URL('mlcycle_bg.wasm', import.meta.url)`) and esbuild
// (esbuild.js), then run in Chromium by tests/js/bundlers.test.mjs. Nothing is copied by hand.
import init, { Model, buildInfo } from 'mlcycle';

/** Loads the runtime (`wasm`: its URL when the bundler does not find it itself) and predicts. */
export async function run(wasm) {
  const out = document.getElementById('out');
  try {
    const loaded = [];
    await init({ module_or_path: wasm, onProgress: (e) => loaded.push(e.loadedBytes) });
    const bytes = new Uint8Array(await (await fetch('./penguins_logreg.onnx')).arrayBuffer());
    const model = Model.fromBytes(bytes, ['Adelie', 'Chinstrap', 'Gentoo']);
    const proba = model.predict(new Float32Array(9), 1);
    out.dataset.flavor = buildInfo().flavor;
    out.dataset.label = model.labels[model.argmax(proba)[0]];
    out.dataset.progress = String(loaded.length);
    out.dataset.loaded = String(loaded.at(-1) ?? 0);
    out.textContent = `${out.dataset.label} (${Array.from(proba, (p) => p.toFixed(3)).join(', ')})`;
  } catch (e) {
    out.dataset.error = `${e.code ?? ''} ${e.message ?? e}`;
    out.textContent = `error: ${out.dataset.error}`;
  }
}
