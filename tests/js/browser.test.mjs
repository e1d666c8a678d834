// The package entry (pkg/index.js: what pages, workers and bundlers import) in headless Chromium: a page and a dedicated module Worker, each calling init() with no arguments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from './static-server.mjs';
import { launch } from './browser.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('pkg loads and predicts in a page and in a Web Worker', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/tests/js/pages/model.html`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
  const result = await page.evaluate(() => window.__result);
  assert.equal(result.error, undefined, result.error);
  for (const [where, r] of Object.entries({ page: result.page, worker: result.worker })) {
    assert.equal(r.error, undefined, `${where}: ${r.error}`);
    assert.equal(r.kind, 'classifier', where);
    assert.ok(r.inputsPlain, where);
    assert.ok(r.maxDiff <= 1e-5, `${where}: ${r.maxDiff}`);
    assert.deepEqual(r.corrupted, { isError: true, code: 'E_MODEL_INVALID', name: 'MlcycleError' }, where);
    assert.deepEqual(r.wrongWidth, { isError: true, code: 'E_INPUT_SHAPE', name: 'MlcycleError' }, where);
  }
  assert.equal(result.page.hasWindow, true);
  assert.equal(result.worker.hasWindow, false, 'the worker has no window and still works');
  assert.deepEqual(errors, []);
});

test('a page loads the demo registry over HTTP and predicts', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/tests/js/pages/registry.html`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
  const r = await page.evaluate(() => window.__result);
  assert.equal(r.error, undefined, `${r.code}: ${r.error}`);
  assert.equal(r.label, 'Gentoo');
  assert.equal(r.version, '1.0.0');
  assert.deepEqual(r.refreshed, { changed: false, version: '1.0.0', error: null });
  assert.equal(r.selection.model, 'penguins');
  assert.deepEqual(errors, []);
});
