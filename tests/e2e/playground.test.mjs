// End-to-end tests of the playground's honesty marks: values outside the training range are
// flagged (next to the field and above the probabilities), empty fields say which value the
// pipeline imputes and which transformed features carry it, and the page fits a phone.
// Expected values come from the published artifacts (features.json, reference.json), not from
// the page, so a wrong lookup in playground.js fails here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, openPage, ready, screenshot, setup } from './helpers.mjs';

const VERSION = '1.0.0';
const artifact = (name) => JSON.parse(readFileSync(join(ROOT, 'demo-registry/penguins', VERSION, name), 'utf8'));
const SPEC = artifact('features.json');
const REFERENCE = artifact('reference.json');
const range = (field) => REFERENCE.fields.find((f) => f.name === field).numeric;
/** The value the spec's `impute` transform puts in for a raw field. */
function statistic(field) {
  const t = SPEC.transforms.find((t) => t.op === 'impute' && t.inputs.includes(field));
  return t.params.statistics[t.inputs.indexOf(field)];
}
// Test row 221 (Gentoo), every value inside the training range.
const ROW = { island: 'Biscoe', sex: 'male', bill_length_mm: '50.7', bill_depth_mm: '15.0', flipper_length_mm: '223', body_mass_g: '5550' };

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

async function openPlayground(options) {
  const opened = await openPage(env, `/www/index.html?version=${VERSION}`, options);
  await ready(opened.page);
  await opened.page.waitForSelector('#panel-playground[data-ready=true]');
  return opened;
}

async function fillRow(page, row) {
  for (const [k, v] of Object.entries(row)) {
    if (k === 'island' || k === 'sex') await page.selectOption(`#pg-${k}`, v);
    else await page.fill(`#pg-${k}`, v);
  }
  await page.waitForSelector('#pg-result[data-label]');
}

const featureRows = (page) => page.$$eval('#pg-features tbody tr', (trs) => trs.map((tr) => ({
  name: tr.querySelector('code')?.textContent,
  value: Number(tr.querySelector('td.num')?.textContent),
  imputed: tr.dataset.imputed === 'true',
  badge: tr.querySelector('.badge')?.textContent ?? null,
})));

test('a value outside the training range is flagged at the field and above the probabilities', async () => {
  const { page, errors, context } = await openPlayground();
  await fillRow(page, ROW);
  assert.equal(await page.$('#pg-warnings'), null, 'in range: no callout');
  assert.equal(await page.getAttribute('#pg-flipper_length_mm', 'data-out-of-range'), null);
  assert.equal(await page.textContent('#warn-flipper_length_mm'), '');

  const { min, max } = range('flipper_length_mm');
  await page.fill('#pg-flipper_length_mm', '9999');
  await page.waitForSelector('#pg-warnings[data-fields=flipper_length_mm]');
  const callout = (await page.textContent('#pg-warnings')).replace(/\s+/g, ' ');
  assert.ok(callout.includes(`flipper_length_mm = 9999 is outside the training range ${min} – ${max}: the model extrapolates; treat this prediction with caution`), callout);
  // The prediction is still shown, under the callout.
  assert.ok(await page.getAttribute('#pg-result', 'data-label'));
  assert.equal((await page.$$('#pg-result [data-class]')).length, 3);
  assert.ok(await page.$eval('#pg-warnings', (w) => Boolean(w.compareDocumentPosition(document.querySelector('#pg-result [role=list]')) & Node.DOCUMENT_POSITION_FOLLOWING)), 'callout above the probabilities');
  assert.ok(await page.$eval('#pg-warnings', (w) => Boolean(w.closest('[aria-live=polite]'))), 'announced politely');
  // At the field: visible text, linked to the input.
  assert.equal(await page.getAttribute('#pg-flipper_length_mm', 'data-out-of-range'), 'true');
  assert.ok(await page.isVisible('#warn-flipper_length_mm'));
  assert.match(await page.textContent('#warn-flipper_length_mm'), new RegExp(`outside the training range ${min} – ${max}`));
  assert.ok((await page.getAttribute('#pg-flipper_length_mm', 'aria-describedby')).split(' ').includes('warn-flipper_length_mm'));
  await screenshot(page, 'playground-out-of-range');

  // Every out-of-range field is listed, below the minimum too.
  await page.fill('#pg-body_mass_g', '100');
  await page.waitForSelector('#pg-warnings[data-fields="flipper_length_mm body_mass_g"]');
  const both = await page.textContent('#pg-warnings');
  assert.match(both, /flipper_length_mm = 9999/);
  assert.ok(both.includes(`body_mass_g = 100 is outside the training range ${range('body_mass_g').min} – ${range('body_mass_g').max}`), both);
  assert.equal(await page.getAttribute('#pg-body_mass_g', 'data-out-of-range'), 'true');

  // Corrected values: the warnings go away.
  await page.fill('#pg-flipper_length_mm', String(max));
  await page.fill('#pg-body_mass_g', '5550');
  await page.waitForSelector('#pg-warnings', { state: 'detached' });
  assert.equal(await page.getAttribute('#pg-flipper_length_mm', 'data-out-of-range'), null, 'the maximum itself is in range');
  assert.equal(await page.textContent('#warn-flipper_length_mm'), '');
  assert.equal(await page.isVisible('#warn-flipper_length_mm'), false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a category the training data never saw is flagged', async () => {
  const { page, errors, context } = await openPlayground();
  await fillRow(page, ROW);
  // The demo's encoder lists exactly the training categories; a spec whose form offers another
  // one (a declared category never seen in training) is simulated by adding an option.
  await page.$eval('#pg-island', (s) => s.add(new Option('Anvers', 'Anvers')));
  await page.selectOption('#pg-island', 'Anvers');
  await page.waitForSelector('#pg-warnings[data-fields=island]');
  assert.match(await page.textContent('#pg-warnings'), /island = "Anvers" is a category never seen in training \(seen: Biscoe, Dream, Torgersen\): the model extrapolates/);
  assert.equal(await page.getAttribute('#pg-island', 'data-out-of-range'), 'true');
  assert.ok(await page.getAttribute('#pg-result', 'data-label'), 'still predicts (one_hot ignores unknown categories)');
  await page.selectOption('#pg-island', 'Dream');
  await page.waitForSelector('#pg-warnings', { state: 'detached' });
  assert.equal(await page.getAttribute('#pg-island', 'data-out-of-range'), null);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an empty field shows the value the pipeline imputes, and the features computed from it', async () => {
  const { page, errors, context } = await openPlayground();
  await fillRow(page, ROW);
  assert.ok((await featureRows(page)).every((r) => !r.imputed), 'nothing imputed');
  assert.equal(await page.textContent('#imp-body_mass_g'), '');

  // Empty numeric field → the spec's statistic, marked in the form and in its output row.
  const mass = statistic('body_mass_g');
  await page.fill('#pg-body_mass_g', '');
  await page.waitForSelector('#imp-body_mass_g[data-fill]');
  assert.equal(await page.textContent('#imp-body_mass_g'), `imputed: ${mass}`);
  assert.ok(await page.isVisible('#imp-body_mass_g'));
  assert.equal(await page.getAttribute('#pg-body_mass_g', 'data-imputed'), 'true');
  assert.ok((await page.getAttribute('#pg-body_mass_g', 'aria-describedby')).split(' ').includes('imp-body_mass_g'));
  let rows = await featureRows(page);
  assert.deepEqual(rows.filter((r) => r.imputed).map((r) => r.name), ['num__body_mass_g']);
  const massRow = rows.find((r) => r.name === 'num__body_mass_g');
  assert.equal(massRow.badge, 'imputed', 'visible text, not colour only');
  const scaler = SPEC.transforms.find((t) => t.op === 'standard_scaler');
  const k = scaler.inputs.findIndex((c) => c.endsWith('body_mass_g'));
  assert.ok(Math.abs(massRow.value - (mass - scaler.params.mean[k]) / scaler.params.scale[k]) < 1e-4, 'the row holds the standardized statistic');
  await screenshot(page, 'playground-imputed');

  // Typing a value again removes the marks.
  await page.fill('#pg-body_mass_g', '4000');
  await page.waitForSelector('#imp-body_mass_g:not([data-fill])', { state: 'attached' });
  assert.equal(await page.textContent('#imp-body_mass_g'), '');
  assert.equal(await page.getAttribute('#pg-body_mass_g', 'data-imputed'), null);
  assert.ok((await featureRows(page)).every((r) => !r.imputed));

  // Missing categorical → every one-hot output of that field is marked.
  await page.selectOption('#pg-sex', '');
  await page.waitForSelector('#imp-sex[data-fill]');
  assert.equal(await page.textContent('#imp-sex'), `imputed: ${statistic('sex')}`);
  rows = await featureRows(page);
  assert.deepEqual(rows.filter((r) => r.imputed).map((r) => r.name), ['cat__sex_female', 'cat__sex_male']);
  assert.ok(rows.filter((r) => r.imputed).every((r) => r.badge === 'imputed'));
  await page.selectOption('#pg-sex', 'female');
  await page.waitForSelector('#imp-sex:not([data-fill])', { state: 'attached' });
  assert.ok((await featureRows(page)).every((r) => !r.imputed));
  assert.deepEqual(errors, []);
  await context.close();
});

/** WCAG contrast of an element's text colour on the card behind it. */
const contrastOf = (page, selector) => page.$eval(selector, (el) => {
  const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let bg = el;
  while (bg && getComputedStyle(bg).backgroundColor.match(/rgba\(.*, 0\)|transparent/)) bg = bg.parentElement;
  const [a, b] = [lum(getComputedStyle(el).color), lum(getComputedStyle(bg ?? document.body).backgroundColor)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
});

for (const colorScheme of ['light', 'dark']) {
  test(`on a 390×844 phone (${colorScheme}) the warnings fit the page width and stay readable`, async () => {
    const phone = await env.browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme });
    const { page, errors, context } = await openPlayground({ context: phone });
    await fillRow(page, ROW);
    await page.fill('#pg-flipper_length_mm', '9999');
    await page.fill('#pg-body_mass_g', '');
    await page.waitForSelector('#pg-warnings[data-fields=flipper_length_mm]');
    await page.waitForSelector('#imp-body_mass_g[data-fill]');
    assert.ok(await page.isVisible('#pg-warnings'));
    assert.ok(await page.isVisible('#warn-flipper_length_mm'));
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    assert.ok(scrollWidth <= innerWidth, `page ${scrollWidth}px wide in a ${innerWidth}px viewport`);
    for (const sel of ['#pg-warnings strong', '#pg-warnings p', '#warn-flipper_length_mm', '#imp-body_mass_g', '#pg-features tr[data-imputed] .badge']) {
      const ratio = await contrastOf(page, sel);
      assert.ok(ratio >= 4.5, `${sel}: contrast ${ratio.toFixed(2)} < 4.5 (${colorScheme})`);
    }
    await screenshot(page, `playground-warnings-phone-${colorScheme}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
