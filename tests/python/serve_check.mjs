// Serves a registry folder and checks that the JS runtime (pkg/) serves its `penguins`
// production version with the predictions scikit-learn made: same labels, probabilities
// within 1e-5. Used by tests/python/test_package.py.
//   node tests/python/serve_check.mjs REGISTRY_DIR EXPECTED_JSON
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import init, { Registry } from '../../pkg/node.js';
import { serve } from '../js/static-server.mjs';

const [dir, expectedPath] = process.argv.slice(2);
const expected = JSON.parse(await readFile(expectedPath, 'utf8'));
await init();
const server = await serve(resolve(dir));
try {
  const registry = await Registry.load(`${server.url}/manifest.json`);
  const deployment = await registry.open('penguins', { alias: 'production' });
  let worst = 0;
  for (const [i, record] of expected.records.entries()) {
    const p = deployment.predict(record);
    const want = expected.probabilities[i];
    if (p.label !== expected.labels[i]) throw new Error(`row ${i}: label ${p.label}, scikit-learn ${expected.labels[i]}`);
    for (const [j, w] of want.entries()) worst = Math.max(worst, Math.abs(p.probabilities[j] - w));
  }
  if (!(worst <= 1e-5)) throw new Error(`probabilities differ by ${worst}`);
  if (JSON.stringify(deployment.labels) !== JSON.stringify(expected.classes)) throw new Error(`labels ${deployment.labels}`);
  console.log(`JS serves ${expected.records.length} rows like scikit-learn: labels equal, max |Δp| = ${worst.toExponential(2)}`);
} finally {
  await server.close();
}
