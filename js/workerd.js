// mlcycle for Cloudflare Workers / workerd: the wasm is imported as a compiled module (what
// wrangler does with a `.wasm` import, and what a workerd config's `wasm = embed` module is),
// so `init()` needs no fetch and no arguments.
import wasmModule from './mlcycle_bg.wasm';
import glueInit from './mlcycle.js';
import { makeInit } from './init.js';

export * from './mlcycle.js';

export default makeInit(glueInit, () => wasmModule, null);
