// Keeps a page or worker serving after the wasm instance traps.
//
// A trap (a `RuntimeError` from wasm: a bug, an allocation that failed) leaves the instance's
// memory in an unknown state: every object living in it (models, pipelines) may be corrupt, and
// the next call may answer from corrupted memory. mlcycle prevents every known cause (see
// docs/security.md); this is the last line for the unknown ones.
//
// `createRuntime()` instantiates the module and keeps a spare instance ready (instantiated
// asynchronously: browsers refuse to instantiate a module this size synchronously on the main
// thread; it costs the memory of one more instance, the compiled code is shared). Models
// and pipelines made through the runtime remember how they were made (their bytes, their spec);
// when any call traps, the runtime switches synchronously to a fresh instance, the call throws
// an `Error` with `code: "E_TRAPPED"`, and every object is rebuilt from its source on its next
// use — so models and pipelines loaded before the trap keep predicting, in the same page.
//
//   import { createRuntime } from 'mlcycle/resilient';
//   const rt = await createRuntime();            // or { module: wasmBytesOrModule }
//   const model = rt.model(onnxBytes);           // any `Model.fromBytes` options as 2nd argument
//   const pipeline = rt.pipeline(specJson);
//   model.predict(x, 1); pipeline.transform(record);
//
// Monitors made with `rt.monitor(...)` are restored from their last snapshot (taken every
// `snapshotEvery` changes). Registries and deployments are not rebuilt: reopen them after an
// `E_TRAPPED`.

const GLUE = new URL('./mlcycle.js', import.meta.url).href;

/** Compiles the wasm module from bytes, a URL, a `Response`, or the file beside this one. */
async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (source === undefined) source = new URL('./mlcycle_bg.wasm', import.meta.url);
  if (source instanceof URL || typeof source === 'string') {
    const url = new URL(source, import.meta.url);
    if (url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      return WebAssembly.compile(await readFile(url));
    }
    source = await fetch(url);
  }
  if (typeof Response === 'function' && source instanceof Response) {
    source = await source.arrayBuffer();
  }
  return WebAssembly.compile(source);
}

function trapped(cause) {
  const e = new Error(`the wasm instance trapped (${cause.message}); a fresh instance now serves and models and pipelines are rebuilt from their sources`);
  e.name = 'MlcycleError';
  e.code = 'E_TRAPPED';
  e.cause = cause;
  return e;
}

export class Runtime {
  #module;
  #glue = null;
  #spare = null;
  #spareLoading = null;
  #imports = 0;
  #generation = 0;
  /** Objects of trapped instances, kept so their finalizers never run on a broken instance. */
  #graveyard = [];
  /** Traps recovered from so far. */
  traps = 0;

  constructor(module) {
    this.#module = module;
  }

  /** Prepares a spare instance (its own copy of the JS glue, instantiated) for the next switch. */
  ready() {
    if (this.#spare) return Promise.resolve();
    if (!this.#spareLoading) {
      this.#imports += 1;
      this.#spareLoading = import(`${GLUE}?instance=${this.#imports}`)
        .then(async (glue) => {
          await glue.default({ module_or_path: this.#module });
          this.#spare = glue;
        })
        .finally(() => {
          this.#spareLoading = null;
        });
    }
    return this.#spareLoading;
  }

  /** Switches to the spare instance (synchronous), then prepares a new spare. */
  #switch() {
    const glue = this.#spare;
    this.#spare = null;
    this.#glue = glue;
    if (glue) this.#generation += 1;
    this.ready().catch(() => {});
  }

  /** The module namespace of the serving instance (its exports: `Model`, `Pipeline`, …). */
  get glue() {
    if (!this.#glue) this.#switch();
    if (!this.#glue) {
      throw trapped(new Error('no spare instance is ready yet (two traps in a row); await runtime.ready()'));
    }
    return this.#glue;
  }

  /** How many instances have served (1 until the first trap). */
  get generation() {
    return this.#generation;
  }

  /** Runs `fn(glue)`; a trap switches to a fresh instance and throws `E_TRAPPED`. */
  call(fn) {
    const glue = this.glue;
    try {
      return fn(glue);
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      this.traps += 1;
      this.#switch();
      throw trapped(e);
    }
  }

  /** A model (`Model.fromBytes(bytes, options)`) that survives traps. */
  model(bytes, options) {
    const copy = new Uint8Array(bytes);
    return this.#resilient((g) => g.Model.fromBytes(copy, options));
  }

  /** A precompiled model (`Model.fromNnef(bytes, options)`) that survives traps. */
  modelFromNnef(bytes, options) {
    const copy = new Uint8Array(bytes);
    return this.#resilient((g) => g.Model.fromNnef(copy, options));
  }

  /** A feature pipeline (`Pipeline.fromJson(spec)`) that survives traps. */
  pipeline(spec) {
    const text = typeof spec === 'string' ? spec : JSON.stringify(spec);
    return this.#resilient((g) => g.Pipeline.fromJson(text));
  }

  /**
   * A monitor (`new Monitor(reference, config, salt)`) that survives traps: it is snapshotted
   * every `snapshotEvery` calls that change it (default 100) and, after a trap, restored from
   * the last snapshot (what it saw since then is lost; `snapshotEvery: 1` loses nothing).
   */
  monitor(reference, config, salt, { snapshotEvery = 100 } = {}) {
    const ref = typeof reference === 'string' ? reference : JSON.stringify(reference);
    const cfg = config === undefined || typeof config === 'string' ? config : JSON.stringify(config);
    let last = null;
    let calls = 0;
    const every = Math.max(1, Math.floor(snapshotEvery));
    const changes = new Set(['observe', 'observeBatch', 'observeError', 'feedback', 'evaluate', 'merge', 'drainEvents']);
    return this.#resilient(
      (g) => (last === null ? new g.Monitor(ref, cfg, salt) : g.Monitor.restore(last)),
      (monitor, method) => {
        if (!changes.has(method)) return;
        calls += 1;
        if (calls % every === 0) last = monitor.snapshot();
      },
      (monitor) => { last = monitor.snapshot(); },
    );
  }

  /** Traps the serving instance on purpose (for tests of this recovery). */
  debugTrap() {
    return this.call((g) => g.debugTrap());
  }

  #resilient(make, after = null, created = null) {
    let inner = null;
    let generation = -1;
    const current = () => {
      if (generation !== this.#generation) {
        if (inner) this.#graveyard.push(inner);
        inner = make(this.glue);
        generation = this.#generation;
      }
      return inner;
    };
    this.call(current);
    if (created) this.call(() => created(current()));
    const runtime = this;
    return new Proxy(Object.create(null), {
      get(_, prop) {
        if (prop === 'then') return undefined;
        const value = runtime.call(() => current()[prop]);
        if (typeof value !== 'function') return value;
        return (...args) => runtime.call(() => {
          const obj = current();
          const out = obj[prop](...args);
          if (after) after(obj, prop);
          return out;
        });
      },
    });
  }
}

/**
 * Instantiates mlcycle with trap recovery. `module`: the wasm as bytes, a URL, a `Response` or a
 * compiled `WebAssembly.Module` (default: `mlcycle_bg.wasm` beside this file).
 */
export async function createRuntime({ module } = {}) {
  const runtime = new Runtime(await compile(module));
  await runtime.ready();
  runtime.glue; // instantiate now
  await runtime.ready();
  return runtime;
}
