// The registry from Node over real HTTP on 127.0.0.1: load, resolve, open, predict, refresh
// during a network failure (zero failed predictions), tampering refused with E_INTEGRITY.
// Needs demo-registry/ (scripts/build-demo-registry.sh; `make test` builds it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mlcycle from './load.mjs';
import { serve } from './static-server.mjs';

const { Registry } = mlcycle;
const REGISTRY = fileURLToPath(new URL('../../demo-registry/', import.meta.url));
let dir, server;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-reg-'));
  await cp(REGISTRY, join(dir, 'reg'), { recursive: true });
  server = await serve(dir);
});
after(async () => { await server?.close(); await rm(dir, { recursive: true, force: true }); });

// A known test row (penguins_test.csv row_id 221): a Gentoo.
const GENTOO = { island: 'Biscoe', sex: 'male', bill_length_mm: 50.7, bill_depth_mm: 15.0, flipper_length_mm: 223.0, body_mass_g: 5550.0 };
const CHINSTRAP = { island: 'Dream', sex: 'female', bill_length_mm: 46.2, bill_depth_mm: 17.5, flipper_length_mm: 187.0, body_mass_g: 3650.0 };

test('load, resolve and predict over HTTP', async () => {
  const reg = await Registry.load(`${server.url}/reg/manifest.json`);
  const m = reg.manifest;
  assert.deepEqual(Object.keys(m.models.penguins.versions), ['1.0.0', '1.1.0']);
  assert.equal(m.models.penguins.aliases.production, '1.0.0');
  let canary = 0;
  for (let i = 0; i < 2000; i++) if (reg.resolve('penguins', { subject: `user-${i}` }).version === '1.1.0') canary++;
  assert.ok(Math.abs(canary / 20 - 20) <= 3, `canary share ${canary / 20}%`);
  const sel = reg.resolve('penguins', { subject: 'user-1' });
  assert.ok(['rollout', 'default'].includes(sel.reason.kind));
  const d = await reg.open('penguins', { alias: 'production' });
  const p = d.predict(GENTOO);
  assert.equal(p.label, 'Gentoo');
  assert.equal(p.version, '1.0.0');
  assert.equal(p.probabilities.length, 3);
  assert.ok(p.latencyMs >= 0);
  assert.equal(d.predict(CHINSTRAP).label, 'Chinstrap');
  const canaryDeployment = await reg.open('penguins', { version: '1.1.0' });
  assert.equal(canaryDeployment.predict(GENTOO).label, 'Gentoo');
  // `onProgress: null` is "no callback"; a misspelt option is refused, not ignored.
  assert.equal((await reg.open('penguins', { version: '1.1.0', onProgress: null })).version, '1.1.0');
  await assert.rejects(async () => reg.open('penguins', { verison: '1.1.0' }), (e) => e.code === 'E_INVALID_ARGUMENT' && /verison/.test(e.message));
  assert.throws(() => d.predict({ ...GENTOO, body_mass_g: 'heavy' }), (e) => e.code === 'E_FEATURE_INVALID' && e.field === 'body_mass_g');
});

test('refresh during a network failure keeps serving with zero failed predictions', async () => {
  const reg = await Registry.load(`${server.url}/reg/manifest.json`);
  const d = await reg.open('penguins', { alias: 'production' });
  server.state.failing = true;
  const pending = d.refresh();
  let failed = 0;
  for (let i = 0; i < 200; i++) { try { d.predict(GENTOO); } catch { failed++; } }
  const result = await pending;
  for (let i = 0; i < 200; i++) { try { d.predict(GENTOO); } catch { failed++; } }
  server.state.failing = false;
  assert.equal(failed, 0);
  assert.equal(result.changed, false);
  assert.equal(result.error.code, 'E_FETCH');
  assert.equal(d.version, '1.0.0');
  // Promote 1.1.0 by editing the manifest (as `mlcycle promote` would): the refresh swaps.
  const path = join(dir, 'reg', 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  manifest.models.penguins.aliases.production = '1.1.0';
  await writeFile(path, JSON.stringify(manifest));
  const swapped = await d.refresh();
  assert.deepEqual(swapped, { changed: true, version: '1.1.0', error: null });
  assert.equal(d.predict(GENTOO).version, '1.1.0');
  assert.deepEqual(d.status().events.map((e) => e.kind), ['deployed', 'refreshFailed', 'swapped']);
  manifest.models.penguins.aliases.production = '1.0.0';
  await writeFile(path, JSON.stringify(manifest));
});

test('a tampered artifact is refused with E_INTEGRITY naming its URL', async () => {
  await cp(join(dir, 'reg'), join(dir, 'bad'), { recursive: true });
  // The precompiled artifact is what serves (every build prefers it), so it is what gets checked.
  const model = join(dir, 'bad', 'penguins', '1.0.0', 'model.nnef.tar');
  const bytes = await readFile(model);
  bytes[bytes.length - 5] ^= 0x01;
  await writeFile(model, bytes);
  const reg = await Registry.load(`${server.url}/bad/manifest.json`);
  await assert.rejects(reg.open('penguins', { alias: 'production' }), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'E_INTEGRITY');
    assert.match(e.message, /bad\/penguins\/1\.0\.0\/model\.nnef\.tar/);
    return true;
  });
  await assert.rejects(Registry.load(`${server.url}/missing/manifest.json`), (e) => e.code === 'E_FETCH');
  await assert.rejects(Registry.load(`${server.url}/reg/manifest.json`, { publicKey: 'ab'.repeat(32) }), (e) => e.code === 'E_SIGNATURE');
});

async function testRecords(shift = 1) {
  const text = await readFile(fileURLToPath(new URL('../data/penguins_test.csv', import.meta.url)), 'utf8');
  const [head, ...rows] = text.trim().split('\n');
  const cols = head.split(',');
  return rows.map((line) => {
    const cells = line.split(',');
    const r = Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
    const num = (v) => (v === '' ? null : Number(v));
    return {
      species: r.species,
      record: {
        island: r.island || null, sex: r.sex || null,
        bill_length_mm: num(r.bill_length_mm), bill_depth_mm: num(r.bill_depth_mm),
        flipper_length_mm: num(r.flipper_length_mm),
        body_mass_g: num(r.body_mass_g) === null ? null : num(r.body_mass_g) * shift,
      },
    };
  });
}

test('the deployment monitors drift, raises alerts, joins feedback and restores snapshots', async () => {
  const reg = await Registry.load(`${server.url}/reg/manifest.json`);
  const d = await reg.open('penguins', { alias: 'production' });
  const alerts = [];
  d.onAlert((e) => alerts.push(e));
  const shifted = await testRecords(1.15);
  let correct = 0;
  for (let round = 0; round < 3; round++) {
    for (const { record, species } of shifted) {
      const p = d.predict(record);
      if (round === 0) assert.equal(d.feedback(p.id, species), 'matched');
      if (p.label === species) correct++;
    }
  }
  assert.equal(d.feedback('not-an-id', 'Adelie'), 'unmatched');
  const report = d.monitor();
  assert.equal(Object.getPrototypeOf(report), Object.prototype);
  assert.equal(report.telemetry.predictions, shifted.length * 3);
  assert.equal(report.feedback.labeled, shifted.length);
  const alerting = report.drift.features.filter((f) => f.status === 'alert').map((f) => f.name);
  assert.deepEqual(alerting, ['body_mass_g']);
  assert.ok(alerts.some((e) => e.signal === 'drift:body_mass_g' && e.to === 'alert'), JSON.stringify(alerts));
  const otlp = JSON.parse(d.exportOtlp());
  assert.ok(otlp.resourceMetrics[0].scopeMetrics[0].metrics.length > 0);
  // Who reports: a stable instance id per device (Node has no localStorage: one per module
  // instance, the same for every deployment), or the app's own.
  const resource = (o) => Object.fromEntries(o.resourceMetrics[0].resource.attributes.map((a) => [a.key, a.value.stringValue]));
  const mine = resource(otlp);
  assert.match(mine['service.instance.id'], /^[0-9a-f]{16}$/);
  assert.equal(mine['service.name'], 'mlcycle');
  assert.equal(mine['mlcycle.model.alias'], 'production');
  assert.equal(mine['mlcycle.model.selection'], 'alias');
  const again = await (await Registry.load(`${server.url}/reg/manifest.json`)).open('penguins', { alias: 'production' });
  again.predict(shifted[0].record);
  assert.equal(resource(JSON.parse(again.exportOtlp()))['service.instance.id'], mine['service.instance.id']);
  const other = await (await Registry.load(`${server.url}/reg/manifest.json`, { instanceId: 'kiosk-7', serviceName: 'penguin-app' }))
    .open('penguins', { alias: 'production' });
  other.predict(shifted[0].record);
  const theirs = resource(JSON.parse(other.exportOtlp()));
  assert.deepEqual([theirs['service.instance.id'], theirs['service.name']], ['kiosk-7', 'penguin-app']);
  // Snapshot → a new deployment of the same version → identical report.
  const snap = d.snapshot();
  const d2 = await reg.open('penguins', { alias: 'production' });
  d2.restore(snap);
  assert.deepEqual(d2.monitor().drift, d.monitor().drift);
  assert.equal(d2.monitor().telemetry.predictions, shifted.length * 3);
  assert.throws(() => d2.restore('{"format":"nope"}'), (e) => e.code === 'E_SNAPSHOT');
  assert.throws(() => d2.autoPersist('k'), (e) => e.code === 'E_UNSUPPORTED', 'Node has no localStorage');
});

test('validation runs in the host and matches the published report', async () => {
  const reg = await Registry.load(`${server.url}/reg/manifest.json`);
  const d = await reg.open('penguins', { alias: 'production' });
  const rows = await testRecords();
  const report = d.validate(rows.map((r) => r.record), rows.map((r) => r.species), { latency: { enabled: false } });
  const published = await d.publishedValidation();
  assert.equal(report.metrics.accuracy, published.metrics.accuracy);
  // Native and wasm f32 kernels round differently in the last bits: log loss agrees to ~1e-7.
  const diff = Math.abs(report.metrics.logLoss - published.metrics.logLoss);
  assert.ok(diff < 1e-6, `log loss differs by ${diff}`);
  assert.ok(['go', 'no-go'].includes(report.decision));
  // The same holdout as columns (one crossing per column): the same report, latency and
  // timestamps aside
  const fields = Object.keys(rows[0].record);
  const columns = Object.fromEntries(fields.map((n) => [n, rows.map((r) => r.record[n] ?? null)]));
  columns.body_mass_g = Float64Array.from(rows, (r) => r.record.body_mass_g ?? NaN);
  const byColumns = d.validate(columns, rows.map((r) => r.species), { latency: { enabled: false } });
  const comparable = (r) => ({ ...r, createdAtMs: null, durationMs: null, evidence: null });
  assert.deepEqual(comparable(byColumns), comparable(report));
  assert.throws(() => d.validate({ ...columns, island: undefined }, rows.map((r) => r.species)),
    (e) => e.code === 'E_INVALID_ARGUMENT' && /island/.test(e.message));
});

test('OTLP/JSON metrics are posted to a collector', async () => {
  const http = await import('node:http');
  const received = [];
  const collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push({ method: req.method, type: req.headers['content-type'], body }); res.writeHead(200).end('{}'); });
  });
  await new Promise((ok) => collector.listen(0, '127.0.0.1', ok));
  try {
    const reg = await Registry.load(`${server.url}/reg/manifest.json`);
    const d = await reg.open('penguins', { alias: 'production' });
    d.predict(GENTOO);
    const sent = await d.postOtlp(`http://127.0.0.1:${collector.address().port}/v1/metrics`);
    assert.deepEqual([sent.status, sent.delivered, sent.pending], [200, 1, 0]);
    assert.equal(received.length, 1);
    assert.equal(received[0].method, 'POST');
    assert.equal(received[0].type, 'application/json');
    const metrics = JSON.parse(received[0].body).resourceMetrics[0].scopeMetrics[0].metrics;
    assert.ok(metrics.length > 0);
    // No collector there: no answer, kept for a retry (not an exception, not a silent loss).
    const down = await d.postOtlp('http://127.0.0.1:9/v1/metrics', { timeoutMs: 2000 });
    assert.deepEqual([down.status, down.pending, down.retries], [null, 1, 1]);
  } finally {
    collector.close();
  }
});

test('OTLP delivery: 400 is dropped and counted, 503 and timeouts are retried, every payload acknowledged once', async () => {
  const http = await import('node:http');
  const answers = [400, 503, 'hang', 200, 200, 200, 200];
  const log = [];
  const hung = [];
  const collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const answer = answers.shift() ?? 200;
      log.push({ answer, body, auth: req.headers.authorization, type: req.headers['content-type'] });
      if (answer === 'hang') { hung.push(res); return; }
      res.writeHead(answer).end('{}');
    });
  });
  await new Promise((ok) => collector.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${collector.address().port}/v1/metrics`;
  const opts = { headers: { Authorization: 'Bearer t0ken' }, timeoutMs: 300, retryBaseMs: 1 };
  const pause = () => new Promise((ok) => setTimeout(ok, 20));
  try {
    const reg = await Registry.load(`${server.url}/reg/manifest.json`);
    const d = await reg.open('penguins', { alias: 'production' });
    d.predict(GENTOO);
    const r1 = await d.postOtlp(url, opts); // P1: 400
    assert.deepEqual([r1.status, r1.rejected, r1.pending], [400, 1, 0]);
    await pause(); d.predict(GENTOO);
    const r2 = await d.postOtlp(url, opts); // P2: 503
    assert.deepEqual([r2.status, r2.pending, r2.retries], [503, 1, 1]);
    await pause(); d.predict(GENTOO);
    const r3 = await d.postOtlp(url, opts); // P2 again: no answer (timeout); P3: 200
    assert.deepEqual([r3.status, r3.delivered, r3.pending], [200, 1, 1]);
    await pause(); d.predict(GENTOO);
    const r4 = await d.postOtlp(url, opts); // P2: 200; P4: 200
    assert.deepEqual([r4.status, r4.delivered, r4.rejected, r4.dropped, r4.pending], [200, 3, 1, 0, 0]);
    assert.ok(log.every((e) => e.auth === 'Bearer t0ken' && e.type === 'application/json'));
    const acknowledged = log.filter((e) => e.answer === 200).map((e) => e.body);
    assert.equal(acknowledged.length, 3);
    assert.equal(new Set(acknowledged).size, 3, 'no payload acknowledged twice');
    const [p1, p2] = [log[0].body, log[1].body];
    assert.ok(!acknowledged.includes(p1), 'the refused payload is not resent');
    assert.ok(acknowledged.includes(p2) && log[2].body === p2, '503 then timeout, then delivered');
    // A full outbox drops the oldest and counts it.
    const small = { ...opts, maxPayloads: 2 };
    const dead = 'http://127.0.0.1:9/full/v1/metrics';
    for (let i = 0; i < 3; i++) await d.postOtlp(dead, small);
    const full = await d.postOtlp(dead, small);
    assert.deepEqual([full.pending, full.dropped], [2, 2]);
  } finally {
    for (const res of hung) res.destroy();
    collector.close();
  }
});
