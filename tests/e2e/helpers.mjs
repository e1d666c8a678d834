// Shared setup for the demo's end-to-end tests: the repo root over HTTP, Debian's Chromium,
// pages that collect console errors, screenshots in test-output/e2e/.
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../js/static-server.mjs';
import { launch } from '../js/browser.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OUT = fileURLToPath(new URL('../../test-output/e2e/', import.meta.url));
export const TIMEOUT = 60_000;

export async function setup() {
  await mkdir(OUT, { recursive: true });
  const server = await serve(ROOT);
  const browser = await launch();
  return {
    server,
    browser,
    async close() { await browser.close(); await server.close(); },
  };
}

/** A fresh context (empty localStorage) and page; `errors` collects console errors and page errors. */
export async function openPage(env, path, { context } = {}) {
  const ctx = context ?? (await env.browser.newContext({ viewport: { width: 1280, height: 900 } }));
  const page = await ctx.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`${env.server.url}${path}`);
  return { page, errors, context: ctx };
}

/** Waits until the app opened a deployment (body[data-state=ready]) or failed. */
export async function ready(page) {
  await page.waitForSelector('body[data-state=ready], body[data-state=error]');
  const state = await page.getAttribute('body', 'data-state');
  if (state === 'error') throw new Error(`app error: ${await page.textContent('#fatal')}`);
}

export async function screenshot(page, name) {
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage: true });
}

/** Sets a range/number/select value the way a user would (fires input + change). */
export async function setValue(page, selector, value) {
  await page.$eval(selector, (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, String(value));
}

/** A copy of demo-registry/ at `dir` whose 1.0.0 precompiled model has one flipped byte
 *  (E_INTEGRITY when opened); 1.1.0 stays intact. */
export async function tamperedRegistry(dir) {
  await rm(dir, { recursive: true, force: true });
  await cp(join(ROOT, 'demo-registry'), dir, { recursive: true });
  const model = join(dir, 'penguins', '1.0.0', 'model.nnef.tar');
  const bytes = await readFile(model);
  bytes[bytes.length - 5] ^= 0x01;
  await writeFile(model, bytes);
}

/** Runs the monitoring panel's simulator to `rows` rows as fast as it goes, with body mass
 *  shifted by `mass` %, `feedback` % labelled and optionally malformed records; waits for it. */
export async function simulate(page, { rows, mass = 0, feedback = 30, malformed = false }) {
  await page.selectOption('#sim-rate', 'fast');
  await page.fill('#sim-limit', String(rows));
  await setValue(page, '#sim-mass', mass);
  await setValue(page, '#sim-feedback', feedback);
  if (malformed) await page.check('#sim-malformed');
  await page.click('#sim-start');
  await page.waitForSelector(`#sim-state[data-running=false][data-sent="${rows}"]`);
}
