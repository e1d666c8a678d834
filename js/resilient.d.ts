// Types of resilient.js: trap recovery for mlcycle (see that file).
import type * as glue from './mlcycle.js';

type Bytes = Uint8Array | ArrayBuffer;
type ModelOptions = string[] | { labels?: string[]; maxBytes?: number };

/** Instantiates mlcycle and rebuilds models and pipelines after a trap. */
export class Runtime {
  /** Traps recovered from so far. */
  readonly traps: number;
  /** How many instances have served (1 until the first trap). */
  readonly generation: number;
  /** The serving instance's exports. */
  readonly glue: typeof glue;
  /** Resolves when a spare instance is ready (one is prepared after each switch). */
  ready(): Promise<void>;
  /** Runs `fn` on the serving instance; a trap switches instances and throws `E_TRAPPED`. */
  call<T>(fn: (g: typeof glue) => T): T;
  /** `Model.fromBytes(bytes, options)`, rebuilt after a trap. */
  model(bytes: Bytes, options?: ModelOptions): glue.Model;
  /** `Model.fromNnef(bytes, options)`, rebuilt after a trap. */
  modelFromNnef(bytes: Bytes, options?: ModelOptions): glue.Model;
  /** `Pipeline.fromJson(spec)`, rebuilt after a trap. */
  pipeline(spec: string | object): glue.Pipeline;
  /** `new Monitor(reference, config, salt)`, restored from its last snapshot after a trap. */
  monitor(
    reference: string | object,
    config?: string | object,
    salt?: string,
    options?: { snapshotEvery?: number },
  ): glue.Monitor;
  /** Traps the serving instance on purpose (tests of this recovery). */
  debugTrap(): void;
}

/** `module`: the wasm as bytes, a URL, a `Response` or a compiled module (default: beside this file). */
export function createRuntime(options?: {
  module?: WebAssembly.Module | ArrayBuffer | ArrayBufferView | URL | string | Response;
}): Promise<Runtime>;
