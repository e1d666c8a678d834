// Trap recovery in Chromium (js/resilient.js, issue 13): in one page, a deliberately trapped
// call throws E_TRAPPED and models and pipelines loaded before it keep predicting the same
// values from a fresh instance, without a reload. Needs pkg/ (`make test` builds it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, setup } from './helpers.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('a trapped call leaves earlier models and pipelines predicting in the same page', async () => {
  const { page, errors } = await openPage(env, '/tests/e2e/blank.html');
  const result = await page.evaluate(async () => {
    const { createRuntime } = await import('/pkg/resilient.js');
    const bytes = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
    const rt = await createRuntime();
    const model = rt.model(await bytes('/tests/data/penguins_logreg.onnx'));
    const pipeline = rt.pipeline(await (await fetch('/tests/data/penguins_features.json')).text());
    const x = new Float32Array([39.1, 18.7, 181.0, 3750.0, 0, 0, 1, 0, 1]);
    const record = { island: 'Biscoe', sex: 'male', bill_length_mm: 50.7, bill_depth_mm: 15.0, flipper_length_mm: 223.0, body_mass_g: 5550.0 };
    const before = { p: Array.from(model.predict(x, 1)), f: Array.from(pipeline.transform(record)) };
    let code = null;
    let cause = null;
    try { rt.debugTrap(); } catch (e) { code = e.code; cause = e.cause?.constructor?.name; }
    const after = { p: Array.from(model.predict(x, 1)), f: Array.from(pipeline.transform(record)) };
    return { before, after, code, cause, traps: rt.traps, generation: rt.generation };
  });
  assert.equal(result.code, 'E_TRAPPED');
  assert.equal(result.cause, 'RuntimeError');
  assert.equal(result.traps, 1);
  assert.equal(result.generation, 2);
  assert.deepEqual(result.after, result.before);
  assert.equal(result.before.p.length, 3);
  assert.deepEqual(errors, []);
});
