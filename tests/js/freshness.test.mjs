// TUF-style manifest freshness from JS over real HTTP: a replayed older manifest (validly
// signed) is refused by `Registry.load` and `refresh()` with E_ROLLBACK, an expired one with
// E_EXPIRED, while the deployment keeps serving its version with zero failed predictions; the
// operator escape hatches (`allowRollback`, `allowExpired`) open them.
// Needs pkg/, demo-registry/, its signing key target/demo-registry.key and target/debug/mlcycle
// (`make test` builds them all before tests/js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mlcycle from './load.mjs';
import { serve } from './static-server.mjs';

const { Registry } = mlcycle;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'target/debug/mlcycle');
const KEY = join(ROOT, 'target/demo-registry.key');
const GENTOO = { island: 'Biscoe', sex: 'male', bill_length_mm: 50.7, bill_depth_mm: 15.0, flipper_length_mm: 223.0, body_mass_g: 5550.0 };
let dir, server, reg, manifestPath, publicKey;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-fresh-'));
  reg = join(dir, 'reg');
  await cp(join(ROOT, 'demo-registry'), reg, { recursive: true });
  manifestPath = join(reg, 'manifest.json');
  publicKey = (await readFile(join(reg, 'registry.pub'), 'utf8')).trim();
  server = await serve(dir);
});
after(async () => { await server?.close(); await rm(dir, { recursive: true, force: true }); });

const cli = (...args) => execFileSync(CLI, [...args, '--registry', reg, '--sign-key', KEY], { encoding: 'utf8', env: { ...process.env, MLCYCLE_STATE_DIR: dir } });

// Predicts `n` times while `pending` settles; returns the number of failed predictions.
async function predictWhile(d, pending, n = 100) {
  let failed = 0;
  for (let i = 0; i < n; i++) { try { assert.equal(d.predict(GENTOO).label, 'Gentoo'); } catch { failed++; } }
  const result = await pending;
  for (let i = 0; i < n; i++) { try { d.predict(GENTOO); } catch { failed++; } }
  return { failed, result };
}

test('replayed and expired manifests are refused while serving continues', async () => {
  const url = `${server.url}/reg/manifest.json`;
  const original = await readFile(manifestPath);
  const before = JSON.parse(original);
  assert.ok(Number.isInteger(before.version) && before.version >= 1, `version ${before.version}`);
  assert.ok(Date.parse(before.expires) > Date.now(), `expires ${before.expires}`);

  const registry = await Registry.load(url, { publicKey });
  const d = await registry.open('penguins', { alias: 'production' });
  assert.equal(d.version, '1.0.0');

  // A legitimate promotion (one more manifest version) is picked up by refresh.
  cli('promote', '--name', 'penguins', '--version', '1.1.0');
  assert.equal(JSON.parse(await readFile(manifestPath)).version, before.version + 1);
  const promoted = await d.refresh();
  assert.equal(promoted.error ?? null, null, JSON.stringify(promoted.error));
  assert.equal(promoted.changed, true);
  assert.equal(promoted.version, '1.1.0');
  const current = await readFile(manifestPath);

  // Rollback attack: the older, validly signed manifest is served again.
  await writeFile(manifestPath, original);
  const replay = await predictWhile(d, d.refresh());
  assert.equal(replay.failed, 0);
  assert.equal(replay.result.changed, false);
  assert.equal(replay.result.version, '1.1.0');
  assert.equal(replay.result.error.code, 'E_ROLLBACK', replay.result.error.message);
  await assert.rejects(Registry.load(url, { publicKey }), (e) => e instanceof Error && e.code === 'E_ROLLBACK');
  assert.equal(d.predict(GENTOO).version, '1.1.0');

  // Freeze attack: the current manifest renewed with a 2-second life, then served past it.
  await writeFile(manifestPath, current);
  cli('renew', '--expires-days', String(2 / 86400));
  await new Promise((ok) => setTimeout(ok, 2500));
  const frozen = await predictWhile(d, d.refresh());
  assert.equal(frozen.failed, 0);
  assert.equal(frozen.result.error.code, 'E_EXPIRED', frozen.result.error.message);
  assert.equal(frozen.result.version, '1.1.0');
  await assert.rejects(Registry.load(url, { publicKey }), (e) => e.code === 'E_EXPIRED');
  assert.equal(d.status().failedPredictions, 0);

  // The operator's escape hatches.
  const late = await Registry.load(url, { publicKey, allowExpired: true });
  assert.equal(late.manifest.models.penguins.aliases.production, '1.1.0');
  await writeFile(manifestPath, original);
  const reset = await Registry.load(url, { publicKey, allowRollback: true });
  assert.equal(reset.manifest.models.penguins.aliases.production, '1.0.0');
  // …after which the reset registry is the one trusted.
  assert.equal((await Registry.load(url, { publicKey })).manifest.version, before.version);
});

test('artifact URLs outside the registry are refused at load', async () => {
  const m = JSON.parse(await readFile(join(ROOT, 'demo-registry/manifest.json'), 'utf8'));
  delete m.signature;
  m.models.penguins.versions['1.0.0'].artifacts.model.url = 'https://evil.example/model.onnx';
  await writeFile(join(dir, 'evil.json'), JSON.stringify(m));
  await assert.rejects(Registry.load(`${server.url}/evil.json`), (e) => e.code === 'E_MANIFEST_INVALID' && /artifactOrigins/.test(e.message));
});
