// Entry for esbuild, which does not follow `new URL(…, import.meta.url)`: the wasm is imported
// as a file (`--loader:.wasm=file` emits it and gives its URL), then handed to `init`.
import wasmUrl from 'mlcycle/mlcycle_bg.wasm';
import { run } from './app.js';

await run(new URL(wasmUrl, import.meta.url));
