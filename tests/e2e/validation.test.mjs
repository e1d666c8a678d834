// The validation panel explains itself (issue 16): intervals on the metrics, precision-recall
// curves, calibration bin counts, a slice picker with a minimum size, the ML Test Score beside the
// GO, and a comparison against production with paired-bootstrap deltas and disagreement counts.
// Needs pkg/ and demo-registry/ (`make test` builds them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, openPage, ready, screenshot, setup, setValue } from './helpers.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

const manifest = JSON.parse(await readFile(join(ROOT, 'demo-registry/manifest.json'), 'utf8'));
const PRODUCTION = manifest.models.penguins.aliases.production;
const near = (a, b, tol = 1e-9) => Math.abs(a - b) <= tol;

/** Wilson score interval, written out independently of the page's. */
function wilson(k, n) {
  const z = 1.959963984540054, p = k / n, d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z / d) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [c - h, c + h];
}

async function validate(page, version = PRODUCTION) {
  await ready(page);
  await page.selectOption('#val-version', version);
  await page.click('#val-run');
  await page.waitForSelector(`#panel-validation[data-ready=true] #val-summary[data-version="${version}"]`);
}

async function nums(page, selector, attrs) {
  return page.$eval(selector, (el, as) => Object.fromEntries(as.map((a) => [a, Number(el.dataset[a])])), attrs);
}

/** WCAG contrast ratio of an element's text colour against the card it sits on. */
async function contrast(page, selector) {
  return page.$eval(selector, (el) => {
    const rgb = (s) => s.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
    const fg = lum(rgb(getComputedStyle(el).color)), bg = lum(rgb(getComputedStyle(el.closest('.card')).backgroundColor));
    return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  });
}

test('one version: accuracy and F1 intervals, precision-recall curves, calibration counts, readiness beside the GO', async () => {
  const { page, errors, context } = await openPage(env, `/www/index.html?version=${PRODUCTION}#validation`);
  await validate(page);
  const report = await page.$eval('#val-out', (el) => el.report);

  // Wilson interval beside the accuracy, with the holdout size.
  const acc = Number(await page.getAttribute('#val-accuracy', 'data-value'));
  const ci = await nums(page, '#val-accuracy-ci', ['lo', 'hi', 'n']);
  assert.equal(ci.n, 104);
  const [lo, hi] = wilson(Math.round(acc * 104), 104);
  assert.ok(near(ci.lo, lo, 1e-12) && near(ci.hi, hi, 1e-12), `Wilson ${JSON.stringify(ci)} vs [${lo}, ${hi}]`);
  assert.ok(ci.lo <= acc && acc <= ci.hi);
  assert.match(await page.textContent('#val-accuracy-ci'), /n = 104: ± \d+\.\d pp/);
  const f1 = await nums(page, '#val-f1-ci', ['lo', 'hi', 'point']);
  assert.ok(near(f1.point, report.metrics.f1Macro));
  assert.ok(f1.lo <= f1.point && f1.point <= f1.hi && f1.hi <= 1, JSON.stringify(f1));

  // Precision–recall curves, one per class, legend with AP.
  assert.equal(report.metrics.prCurves.length, 3);
  assert.equal(await page.getAttribute('#val-pr svg', 'role'), 'img');
  assert.ok(await page.getAttribute('#val-pr svg', 'aria-label'));
  assert.equal((await page.$$('#val-pr svg polyline')).length, 3);
  const ap = await page.$$eval('#val-pr-ap [data-ap]', (els) => Object.fromEntries(els.map((e) => [e.dataset.class, Number(e.dataset.ap)])));
  assert.deepEqual(ap, Object.fromEntries(report.metrics.prCurves.map((c) => [c.label, c.averagePrecision])));
  assert.match(await page.textContent('#val-pr .legend'), /Adelie \(AP [01]\.\d{3}\)/);

  // Calibration bin counts: every class's bins hold all 104 rows; bins of 1–4 rows are marked "few".
  const cells = await page.$$eval('#val-calibration-counts td[data-count]', (tds) => tds.map((t) => ({ cls: t.dataset.class, count: Number(t.dataset.count), few: t.dataset.few === 'true', text: t.textContent })));
  for (const c of report.metrics.calibration.classes) {
    const mine = cells.filter((x) => x.cls === c.label);
    assert.deepEqual(mine.map((x) => x.count), c.bins.map((b) => b.count), c.label);
    assert.equal(mine.reduce((a, x) => a + x.count, 0), 104);
  }
  const few = cells.filter((x) => x.count > 0 && x.count < 5);
  assert.ok(few.length > 0, 'the demo holdout has sparse bins');
  for (const x of few) assert.ok(x.few && /few/.test(x.text), JSON.stringify(x));
  for (const x of cells.filter((c) => c.count >= 5)) assert.equal(x.few, false);

  // ML Test Score card, with the report's values, and its score next to the GO.
  const r = report.readiness;
  assert.equal(Number(await page.getAttribute('#val-readiness', 'data-final-score')), r.finalScore);
  assert.equal(await page.getAttribute('#val-readiness', 'data-band'), r.band);
  assert.match(await page.textContent('#val-readiness h3'), /Production readiness \(ML Test Score\)/);
  const sections = await page.$$eval('#val-readiness-sections [data-section]', (els) => Object.fromEntries(els.map((e) => [e.dataset.section, Number(e.dataset.score)])));
  assert.deepEqual(sections, r.sections);
  const tests = await page.$$eval('#val-readiness .readiness-tests li', (lis) => lis.map((l) => ({ id: l.dataset.test, status: l.dataset.status, text: l.textContent })));
  assert.equal(tests.length, r.tests.length);
  for (const t of r.tests) {
    const shown = tests.find((x) => x.id === t.id);
    assert.equal(shown?.status, t.status, t.id);
    assert.ok(shown.text.includes(t.status), `${t.id}: status in text, not colour only`);
    if (t.evidence) assert.ok(shown.text.includes(t.evidence), `${t.id}: evidence shown`);
  }
  assert.deepEqual(await page.$$eval('#val-readiness-manual li[data-test]', (lis) => lis.map((l) => l.dataset.test)), r.manualRemaining);
  const heading = await page.textContent('#val-summary h2');
  assert.match(heading, new RegExp(`(GO|NO-GO) by the criteria · readiness ${r.finalScore}`));
  assert.ok((await page.textContent('#val-readiness-summary')).includes(r.band));

  // Scrollable wrappers are focusable, named regions; chart SVGs are named images.
  const wraps = await page.$$eval('#val-out .table-wrap', (ws) => ws.map((w) => ({ t: w.getAttribute('tabindex'), role: w.getAttribute('role'), label: w.getAttribute('aria-label') })));
  assert.ok(wraps.length >= 4);
  for (const w of wraps) assert.deepEqual([w.t, w.role, !!w.label], ['0', 'region', true]);
  const svgs = await page.$$eval('#val-out svg', (ss) => ss.map((s) => [s.getAttribute('role'), s.getAttribute('aria-label') || s.querySelector('title')?.textContent]));
  for (const [role, name] of svgs) assert.ok(role === 'img' && name, `${role} ${name}`);
  await screenshot(page, 'validation-report');
  assert.deepEqual(errors, []);
  await context.close();
});

test('slice picker: field select, minimum rows, too-small slices greyed; Torgersen F1 macro is 1', async () => {
  const { page, errors, context } = await openPage(env, `/www/index.html?version=${PRODUCTION}#validation`);
  await validate(page);
  const rows = () => page.$$eval('#val-slices tbody tr', (trs) => trs.map((t) => ({ value: t.dataset.slice, rows: Number(t.dataset.rows), small: t.dataset.small === 'true', below: t.dataset.below === 'true', f1: Number(t.dataset.f1), text: t.textContent, cls: t.className })));

  // island: Torgersen is all Adelie and all right → macro over the classes present = 1, not 1/3.
  assert.equal(await page.inputValue('#val-slice-field'), 'island');
  assert.equal(await page.inputValue('#val-slice-min'), '10');
  assert.deepEqual(await page.$$eval('#val-slice-field option', (os) => os.map((o) => o.value)), ['island', 'sex']);
  let r = await rows();
  const torgersen = r.find((x) => x.value === 'Torgersen');
  assert.equal(torgersen.f1, 1);
  assert.match(await page.textContent('#val-slices tr[data-slice=Torgersen] td:nth-child(5)'), /^1\.000$/);
  assert.equal(r.reduce((a, x) => a + x.rows, 0), 104);
  assert.ok(r.every((x) => !x.small), 'every island has ≥ 10 rows');
  assert.match(await page.textContent('#val-slices-hint'), /classes present in the slice/);

  // sex: the 2 rows with no sex form a slice below the minimum.
  await setValue(page, '#val-slice-field', 'sex');
  await page.waitForSelector('#val-slices-card[data-field=sex][data-ready=true]');
  r = await rows();
  assert.deepEqual(r.map((x) => x.value).sort(), ['(missing)', 'female', 'male']);
  assert.equal(r.reduce((a, x) => a + x.rows, 0), 104);
  const missing = r.find((x) => x.value === '(missing)');
  assert.deepEqual([missing.rows, missing.small, missing.below], [2, true, false]);
  assert.match(missing.text, /too small \(n < 10\)/);
  assert.match(missing.cls, /too-small/);
  assert.ok(await contrast(page, '#val-slices tr.too-small td') >= 4.5, 'greyed text keeps 4.5:1');
  for (const x of r.filter((y) => y.value !== '(missing)')) assert.equal(x.small, false, x.value);

  // A higher minimum greys every slice below it, and none of them is flagged.
  await setValue(page, '#val-slice-min', 50);
  await page.waitForSelector('#val-slices[data-min="50"]');
  r = await rows();
  assert.deepEqual(Object.fromEntries(r.map((x) => [x.value, x.small])), { female: false, male: true, '(missing)': true });
  for (const x of r.filter((y) => y.small)) { assert.match(x.text, /too small \(n < 50\)/); assert.equal(x.below, false); }

  // Back to island: the table the other tests read.
  await setValue(page, '#val-slice-field', 'island');
  await page.waitForSelector('#val-slices-card[data-field=island][data-ready=true]');
  assert.deepEqual((await rows()).map((x) => x.value).sort(), ['Biscoe', 'Dream', 'Torgersen']);
  await screenshot(page, 'validation-slices');
  assert.deepEqual(errors, []);
  await context.close();
});

test('compare: deltas against production with paired-bootstrap intervals, disagreements and the rule', async () => {
  const { page, errors, context } = await openPage(env, `/www/index.html?version=${PRODUCTION}#validation`);
  await ready(page);
  await page.click('#val-compare');
  await page.waitForSelector('#val-compare-out[data-ready=true]');
  assert.equal(await page.getAttribute('#val-compare-out', 'data-baseline'), PRODUCTION);
  const reports = await page.$eval('#val-compare-out', (el) => el.reports);
  const others = Object.keys(manifest.models.penguins.versions).filter((v) => v !== PRODUCTION);
  assert.ok(others.length >= 1);
  assert.deepEqual(await page.$$eval('.val-delta', (els) => els.map((e) => e.dataset.candidate)), others);
  const rule = await page.textContent('#val-compare-rule');
  assert.match(rule, /promote only if the manifest's criteria pass/);
  assert.match(rule, /95 % interval of the difference excludes 0/);
  assert.match(rule, /paired bootstrap/);

  for (const v of others) {
    const card = `.val-delta[data-candidate="${v}"]`;
    assert.equal(await page.getAttribute(card, 'data-baseline'), PRODUCTION);
    // Per-metric deltas: the point delta is the difference of the two reports, inside its interval.
    const deltas = await page.$$eval(`${card} tr[data-metric]`, (trs) => trs.map((t) => ({ k: t.dataset.metric, delta: Number(t.dataset.delta), lo: Number(t.dataset.lo), hi: Number(t.dataset.hi), sig: t.dataset.significant })));
    assert.deepEqual(deltas.map((d) => d.k), ['accuracy', 'f1Macro', 'logLoss', 'brierScore']);
    for (const d of deltas) {
      assert.ok(near(d.delta, reports[v].metrics[d.k] - reports[PRODUCTION].metrics[d.k]), `${d.k}: ${d.delta}`);
      assert.ok(d.lo <= d.delta && d.delta <= d.hi, `${d.k}: ${d.delta} in [${d.lo}, ${d.hi}]`);
      const lowerIsBetter = d.k === 'logLoss' || d.k === 'brierScore';
      const expected = d.lo > 0 ? (lowerIsBetter ? 'worse' : 'better') : d.hi < 0 ? (lowerIsBetter ? 'better' : 'worse') : 'none';
      assert.equal(d.sig, expected, d.k);
    }

    // Disagreements, counted here from the two reports' per-row predictions.
    const a = reports[PRODUCTION].predictions, b = reports[v].predictions;
    const at = new Map(b.rows.map((r, i) => [r, i]));
    let n = 0, aRight = 0, bRight = 0;
    a.rows.forEach((row, i) => {
      const j = at.get(row);
      if (a.predicted[i] === b.predicted[j]) return;
      n++;
      if (a.predicted[i] === a.truth[i]) aRight++;
      if (b.predicted[j] === b.truth[j]) bRight++;
    });
    const shown = await nums(page, card, ['disagree', 'candidateRight', 'baselineRight', 'rows']);
    assert.deepEqual(shown, { disagree: n, candidateRight: bRight, baselineRight: aRight, rows: 104 });

    // The verdict follows the stated rule, and the sentence says why.
    const go = reports[v].decision === 'go';
    const expected = !go || deltas.some((d) => d.sig === 'worse') ? 'hold' : deltas.some((d) => d.sig === 'better') ? 'promote' : 'hold';
    assert.equal(await page.getAttribute(card, 'data-verdict'), expected);
    assert.equal(await page.getAttribute(`#val-compare-table [data-metric=verdict][data-version="${v}"]`, 'data-value'), expected);
    const text = await page.textContent(`${card} .val-explanation`);
    assert.ok(text.includes(`of ${n} row${n === 1 ? '' : 's'} where they disagree, ${v} is right on ${bRight} and ${PRODUCTION} on ${aRight}`), text);
    assert.match(text, new RegExp(`criteria ${go ? 'pass' : 'fail'}`));
    assert.match(text, /accuracy [−+]\d+\.\d\d pp \[[−+]\d+\.\d\d, [−+]\d+\.\d\d\] \((not significant|significantly (better|worse))\)/);
    assert.match(text, new RegExp(`→ ${expected}: `));
    if (go && expected === 'hold' && deltas.every((d) => d.sig === 'none')) assert.match(text, /no evidence it is better/);
  }

  // Wilson interval of each version's accuracy in the side-by-side table.
  for (const v of Object.keys(reports)) {
    const { lo, hi } = await nums(page, `#val-compare-table [data-metric=accuracyCi][data-version="${v}"]`, ['lo', 'hi']);
    const acc = reports[v].metrics.accuracy;
    const [wlo, whi] = wilson(Math.round(acc * 104), 104);
    assert.ok(near(lo, wlo, 1e-12) && near(hi, whi, 1e-12) && lo <= acc && acc <= hi, v);
  }
  await screenshot(page, 'validation-compare');
  assert.deepEqual(errors, []);
  await context.close();
});

test('on a 390 px phone (dark): no horizontal overflow after a validation run and after a compare', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  const { page, errors } = await openPage(env, `/www/index.html?version=${PRODUCTION}#validation`, { context });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  await validate(page);
  await page.click('#val-readiness summary'); // the open tests list with long evidence must wrap too
  assert.ok(await overflow() <= 0, `after a run: ${await overflow()} px`);
  assert.ok(await contrast(page, '#val-readiness .evidence') >= 4.5, 'evidence text contrast (dark)');
  await setValue(page, '#val-slice-field', 'sex');
  await page.waitForSelector('#val-slices-card[data-field=sex][data-ready=true]');
  assert.ok(await contrast(page, '#val-slices tr.too-small td') >= 4.5, 'greyed slice contrast (dark)');
  assert.ok(await overflow() <= 0, `after re-slicing: ${await overflow()} px`);
  await screenshot(page, 'validation-phone');
  await page.click('#val-compare');
  await page.waitForSelector('#val-compare-out[data-ready=true]');
  assert.ok(await overflow() <= 0, `after a compare: ${await overflow()} px`);
  await screenshot(page, 'validation-compare-phone');
  assert.deepEqual(errors, []);
  await context.close();
});
