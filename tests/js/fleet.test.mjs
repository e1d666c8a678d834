// Fleet drift in JS (issue 15): device snapshots written by `mlcycle observe` merged by
// `Monitor.fleetReport` give the same report as `mlcycle fleet merge` (the same core), and a
// snapshot that cannot be merged throws an Error with code E_SNAPSHOT naming its position.
// Uses the debug CLI that `make test` builds (MLCYCLE_BIN overrides).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mlcycle from './load.mjs';

const { Monitor } = mlcycle;
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = process.env.MLCYCLE_BIN ?? join(root, 'target/debug/mlcycle');
const run = (args) => execFileSync(bin, args, { cwd: root, encoding: 'utf8' });
const LABELS = 'Adelie,Chinstrap,Gentoo';
let dir;
const snapshots = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-fleet-'));
  run(['profile', '--spec', 'tests/data/penguins_features.json', '--input', 'tests/data/penguins_train.csv',
    '--model', 'tests/data/penguins_logreg.onnx', '--labels', LABELS, '--output', join(dir, 'reference.json')]);
  const [header, ...rows] = (await readFile(join(root, 'tests/data/penguins_test.csv'), 'utf8')).trim().split('\n');
  for (const [i, part] of [rows.slice(0, 30), rows.slice(30, 31), rows.slice(31)].entries()) {
    await writeFile(join(dir, `part${i}.csv`), [header, ...part].join('\n') + '\n');
    const out = join(dir, `dev${i}.json`);
    run(['observe', '--reference', join(dir, 'reference.json'), '--input', join(dir, `part${i}.csv`),
      '--model', 'tests/data/penguins_logreg.onnx', '--spec', 'tests/data/penguins_features.json',
      '--labels', LABELS, '--device', `dev${i}`, '--now-ms', String(1764900000000 + i), '--quiet', '--output', out]);
    snapshots.push(await readFile(out, 'utf8'));
  }
});

after(async () => { await rm(dir, { recursive: true, force: true }); });

test('Monitor.fleetReport equals mlcycle fleet merge', () => {
  const js = Monitor.fleetReport(snapshots);
  const cli = JSON.parse(run(['fleet', 'merge', '--input', join(dir, 'dev*.json')]));
  assert.equal(js.devices, 3);
  assert.equal(js.rows, 104);
  assert.deepEqual(js.features, cli.features);
  assert.deepEqual(js.classes, cli.classes);
  assert.equal(js.classes.reduce((n, c) => n + c.count, 0), 104);
  assert.deepEqual(js.window, { firstMs: 1764900000000, lastMs: 1764900000002 });
});

test('a snapshot of another reference throws E_SNAPSHOT with its position', async () => {
  run(['profile', '--spec', 'tests/data/penguins_features.json', '--input', 'tests/data/penguins_test.csv',
    '--output', join(dir, 'other.json')]);
  const foreign = run(['observe', '--reference', join(dir, 'other.json'), '--input', 'tests/data/penguins_test.csv',
    '--now-ms', '0', '--quiet']);
  assert.throws(() => Monitor.fleetReport([snapshots[0], foreign]),
    (e) => e instanceof Error && e.code === 'E_SNAPSHOT' && /snapshot 1/.test(e.message));
  assert.throws(() => Monitor.fleetReport([]), (e) => e.code === 'E_INVALID_ARGUMENT');
});

test('fleetReport(snapshots, {window}) reports one window, as fleet merge --window does', async () => {
  const T0 = 1795996800000, HOUR = 3600000; // 2026-11-30T00:00Z
  const files = [];
  for (const [i, at] of [T0 + 5, T0 + HOUR + 5].entries()) {
    const out = join(dir, `hour${i}.json`);
    run(['observe', '--reference', join(dir, 'reference.json'), '--input', join(dir, `part${i}.csv`),
      '--model', 'tests/data/penguins_logreg.onnx', '--spec', 'tests/data/penguins_features.json',
      '--labels', LABELS, '--device', `h${i}`, '--now-ms', String(at), '--quiet', '--output', out]);
    files.push(await readFile(out, 'utf8'));
  }
  const latest = Monitor.fleetReport(files, { window: 'latest' });
  assert.equal(latest.selectedWindowMs, T0, 'the clock is in the second hour: the first is the latest complete');
  assert.equal(latest.rows, 30);
  assert.deepEqual(latest.windows.map((w) => [w.startMs, w.predictions, w.complete]), [[T0, 30, true], [T0 + HOUR, 1, false]]);
  const cli = JSON.parse(run(['fleet', 'merge', '--input', join(dir, 'hour*.json'), '--window', 'latest']));
  // Same core; logarithms may differ in the last bit between wasm's libm and the native one.
  const near = (a, b) => (typeof a === 'number' && typeof b === 'number'
    ? Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a))
    : a && b && typeof a === 'object'
      ? Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => near(a[k], b[k]))
      : a === b);
  assert.ok(near(latest, cli), JSON.stringify({ latest, cli }).slice(0, 400));
  assert.deepEqual(Monitor.fleetReport(files, { window: T0 + HOUR }).rows, 1);
  assert.equal(Monitor.fleetReport(files).selectedWindowMs, null);
  for (const window of ['yesterday', true, T0 - HOUR]) {
    assert.throws(() => Monitor.fleetReport(files, { window }),
      (e) => e instanceof Error && e.code === 'E_INVALID_ARGUMENT', String(window));
  }
  assert.throws(() => Monitor.fleetReport(files, { windw: 'latest' }), (e) => e.code === 'E_INVALID_ARGUMENT' && /windw/.test(e.message));
});

test('Monitor.exportOtlpProtobuf: the OTLP request as protobuf bytes, about half the JSON', () => {
  const m = Monitor.restore(snapshots[0]);
  const resource = { serviceName: 'penguin-app', instanceId: 'phone-7' };
  const json = m.exportOtlp(1764900001000, resource);
  const pb = m.exportOtlpProtobuf(1764900001000, resource);
  assert.ok(pb instanceof Uint8Array);
  assert.equal(pb[0], 0x0a, 'field 1 (resourceMetrics), length-delimited');
  const text = new TextDecoder('latin1').decode(pb);
  for (const s of ['phone-7', 'penguin-app', 'mlcycle.predictions', 'mlcycle.drift.psi', 'service.instance.id']) {
    assert.ok(text.includes(s), s);
  }
  assert.ok(pb.length < 0.6 * json.length, `${pb.length} B protobuf vs ${json.length} B JSON`);
  assert.throws(() => m.exportOtlpProtobuf(0, { bogus: 1 }), (e) => e.code === 'E_INVALID_ARGUMENT');
});
