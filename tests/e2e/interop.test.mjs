// The demo page on models as people export them (issue 12): a skl2onnx DataFrame pipeline
// fitted on string class labels, published by the CLI with neither --labels nor --spec (one
// input per column, strings, imputers and one-hot inside the graph). Playground, validation
// and monitoring work from the raw fields, and every label the page shows is the string class.
// Needs pkg/ and target/debug/mlcycle (`make test` builds them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, openPage, ready, screenshot, setup, setValue } from './helpers.mjs';

const CLI = join(ROOT, 'target/debug/mlcycle');
const REG = 'test-output/e2e-interop-registry';
const MODEL = 'tests/data/interop/pipeline_columns.onnx';
const PAGE = `/www/index.html?registry=../${REG}/manifest.json&version=1.0.0`;
let env;

function cli(args) {
  const run = spawnSync(CLI, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.ok(run.status === 0 || run.status === 1, `${args[0]}: ${run.stderr}`);
  return run.stdout;
}

before(async () => {
  await rm(join(ROOT, REG), { recursive: true, force: true });
  // Signed like the demo registry (the page verifies the manifest with registry.pub beside it).
  const key = 'test-output/e2e-interop.key';
  cli(['keygen', '--out', key]);
  cli(['publish', '--registry', REG, '--name', 'penguins', '--version', '1.0.0', '--model', MODEL,
    '--train', 'tests/data/penguins_train.csv', '--holdout', 'tests/data/penguins_test.csv',
    '--label', 'species', '--alias', 'production', '--sign-key', key]);
  await copyFile(join(ROOT, `${key}.pub`), join(ROOT, REG, 'registry.pub'));
  env = await setup();
});
after(async () => { await env?.close(); });

test('the playground predicts the string class from raw fields', async () => {
  const { page, errors, context } = await openPage(env, `${PAGE}#playground`);
  await ready(page);
  await page.waitForSelector('#panel-playground[data-ready=true]');
  // Test row 221: Biscoe, male, 50.7, 15.0, 223, 5550 → Gentoo (onnxruntime agrees).
  await page.selectOption('#pg-island', 'Biscoe');
  await page.selectOption('#pg-sex', 'male');
  for (const [k, v] of Object.entries({ bill_length_mm: 50.7, bill_depth_mm: 15, flipper_length_mm: 223, body_mass_g: 5550 })) {
    await page.fill(`#pg-${k}`, String(v));
  }
  await page.waitForSelector('#pg-result[data-label=Gentoo]');
  const classes = await page.$$eval('#pg-result [data-class]', (els) => els.map((e) => e.dataset.class));
  assert.deepEqual(classes, ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.match(await page.textContent('#pg-features'), /computed inside the model/);
  await screenshot(page, 'interop-playground');
  assert.deepEqual(errors, []);
  await context.close();
});

test('validation in the browser equals the CLI on raw records, keyed by the string classes', async () => {
  const expected = JSON.parse(cli(['validate', '--model', MODEL, '--input', 'tests/data/penguins_test.csv',
    '--label', 'species', '--format', 'json', '--no-latency'])).metrics.accuracy;
  const { page, errors, context } = await openPage(env, `${PAGE}#validation`);
  await ready(page);
  await page.click('#val-run');
  await page.waitForSelector('#panel-validation[data-ready=true]');
  const shown = Number(await page.getAttribute('#val-accuracy', 'data-value'));
  assert.ok(Math.abs(shown - expected) < 1e-12, `browser ${shown} vs CLI ${expected}`);
  const cm = await page.$$eval('#val-confusion svg .cell-text', (ts) => ts.map((t) => Number(t.textContent)));
  assert.equal(cm.reduce((a, b) => a + b, 0), 104, 'every holdout row evaluated, missing values included');
  const text = await page.textContent('#val-confusion');
  for (const c of ['Adelie', 'Chinstrap', 'Gentoo']) assert.ok(text.includes(c), `${c} in the confusion matrix`);
  assert.deepEqual((await page.$$eval('#val-slices tbody tr', (trs) => trs.map((t) => t.dataset.slice))).sort(), ['Biscoe', 'Dream', 'Torgersen']);
  await screenshot(page, 'interop-validation');
  assert.deepEqual(errors, []);
  await context.close();
});

test('monitoring counts the class mix by string label and drift by raw field', async () => {
  const { page, errors, context } = await openPage(env, `${PAGE}#monitor`);
  await ready(page);
  await page.waitForSelector('#panel-monitor[data-ready=true]');
  await setValue(page, '#sim-source', 'test');
  await setValue(page, '#sim-rate', 'fast');
  await setValue(page, '#sim-limit', 104);
  await setValue(page, '#sim-mass', 0);
  await page.click('#sim-start');
  await page.waitForSelector('#sim-state[data-running=false][data-sent="104"]');
  const features = await page.$$eval('#mon-drift tbody tr[data-feature]', (trs) => trs.map((t) => t.dataset.feature));
  assert.deepEqual(features.filter((f) => f !== '(predictions)').sort(), ['bill_depth_mm', 'bill_length_mm', 'body_mass_g', 'flipper_length_mm', 'island', 'sex']);
  // The class-mix chart labels its bars with the model's own string classes.
  const mix = await page.textContent('#mon-classes');
  for (const c of ['Adelie', 'Chinstrap', 'Gentoo']) assert.ok(mix.includes(c), `${c} in the class mix: ${mix}`);
  await screenshot(page, 'interop-monitor');
  assert.deepEqual(errors, []);
  await context.close();
});
