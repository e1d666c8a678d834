// mlcycle for pages, Web Workers and bundlers (Vite, webpack, esbuild): `init()` fetches the
// wasm that sits next to this module (bundlers see the `new URL(…, import.meta.url)` and emit
// the file). Node uses node.js, workerd workerd.js (package.json `exports` picks).
import glueInit from './mlcycle.js';
import { makeInit } from './init.js';

export * from './mlcycle.js';

/** Size of mlcycle_bg.wasm in bytes (written by scripts/build-pkg.sh), for load progress. */
const WASM_BYTES = /* WASM_BYTES */ null;

export default makeInit(glueInit, () => new URL('mlcycle_bg.wasm', import.meta.url), WASM_BYTES);
