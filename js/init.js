// The package's `init()`: instantiates the wasm with no arguments on every host (the entry
// for each host says where the wasm is: a URL beside the module in pages and workers, the file
// in Node, the bundled module in workerd), and reports download progress.
//
//   await init();                                    // the wasm next to this module
//   await init({ onProgress: (e) => show(e) });      // e = {phase: 'runtime', loadedBytes, totalBytes}
//   await init({ module_or_path: urlBytesOrModule }); // anything wasm-bindgen's init takes
//
// Progress streams the body through a counting `ReadableStream`, so the response stays a
// `Response` with `application/wasm` and `WebAssembly.instantiateStreaming` still compiles
// while it downloads. `loadedBytes` counts decoded bytes (what a `Content-Encoding: br` body
// inflates to); `totalBytes` is the wasm's size when it is this package's file, else the
// server's `Content-Length` when the body is not content-encoded, else `null`.

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

/** A `Response` whose body counts what passes through it. */
function counted(response, onProgress, knownTotal) {
  if (!response.ok || !response.body) return response;
  const encoding = response.headers.get('content-encoding');
  const length = Number(response.headers.get('content-length'));
  let total = knownTotal ?? null;
  if (total === null && (!encoding || encoding === 'identity') && length > 0) total = length;
  const reader = response.body.getReader();
  let loaded = 0;
  report(onProgress, 0, total);
  const body = new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        report(onProgress, loaded, total ?? loaded);
        controller.close();
        return;
      }
      loaded += value.byteLength;
      report(onProgress, loaded, total !== null && loaded > total ? null : total);
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: { 'content-type': response.headers.get('content-type') ?? 'application/wasm' },
  });
}

async function withProgress(input, onProgress, knownTotal) {
  input = await input;
  if (typeof input === 'string' || input instanceof URL || (typeof Request === 'function' && input instanceof Request)) {
    input = await fetch(input);
  }
  if (typeof Response === 'function' && input instanceof Response) return counted(input, onProgress, knownTotal);
  const size = input instanceof ArrayBuffer || ArrayBuffer.isView(input) ? input.byteLength : null;
  if (size !== null) report(onProgress, size, size);
  return input;
}

/**
 * `init` for one host: `glueInit` is wasm-bindgen's, `defaultInput()` gives the wasm (URL,
 * bytes or module) when the caller gives none, `wasmBytes` is its size (for progress).
 */
export function makeInit(glueInit, defaultInput, wasmBytes) {
  let pending = null;
  return function init(options) {
    let input = options;
    let onProgress = null;
    if (isOptions(options)) {
      input = options.module_or_path;
      onProgress = typeof options.onProgress === 'function' ? options.onProgress : null;
    }
    const isDefault = input === undefined;
    // One instance per module: a second `init()` resolves to the first one's result.
    if (isDefault && pending) return pending;
    const run = (async () => {
      let source = isDefault ? await defaultInput() : input;
      if (onProgress) source = await withProgress(source, onProgress, isDefault ? wasmBytes : null);
      return glueInit({ module_or_path: source });
    })();
    if (isDefault) {
      pending = run;
      run.catch(() => {
        pending = null;
      });
    }
    return run;
  };
}
