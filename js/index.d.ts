// The package entry (index.js, node.js, workerd.js): everything mlcycle.js exports, with an
// `init()` that needs no arguments on any host and can report download progress.
export * from './mlcycle.js';
import type { InitInput, InitOutput, LoadProgress } from './mlcycle.js';

/** Options of `init()`; every member is optional. */
export interface InitOptions {
    /** The wasm: a URL, bytes, a `Response` or a compiled module (default: the file next to this module). */
    module_or_path?: InitInput | Promise<InitInput>;
    /** Called as the wasm downloads: `{phase: 'runtime', loadedBytes, totalBytes}`. */
    onProgress?: (event: LoadProgress) => void;
}

/**
 * Instantiates the wasm module once (later calls without arguments resolve to the same
 * instance). Must finish before anything else is called.
 */
export default function init(options?: InitOptions | InitInput | Promise<InitInput>): Promise<InitOutput>;
