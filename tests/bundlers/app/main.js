// Entry for Vite and webpack: they find the wasm through the package's
// `new URL('mlcycle_bg.wasm', import.meta.url)` and emit it; `init()` needs no argument.
import { run } from './app.js';

await run(undefined);
