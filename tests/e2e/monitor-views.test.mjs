// The monitoring panel shows how features drifted and what the runtime counted: drifted features
// first, JS distance and χ² / KS beside PSI, every feature's reference-vs-current histogram (the
// bars are the report's counts and the reference profile's shares), the retraining rule in words,
// ▲ markers on the time charts where alerts were raised, and the live confusion matrix, confidence
// histogram, errors by code and latency histogram — each checked against dep.monitor().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, ready, screenshot, setup, simulate } from './helpers.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('drifted traffic: histograms for every feature, statistics, rule, markers and live views', async () => {
  const { page, errors, context } = await openPage(env, '/www/index.html?version=1.0.0#monitor');
  await ready(page);
  await simulate(page, { rows: 600, mass: 40, feedback: 60, malformed: true });
  await page.waitForSelector('#mon-drift tr[data-feature=body_mass_g][data-status=alert]');
  const report = await page.evaluate(() => window.__mlcycle.deployment.monitor());
  const reference = await page.evaluate(() => window.__mlcycle.deployment.reference);

  // Drifted first: the status order is alert, warn, ok, pending.
  const shown = await page.$$eval('#mon-drift tbody tr[data-feature]:not([data-feature="(predictions)"])', (trs) => trs.map((t) => [t.dataset.status, Number(t.dataset.value || -1)]));
  const order = shown.map(([s]) => s);
  const rank = { alert: 0, warn: 1, ok: 2, pending: 3 };
  assert.deepEqual(order, [...order].sort((a, b) => rank[a] - rank[b]), `rows in status order: ${order}`);
  assert.equal(order[0], 'alert');
  for (let i = 1; i < shown.length; i++) {
    if (shown[i][0] === shown[i - 1][0]) assert.ok(shown[i][1] <= shown[i - 1][1], `within a status, the larger value first: ${JSON.stringify(shown)}`);
  }

  // JS distance and the second statistic beside PSI, from the report.
  for (const f of report.drift.features) {
    const js = await page.getAttribute(`#mon-drift tr[data-feature="${f.name}"] td[data-js]`, 'data-js');
    assert.equal(Number(js), f.jsDistance, f.name);
    const second = await page.getAttribute(`#mon-drift tr[data-feature="${f.name}"] td[data-second]`, 'data-second');
    assert.match(second, f.kind === 'categorical' ? /^χ² p / : /^KS /, f.name);
  }

  // Every feature opens to its histogram; bars = reference shares and current counts / n.
  assert.equal(await page.$$eval('#mon-drift .dist', (d) => d.length), 0, 'closed by default');
  for (const f of report.drift.features) {
    await page.click(`#mon-drift [data-toggle="${f.name}"]`);
    const sel = `#mon-drift tr[data-dist-for="${f.name}"]:not([hidden]) .dist svg`;
    await page.waitForSelector(sel);
    assert.equal(await page.getAttribute(`#mon-drift [data-toggle="${f.name}"]`, 'aria-expanded'), 'true');
    const bars = await page.$$eval(`${sel} g[data-bin]`, (gs) => gs.map((g) => [Number(g.dataset.ref), Number(g.dataset.cur)]));
    const prof = reference.fields.find((x) => x.name === f.name);
    const shares = (prof.numeric ?? prof.categorical).shares;
    assert.equal(bars.length, shares.length, `${f.name}: one bar pair per reference bin`);
    const n = f.counts.reduce((a, b) => a + b, 0);
    bars.forEach(([ref, cur], i) => {
      assert.ok(Math.abs(ref - shares[i]) < 1e-12, `${f.name} bin ${i} reference`);
      assert.ok(Math.abs(cur - f.counts[i] / n) < 1e-12, `${f.name} bin ${i} current`);
    });
  }
  // The open rows stay open across the periodic refresh, and the keyboard toggles them too.
  await page.waitForTimeout(1200);
  assert.equal(await page.$$eval('#mon-drift tr.dist-row:not([hidden]) .dist', (d) => d.length), report.drift.features.length);
  await page.focus('#mon-drift [data-toggle=island]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#mon-drift tr[data-dist-for=island][hidden]', { state: 'attached' });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.toggle), 'island', 'focus kept on the toggle');
  await screenshot(page, 'monitor-drift-histograms');

  // The rule in words with the configured share and the current one.
  const rule = await page.textContent('#mon-rule');
  assert.match(rule, new RegExp(`at least ${Math.round(report.alerts.rule.retrainDriftShare * 100)} %`));
  assert.match(rule, /feedback accuracy at or below 90 %/, 'the demo config: accuracy alert 0.9');
  assert.match(rule, report.alerts.retrainingRecommended ? /Now: / : /None holds now/);

  // ▲ on the time charts for the alert raised on body mass.
  const marked = await page.$$eval('#mon-rate svg g.marker', (gs) => gs.map((g) => g.dataset.signal));
  assert.ok(marked.includes('drift:body_mass_g'), `markers ${marked}`);
  // …placed at the alert's time on the chart's time axis (inside the plot, not at an edge)
  const pos = await page.$eval('#mon-rate svg', (svg) => {
    const m = svg.querySelector('g.marker[data-signal="drift:body_mass_g"] line');
    const axis = svg.querySelector('line.axis');
    return { x: Number(m.getAttribute('x1')), lo: Number(axis.getAttribute('x1')), hi: Number(axis.getAttribute('x2')) };
  });
  assert.ok(pos.x > pos.lo && pos.x <= pos.hi, JSON.stringify(pos));
  assert.ok(await page.$('#mon-latency svg g.marker[data-signal="drift:body_mass_g"]'));

  // Live views = the report's counters.
  const r = await page.evaluate(() => window.__mlcycle.deployment.monitor());
  const cells = await page.$$eval('#mon-confusion svg text.cell-text', (ts) => ts.map((t) => Number(t.textContent)));
  assert.deepEqual(cells, r.feedback.confusion.flat());
  assert.ok(r.feedback.labeled > 0);
  const conf = await page.$$eval('#mon-confidence svg g[data-bin]', (gs) => gs.map((g) => Number(g.dataset.cur)));
  const cn = r.telemetry.confidenceCounts.reduce((a, b) => a + b, 0);
  assert.deepEqual(conf.map((x) => +x.toFixed(12)), r.telemetry.confidenceCounts.map((c) => +(c / cn).toFixed(12)));
  const errs = await page.$$eval('#mon-errors-table tr[data-code]', (trs) => Object.fromEntries(trs.map((t) => [t.dataset.code, Number(t.dataset.count)])));
  assert.deepEqual(errs, r.telemetry.errors);
  assert.ok(Object.keys(errs).length > 0, 'malformed records counted by code');
  const lat = await page.$$eval('#mon-latency-hist svg g[data-bin]', (gs) => gs.map((g) => [Number(g.dataset.cur), g.querySelector('title').textContent]));
  assert.ok(Math.abs(lat.reduce((a, [b]) => a + b, 0) - 1) < 1e-9, 'latency shares sum to 1');
  // bin by bin: the report's counts on its edges (the chart shows the non-empty range ± 1 bin)
  const lh = r.telemetry.latencyHistogram;
  const ln = lh.counts.reduce((a, b) => a + b, 0);
  const first = lh.counts.findIndex((c) => c > 0);
  lat.forEach(([share], j) => {
    const i = Math.max(0, first - 1) + j;
    assert.ok(Math.abs(share - lh.counts[i] / ln) < 1e-12, `latency bin ${i}`);
  });
  assert.match(lat[first === 0 ? 0 : 1][1], first === 0 ? /^< 10 µs \(incl\. readings of 0/ : new RegExp(`${lh.edgesMs[first - 1] < 1 ? +(lh.edgesMs[first - 1] * 1000).toPrecision(3) : lh.edgesMs[first - 1]}`));
  await screenshot(page, 'monitor-live');

  // Read by everyone: status shapes beside the colours (ok and alert are one hue under
  // deuteranopia), and the matrix numbers at ≥ 4.5:1 on their pills in both schemes.
  const shapes = await page.evaluate(() => Object.fromEntries(['ok', 'warn', 'alert'].map((k) => [k, getComputedStyle(document.querySelector(`#mon-drift .badge.${k}`) ?? document.body, '::before').content])));
  assert.ok(shapes.ok.includes('✓') && shapes.alert.includes('▲'), JSON.stringify(shapes));
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    // One evaluation that queries and reads: the live view re-renders the matrix on a timer, and
    // a handle taken in one round trip can be detached by the next (a detached element's computed
    // style is empty — the CI run of 267cfd9 read "" here).
    const [fg, bg] = await page.evaluate(() => {
      const svg = document.querySelector('#mon-confusion svg');
      return [getComputedStyle(svg.querySelector('text.cell-text')).fill, getComputedStyle(svg.querySelector('rect.cell-pill')).fill];
    });
    assert.ok(contrast(fg, bg) >= 4.5, `${scheme}: ${fg} on ${bg} = ${contrast(fg, bg).toFixed(2)}:1`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
