// End-to-end tests of the demo page (www/) in headless Debian Chromium: registry panel,
// playground, validation (vs the CLI), monitoring simulator with drift, persistence across reloads.
// Needs pkg/, demo-registry/ and target/debug/mlcycle (`make test` builds them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, openPage, ready, screenshot, setup, setValue } from './helpers.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('the registry panel lists both versions with aliases, rollout and integrity', async () => {
  const { page, errors, context } = await openPage(env, '/www/index.html#registry');
  await ready(page);
  await page.waitForSelector('#panel-registry[data-ready=true]');
  const rows = await page.$$eval('#reg-versions tbody tr', (trs) => trs.map((tr) => ({ version: tr.dataset.version, integrity: tr.dataset.integrity, text: tr.textContent })));
  assert.deepEqual(rows.map((r) => r.version), ['1.0.0', '1.1.0']);
  assert.match(rows[0].text, /production/);
  assert.match(rows[1].text, /canary/);
  assert.match(rows[1].text, /20 % rollout/);
  assert.match(rows[0].text, /model.*[0-9a-f]{12}…/s, 'sha256 short shown');
  assert.match(await page.textContent('#panel-registry'), /Ed25519 signature verified/, 'the demo manifest is signed and verified');
  const serving = await page.getAttribute('#reg-serving', 'data-version');
  assert.ok(['1.0.0', '1.1.0'].includes(serving));
  assert.equal(rows.find((r) => r.version === serving).integrity, 'verified');
  const resolution = await page.getAttribute('#reg-resolution', 'data-reason');
  assert.ok(['rollout', 'default'].includes(resolution), resolution);
  // Pin the other version: the deployment reopens with it.
  const other = serving === '1.0.0' ? '1.1.0' : '1.0.0';
  await page.click(`#reg-choice button[data-choice=version][data-value="${other}"]`);
  await page.waitForSelector(`body[data-state=ready][data-version="${other}"]`);
  assert.equal(await page.inputValue('#val-version'), other, 'validation follows the pinned version');
  await page.waitForSelector(`#reg-versions tr[data-version="${other}"][data-integrity=verified]`);
  assert.equal(await page.getAttribute(`#reg-choice button[data-value="${other}"]`, 'aria-pressed'), 'true');
  // Follow production.
  await page.click('#reg-choice button[data-choice=alias][data-value=production]');
  await page.waitForSelector('body[data-state=ready][data-version="1.0.0"]');
  assert.equal(await page.inputValue('#val-version'), '1.0.0', 'and follows it back');
  assert.equal(await page.textContent('#val-run'), 'Validate 1.0.0 (serving)');
  await screenshot(page, 'registry');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the playground predicts Gentoo for test row 221 and shows a field error inline', async () => {
  const { page, errors, context } = await openPage(env, '/www/index.html?version=1.0.0');
  await ready(page);
  await page.waitForSelector('#panel-playground[data-ready=true]');
  await page.selectOption('#pg-island', 'Biscoe');
  await page.selectOption('#pg-sex', 'male');
  for (const [k, v] of Object.entries({ bill_length_mm: '50.7', bill_depth_mm: '15.0', flipper_length_mm: '223', body_mass_g: '5550' })) {
    await page.fill(`#pg-${k}`, v);
  }
  await page.waitForSelector('#pg-result[data-label=Gentoo]');
  const probs = await page.$$eval('#pg-result [data-class]', (els) => els.map((e) => [e.dataset.class, Number(e.dataset.p)]));
  assert.deepEqual(probs.map((p) => p[0]), ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.ok(probs[2][1] > 0.9, JSON.stringify(probs));
  assert.equal(await page.$$eval('#pg-features tbody tr', (trs) => trs.length), 9, 'the transformed vector');
  assert.match(await page.textContent('#pg-features'), /num__body_mass_g/);
  assert.ok(Number(await page.textContent('#pg-latency')) >= 0);
  await screenshot(page, 'playground');

  // A non-number in a number field → E_FEATURE_INVALID next to that field.
  await page.fill('#pg-body_mass_g', 'heavy');
  await page.waitForSelector('#err-body_mass_g[data-code=E_FEATURE_INVALID]');
  assert.equal(await page.getAttribute('#pg-body_mass_g', 'aria-invalid'), 'true');
  assert.match(await page.textContent('#err-body_mass_g'), /E_FEATURE_INVALID/);
  assert.equal(await page.getAttribute('#pg-result', 'data-error'), 'E_FEATURE_INVALID');
  await screenshot(page, 'playground-error');
  // Empty = missing: imputed, predicts again, and the error is gone.
  await page.fill('#pg-body_mass_g', '');
  await page.waitForSelector('#pg-result[data-label]');
  assert.equal(await page.textContent('#err-body_mass_g'), '');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the validation panel shows the accuracy `mlcycle validate` computes, and compares versions', async () => {
  const cli = join(ROOT, 'target/debug/mlcycle');
  assert.ok(existsSync(cli), 'target/debug/mlcycle (cargo build --features cli)');
  const run = spawnSync(cli, ['validate', '--model', 'demo-registry/penguins/1.0.0/model.onnx', '--spec', 'demo-registry/penguins/1.0.0/features.json',
    '--input', 'tests/data/penguins_test.csv', '--label', 'species', '--labels', 'Adelie,Chinstrap,Gentoo', '--format', 'json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  const expected = JSON.parse(run.stdout).metrics.accuracy;

  const { page, errors, context } = await openPage(env, '/www/index.html?version=1.0.0#validation');
  await ready(page);
  assert.equal(await page.inputValue('#val-version'), '1.0.0');
  assert.equal(await page.textContent('#val-run'), 'Validate 1.0.0 (serving)', 'the button names the version');
  await page.click('#val-run');
  await page.waitForSelector('#panel-validation[data-ready=true]');
  const shown = Number(await page.getAttribute('#val-accuracy', 'data-value'));
  assert.ok(Math.abs(shown - expected) < 1e-12, `browser ${shown} vs CLI ${expected}`);
  assert.equal(Number(await page.getAttribute('#val-metrics [data-metric=accuracy]', 'data-value')), shown);
  assert.ok(['go', 'no-go'].includes(await page.getAttribute('#val-summary', 'data-decision')));
  for (const sel of ['#val-confusion svg', '#val-roc svg polyline', '#val-calibration svg polyline', '#val-latency', '#val-findings']) {
    assert.ok(await page.$(sel), sel);
  }
  assert.deepEqual((await page.$$eval('#val-slices tbody tr', (trs) => trs.map((t) => t.dataset.slice))).sort(), ['Biscoe', 'Dream', 'Torgersen']);
  const cm = await page.$$eval('#val-confusion svg .cell-text', (ts) => ts.map((t) => Number(t.textContent)));
  assert.equal(cm.reduce((a, b) => a + b, 0), 104);

  await page.click('#val-compare');
  await page.waitForSelector('#val-compare-out[data-ready=true]');
  const acc = await page.$$eval('#val-compare-table [data-metric=accuracy]', (tds) => Object.fromEntries(tds.map((t) => [t.dataset.version, Number(t.dataset.value)])));
  assert.deepEqual(Object.keys(acc), ['1.0.0', '1.1.0']);
  assert.ok(Math.abs(acc['1.0.0'] - expected) < 1e-12);
  assert.ok(acc['1.1.0'] > 0.8, JSON.stringify(acc));
  await screenshot(page, 'validation');
  assert.deepEqual(errors, []);
  await context.close();
});

async function simulate(page, { rows, mass = 0, source = 'test' }) {
  await page.waitForSelector('#panel-monitor[data-ready=true]');
  await setValue(page, '#sim-source', source);
  await setValue(page, '#sim-rate', 'fast');
  await setValue(page, '#sim-limit', rows);
  await setValue(page, '#sim-mass', mass);
  await page.click('#sim-start');
  await page.waitForSelector(`#sim-state[data-running=false][data-sent="${rows}"]`);
}

async function driftStatus(page) {
  await page.waitForSelector('#mon-drift tr[data-feature=body_mass_g][data-status=alert]');
  return page.$$eval('#mon-drift tbody tr[data-feature]', (trs) => Object.fromEntries(trs.map((t) => [t.dataset.feature, t.dataset.status])));
}
const OTHERS = ['island', 'sex', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm'];

test('drift injected on body mass turns that feature to alert while the others stay ok', async () => {
  // Training-set rows (the reference distribution) with body mass +15 %: only body_mass_g moves.
  const { page, errors, context } = await openPage(env, '/www/index.html?version=1.0.0#monitor');
  await ready(page);
  await simulate(page, { rows: 300, mass: 15, source: 'train' });
  const status = await driftStatus(page);
  assert.equal(status.body_mass_g, 'alert');
  for (const f of OTHERS) assert.equal(status[f], 'ok', `${f}: ${JSON.stringify(status)}`);
  assert.equal(Number(await page.getAttribute('#mon-predictions', 'data-value')), 300);
  await page.waitForSelector('#mon-alerts li[data-signal="drift:body_mass_g"][data-to=alert]');
  assert.match(await page.textContent('#mon-drift tr[data-feature=body_mass_g]'), /alert/, 'status as text too');
  // Every status says why: the threshold crossed, or the hysteresis holding it.
  const whys = await page.$$eval('#mon-drift tbody tr[data-value]', (trs) => trs.map((t) => ({ status: t.dataset.status, value: Number(t.dataset.value), why: t.querySelector('.why')?.textContent ?? '' })));
  assert.equal(whys.length, 7, 'six features and the predicted class');
  for (const w of whys) {
    assert.ok(w.why.length > 0, `a why line on every status: ${JSON.stringify(w)}`);
    if (w.status === 'ok') assert.match(w.why, /< warn 0\.1/, JSON.stringify(w));
    if (w.status === 'alert') assert.match(w.why, w.value >= 0.25 ? /≥ alert 0\.25/ : /held by hysteresis/, JSON.stringify(w));
  }
  assert.ok(Number(await page.getAttribute('#mon-feedback', 'data-value')) > 0.8, 'feedback accuracy from ~30 % labels');
  await screenshot(page, 'monitor-drift');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the window timeline shows the drift in the window it happened, marked when its window alert fires', async () => {
  // The demo's monitoring config has 10 s windows. The page's clock is fixed per phase: a normal
  // window, a window with body mass +30 %, a normal window again (which completes the second).
  const { page, errors, context } = await openPage(env, '/www/index.html?version=1.0.0#monitor');
  await ready(page);
  const w1 = Math.floor(Date.now() / 10_000) * 10_000;
  const [w2, w3] = [w1 + 10_000, w1 + 20_000];
  await page.clock.setFixedTime(w1 + 1_000);
  await simulate(page, { rows: 150, source: 'train' });
  await page.clock.setFixedTime(w2 + 1_000);
  await simulate(page, { rows: 160, mass: 30, source: 'train' });
  await page.clock.setFixedTime(w3 + 1_000);
  await simulate(page, { rows: 170, source: 'train' });
  const mass = (start) => `#mon-windows-table tr[data-feature=body_mass_g] td[data-start="${start}"]`;
  await page.waitForSelector(`${mass(w2)}[data-marked=true]`);
  assert.equal(await page.getAttribute(mass(w1), 'data-status'), 'ok');
  assert.equal(await page.getAttribute(mass(w2), 'data-status'), 'alert');
  assert.equal(await page.getAttribute(mass(w3), 'data-status'), 'ok');
  assert.ok(Number(await page.getAttribute(mass(w2), 'data-psi')) >= 0.25);
  assert.equal(await page.getAttribute(mass(w1), 'data-marked'), null, 'no window alert on the normal window');
  for (const f of OTHERS) {
    assert.notEqual(await page.getAttribute(`#mon-windows-table tr[data-feature=${f}] td[data-start="${w2}"]`, 'data-status'), 'alert', f);
  }
  assert.equal(await page.getAttribute(`#mon-windows-table th[data-start="${w2}"]`, 'class'), 'judged', 'levels judged on the latest complete window');
  assert.match(await page.textContent('#mon-windows-hint'), /drift:body_mass_g alert/);
  // The alert list says which window the alert was judged on.
  await page.waitForSelector('#mon-alerts li[data-signal="drift:body_mass_g"][data-scope=window]');
  await screenshot(page, 'monitor-windows');
  assert.deepEqual(errors, []);
  await context.close();
});

test('on holdout traffic, the body mass shift is the only alert', async () => {
  // The 104 holdout rows sit at PSI 0.1–0.18 on some features without any shift (warn at most).
  const { page, errors, context } = await openPage(env, '/www/index.html?version=1.0.0#monitor');
  await ready(page);
  await simulate(page, { rows: 300, mass: 15, source: 'test' });
  const status = await driftStatus(page);
  for (const f of OTHERS) assert.notEqual(status[f], 'alert', `${f}: ${JSON.stringify(status)}`);
  await screenshot(page, 'monitor-drift-holdout');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a reload keeps the monitor counts (autoPersist + save on stop), reset clears them', async () => {
  const { page, errors, context } = await openPage(env, '/www/index.html#monitor');
  await ready(page);
  await simulate(page, { rows: 150 });
  const before = Number(await page.getAttribute('#mon-predictions', 'data-value'));
  assert.equal(before, 150);
  const version = await page.getAttribute('body', 'data-version');
  // The whole monitor report (drift statistics, telemetry, feedback), not only the count.
  const reportOf = () => page.evaluate(() => {
    const r = window.__mlcycle.deployment.monitor();
    return JSON.stringify({ drift: r.drift, telemetry: r.telemetry, feedback: r.feedback });
  });
  const reportBefore = await reportOf();
  await page.reload();
  await ready(page);
  await page.waitForSelector('#panel-monitor[data-ready=true]');
  assert.equal(await page.getAttribute('body', 'data-version'), version, 'same subject → same version');
  assert.equal(Number(await page.getAttribute('#mon-predictions', 'data-value')), before);
  assert.equal(await reportOf(), reportBefore, 'snapshot → reload → restore gives the identical report');
  assert.match(await page.textContent('#mon-persist'), /Restored/);
  await screenshot(page, 'monitor-reloaded');
  await page.click('#mon-reset');
  await page.waitForSelector('#mon-predictions[data-value="0"]');
  assert.equal(await page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? 'null')?.format ?? null, `mlcycle-monitor:penguins:${version}`), 'mlcycle.monitor/1');
  await page.reload();
  await ready(page);
  await page.waitForSelector('#panel-monitor[data-ready=true]');
  assert.equal(Number(await page.getAttribute('#mon-predictions', 'data-value')), 0, 'reset survives a reload');
  assert.deepEqual(errors, []);
  await context.close();
});
