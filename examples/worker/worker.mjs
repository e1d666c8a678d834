// An edge worker (Cloudflare workerd) serving predictions from a static mlcycle registry.
//   POST /predict   JSON record in → {id, label, probabilities, version, latencyMs}
//   GET  /status    the deployment's status (version, selection, model format, events) and the build
//   GET  /monitor   the isolate's monitoring report (drift, telemetry, alerts); ?format=otlp for OTLP/JSON
// Bad JSON or an invalid record → 400 {error: {code, message, field}}; server faults → 500.
// Uses the slim edge package (pkg-slim/, NNEF only): the registry's precompiled `nnef` artifacts.
// It imports the package's `workerd` entry (what `import … from 'mlcycle-slim'` resolves to
// under wrangler): the wasm arrives as a module binding (workerd forbids compiling raw bytes at
// run time), so `init()` needs no argument.
import init, { Registry, buildInfo } from './workerd.js';

let deployment; // one per isolate, opened on first use
async function getDeployment(env) {
  if (!deployment) {
    await init();
    const registry = await Registry.load(env.REGISTRY_URL, env.PUBLIC_KEY ? { publicKey: env.PUBLIC_KEY } : undefined);
    deployment = await registry.open(env.MODEL || 'penguins', { alias: env.ALIAS || 'production' });
  }
  return deployment;
}

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function errorResponse(e) {
  const client = typeof e?.code === 'string' && /^E_(FEATURE_INVALID|INVALID_ARGUMENT|INPUT_SHAPE|BAD_JSON)$/.test(e.code);
  return json({ error: { code: e?.code ?? 'E_INTERNAL', message: String(e?.message ?? e), field: e?.field ?? null } }, client ? 400 : 500);
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/predict' && request.method === 'POST') {
        let record;
        try {
          record = await request.json();
        } catch (e) {
          return errorResponse({ code: 'E_BAD_JSON', message: `request body is not JSON: ${e.message}` });
        }
        const d = await getDeployment(env);
        return json(d.predict(record));
      }
      if (url.pathname === '/monitor' && request.method === 'GET') {
        const d = await getDeployment(env);
        if (url.searchParams.get('format') === 'otlp') {
          return new Response(d.exportOtlp() ?? '{}', { headers: { 'content-type': 'application/json' } });
        }
        return json(d.monitor());
      }
      if (url.pathname === '/status' && request.method === 'GET') {
        return json({ ...(await getDeployment(env)).status(), build: buildInfo() });
      }
      return json({ error: { code: 'E_NOT_FOUND', message: `no route ${request.method} ${url.pathname}` } }, 404);
    } catch (e) {
      return errorResponse(e);
    }
  },
};
