// Error states (registry unreachable, tampered artifact), keyboard navigation of the tabs, dark
// scheme and a narrow viewport.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OUT, ROOT, openPage, ready, screenshot, setup, tamperedRegistry } from './helpers.mjs';

let env;
const TAMPERED = join(OUT, 'tampered-registry');
before(async () => {
  env = await setup();
  await tamperedRegistry(TAMPERED);
});
after(async () => { await env?.close(); await rm(TAMPERED, { recursive: true, force: true }); });

test('a tampered artifact shows E_INTEGRITY with its URL and says to republish', async () => {
  const { page, errors, context } = await openPage(env, '/www/index.html?registry=/test-output/e2e/tampered-registry/manifest.json&version=1.0.0#registry');
  await page.waitForSelector('body[data-state=error][data-error-code=E_INTEGRITY]');
  const text = await page.textContent('#fatal');
  assert.match(text, /E_INTEGRITY/);
  assert.match(text, /tampered-registry\/penguins\/1\.0\.0\/model\.nnef\.tar/);
  assert.match(text, /modified/);
  assert.match(text, /[Rr]epublish/);
  await page.waitForSelector('#reg-versions tr[data-version="1.0.0"][data-integrity=failed]');
  assert.match(await page.textContent('#reg-versions tr[data-version="1.0.0"]'), /E_INTEGRITY/);
  // The untouched version still verifies and can be pinned.
  await page.click('#reg-choice button[data-choice=version][data-value="1.1.0"]');
  await page.waitForSelector('body[data-state=ready][data-version="1.1.0"]');
  assert.equal(await page.isHidden('#fatal'), true);
  // Recovery without a reload: validation and monitoring work with the pinned version.
  await page.click('#tab-validation');
  assert.equal(await page.isEnabled('#val-run'), true, 'validation usable after the pin');
  assert.equal(await page.inputValue('#val-version'), '1.1.0');
  assert.equal(await page.textContent('#val-run'), 'Validate 1.1.0 (serving)');
  await page.click('#val-run');
  await page.waitForSelector('#val-summary[data-version="1.1.0"]');
  await page.click('#tab-monitor');
  assert.equal(await page.isEnabled('#sim-start'), true, 'monitoring usable after the pin');
  assert.equal(await page.isHidden('#mon-body'), false);
  await page.click('#tab-registry');
  await page.click('#reg-choice button[data-choice=version][data-value="1.0.0"]');
  await page.waitForSelector('body[data-state=error]');
  // A failed pin after a working one leaves nothing serving: the panels say so, not the old version.
  await page.waitForSelector('#panel-validation[data-ready=unavailable]', { state: 'attached' });
  assert.equal(await page.isDisabled('#val-run'), true);
  assert.match(await page.textContent('#val-run'), /^Validate 1\.1\.0$/, 'no longer "(serving)"');
  assert.match(await page.textContent('#val-out'), /No deployment/);
  assert.equal(await page.isDisabled('#sim-start'), true);
  await screenshot(page, 'integrity-error');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an unreachable registry says to run `make demo`', async () => {
  const { page, errors, context } = await openPage(env, '/www/index.html?registry=/no-such-registry/manifest.json');
  await page.waitForSelector('body[data-state=error]');
  const text = await page.textContent('#fatal');
  assert.match(text, /E_FETCH/);
  assert.match(text, /make demo/);
  assert.equal(await page.getAttribute('#panel-registry', 'data-ready'), 'error');
  await screenshot(page, 'registry-unreachable');
  // Only the browser's own log line for the 404 itself.
  assert.deepEqual(errors.filter((e) => !/Failed to load resource.*404/.test(e)), []);
  await context.close();
});

test('tabs work from the keyboard; dark scheme and a phone-sized viewport render', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  const { page, errors } = await openPage(env, '/www/index.html?version=1.0.0', { context });
  await ready(page);
  await page.waitForSelector('#panel-playground[data-ready=true]');
  await page.focus('#tab-playground');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('#tab-registry', 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-registry');
  assert.equal(await page.isVisible('#panel-registry'), true);
  assert.equal(await page.isHidden('#panel-playground'), true);
  await page.keyboard.press('End');
  assert.equal(await page.getAttribute('#tab-monitor', 'aria-selected'), 'true');
  await page.keyboard.press('Home');
  assert.equal(await page.getAttribute('#tab-playground', 'aria-selected'), 'true');
  // Every form control has a label.
  const unlabeled = await page.$$eval('#pg-form input, #pg-form select, #sim-form input, #sim-form select', (els) => els.filter((e) => !e.labels?.length).map((e) => e.id));
  assert.deepEqual(unlabeled, []);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, 'rgb(247, 248, 250)', 'dark scheme applied');
  const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 1, `no horizontal scroll on a phone (${overflow}px)`);
  await screenshot(page, 'playground-dark-phone');
  await page.click('#tab-monitor');
  await page.waitForSelector('#panel-monitor[data-ready=true]');
  for (const tab of ['registry', 'validation', 'monitor']) {
    await page.click(`#tab-${tab}`);
    const o = await page.evaluate(() => document.scrollingElement.scrollWidth - innerWidth);
    assert.ok(o <= 1, `${tab}: no horizontal scroll on a phone (${o}px)`);
  }
  await screenshot(page, 'monitor-dark-phone');
  assert.deepEqual(errors, []);
  await context.close();
});

test('`mlcycle serve --index www/index.html` serves the demo at /', async (t) => {
  const cli = join(ROOT, 'target/debug/mlcycle');
  if (!existsSync(cli)) { t.skip('target/debug/mlcycle not built'); return; }
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(cli, ['serve', '--root', '.', '--port', String(port), '--index', 'www/index.html'], { cwd: ROOT, stdio: 'ignore' });
  try {
    const url = `http://127.0.0.1:${port}/`;
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(url)).ok) break; } catch { /* not listening yet */ }
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const context = await env.browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector('#pg-result[data-label=Gentoo]', { timeout: 60_000 });
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    child.kill();
  }
});
