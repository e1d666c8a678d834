// The slim edge package (pkg-slim/: NNEF only, no ONNX parser) in Node, next to the full one:
// same API, ONNX-only calls throw E_UNSUPPORTED, precompiled models predict bit-for-bit what
// the full package predicts from ONNX, and a registry version is served from its `nnef`
// artifact. Needs `make pkg` (both packages) and demo-registry/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import full, { data } from './load.mjs';
import { serve } from './static-server.mjs';

const root = new URL('../../', import.meta.url);
const slim = await import('../../pkg-slim/mlcycle.js');
await slim.default({ module_or_path: await readFile(new URL('pkg-slim/mlcycle_bg.wasm', root)) });

let server;
before(async () => { server = await serve(); });
after(async () => { await server?.close(); });

const GENTOO = { island: 'Biscoe', sex: 'male', bill_length_mm: 50.7, bill_depth_mm: 15.0, flipper_length_mm: 223.0, body_mass_g: 5550.0 };

test('the packages say what they are', () => {
  assert.deepEqual({ ...slim.buildInfo(), version: undefined }, { flavor: 'slim', onnx: false, version: undefined });
  assert.equal(full.buildInfo().flavor, 'full');
  assert.equal(full.buildInfo().onnx, true);
});

test('ONNX-only calls throw E_UNSUPPORTED in the slim package', async () => {
  const onnx = await data('penguins_logreg.onnx');
  assert.throws(() => slim.Model.fromBytes(onnx), (e) => e instanceof Error && e.code === 'E_UNSUPPORTED' && /NNEF/.test(e.message));
  assert.throws(() => slim.Model.fromBytes(new Uint8Array(0)), (e) => e.code === 'E_UNSUPPORTED');
  // Garbage given as NNEF is a model error, not a crash, and the module keeps working.
  assert.throws(() => slim.Model.fromNnef(new Uint8Array([1, 2, 3])), (e) => e.code === 'E_MODEL_INVALID');
});

for (const [name, onnxFile, width] of [
  ['penguins_logreg', 'penguins_logreg.onnx', 9],
  ['penguins_gbt', 'variants/penguins_gbt.onnx', 9],
  ['breast_cancer_mlp', 'breast_cancer_mlp.onnx', 30],
  ['digits_mlp', 'digits_mlp.onnx', 64],
]) {
  test(`${name}: slim NNEF predictions are bitwise the full package's ONNX predictions`, async () => {
    const reference = full.Model.fromBytes(await data(onnxFile));
    const precompiled = slim.Model.fromNnef(await data(`nnef/${name}.nnef.tar`));
    assert.equal(precompiled.nFeatures, width);
    const rows = 257;
    const x = new Float32Array(rows * width);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 12.9898) * 43758.5453 % 3; // deterministic spread
    const a = reference.predict(x, rows);
    const b = precompiled.predict(x, rows);
    assert.equal(a.length, b.length);
    assert.deepEqual(new Uint32Array(b.buffer, b.byteOffset, b.length), new Uint32Array(a.buffer, a.byteOffset, a.length));
    // And the full package exports exactly the committed precompiled bytes.
    assert.deepEqual(Buffer.from(reference.toNnef()), await data(`nnef/${name}.nnef.tar`));
  });
}

test('a registry version is served from its nnef artifact by both packages', async () => {
  for (const pkg of [slim, full]) {
    const reg = await pkg.Registry.load(`${server.url}/demo-registry/manifest.json`);
    const artifacts = reg.manifest.models.penguins.versions['1.1.0'].artifacts;
    assert.equal(artifacts.nnef.mediaType, 'application/x-tract-nnef+tar');
    for (const version of ['1.0.0', '1.1.0']) {
      const d = await reg.open('penguins', { version });
      assert.equal(d.status().modelFormat, 'nnef');
      assert.equal(d.predict(GENTOO).label, 'Gentoo');
    }
  }
});
