# workerd config for the mlcycle edge example, on the slim edge package (pkg-slim/: NNEF-only,
# no ONNX parser; the registry's `nnef` artifacts, written by `mlcycle publish`, are what it
# loads). Run from the repository root after `make pkg`:
#   REGISTRY_URL=http://127.0.0.1:8080/demo-registry/manifest.json \
#     node_modules/.bin/workerd serve examples/worker/config.capnp --socket-addr http=127.0.0.1:8787
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mlcycleWorker),
    # The registry may live on this machine or a private network in tests and demos.
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const mlcycleWorker :Workerd.Worker = (
  modules = [
    (name = "worker", esModule = embed "worker.mjs"),
    (name = "workerd.js", esModule = embed "../../pkg-slim/workerd.js"),
    (name = "init.js", esModule = embed "../../pkg-slim/init.js"),
    (name = "mlcycle.js", esModule = embed "../../pkg-slim/mlcycle.js"),
    (name = "columns.js", esModule = embed "../../pkg-slim/columns.js"),
    (name = "mlcycle_bg.wasm", wasm = embed "../../pkg-slim/mlcycle_bg.wasm"),
  ],
  compatibilityDate = "2025-01-01",
  globalOutbound = "net",
  bindings = [
    (name = "REGISTRY_URL", fromEnvironment = "REGISTRY_URL"),
    (name = "PUBLIC_KEY", fromEnvironment = "PUBLIC_KEY"),
  ],
);
