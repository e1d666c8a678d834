// The package in three bundlers, offline, with the pinned devDependencies: a tiny app
// (tests/bundlers/app/) that imports `mlcycle` by name is built by Vite, webpack and esbuild,
// and each build predicts in Chromium. Nothing is copied by hand: Vite and webpack find and
// emit the wasm themselves (`init()` with no arguments); esbuild emits it through its `file`
// loader (`import wasmUrl from 'mlcycle/mlcycle_bg.wasm'`, the README's esbuild recipe).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, mkdir, readdir, rm, symlink, copyFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';
import webpack from 'webpack';
import { build as esbuild } from 'esbuild';
import { serve } from './static-server.mjs';
import { launch } from './browser.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
let dir;
let browser;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-bundlers-'));
  await cp(join(root, 'tests/bundlers'), dir, { recursive: true });
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  await symlink(join(root, 'pkg'), join(dir, 'node_modules/mlcycle'), 'dir');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Serves `out` (plus the model the app fetches) and runs the app in Chromium. */
async function runInChromium(out) {
  await copyFile(join(root, 'tests/data/penguins_logreg.onnx'), join(out, 'penguins_logreg.onnx'));
  const files = await readdir(out, { recursive: true });
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `the bundler emitted ${wasm.length} wasm files: ${files.join(', ')}`);
  assert.equal((await stat(join(out, wasm[0]))).size, (await stat(join(root, 'pkg/mlcycle_bg.wasm'))).size);
  const server = await serve(out);
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // wasm-bindgen falls back from streaming compilation with only a console warning.
  page.on('console', (m) => {
    if (m.location()?.url?.endsWith('/favicon.ico')) return; // the browser asks; the app has none
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.text()} (${m.location()?.url})`);
  });
  try {
    await page.goto(`${server.url}/index.html`);
    await page.waitForSelector('#out[data-label], #out[data-error]', { timeout: 60_000 });
    const d = await page.$eval('#out', (el) => ({ ...el.dataset }));
    assert.equal(d.error, undefined, `the app failed: ${d.error}`);
    assert.deepEqual(errors, []);
    return d;
  } finally {
    await page.close();
    await server.close();
  }
}

test('Vite builds an app that imports mlcycle and it predicts in Chromium', async () => {
  const out = join(dir, 'dist-vite');
  await viteBuild({
    root: join(dir, 'app'),
    configFile: false,
    logLevel: 'warn',
    base: './',
    build: { outDir: out, emptyOutDir: true, target: 'es2022' },
  });
  const d = await runInChromium(out);
  assert.equal(d.flavor, 'full');
  assert.ok(['Adelie', 'Chinstrap', 'Gentoo'].includes(d.label), d.label);
  assert.ok(Number(d.progress) >= 2, `progress events: ${d.progress}`);
  assert.equal(Number(d.loaded), (await stat(join(root, 'pkg/mlcycle_bg.wasm'))).size);
});

test('webpack builds an app that imports mlcycle and it predicts in Chromium', async () => {
  const out = join(dir, 'dist-webpack');
  const config = (await import(join(dir, 'webpack.config.mjs'))).default(out);
  const stats = await new Promise((ok, fail) => webpack(config, (err, s) => (err ? fail(err) : ok(s))));
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  await copyFile(join(dir, 'app/index.html'), join(out, 'index.html'));
  const d = await runInChromium(out);
  assert.equal(d.flavor, 'full');
  assert.ok(['Adelie', 'Chinstrap', 'Gentoo'].includes(d.label), d.label);
});

test('esbuild (file loader for the wasm) builds an app that imports mlcycle and it predicts in Chromium', async () => {
  const out = join(dir, 'dist-esbuild');
  await esbuild({
    absWorkingDir: dir,
    entryPoints: ['app/esbuild.js'],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outdir: out,
    loader: { '.wasm': 'file' },
    logLevel: 'warning',
  });
  await copyFile(join(dir, 'app/index.html'), join(out, 'index.html'));
  const html = join(out, 'index.html');
  const { readFile, writeFile } = await import('node:fs/promises');
  await writeFile(html, (await readFile(html, 'utf8')).replace('./main.js', './esbuild.js'));
  const d = await runInChromium(out);
  assert.equal(d.flavor, 'full');
  assert.ok(['Adelie', 'Chinstrap', 'Gentoo'].includes(d.label), d.label);
});
