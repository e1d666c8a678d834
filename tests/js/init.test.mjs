// The package entry's `init()` (js/init.js through pkg/index.js, the entry pages, workers and
// bundlers get): download progress from a clone of the body while the original compiles
// (streaming), byte counts that add up, a throwing callback that cannot break the load, and a
// second `init` that reuses the instance instead of downloading the wasm again.
import test from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import init, { buildInfo } from '../../pkg/index.js';
import { serve } from './static-server.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('init reports download progress, survives a throwing callback, and loads once', async () => {
  const size = (await stat(`${root}pkg/mlcycle_bg.wasm`)).size;
  const server = await serve(root);
  try {
    const url = new URL('/pkg/mlcycle_bg.wasm', server.url);
    const events = [];
    const first = await init({
      module_or_path: url,
      onProgress: (e) => {
        events.push(e);
        throw new Error('a page bug in the callback');
      },
    });
    assert.equal(buildInfo().flavor, 'full');
    assert.ok(events.length >= 2, `${events.length} events`);
    assert.deepEqual(events[0], { phase: 'runtime', loadedBytes: 0, totalBytes: size });
    // The counting clone may still be draining when init resolves: wait for its last event.
    for (let i = 0; i < 50 && events.at(-1).loadedBytes < size; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events.at(-1), { phase: 'runtime', loadedBytes: size, totalBytes: size });
    assert.ok(events.every((e, i) => i === 0 || e.loadedBytes >= events[i - 1].loadedBytes));
    assert.ok(events.every((e) => e.totalBytes === size && e.phase === 'runtime'));

    const requests = server.state.requests;
    const again = [];
    const second = await init({ module_or_path: url, onProgress: (e) => again.push(e) });
    assert.equal(second, first, 'the same instance');
    assert.equal(server.state.requests, requests, 'no second download');
    assert.deepEqual(again, []);
    assert.equal(await init(), first);
  } finally {
    await server.close();
  }
});

// The Node entry instantiates without loading Node's fetch (undici): wasm-bindgen's own init
// touches `Request`/`Response`, whose first use costs 15–40 ms of a cold start. Each case runs
// in a fresh process, since a module, once loaded, stays loaded.
test('the Node entry never loads fetch for a file, bytes or a compiled module', async () => {
  const { execFileSync } = await import('node:child_process');
  const cases = {
    file: 'await init();',
    bytes: "await init({ module_or_path: await readFile(wasmPath), onProgress: (e) => events.push(e) });",
    module: 'await init(await WebAssembly.compile(await readFile(wasmPath)));',
    moduleWithProgress: 'await init({ module_or_path: await WebAssembly.compile(await readFile(wasmPath)), onProgress: (e) => events.push(e) });',
  };
  for (const [name, call] of Object.entries(cases)) {
    const script = `
      import { readFile } from 'node:fs/promises';
      const wasmPath = ${JSON.stringify(`${root}pkg/mlcycle_bg.wasm`)};
      const { default: init, Model, buildInfo } = await import(${JSON.stringify(`${root}pkg/node.js`)});
      const events = [];
      ${call}
      const m = Model.fromNnef(await readFile(${JSON.stringify(`${root}tests/data/nnef/penguins_logreg.nnef.tar`)}));
      const p = m.predict(new Float32Array(9).fill(0.5), 1);
      const fetchLoaded = process.moduleLoadList.some((m) => m.includes('undici'));
      console.log(JSON.stringify({ flavor: buildInfo().flavor, length: p.length, fetchLoaded, events }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString());
    assert.equal(out.flavor, 'full', name);
    assert.equal(out.length, 3, name);
    assert.equal(out.fetchLoaded, false, `${name}: undici loaded`);
    if (name === 'bytes') assert.equal(out.events.at(-1).loadedBytes, out.events.at(-1).totalBytes);
  }
  // The check itself: touching `Response` does load it.
  const touched = execFileSync(process.execPath, ['-e', "typeof Response; console.log(process.moduleLoadList.some((m) => m.includes('undici')))"]).toString().trim();
  assert.equal(touched, 'true');
});
