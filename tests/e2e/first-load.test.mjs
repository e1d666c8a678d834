// First load of the demo on a slow phone network (1.6 Mbps down, 150 ms RTT, through the
// Chrome DevTools Protocol), served by `mlcycle serve` as `make demo` does. Records the time to
// the first prediction with the wasm sent as brotli (what every browser gets) and, for the
// before/after comparison, with compression refused (`Accept-Encoding: identity`, i.e. a
// server that does not compress). Timing is printed, not asserted (benchmarks, not timed
// tests); what is asserted is why the first load is fast and honest:
// - the wasm arrives `Content-Encoding: br`, under a third of its size on the wire;
// - the status line shows the runtime download in MB (from `init({onProgress})`), then the
//   verified artifact download (from `registry.open(…, {onProgress})`);
// - the version's artifacts are on the wire together, and validation.json is not fetched
//   before the first prediction.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';
import { launch } from '../js/browser.mjs';

const BIN = process.env.MLCYCLE_BIN ?? join(ROOT, 'target/debug/mlcycle');
const SLOW_4G = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 0.75e6 / 8 };
let server;
let base;
let browser;

before(async () => {
  server = spawn(BIN, ['serve', '--root', ROOT, '--port', '0', '--index', 'www/index.html'], { stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise((ok, fail) => {
    server.stdout.once('data', (d) => {
      const m = /http:\/\/[^\s/]+/.exec(String(d));
      if (m) ok(m[0]); else fail(new Error(`no address in ${d}`));
    });
    server.once('exit', (code) => fail(new Error(`mlcycle serve exited with ${code}`)));
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** Opens the demo under throttling; returns time to first prediction and what happened. */
async function firstLoad(acceptEncoding) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.setDefaultTimeout(240_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
  if (acceptEncoding) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': acceptEncoding } });
  const requests = new Map(); // requestId → {url, start, end, encoding, wireBytes}
  cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, start: e.timestamp }));
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    if (r) r.encoding = h['content-encoding'] ?? 'identity';
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { end: e.timestamp, wireBytes: e.encodedDataLength });
  });
  await page.addInitScript(() => {
    window.__statuses = [];
    document.addEventListener('DOMContentLoaded', () => {
      const status = document.getElementById('status');
      window.__statuses.push(status.textContent);
      new MutationObserver(() => window.__statuses.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
    });
  });
  const t0 = performance.now();
  await page.goto(`${base}/`);
  await page.waitForSelector('#pg-result[data-label]');
  const ms = performance.now() - t0;
  const beforePrediction = [...requests.values()].map((r) => r.url);
  const version = await page.getAttribute('body', 'data-version');
  const statuses = await page.evaluate(() => window.__statuses);
  const label = await page.getAttribute('#pg-result', 'data-label');
  await context.close();
  return { ms, requests: [...requests.values()], beforePrediction, version, statuses, label };
}

test('first prediction on a slow phone network: brotli runtime, artifacts together, progress shown', async () => {
  const raw = (await stat(join(ROOT, 'pkg/mlcycle_bg.wasm'))).size;
  const br = (await stat(join(ROOT, 'pkg/mlcycle_bg.wasm.br'))).size;

  const identity = await firstLoad('identity');
  const compressed = await firstLoad(null);
  console.log(`time to first prediction, 1.6 Mbps / 150 ms RTT: identity ${(identity.ms / 1000).toFixed(1)} s, ` +
    `brotli ${(compressed.ms / 1000).toFixed(1)} s (wasm ${raw} B raw, ${br} B brotli)`);
  assert.ok(compressed.label && identity.label);

  const wasm = compressed.requests.find((r) => r.url.endsWith('/pkg/mlcycle_bg.wasm'));
  assert.equal(wasm?.encoding, 'br');
  assert.ok(wasm.wireBytes < raw / 3, `wasm on the wire: ${wasm.wireBytes} B of ${raw}`);
  const wasmIdentity = identity.requests.find((r) => r.url.endsWith('/pkg/mlcycle_bg.wasm'));
  assert.equal(wasmIdentity?.encoding, 'identity');

  const s = compressed.statuses.join('\n');
  // The total is the raw wasm (the package's WASM_BYTES), in MB as the page writes it.
  const total = (raw / 1e6).toFixed(1).replace('.', '\\.');
  assert.match(s, new RegExp(`Downloading the runtime: \\d+\\.\\d / ${total} MB`));
  assert.match(s, /Downloading and verifying penguins \d+\.\d+\.\d+: \d+ \/ \d+ kB/);

  const artifacts = compressed.requests.filter((r) => r.url.includes(`/demo-registry/penguins/${compressed.version}/`));
  const critical = artifacts.filter((r) => /(model\.nnef\.tar|features\.json|reference\.json|smoke\.json)$/.test(r.url));
  assert.equal(critical.length, 4, artifacts.map((r) => r.url).join('\n'));
  const lastStart = Math.max(...critical.map((r) => r.start));
  const firstEnd = Math.min(...critical.map((r) => r.end));
  assert.ok(lastStart < firstEnd, 'the artifacts were fetched one after another');
  const report = compressed.beforePrediction.filter((url) => url.endsWith('validation.json'));
  assert.deepEqual(report, [], 'validation.json was on the path to the first prediction');
});
