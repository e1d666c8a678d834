// mlcycle for Node ≥ 20 (and Deno, Bun): `init()` reads the wasm file next to this module
// (Node's fetch cannot read `file:` URLs).
import { readFile } from 'node:fs/promises';
import glueInit, { initSync } from './mlcycle.js';
import { makeInit } from './init.js';

export * from './mlcycle.js';

/**
 * wasm-bindgen's async init tests its input with `instanceof Request` and `instanceof Response`,
 * and in Node the first touch of either global loads Node's fetch implementation (undici):
 * 15–40 ms of a cold start spent on a module that reading a file never needs. Bytes and
 * compiled modules are compiled here and instantiated through `initSync`, which touches
 * neither; URLs and responses still go through wasm-bindgen's init.
 */
async function nodeGlueInit({ module_or_path: source }) {
  source = await source;
  if (source instanceof WebAssembly.Module) return initSync({ module: source });
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return initSync({ module: await WebAssembly.compile(source) });
  }
  return glueInit({ module_or_path: source });
}

export default makeInit(nodeGlueInit, () => readFile(new URL('./mlcycle_bg.wasm', import.meta.url)), null);
