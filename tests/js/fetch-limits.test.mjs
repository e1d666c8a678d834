// Bounded fetching from JS against hostile servers: a manifest that never comes (timeout), one
// that never ends and one that declares too much (size cap), an artifact longer than the
// manifest says (cut off at its declared size) — each a prompt E_FETCH, never a pending
// promise or unbounded memory — and a deployment whose refresh hits a hanging server keeps
// serving with zero failed predictions. Needs pkg/ and demo-registry/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import mlcycle from './load.mjs';

const { Registry } = mlcycle;
const REG = fileURLToPath(new URL('../../demo-registry/', import.meta.url));
const GENTOO = { island: 'Biscoe', sex: 'male', bill_length_mm: 50.7, bill_depth_mm: 15.0, flipper_length_mm: 223.0, body_mass_g: 5550.0 };
const state = { hang: false, padModel: false };
const open = new Set();
let server, base;

before(async () => {
  server = http.createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/hang/manifest.json' || (state.hang && path.startsWith('/reg/'))) {
      open.add(res); // never answered
      return;
    }
    if (path === '/endless/manifest.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => { while (res.write(chunk)) { /* fill the socket */ } };
      res.on('drain', pump);
      res.on('close', () => res.off('drain', pump));
      pump();
      return;
    }
    if (path === '/declared/manifest.json') {
      res.writeHead(200, { 'content-length': String(1 << 30) });
      res.flushHeaders();
      open.add(res);
      return;
    }
    if (path.startsWith('/reg/')) {
      try {
        let body = await readFile(join(REG, normalize(path.slice(5))));
        if (state.padModel && path.endsWith('model.nnef.tar')) body = Buffer.concat([body, Buffer.alloc(1 << 20)]);
        res.writeHead(200).end(body);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections?.();
  await new Promise((ok) => server.close(ok));
});

async function rejectsWithin(promise, ms, pattern) {
  const t0 = performance.now();
  await assert.rejects(promise, (e) => e instanceof Error && e.code === 'E_FETCH' && pattern.test(e.message));
  const took = performance.now() - t0;
  assert.ok(took < ms, `took ${took} ms`);
}

test('a manifest that never comes times out', async () => {
  await rejectsWithin(Registry.load(`${base}/hang/manifest.json`, { timeoutMs: 300 }), 3000, /timeout/);
  await assert.rejects(Registry.load(`${base}/hang/manifest.json`, { timeoutMs: -1 }), (e) => e.code === 'E_INVALID_ARGUMENT');
});

test('a manifest that never ends, or declares a gigabyte, is cut off at the cap', async () => {
  const before = process.memoryUsage().rss;
  await rejectsWithin(Registry.load(`${base}/endless/manifest.json`), 10000, /larger than the 16777216 bytes/);
  assert.ok(process.memoryUsage().rss - before < 256 << 20, 'memory stays bounded');
  await rejectsWithin(Registry.load(`${base}/declared/manifest.json`), 3000, /larger than/);
});

test('an artifact longer than declared is cut off; a hanging refresh keeps serving', async () => {
  const reg = await Registry.load(`${base}/reg/manifest.json`, { timeoutMs: 500 });
  state.padModel = true;
  await rejectsWithin(reg.open('penguins', { version: '1.1.0' }), 5000, /larger than the \d+ bytes/);
  state.padModel = false;
  const d = await reg.open('penguins', { alias: 'production' });
  state.hang = true;
  const pending = d.refresh();
  let failed = 0;
  for (let i = 0; i < 200; i++) { try { d.predict(GENTOO); } catch { failed++; } }
  const result = await pending;
  state.hang = false;
  assert.equal(result.error?.code, 'E_FETCH', JSON.stringify(result));
  assert.match(result.error.message, /timeout/);
  assert.equal(result.version, '1.0.0');
  for (let i = 0; i < 200; i++) { try { d.predict(GENTOO); } catch { failed++; } }
  assert.equal(failed, 0);
});
