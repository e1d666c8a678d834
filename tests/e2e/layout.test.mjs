// Every panel in its working states — desktop (1440×900) and phone (390×844), light and dark:
// axe-core (the engine of Lighthouse and the axe extension) finds no serious or critical
// violation, the page never scrolls sideways, the tab bar does not move while the status text
// changes; screenshots of every panel go to test-output/e2e/layout/.
// States: a deployment serving with the playground showing a range warning and a field error, a
// validation report sliced by sex and a comparison open, the monitor after drifted traffic with
// every feature's histogram open; and an E_INTEGRITY failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OUT, ROOT, ready, setup, simulate, tamperedRegistry, TIMEOUT } from './helpers.mjs';

const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');
const SHOTS = join(OUT, 'layout');
const TAMPERED = join(OUT, 'layout-tampered-registry');
const VIEWPORTS = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } };
const PANELS = ['playground', 'registry', 'validation', 'monitor'];

let env;
before(async () => {
  env = await setup();
  await mkdir(SHOTS, { recursive: true });
  await tamperedRegistry(TAMPERED);
});
after(async () => { await env?.close(); await rm(TAMPERED, { recursive: true, force: true }); });

async function open(viewport, scheme, path) {
  const context = await env.browser.newContext({ viewport: VIEWPORTS[viewport], colorScheme: scheme });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  // The tab bar's position at every change of the status line, from the first paint on.
  await page.addInitScript(() => {
    window.__tabTops = [];
    document.addEventListener('DOMContentLoaded', () => {
      const status = document.getElementById('status');
      const tabs = document.getElementById('tabs');
      const note = () => window.__tabTops.push({ top: tabs.getBoundingClientRect().top, text: status.textContent });
      note();
      new MutationObserver(note).observe(status, { childList: true, characterData: true, subtree: true });
    });
  });
  await page.goto(`${env.server.url}${path}`);
  return { context, page, errors };
}

/** axe-core on the whole document (hidden panels are skipped by axe): serious and critical only. */
async function axe(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}`);
  });
}

async function overflow(page) {
  const w = page.viewportSize().width;
  assert.equal(await page.evaluate(() => window.innerWidth), w, 'layout viewport = the device width');
  return page.evaluate(() => {
    const w = document.documentElement.scrollWidth - window.innerWidth;
    if (w <= 0) return null;
    // name the widest offenders to make a failure actionable
    const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && e.offsetParent !== null && !e.closest('.table-wrap'))
      .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`);
    return `scrollWidth exceeds innerWidth by ${w}px: ${wide.join(', ')}`;
  });
}

async function checkPanels(page, label, problems) {
  for (const panel of PANELS) {
    await page.click(`#tab-${panel}`);
    await page.waitForSelector(`#panel-${panel}:not([hidden])`);
    await page.waitForTimeout(150); // let a refresh triggered by the tab switch paint
    const o = await overflow(page);
    if (o) problems.push(`${label} ${panel}: ${o}`);
    for (const v of await axe(page)) problems.push(`${label} ${panel}: ${v}`);
    await page.screenshot({ path: join(SHOTS, `${label}-${panel}.png`), fullPage: true });
  }
}

/** A serving deployment with a validation report, a comparison and a drifted monitor open. */
async function working(page) {
  await ready(page);
  // Playground with a warning and an error showing: an out-of-range value, a non-number.
  await page.waitForSelector('#panel-playground[data-ready=true]');
  await page.fill('#pg-flipper_length_mm', '9999');
  await page.waitForSelector('#pg-warnings');
  await page.fill('#pg-body_mass_g', 'heavy');
  await page.waitForSelector('#err-body_mass_g[data-code=E_FEATURE_INVALID]');
  await page.click('#tab-validation');
  await page.click('#val-run');
  await page.waitForSelector('#panel-validation[data-ready=true] #val-summary');
  // sliced by sex (three slices, one of them small)
  await page.selectOption('#val-slice-field', 'sex');
  await page.waitForSelector('#val-slices tr[data-slice=female]');
  await page.click('#val-compare');
  await page.waitForSelector('#val-compare-out[data-ready=true]');
  await page.click('#tab-monitor');
  await simulate(page, { rows: 400, mass: 30, feedback: 50, malformed: true });
  await page.waitForSelector('#mon-drift tr[data-feature=body_mass_g][data-status=alert]');
  const names = await page.$$eval('#mon-drift [data-toggle]', (bs) => bs.map((b) => b.dataset.toggle));
  for (const n of names) await page.click(`#mon-drift [data-toggle="${n}"][aria-expanded=false]`);
}

for (const viewport of Object.keys(VIEWPORTS)) {
  for (const scheme of ['light', 'dark']) {
    test(`${viewport} ${scheme}: every panel, working and after a failed open — no serious axe violation, no sideways scroll`, async () => {
      const problems = [];
      const { context, page, errors } = await open(viewport, scheme, '/www/index.html?version=1.0.0');
      await working(page);
      await checkPanels(page, `${viewport}-${scheme}`, problems);
      // The tab bar stayed put through every status text (downloading, opening, ready, validating).
      const tops = await page.evaluate(() => window.__tabTops);
      assert.ok(tops.length >= 3, JSON.stringify(tops));
      assert.deepEqual([...new Set(tops.map((t) => Math.round(t.top)))].length, 1, `the tab bar moved: ${JSON.stringify(tops)}`);
      assert.deepEqual(errors, []);
      await context.close();

      const failed = await open(viewport, scheme, '/www/index.html?registry=/test-output/e2e/layout-tampered-registry/manifest.json&version=1.0.0');
      await failed.page.waitForSelector('body[data-state=error][data-error-code=E_INTEGRITY]');
      await failed.page.waitForSelector('#reg-versions tr[data-version="1.0.0"][data-integrity=failed]', { state: 'attached' });
      await checkPanels(failed.page, `${viewport}-${scheme}-integrity-error`, problems);
      await failed.context.close();
      assert.deepEqual(problems, []);
    });
  }
}

test('the axe check can fail: a planted unnamed button and low-contrast text are reported', async () => {
  const { context, page } = await open('desktop', 'light', '/www/index.html?version=1.0.0');
  await ready(page);
  await page.evaluate(() => {
    document.querySelector('#panel-playground .card').insertAdjacentHTML('beforeend', '<button type="button" id="planted"></button><p style="color:#bbb;background:#fff">faint text</p>');
  });
  const found = (await axe(page)).join('\n');
  assert.match(found, /button-name/);
  assert.match(found, /color-contrast/);
  await context.close();
});

test('phone: the key columns are on screen without scrolling sideways', async () => {
  const { context, page } = await open('phone', 'light', '/www/index.html?version=1.0.0#registry');
  await ready(page);
  await page.waitForSelector('#reg-versions tr[data-version="1.0.0"][data-integrity=verified]');
  const inView = async (sel) => {
    const r = await page.$eval(sel, (e) => JSON.parse(JSON.stringify(e.getBoundingClientRect())));
    const w = await page.evaluate(() => window.innerWidth);
    assert.ok(r.width > 0 && r.left >= 0 && r.right <= w, `${sel}: ${JSON.stringify(r)} in ${w}`);
    return true;
  };
  assert.ok(await inView('#reg-versions tr[data-version="1.0.0"] td:nth-child(2) .badge'), 'integrity visible');
  assert.equal(await page.isVisible('#panel-registry .table-hint'), true, 'the sideways scroll is announced');
  await page.click('#tab-monitor');
  await simulate(page, { rows: 200 });
  await page.waitForSelector('#mon-drift tr[data-feature=body_mass_g]');
  const psiCol = await page.$$eval('#mon-drift thead th', (ths) => ths.findIndex((t) => t.textContent === 'PSI') + 1);
  assert.ok(await inView(`#mon-drift tr[data-feature=body_mass_g] td:nth-child(${psiCol})`), 'PSI visible');
  // Chart text stays readable: ≥ 11 px as drawn.
  // Queried and measured in one evaluation: the live view re-renders these charts every second,
  // and an element detached between $$eval's two round trips measures 0 (as in monitor-views).
  const sizes = await page.evaluate(() => [...document.querySelectorAll('#mon-rate svg text, #mon-classes svg text')].map((t) => t.getBoundingClientRect().height).filter((h) => h > 0));
  assert.ok(sizes.length && Math.min(...sizes) >= 11, `chart text heights ${sizes}`);
  await context.close();
});
