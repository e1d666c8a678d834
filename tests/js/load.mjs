// Loads pkg/ in Node exactly as a user would: the ES module plus the wasm bytes.
import { readFile } from 'node:fs/promises';
import init, * as mlcycle from '../../pkg/mlcycle.js';

const root = new URL('../../', import.meta.url);
await init({ module_or_path: await readFile(new URL('pkg/mlcycle_bg.wasm', root)) });

export const data = (name) => readFile(new URL(`tests/data/${name}`, root));
export const json = async (name) => JSON.parse(await readFile(new URL(`tests/data/${name}`, root), 'utf8'));
export default mlcycle;
