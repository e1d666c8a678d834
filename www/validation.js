// Validation panel: the holdout set through a version in this browser → report, charts, go/no-go.
import { esc, heatmap, lineChart } from './charts.js';
import { loadTestSet, typedRecord } from './data.js';

const $ = (id) => document.getElementById(id);
let ctx;
const SLICE = 'island';
const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(2)} %`);
const num = (v, d = 4) => (v == null ? '—' : Number(v).toFixed(d));
const ms = (v) => (v == null ? '—' : v === 0 ? '< 0.1 ms' : `${Number(v).toFixed(3)} ms`); // 0: below this browser's timer resolution

const METRICS = [
  ['accuracy', 'accuracy', pct, 'max'], ['balancedAccuracy', 'balanced accuracy', pct, 'max'],
  ['f1Macro', 'F1 (macro)', num, 'max'], ['precisionMacro', 'precision (macro)', num, 'max'], ['recallMacro', 'recall (macro)', num, 'max'],
  ['f1Weighted', 'F1 (weighted)', num, 'max'], ['logLoss', 'log loss', num, 'min'], ['brierScore', 'Brier score', num, 'min'], ['rocAucOvr', 'ROC AUC (OvR)', num, 'max'],
];

async function runOn(version) {
  const dep = await ctx.sandbox(version);
  const { rows } = await loadTestSet();
  const spec = dep.featureSpec;
  const records = rows.map((r) => ({ ...typedRecord(r.raw, spec), [SLICE]: r.raw[SLICE] || null }));
  const labels = rows.map((r) => r.label);
  await new Promise((ok) => setTimeout(ok, 0)); // let the progress text paint
  const t0 = performance.now();
  const report = dep.validate(records, labels, { sliceField: SLICE });
  return { dep, report, ms: performance.now() - t0 };
}

function metricsTable(m, id) {
  return `<table class="compact" id="${id}"><tbody>${METRICS.map(([k, name, f]) => `<tr><th scope="row">${esc(name)}</th><td class="num" data-metric="${k}" data-value="${m[k] ?? ''}">${esc(f(m[k]))}</td></tr>`).join('')}
    <tr><th scope="row">rows evaluated</th><td class="num">${esc(m.rows)}</td></tr></tbody></table>`;
}

function render(version, { dep, report, published, ms: took }) {
  const m = report.metrics ?? {};
  const labels = m.labels ?? dep.labels;
  const crit = report.criteria ?? [];
  const q = report.quality;
  const lat = report.latency;
  let h = `<div class="card" id="val-summary" data-version="${esc(version)}" data-decision="${esc(report.decision)}">
    <h2>penguins ${esc(version)}: <span class="badge big ${report.decision === 'go' ? 'go' : 'no-go'}" id="val-decision">${esc(report.decision === 'go' ? 'GO' : 'NO-GO')}</span></h2>
    <p>Accuracy <strong id="val-accuracy" data-value="${m.accuracy}">${pct(m.accuracy)}</strong> on ${esc(report.dataset?.evaluated)} of ${esc(report.dataset?.rows)} rows, computed in this browser in ${took.toFixed(0)} ms (incl. the latency benchmark).
    ${published?.error ? `<span class="badge fail">published report: ${esc(published.error.code ?? 'error')}</span> ${esc(published.error.message ?? '')}` : published?.metrics ? `Published report: ${pct(published.metrics.accuracy)} — ${published.metrics.accuracy === m.accuracy ? '<span class="badge pass">identical</span>' : '<span class="badge warn">differs</span>'}.` : '<span class="hint">No published report to compare.</span>'}</p>
    <h3>Criteria</h3>
    ${crit.length ? `<ul id="val-criteria">${crit.map((c) => `<li data-pass="${c.pass}"><span class="badge ${c.pass ? 'pass' : 'fail'}">${c.pass ? 'pass' : 'fail'}</span> <code>${esc(c.criterion)}</code> — actual ${esc(c.actual == null ? 'n/a' : +Number(c.actual).toPrecision(6))}${c.reason ? ` · ${esc(c.reason)}` : ''}</li>`).join('')}</ul>` : '<p class="hint" id="val-criteria">No acceptance criteria in the manifest for this version.</p>'}
    ${(report.reasons ?? []).length ? `<p class="hint">${report.reasons.map(esc).join('<br>')}</p>` : ''}
  </div>
  <div class="grid2">
    <div class="card"><h3>Metrics</h3>${metricsTable(m, 'val-metrics')}
      <h3>Per class</h3><div class="table-wrap"><table class="compact"><thead><tr><th scope="col">class</th><th class="num" scope="col">precision</th><th class="num" scope="col">recall</th><th class="num" scope="col">F1</th><th class="num" scope="col">support</th><th class="num" scope="col">ROC AUC</th></tr></thead><tbody>
      ${Object.entries(m.perClass ?? {}).map(([l, c]) => `<tr><th scope="row">${esc(l)}</th><td class="num">${num(c.precision, 3)}</td><td class="num">${num(c.recall, 3)}</td><td class="num">${num(c.f1, 3)}</td><td class="num">${esc(c.support)}</td><td class="num">${num(c.rocAuc, 3)}</td></tr>`).join('')}</tbody></table></div></div>
    <div class="card"><h3>Confusion matrix</h3><div class="chart" id="val-confusion">${m.confusionMatrix ? heatmap(m.confusionMatrix, labels) : '—'}</div></div>
    <div class="card"><h3>ROC curves (one vs rest)</h3><div class="chart" id="val-roc">${lineChart((m.rocCurves ?? []).map((c) => ({ name: `${c.label}${m.perClass?.[c.label]?.rocAuc != null ? ` (AUC ${m.perClass[c.label].rocAuc.toFixed(3)})` : ''}`, points: c.fpr.map((x, i) => [x, c.tpr[i]]).filter(([x, y]) => x != null && y != null) })), { xDomain: [0, 1], yDomain: [0, 1], diagonal: true, xLabel: 'false positive rate', title: 'ROC curves', dots: true })}</div></div>
    <div class="card"><h3>Calibration (reliability)</h3><div class="chart" id="val-calibration">${lineChart((m.calibration?.classes ?? []).map((c) => ({ name: `${c.label} (ECE ${num(c.ece, 3)})`, points: c.bins.filter((b) => b.meanPredicted != null).map((b) => [b.meanPredicted, b.fractionPositive]) })), { xDomain: [0, 1], yDomain: [0, 1], diagonal: true, xLabel: 'mean predicted probability', title: 'calibration', dots: true })}</div></div>
  </div>
  <div class="grid2">
    <div class="card"><h3>Slices by ${esc(report.slices?.field ?? SLICE)}</h3>
      <div class="table-wrap"><table class="compact" id="val-slices"><thead><tr><th scope="col">${esc(report.slices?.field ?? SLICE)}</th><th class="num" scope="col">rows</th><th class="num" scope="col">accuracy</th><th class="num" scope="col">balanced acc.</th><th class="num" scope="col">F1 macro</th><th class="num" scope="col">log loss</th></tr></thead><tbody>
      ${(report.slices?.slices ?? []).map((s) => `<tr data-slice="${esc(s.value)}"><th scope="row">${esc(s.value)}</th><td class="num">${esc(s.rows)}</td><td class="num">${pct(s.metrics?.accuracy)}</td><td class="num">${pct(s.metrics?.balancedAccuracy)}</td><td class="num">${num(s.metrics?.f1Macro, 3)}</td><td class="num">${num(s.metrics?.logLoss, 3)}</td></tr>`).join('')}</tbody></table></div></div>
    <div class="card"><h3>Latency on this device</h3>
      ${lat ? `<table class="compact" id="val-latency"><thead><tr><th scope="col"></th><th class="num" scope="col">rows</th><th class="num" scope="col">p50</th><th class="num" scope="col">p95</th><th class="num" scope="col">p99</th><th class="num" scope="col">throughput</th></tr></thead><tbody>
        ${['single', 'batch'].filter((k) => lat[k]).map((k) => `<tr><th scope="row">${k}</th><td class="num">${esc(lat[k].rows)}</td><td class="num">${ms(lat[k].p50Ms)}</td><td class="num">${ms(lat[k].p95Ms)}</td><td class="num">${ms(lat[k].p99Ms)}</td><td class="num">${Math.round(lat[k].throughputPerS ?? 0).toLocaleString()} rows/s</td></tr>`).join('')}</tbody></table>
        <p class="hint">device ${esc(lat.device)}, ${esc(lat.warmup)} warm-up calls, ${esc(lat.single?.iterations)} iterations. Browsers round <code>performance.now()</code> (0.1 ms without cross-origin isolation), so single-row times near zero show as “&lt; 0.1 ms”; the batch row is precise.</p>` : '<p class="hint">Latency benchmark disabled.</p>'}</div>
  </div>
  <div class="card"><h3>Data quality</h3>
    ${q ? `<p>${esc(q.rows)} rows · ${esc(q.validRows)} valid · ${esc(q.invalidRows)} invalid · ${esc(q.duplicateRows)} duplicates —
      <span class="badge ${q.summary?.errors ? 'fail' : 'pass'}">${esc(q.summary?.errors ?? 0)} errors</span>
      <span class="badge ${q.summary?.warnings ? 'warn' : 'pass'}">${esc(q.summary?.warnings ?? 0)} warnings</span>
      <span class="badge pending">${esc(q.summary?.infos ?? 0)} infos</span></p>
      <ul id="val-findings">${(q.findings ?? []).map((f) => `<li data-kind="${esc(f.kind)}"><span class="badge ${f.severity === 'error' ? 'fail' : f.severity === 'warning' ? 'warn' : 'pending'}">${esc(f.severity)}</span> <code>${esc(f.kind)}</code> ${f.field ? `<strong>${esc(f.field)}</strong>` : ''}: ${esc(f.message)}</li>`).join('') || '<li>No findings.</li>'}</ul>
      <details><summary>Per-field profile</summary><div class="table-wrap"><table class="compact"><thead><tr><th scope="col">field</th><th scope="col">type</th><th class="num" scope="col">missing</th><th class="num" scope="col">type errors</th><th class="num" scope="col">out of range</th><th class="num" scope="col">distinct</th><th class="num" scope="col">min</th><th class="num" scope="col">max</th><th class="num" scope="col">IQR outliers</th></tr></thead><tbody>
      ${(q.fields ?? []).map((f) => `<tr><th scope="row">${esc(f.name)}</th><td>${esc(f.type)}</td><td class="num">${esc(f.missing)}</td><td class="num">${esc(f.typeErrors)}</td><td class="num">${esc(f.outOfRange)}</td><td class="num">${esc(f.distinct)}</td><td class="num">${esc(f.min ?? '—')}</td><td class="num">${esc(f.max ?? '—')}</td><td class="num">${esc(f.outliersIqr ?? '—')}</td></tr>`).join('')}</tbody></table></div></details>` : '<p class="hint">No quality report.</p>'}
  </div>`;
  return h;
}

async function run() {
  const version = $('val-version').value;
  const panel = $('panel-validation');
  panel.dataset.ready = 'running';
  $('val-run').disabled = true;
  $('val-progress').textContent = `Validating ${version} on the holdout set…`;
  try {
    const result = await runOn(version);
    // The published report is fetched on first use (it is not on the path to serving).
    result.published = await result.dep.publishedValidation().catch((e) => ({ error: e }));
    $('val-out').className = '';
    $('val-out').innerHTML = render(version, result);
    $('val-progress').textContent = `Done: ${version} is ${result.report.decision}.`;
    panel.dataset.ready = 'true';
  } catch (e) {
    $('val-out').className = 'callout error';
    $('val-out').innerHTML = `<p><strong>${esc(e.code ?? 'Error')}</strong>: ${esc(e.message ?? e)}</p>${e.code === 'E_FETCH' ? '<p>The holdout set <code>tests/data/penguins_test.csv</code> must be served next to the page (serve the repository root).</p>' : ''}`;
    $('val-progress').textContent = 'Validation failed.';
    panel.dataset.ready = 'error';
  } finally {
    $('val-run').disabled = false;
  }
}

async function compare() {
  const versions = [...$('val-version').options].map((o) => o.value);
  const out = $('val-compare-out');
  $('val-compare').disabled = true;
  out.dataset.ready = 'running';
  $('val-progress').textContent = `Comparing ${versions.join(' and ')}…`;
  const results = [];
  for (const v of versions) {
    try { results.push({ v, ...(await runOn(v)) }); } catch (e) { results.push({ v, error: e }); }
  }
  const rows = [
    ...METRICS.map(([k, name, f, better]) => ({ k, name, f, better, get: (r) => r.report.metrics?.[k] })),
    { k: 'ece', name: 'ECE (max over classes)', f: num, better: 'min', get: (r) => Math.max(...(r.report.metrics?.calibration?.classes ?? []).map((c) => c.ece ?? 0)) },
    { k: 'latencyP50', name: 'latency p50 (single)', f: ms, better: 'min', get: (r) => r.report.latency?.single?.p50Ms },
    { k: 'latencyP95', name: 'latency p95 (single)', f: ms, better: 'min', get: (r) => r.report.latency?.single?.p95Ms },
    { k: 'modelSize', name: 'model size', f: (v) => (v == null ? '—' : `${(v / 1024).toFixed(1)} KiB`), better: 'min', get: (r) => ctx.registry.manifest.models?.[ctx.model]?.versions?.[r.v]?.artifacts?.model?.size },
  ];
  const ok = results.filter((r) => !r.error);
  let h = `<div class="card"><h2>Side by side</h2><div class="table-wrap"><table class="compact compare" id="val-compare-table"><thead><tr><th scope="col">metric</th>${results.map((r) => `<th scope="col" class="num">${esc(r.v)}</th>`).join('')}</tr></thead><tbody>`;
  h += `<tr><th scope="row">decision</th>${results.map((r) => `<td class="num" data-version="${esc(r.v)}" data-metric="decision">${r.error ? `<span class="badge fail">${esc(r.error.code ?? 'error')}</span>` : `<span class="badge ${r.report.decision === 'go' ? 'go' : 'no-go'}">${esc(r.report.decision)}</span>`}</td>`).join('')}</tr>`;
  for (const row of rows) {
    const vals = ok.map((r) => row.get(r)).filter((v) => v != null && Number.isFinite(v));
    const best = vals.length > 1 ? (row.better === 'max' ? Math.max(...vals) : Math.min(...vals)) : null;
    h += `<tr><th scope="row">${esc(row.name)}</th>${results.map((r) => {
      if (r.error) return '<td class="num">—</td>';
      const v = row.get(r);
      return `<td class="num" data-version="${esc(r.v)}" data-metric="${row.k}" data-value="${v ?? ''}"${best != null && v === best ? ' data-best="true"' : ''}>${esc(row.f(v))}</td>`;
    }).join('')}</tr>`;
  }
  h += '</tbody></table></div><p class="hint">Bold = better. Latency measured here, now; model size from the manifest.</p></div>';
  out.innerHTML = h;
  out.dataset.ready = 'true';
  $('val-compare').disabled = false;
  $('val-progress').textContent = 'Comparison done.';
}

let serving = null;

/** The run button names the version it will validate. */
function label() {
  const v = $('val-version').value;
  $('val-run').textContent = v ? `Validate ${v}${v === serving ? ' (serving)' : ''}` : 'Run validation';
}

export function mount(c) {
  ctx = c;
  $('val-run').addEventListener('click', run);
  $('val-compare').addEventListener('click', compare);
  $('val-version').addEventListener('change', label);
  ctx.on('deployment', (d) => {
    const versions = Object.keys(ctx.registry.manifest.models?.[ctx.model]?.versions ?? {});
    const sel = $('val-version');
    sel.innerHTML = versions.map((v) => `<option value="${esc(v)}">${esc(v)}${v === d.version ? ' (serving)' : ''}</option>`).join('');
    // Validation follows the serving version (pick another in the select to validate it).
    sel.value = d.version;
    serving = d.version;
    label();
    // Recover from an earlier failure without a reload.
    $('val-run').disabled = false;
    $('val-compare').disabled = false;
    if ($('panel-validation').dataset.ready === 'unavailable') {
      $('val-out').className = '';
      $('val-out').textContent = '';
      delete $('panel-validation').dataset.ready;
    }
  });
  ctx.on('error', () => {
    if (ctx.deployment) return; // a failed pin while another version keeps serving
    $('val-out').textContent = 'No deployment: nothing to validate.';
    $('panel-validation').dataset.ready = 'unavailable';
    $('val-run').disabled = true;
    $('val-compare').disabled = true;
  });
}
