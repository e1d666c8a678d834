// A real workerd (npm `workerd`) on 127.0.0.1 runs examples/worker with the slim package (pkg-slim/), loads the demo
// registry over HTTP from another local server, and answers predictions; malformed JSON and
// invalid records get 400 with the error code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from './static-server.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
let server, worker, base, logs = '';

const freePort = () => new Promise((ok) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });

before(async () => {
  server = await serve();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  worker = spawn(`${root}node_modules/.bin/workerd`, ['serve', 'examples/worker/config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], {
    cwd: root,
    env: { ...process.env, REGISTRY_URL: `${server.url}/demo-registry/manifest.json`, PUBLIC_KEY: '' },
  });
  worker.stdout.on('data', (d) => { logs += d; });
  worker.stderr.on('data', (d) => { logs += d; });
  for (let i = 0; i < 100; i++) {
    try { await fetch(`${base}/nope`); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error(`workerd did not start:\n${logs}`);
});
after(async () => { worker?.kill(); await server?.close(); });

const post = (body) => fetch(`${base}/predict`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

test('workerd serves predictions from the registry', async () => {
  const r = await post(JSON.stringify({ island: 'Biscoe', sex: 'male', bill_length_mm: 50.7, bill_depth_mm: 15.0, flipper_length_mm: 223.0, body_mass_g: 5550.0 }));
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body) + logs);
  assert.equal(body.label, 'Gentoo');
  assert.equal(body.version, '1.0.0');
  const status = await (await fetch(`${base}/status`)).json();
  assert.equal(status.version, '1.0.0');
  assert.equal(status.predictions, 1);
  // The slim build served the version's precompiled NNEF artifact.
  assert.equal(status.build.flavor, 'slim');
  assert.equal(status.modelFormat, 'nnef');
  const monitor = await (await fetch(`${base}/monitor`)).json();
  assert.equal(monitor.telemetry.predictions, 1);
  assert.equal(monitor.version, '1.0.0');
  const otlp = await (await fetch(`${base}/monitor?format=otlp`)).json();
  assert.ok(otlp.resourceMetrics.length > 0);
});

test('malformed JSON and invalid records get 400 with the error code', async () => {
  let r = await post('{"island": ');
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'E_BAD_JSON');
  r = await post(JSON.stringify({ island: 'Biscoe', body_mass_g: 'heavy' }));
  assert.equal(r.status, 400);
  const e = (await r.json()).error;
  assert.equal(e.code, 'E_FEATURE_INVALID');
  assert.equal(e.field, 'body_mass_g');
  r = await post(JSON.stringify([1, 2]));
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'E_INVALID_ARGUMENT');
});
