// The package's `init()`: instantiates the wasm with no arguments on every host (the entry
// for each host says where the wasm is: a URL beside the module in pages and workers, the file
// in Node, the bundled module in workerd), and reports download progress.
//
//   await init();                                    // the wasm next to this module
//   await init({ onProgress: (e) => show(e) });      // e = {phase: 'runtime', loadedBytes, totalBytes}
//   await init({ module_or_path: urlBytesOrModule }); // anything wasm-bindgen's init takes
//
// Progress counts a clone of the response body read alongside the original, which goes to
// `WebAssembly.instantiateStreaming` untouched: it compiles while it downloads, and its URL
// keys the browser's compiled-code cache. `loadedBytes` counts decoded bytes (what a
// `Content-Encoding: br` body inflates to); `totalBytes` is the wasm's size when it is this
// package's file, else a same-origin server's `Content-Length` when the body is not
// content-encoded, else `null`.

/** Whether `v` is the options-object form (not a URL, bytes, a module or a response). */
function isOptions(v) {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function report(onProgress, loadedBytes, totalBytes) {
  try {
    onProgress({ phase: 'runtime', loadedBytes, totalBytes });
  } catch {
    // The page's callback failing is not a reason to fail the load.
  }
}

/**
 * Counts `response`'s body as it arrives, from a clone read alongside the original: the
 * original goes to wasm-bindgen untouched (its URL keys the browser's compiled-code cache, and
 * `instantiateStreaming` compiles it while it downloads).
 */
function countBody(response, onProgress, knownTotal) {
  if (!response.ok || !response.body) return;
  const encoding = response.headers.get('content-encoding');
  const length = Number(response.headers.get('content-length'));
  let total = knownTotal ?? null;
  // A cross-origin response hides Content-Encoding, so its Content-Length could be the
  // compressed size: trusted only for same-origin responses ('basic'; Node's fetch says
  // 'default', it has no origins), when not encoded.
  const sameOrigin = response.type === 'basic' || response.type === 'default';
  if (total === null && sameOrigin && (!encoding || encoding === 'identity') && length > 0) total = length;
  const reader = response.clone().body.getReader();
  let loaded = 0;
  report(onProgress, 0, total);
  (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.byteLength;
      if (total !== null && loaded > total) total = null; // the size was not what it said
      report(onProgress, loaded, total);
    }
    report(onProgress, loaded, total ?? loaded);
  })().catch(() => {
    // The original stream fails too; wasm-bindgen reports it.
  });
}

async function withProgress(input, onProgress, knownTotal) {
  input = await input;
  // Bytes and modules first: in Node the first touch of `Request` or `Response` loads its
  // fetch (node.js).
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    report(onProgress, input.byteLength, input.byteLength);
    return input;
  }
  if (input instanceof WebAssembly.Module) return input;
  if (typeof input === 'string' || input instanceof URL || (typeof Request === 'function' && input instanceof Request)) {
    input = await fetch(input);
  }
  if (typeof Response === 'function' && input instanceof Response) {
    countBody(input, onProgress, knownTotal);
  }
  return input;
}

/**
 * `init` for one host: `glueInit` is wasm-bindgen's, `defaultInput()` gives the wasm (URL,
 * bytes or module) when the caller gives none, `wasmBytes` is its size (for progress).
 */
export function makeInit(glueInit, defaultInput, wasmBytes) {
  // One instance per module: once an `init` is under way or done, every later call resolves
  // to it (wasm-bindgen would return its instance anyway, after downloading the wasm again).
  let pending = null;
  return function init(options) {
    if (pending) return pending;
    let input = options;
    let onProgress = null;
    if (isOptions(options)) {
      input = options.module_or_path;
      onProgress = typeof options.onProgress === 'function' ? options.onProgress : null;
    }
    const isDefault = input === undefined;
    const run = (async () => {
      let source = isDefault ? await defaultInput() : input;
      if (onProgress) source = await withProgress(source, onProgress, isDefault ? wasmBytes : null);
      return glueInit({ module_or_path: source });
    })();
    pending = run;
    run.catch(() => {
      pending = null; // a failed init can be retried
    });
    return run;
  };
}
