// mlcycle for Node ≥ 20 (and Deno, Bun): `init()` reads the wasm file next to this module
// (Node's fetch cannot read `file:` URLs).
import { readFile } from 'node:fs/promises';
import glueInit from './mlcycle.js';
import { makeInit } from './init.js';

export * from './mlcycle.js';

export default makeInit(glueInit, () => readFile(new URL('./mlcycle_bg.wasm', import.meta.url)), null);
