// Validation panel: the holdout set through a version in this browser → report, charts, go/no-go,
// intervals, and a comparison against production that says whether the difference is real.
import { esc, heatmap, lineChart } from './charts.js';
import { loadTestSet, typedRecord } from './data.js';

const $ = (id) => document.getElementById(id);
let ctx;
const DEFAULT_SLICE = 'island';
const DEFAULT_MIN_ROWS = 10;
const FEW_ROWS = 5; // a reliability bin with fewer rows than this is noise, not calibration
const RESAMPLES = 2000;
const SEED = 20260416; // fixed: the same page shows the same intervals on every run
const Z95 = 1.959963984540054;
const EPS = 2.220446049250313e-16; // the runtime's log-loss clip (float64 machine epsilon)
const MINUS = '\u2212';

const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(2)} %`);
const num = (v, d = 4) => (v == null ? '—' : Number(v).toFixed(d));
const ms = (v) => (v == null ? '—' : v === 0 ? '< 0.1 ms' : `${Number(v).toFixed(3)} ms`); // 0: below this browser's timer resolution
const signed = (v, d) => `${v < 0 ? MINUS : '+'}${Math.abs(v).toFixed(d)}`;
/** A horizontally scrollable table: focusable and named, so keyboard users can scroll it (axe scrollable-region-focusable). */
const wrap = (label, html) => `<div class="table-wrap" tabindex="0" role="region" aria-label="${esc(label)}">${html}</div>`;

const METRICS = [
  ['accuracy', 'accuracy', pct, 'max'], ['balancedAccuracy', 'balanced accuracy', pct, 'max'],
  ['f1Macro', 'F1 (macro)', num, 'max'], ['precisionMacro', 'precision (macro)', num, 'max'], ['recallMacro', 'recall (macro)', num, 'max'],
  ['f1Weighted', 'F1 (weighted)', num, 'max'], ['logLoss', 'log loss', num, 'min'], ['brierScore', 'Brier score', num, 'min'], ['rocAucOvr', 'ROC AUC (OvR)', num, 'max'],
];

// ---------- statistics (pure) ----------

/** Wilson score interval of k successes in n: unlike p ± z·se it stays inside [0, 1] near 100 % accuracy. */
export function wilson(k, n, z = Z95) {
  if (!n) return [null, null];
  const p = k / n, z2 = z * z, d = 1 + z2 / n;
  const c = (p + z2 / (2 * n)) / d;
  const h = (z / d) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/** Small seeded PRNG (mulberry32): the bootstrap must give the same interval on every run. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` resamples (row positions drawn with replacement) of n rows, shared by every statistic. */
export function resamples(n, count = RESAMPLES, seed = SEED) {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => Int32Array.from({ length: n }, () => Math.floor(rand() * n)));
}

/** numpy's default (linear) quantile of sorted values. */
function quantile(sorted, q) {
  const pos = q * (sorted.length - 1), lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Percentile bootstrap 95 % interval of stat(positions) over the resamples. */
export function bootstrapCi(stat, samples) {
  const values = Float64Array.from(samples, stat).sort();
  return [quantile(values, 0.025), quantile(values, 0.975)];
}

const mean = (ix, f) => { let s = 0; for (const i of ix) s += f(i); return ix.length ? s / ix.length : null; };

/**
 * Per-row view of a report's predictions, in the order of `rowIds`: class indices and each row's
 * log loss and Brier term, so a metric over any resample is a mean or a confusion count.
 */
function perRow(report, rowIds) {
  const p = report.predictions, labels = report.metrics.labels, k = labels.length;
  const cls = new Map(labels.map((l, i) => [l, i]));
  const at = new Map(p.rows.map((r, i) => [r, i]));
  const v = { k, y: [], yhat: [], loss: [], brier: [] };
  for (const id of rowIds) {
    const i = at.get(id), s = p.scores[i], y = cls.get(p.truth[i]);
    v.y.push(y);
    v.yhat.push(cls.get(p.predicted[i]));
    v.loss.push(-Math.log(Math.min(1 - EPS, Math.max(EPS, s[y]))));
    // Binary Brier is on the positive class only (brier_score_loss); multiclass sums over classes.
    v.brier.push(k === 2 ? ((y === 1) - s[1]) ** 2 : s.reduce((a, pc, c) => a + ((y === c) - pc) ** 2, 0));
  }
  return v;
}

/** Macro F1 over the classes present in truth or predictions of these rows (sklearn labels=None, as the runtime). */
function f1MacroPresent(v, ix) {
  const tp = new Array(v.k).fill(0), fp = new Array(v.k).fill(0), fn = new Array(v.k).fill(0);
  for (const i of ix) {
    if (v.y[i] === v.yhat[i]) tp[v.y[i]]++; else { fp[v.yhat[i]]++; fn[v.y[i]]++; }
  }
  let sum = 0, present = 0;
  for (let c = 0; c < v.k; c++) {
    const d = 2 * tp[c] + fp[c] + fn[c];
    if (d) { present++; sum += (2 * tp[c]) / d; }
  }
  return present ? sum / present : null;
}

const ROW_METRICS = {
  accuracy: (v, ix) => mean(ix, (i) => (v.y[i] === v.yhat[i] ? 1 : 0)),
  f1Macro: f1MacroPresent,
  logLoss: (v, ix) => mean(ix, (i) => v.loss[i]),
  brierScore: (v, ix) => mean(ix, (i) => v.brier[i]),
};

/** Rows where the two versions predict different classes, and how many each gets right. */
export function disagreement(base, cand) {
  let rows = 0, baseRight = 0, candRight = 0;
  for (let i = 0; i < base.y.length; i++) {
    if (base.yhat[i] === cand.yhat[i]) continue;
    rows++;
    if (base.yhat[i] === base.y[i]) baseRight++;
    if (cand.yhat[i] === cand.y[i]) candRight++;
  }
  return { rows, baseRight, candRight };
}

// ---------- running ----------

/** Categorical fields of the spec (the ones worth slicing by); the island column as a fallback. */
function sliceFields(spec) {
  const f = (spec?.fields ?? []).filter((x) => x.type === 'string' || x.categories?.length).map((x) => x.name);
  return f.length ? f : [DEFAULT_SLICE];
}

async function runOn(version, { sliceField = DEFAULT_SLICE } = {}) {
  const dep = await ctx.sandbox(version);
  const { rows } = await loadTestSet();
  const spec = dep.featureSpec;
  const fields = sliceFields(spec);
  // Slice fields need not be spec fields: carry the raw values of every candidate.
  const records = rows.map((r) => ({ ...typedRecord(r.raw, spec), ...Object.fromEntries(fields.map((f) => [f, r.raw[f] || null])) }));
  const labels = rows.map((r) => r.label);
  await new Promise((ok) => setTimeout(ok, 0)); // let the progress text paint
  const t0 = performance.now();
  const report = dep.validate(records, labels, { sliceField, includePredictions: true });
  return { dep, report, records, labels, fields, ms: performance.now() - t0 };
}

// ---------- single-version report ----------

function metricsTable(m, id) {
  return `<table class="compact" id="${id}"><tbody>${METRICS.map(([k, name, f]) => `<tr><th scope="row">${esc(name)}</th><td class="num" data-metric="${k}" data-value="${m[k] ?? ''}">${esc(f(m[k]))}</td></tr>`).join('')}
    <tr><th scope="row">rows evaluated</th><td class="num">${esc(m.rows)}</td></tr></tbody></table>`;
}

/** Wilson interval of the accuracy and a bootstrap interval of F1 macro: how far 104 rows pin them down. */
function intervals(report) {
  const m = report.metrics ?? {};
  if (m.task === 'regression') return ''; // accuracy and F1 are classification metrics
  const n = m.rows ?? 0;
  const [lo, hi] = wilson(Math.round((m.accuracy ?? 0) * n), n);
  let acc = `Accuracy <span id="val-accuracy-ci" data-lo="${lo ?? ''}" data-hi="${hi ?? ''}" data-n="${n}">95 % CI ${pct(lo)} – ${pct(hi)} (Wilson; n = ${n}: ± ${hi == null ? '—' : (((hi - lo) / 2) * 100).toFixed(1)} pp)</span>`;
  if (!report.predictions) return acc;
  const v = perRow(report, report.predictions.rows);
  const [flo, fhi] = bootstrapCi((ix) => f1MacroPresent(v, ix), resamples(v.y.length));
  acc += ` · F1 macro ${num(m.f1Macro, 3)}, <span id="val-f1-ci" data-lo="${flo}" data-hi="${fhi}" data-point="${m.f1Macro}">95 % CI ${num(flo, 3)} – ${num(fhi, 3)} (bootstrap, ${RESAMPLES} resamples)</span>`;
  return acc;
}

/** ML Test Score of this run, shown beside the GO so the GO is not read as "ready for production". */
function readinessLine(r) {
  if (!r) return '';
  return `<p id="val-readiness-summary" data-final-score="${r.finalScore}">GO / NO-GO is the manifest's acceptance criteria on this holdout, not production readiness:
    <a href="#val-readiness">readiness (ML Test Score) ${esc(r.finalScore)}</a> — ${esc(r.band)}.</p>`;
}

function summaryCard(version, report, published, took) {
  const m = report.metrics ?? {};
  const crit = report.criteria ?? [];
  const go = report.decision === 'go';
  return `<div class="card" id="val-summary" data-version="${esc(version)}" data-decision="${esc(report.decision)}">
    <h2>penguins ${esc(version)}: <span class="badge big ${go ? 'go' : 'no-go'}" id="val-decision">${go ? 'GO' : 'NO-GO'}</span> <span class="by-criteria">by the criteria${report.readiness ? ` · readiness ${esc(report.readiness.finalScore)}` : ''}</span></h2>
    ${readinessLine(report.readiness)}
    <p>Accuracy <strong id="val-accuracy" data-value="${m.accuracy}">${pct(m.accuracy)}</strong> on ${esc(report.dataset?.evaluated)} of ${esc(report.dataset?.rows)} rows, computed in this browser in ${took.toFixed(0)} ms (incl. the latency benchmark).
    ${published?.error ? `<span class="badge fail">published report: ${esc(published.error.code ?? 'error')}</span> ${esc(published.error.message ?? '')}` : published?.metrics ? `Published report: ${pct(published.metrics.accuracy)} — ${published.metrics.accuracy === m.accuracy ? '<span class="badge pass">identical</span>' : '<span class="badge warn">differs</span>'}.` : '<span class="hint">No published report to compare.</span>'}</p>
    <p class="ci-line">${intervals(report)}</p>
    <h3>Criteria</h3>
    ${crit.length ? `<ul id="val-criteria">${crit.map((c) => `<li data-pass="${c.pass}"><span class="badge ${c.pass ? 'pass' : 'fail'}">${c.pass ? 'pass' : 'fail'}</span> <code>${esc(c.criterion)}</code> — actual ${esc(c.actual == null ? 'n/a' : +Number(c.actual).toPrecision(6))}${c.reason ? ` · ${esc(c.reason)}` : ''}</li>`).join('')}</ul>` : '<p class="hint" id="val-criteria">No acceptance criteria in the manifest for this version.</p>'}
    ${(report.reasons ?? []).length ? `<p class="hint">${report.reasons.map(esc).join('<br>')}</p>` : ''}
  </div>`;
}

function perClassTable(m) {
  return wrap('Per-class metrics', `<table class="compact"><thead><tr><th scope="col">class</th><th class="num" scope="col">precision</th><th class="num" scope="col">recall</th><th class="num" scope="col">F1</th><th class="num" scope="col">support</th><th class="num" scope="col">ROC AUC</th></tr></thead><tbody>
      ${Object.entries(m.perClass ?? {}).map(([l, c]) => `<tr><th scope="row">${esc(l)}</th><td class="num">${num(c.precision, 3)}</td><td class="num">${num(c.recall, 3)}</td><td class="num">${num(c.f1, 3)}</td><td class="num">${esc(c.support)}</td><td class="num">${num(c.rocAuc, 3)}</td></tr>`).join('')}</tbody></table>`);
}

function rocChart(m) {
  return lineChart((m.rocCurves ?? []).map((c) => ({ name: `${c.label}${m.perClass?.[c.label]?.rocAuc != null ? ` (AUC ${m.perClass[c.label].rocAuc.toFixed(3)})` : ''}`, points: c.fpr.map((x, i) => [x, c.tpr[i]]).filter(([x, y]) => x != null && y != null) })), { xDomain: [0, 1], yDomain: [0, 1], diagonal: true, xLabel: 'false positive rate', title: 'ROC curves: true positive rate against false positive rate, one per class', dots: true });
}

/** Precision–recall per class: with imbalanced classes it shows what ROC hides (the cost of false positives). */
function prCard(m) {
  const curves = m.prCurves ?? [];
  const ap = (c) => (c.averagePrecision == null ? '' : ` (AP ${c.averagePrecision.toFixed(3)})`);
  const chart = lineChart(curves.map((c) => ({ name: `${c.label}${ap(c)}`, points: c.recall.map((x, i) => [x, c.precision[i]]) })),
    { xDomain: [0, 1], yDomain: [0, 1], xLabel: 'recall (y: precision)', title: 'Precision–recall curves, one per class (one vs rest)', empty: 'No precision–recall curves in this report.' });
  return `<div class="card"><h3>Precision–recall curves (one vs rest)</h3><div class="chart" id="val-pr">${chart}</div>
    ${curves.length ? `<p class="hint" id="val-pr-ap">Average precision (area under the step curve): ${curves.map((c) => `<span data-class="${esc(c.label)}" data-ap="${c.averagePrecision ?? ''}">${esc(c.label)} ${num(c.averagePrecision, 3)}</span>`).join(' · ')}</p>` : ''}</div>`;
}

/** Rows per reliability bin and class: a bin of 1–2 rows says nothing about calibration. */
function calibrationCounts(cal) {
  const classes = cal?.classes ?? [];
  if (!classes.length) return '';
  const bins = classes[0].bins;
  const cell = (c, b, j) => {
    const few = b.count > 0 && b.count < FEW_ROWS;
    const title = b.count ? `mean predicted ${num(b.meanPredicted, 3)}, observed ${num(b.fractionPositive, 3)}` : 'empty bin';
    return `<td class="num${few ? ' few' : ''}" data-class="${esc(c.label)}" data-bin="${j}" data-count="${b.count}" data-few="${few}" title="${esc(title)}">${b.count ? esc(b.count) : '—'}${few ? ' <span class="few-mark">few</span>' : ''}</td>`;
  };
  return `${wrap('Calibration bin counts', `<table class="compact" id="val-calibration-counts"><caption class="hint">Rows per bin</caption><thead><tr><th scope="col">predicted p</th>${classes.map((c) => `<th class="num" scope="col">${esc(c.label)}</th>`).join('')}</tr></thead><tbody>
    ${bins.map((b, j) => `<tr><th scope="row">${num(b.lower, 1)}–${num(b.upper, 1)}</th>${classes.map((c) => cell(c, c.bins[j], j)).join('')}</tr>`).join('')}</tbody></table>`)}
    <p class="hint">“few” = fewer than ${FEW_ROWS} rows in the bin: its point on the curve is noise, not miscalibration.</p>`;
}

function calibrationCard(m) {
  const chart = lineChart((m.calibration?.classes ?? []).map((c) => ({ name: `${c.label} (ECE ${num(c.ece, 3)})`, points: c.bins.filter((b) => b.meanPredicted != null).map((b) => [b.meanPredicted, b.fractionPositive]) })), { xDomain: [0, 1], yDomain: [0, 1], diagonal: true, xLabel: 'mean predicted probability', title: 'Calibration: observed fraction against mean predicted probability, one per class', dots: true });
  return `<div class="card"><h3>Calibration (reliability)</h3><div class="chart" id="val-calibration">${chart}</div>${calibrationCounts(m.calibration)}</div>`;
}

// ---------- slices ----------

const sliceState = { field: DEFAULT_SLICE, min: DEFAULT_MIN_ROWS };

/** Slice rows: small ones greyed and never flagged (their metrics swing by whole rows). */
function slicesTable(slices, min, overall) {
  const field = slices?.field ?? sliceState.field;
  const rows = (slices?.slices ?? []).map((s) => {
    const m = s.metrics ?? {};
    const small = s.rows < min;
    const below = !small && m.accuracy != null && overall != null && m.accuracy < overall;
    const mark = small ? ` <span class="badge pending">too small (n &lt; ${esc(min)})</span>` : below ? ' <span class="badge warn">below overall</span>' : '';
    return `<tr data-slice="${esc(s.value)}" data-rows="${s.rows}" data-small="${small}" data-below="${below}" data-f1="${m.f1Macro ?? ''}" data-accuracy="${m.accuracy ?? ''}"${small ? ' class="too-small"' : ''}><th scope="row">${esc(s.value)}${mark}</th><td class="num">${esc(s.rows)}</td><td class="num">${pct(m.accuracy)}</td><td class="num">${pct(m.balancedAccuracy)}</td><td class="num">${num(m.f1Macro, 3)}</td><td class="num">${num(m.logLoss, 3)}</td></tr>`;
  });
  return wrap(`Metrics per ${field}`, `<table class="compact" id="val-slices" data-field="${esc(field)}" data-min="${esc(min)}"><thead><tr><th scope="col">${esc(field)}</th><th class="num" scope="col">rows</th><th class="num" scope="col">accuracy</th><th class="num" scope="col">balanced acc.</th><th class="num" scope="col">F1 macro</th><th class="num" scope="col">log loss</th></tr></thead><tbody>
      ${rows.join('')}</tbody></table>`);
}

function slicesCard(result) {
  const field = result.report.slices?.field ?? sliceState.field;
  return `<div class="card" id="val-slices-card" data-field="${esc(field)}" data-ready="true"><h3 id="val-slices-title">Slices by ${esc(field)}</h3>
    <div class="row wrap slice-controls">
      <label for="val-slice-field">Slice by</label>
      <select id="val-slice-field">${result.fields.map((f) => `<option value="${esc(f)}"${f === field ? ' selected' : ''}>${esc(f)}</option>`).join('')}</select>
      <label for="val-slice-min">Minimum rows</label>
      <input type="number" id="val-slice-min" min="1" step="1" value="${esc(sliceState.min)}" inputmode="numeric">
    </div>
    <div id="val-slices-body">${slicesTable(result.report.slices, sliceState.min, result.report.metrics?.accuracy)}</div>
    <p class="hint" id="val-slices-hint">Slices with fewer than the minimum rows are greyed and marked “too small”: one row moves their accuracy by several points. “below overall” marks a large-enough slice whose accuracy is under the holdout's. Macro averages (balanced accuracy, F1 macro) count only the classes present in the slice (in its truth or predictions, as sklearn with <code>labels=None</code>): a one-species slice predicted perfectly scores F1 1.000.</p></div>`;
}

// ---------- latency, quality, readiness ----------

function latencyCard(lat) {
  return `<div class="card"><h3>Latency on this device</h3>
      ${lat ? `${wrap('Latency percentiles', `<table class="compact" id="val-latency"><thead><tr><th scope="col"><span class="sr-only">mode</span></th><th class="num" scope="col">rows</th><th class="num" scope="col">p50</th><th class="num" scope="col">p95</th><th class="num" scope="col">p99</th><th class="num" scope="col">throughput</th></tr></thead><tbody>
        ${['single', 'batch'].filter((k) => lat[k]).map((k) => `<tr><th scope="row">${k}</th><td class="num">${esc(lat[k].rows)}</td><td class="num">${ms(lat[k].p50Ms)}</td><td class="num">${ms(lat[k].p95Ms)}</td><td class="num">${ms(lat[k].p99Ms)}</td><td class="num">${Math.round(lat[k].throughputPerS ?? 0).toLocaleString()} rows/s</td></tr>`).join('')}</tbody></table>`)}
        <p class="hint">device ${esc(lat.device)}, ${esc(lat.warmup)} warm-up calls, ${esc(lat.single?.iterations)} iterations. Browsers round <code>performance.now()</code> (0.1 ms without cross-origin isolation), so single-row times near zero show as “&lt; 0.1 ms”; the batch row is precise.</p>` : '<p class="hint">Latency benchmark disabled.</p>'}</div>`;
}

function qualityCard(q) {
  if (!q) return '<div class="card"><h3>Data quality</h3><p class="hint">No quality report.</p></div>';
  return `<div class="card"><h3>Data quality</h3>
    <p>${esc(q.rows)} rows · ${esc(q.validRows)} valid · ${esc(q.invalidRows)} invalid · ${esc(q.duplicateRows)} duplicates —
      <span class="badge ${q.summary?.errors ? 'fail' : 'pass'}">${esc(q.summary?.errors ?? 0)} errors</span>
      <span class="badge ${q.summary?.warnings ? 'warn' : 'pass'}">${esc(q.summary?.warnings ?? 0)} warnings</span>
      <span class="badge pending">${esc(q.summary?.infos ?? 0)} infos</span></p>
      <ul id="val-findings">${(q.findings ?? []).map((f) => `<li data-kind="${esc(f.kind)}"><span class="badge ${f.severity === 'error' ? 'fail' : f.severity === 'warning' ? 'warn' : 'pending'}">${esc(f.severity)}</span> <code>${esc(f.kind)}</code> ${f.field ? `<strong>${esc(f.field)}</strong>` : ''}: ${esc(f.message)}</li>`).join('') || '<li>No findings.</li>'}</ul>
      <details><summary>Per-field profile</summary>${wrap('Per-field profile', `<table class="compact"><thead><tr><th scope="col">field</th><th scope="col">type</th><th class="num" scope="col">missing</th><th class="num" scope="col">type errors</th><th class="num" scope="col">out of range</th><th class="num" scope="col">distinct</th><th class="num" scope="col">min</th><th class="num" scope="col">max</th><th class="num" scope="col">IQR outliers</th></tr></thead><tbody>
      ${(q.fields ?? []).map((f) => `<tr><th scope="row">${esc(f.name)}</th><td>${esc(f.type)}</td><td class="num">${esc(f.missing)}</td><td class="num">${esc(f.typeErrors)}</td><td class="num">${esc(f.outOfRange)}</td><td class="num">${esc(f.distinct)}</td><td class="num">${esc(f.min ?? '—')}</td><td class="num">${esc(f.max ?? '—')}</td><td class="num">${esc(f.outliersIqr ?? '—')}</td></tr>`).join('')}</tbody></table>`)}</details>
  </div>`;
}

const SECTIONS = ['data', 'model', 'infrastructure', 'monitoring'];
const STATUS_BADGE = { automated: 'pass', manual: 'warn', missing: 'fail' };

function readinessTest(t) {
  return `<li data-test="${esc(t.id)}" data-status="${esc(t.status)}" data-score="${t.score}"><span class="badge ${STATUS_BADGE[t.status] ?? 'pending'}">${esc(t.status)} · ${esc(t.score)}</span> <code>${esc(t.id)}</code> ${esc(t.title)}
    ${t.evidence ? `<span class="evidence">${esc(t.evidence)}${t.source ? ` (${esc(t.source)})` : ''}</span>` : ''}</li>`;
}

/** The 28 tests of Breck et al. (2017): what this run automated, and what is left to do by hand. */
function readinessCard(r) {
  if (!r) return '';
  const tests = r.tests ?? [];
  const perSection = (s) => tests.filter((t) => t.section === s);
  const title = (id) => tests.find((t) => t.id === id)?.title ?? '';
  return `<div class="card" id="val-readiness" data-final-score="${r.finalScore}" data-band="${esc(r.band)}">
    <h3>Production readiness (ML Test Score)</h3>
    <p>Final score <strong id="val-readiness-final">${esc(r.finalScore)}</strong> — <span id="val-readiness-band">${esc(r.band)}</span>.</p>
    <p class="hint">Each test scores 1 when automated, ½ when a manual check is documented, 0 otherwise; a section is the sum of its tests and the final score is the <em>minimum</em> over the four sections (Breck et al., <cite>The ML Test Score</cite>, 2017), so one neglected section caps it. A GO by the criteria says the model meets its metrics on this holdout; this says how much of the surrounding practice is in place.</p>
    <div class="stats" id="val-readiness-sections">${SECTIONS.map((s) => `<div class="stat" data-section="${s}" data-score="${r.sections?.[s] ?? ''}"><div class="v">${esc(r.sections?.[s] ?? '—')} <span class="of">/ ${perSection(s).length || 7}</span></div><div class="k">${esc(s)}</div></div>`).join('')}</div>
    <details id="val-readiness-tests-details"><summary>All ${tests.length} tests, with evidence</summary>
      ${SECTIONS.map((s) => `<h4>${esc(s)}</h4><ul class="readiness-tests">${perSection(s).map(readinessTest).join('')}</ul>`).join('')}
    </details>
    <h4 class="plain">Manual items remaining (${(r.manualRemaining ?? []).length})</h4>
    <ul class="readiness-manual" id="val-readiness-manual" data-count="${(r.manualRemaining ?? []).length}">${(r.manualRemaining ?? []).map((id) => `<li data-test="${esc(id)}"><code>${esc(id)}</code> ${esc(title(id))}</li>`).join('') || '<li>None.</li>'}</ul>
  </div>`;
}

function render(version, result) {
  const { report, published, ms: took } = result;
  const m = report.metrics ?? {};
  const labels = m.labels ?? result.dep.labels;
  return `${summaryCard(version, report, published, took)}
  <div class="grid2">
    <div class="card"><h3>Metrics</h3>${metricsTable(m, 'val-metrics')}
      <h3>Per class</h3>${perClassTable(m)}</div>
    <div class="card"><h3>Confusion matrix</h3><div class="chart" id="val-confusion">${m.confusionMatrix ? heatmap(m.confusionMatrix, labels, { title: 'Confusion matrix: rows true class, columns predicted class' }) : '—'}</div></div>
    <div class="card"><h3>ROC curves (one vs rest)</h3><div class="chart" id="val-roc">${rocChart(m)}</div></div>
    ${prCard(m)}
    ${calibrationCard(m)}
    ${slicesCard(result)}
  </div>
  <div class="grid2">
    ${latencyCard(report.latency)}
    ${readinessCard(report.readiness)}
  </div>
  ${qualityCard(report.quality)}`;
}

let last = null; // the last single-version run: the slice picker re-slices it without a new benchmark

async function run() {
  const version = $('val-version').value;
  const panel = $('panel-validation');
  panel.dataset.ready = 'running';
  // Disabling the focused button drops focus to <body>: give it back when the run ends.
  const refocus = document.activeElement === $('val-run');
  $('val-run').disabled = true;
  $('val-progress').textContent = `Validating ${version} on the holdout set…`;
  try {
    const fields = sliceFields((await ctx.sandbox(version)).featureSpec);
    const result = await runOn(version, { sliceField: fields.includes(sliceState.field) ? sliceState.field : fields[0] });
    // The published report is fetched on first use (it is not on the path to serving).
    result.published = await result.dep.publishedValidation().catch((e) => ({ error: e }));
    last = { version, ...result, slicesByField: { [result.report.slices?.field]: result.report.slices } };
    $('val-out').className = '';
    $('val-out').innerHTML = render(version, result);
    $('val-out').report = result.report; // for tests and the console: the report the page shows
    $('val-progress').textContent = `Done: ${version} is ${result.report.decision}.`;
    panel.dataset.ready = 'true';
  } catch (e) {
    $('val-out').className = 'callout error';
    $('val-out').innerHTML = `<p><strong>${esc(e.code ?? 'Error')}</strong>: ${esc(e.message ?? e)}</p>${e.code === 'E_FETCH' ? '<p>The holdout set <code>tests/data/penguins_test.csv</code> must be served next to the page (serve the repository root).</p>' : ''}`;
    $('val-progress').textContent = 'Validation failed.';
    panel.dataset.ready = 'error';
  } finally {
    $('val-run').disabled = !serving;
    if (refocus) $('val-run').focus();
  }
}

/** Slices of the last run by `field`: validated again without the latency benchmark (slices only). */
function slicesBy(field) {
  if (!last.slicesByField[field]) {
    const report = last.dep.validate(last.records, last.labels, { sliceField: field, latency: { enabled: false }, rocCurves: false });
    last.slicesByField[field] = report.slices;
  }
  return last.slicesByField[field];
}

function reslice() {
  const card = $('val-slices-card');
  if (!last || !card) return;
  card.dataset.ready = 'running';
  sliceState.field = $('val-slice-field').value;
  const min = Number($('val-slice-min').value);
  sliceState.min = Number.isFinite(min) && min >= 1 ? Math.floor(min) : DEFAULT_MIN_ROWS;
  try {
    $('val-slices-body').innerHTML = slicesTable(slicesBy(sliceState.field), sliceState.min, last.report.metrics?.accuracy);
    $('val-slices-title').textContent = `Slices by ${sliceState.field}`;
    card.dataset.field = sliceState.field;
    card.dataset.ready = 'true';
  } catch (e) {
    $('val-slices-body').innerHTML = `<p class="callout error"><strong>${esc(e.code ?? 'Error')}</strong>: ${esc(e.message ?? e)}</p>`;
    card.dataset.ready = 'error';
  }
}

// ---------- compare ----------

const DELTAS = [
  { k: 'accuracy', name: 'accuracy', better: 'max', scale: 100, d: 2, unit: ' pp' },
  { k: 'f1Macro', name: 'F1 macro', better: 'max', scale: 1, d: 3, unit: '' },
  { k: 'logLoss', name: 'log loss', better: 'min', scale: 1, d: 3, unit: '' },
  { k: 'brierScore', name: 'Brier score', better: 'min', scale: 1, d: 4, unit: '' },
];
const RULE = `Rule: promote only if the manifest's criteria pass (GO) and no metric is significantly worse than production; call a version better only if a 95 % interval of the difference excludes 0 in its favour, and promote only then. A GO with every interval containing 0 is held: this holdout cannot tell the versions apart. Intervals: paired bootstrap over the holdout rows (the same ${RESAMPLES} resamples for both versions, seed ${SEED}); accuracy per version: Wilson score interval.`;

/** Which direction an interval of (candidate − production) excludes 0 in, if any. */
function significance(lo, hi, better) {
  if (lo > 0) return better === 'max' ? 'better' : 'worse';
  if (hi < 0) return better === 'max' ? 'worse' : 'better';
  return 'none';
}

/** Candidate vs production on the same rows: point delta, paired-bootstrap interval, disagreements. */
export function pairedComparison(base, cand) {
  const inCand = new Set(cand.report.predictions.rows);
  const ids = base.report.predictions.rows.filter((r) => inCand.has(r));
  const a = perRow(base.report, ids), b = perRow(cand.report, ids);
  const all = ids.map((_, i) => i);
  const samples = resamples(ids.length);
  const deltas = DELTAS.map((d) => {
    const f = ROW_METRICS[d.k];
    const delta = f(b, all) - f(a, all);
    const [lo, hi] = bootstrapCi((ix) => f(b, ix) - f(a, ix), samples);
    return { ...d, delta, lo, hi, sig: significance(lo, hi, d.better) };
  });
  return { rows: ids.length, deltas, dis: disagreement(a, b) };
}

export function verdictOf(cand, cmp) {
  const names = (sig) => cmp.deltas.filter((d) => d.sig === sig).map((d) => d.name);
  if (cand.report.decision !== 'go') return { verdict: 'hold', why: 'the criteria fail' };
  if (names('worse').length) return { verdict: 'hold', why: `significantly worse on ${names('worse').join(', ')}` };
  if (names('better').length) return { verdict: 'promote', why: `significantly better on ${names('better').join(', ')}, worse on none` };
  return { verdict: 'hold', why: 'no evidence it is better' };
}

const fmtDelta = (d, v) => `${signed(v * d.scale, d.d)}${d.unit}`;
const fmtCi = (d) => `[${signed(d.lo * d.scale, d.d)}, ${signed(d.hi * d.scale, d.d)}]`;
const SIG_TEXT = { none: 'not significant', better: 'significantly better', worse: 'significantly worse' };

function explanation(v, base, cand, cmp, verdict) {
  const go = cand.report.decision === 'go';
  const shown = cmp.deltas.filter((d) => d.k === 'accuracy' || d.sig !== 'none');
  const deltas = shown.map((d) => `${d.name} ${fmtDelta(d, d.delta)} ${fmtCi(d)} (${SIG_TEXT[d.sig]})`).join(', ');
  const { rows, candRight, baseRight } = cmp.dis;
  return `${esc(v)}: criteria ${go ? 'pass (GO by the manifest’s criteria)' : 'fail (NO-GO by the manifest’s criteria)'}, ${go && verdict.verdict !== 'promote' ? 'but' : 'and'} vs production ${esc(base)} ${esc(deltas)}; of ${rows} row${rows === 1 ? '' : 's'} where they disagree, ${esc(v)} is right on ${candRight} and ${esc(base)} on ${baseRight} → <strong>${esc(verdict.verdict)}: ${esc(verdict.why)}</strong>.`;
}

function deltaTable(v, base, cmp) {
  return wrap(`${v} minus ${base}, with 95 % intervals`, `<table class="compact delta-table"><thead><tr><th scope="col">metric</th><th class="num" scope="col"><abbr title="${esc(v)} − ${esc(base)}">Δ</abbr></th><th class="num" scope="col">95 % CI</th><th scope="col">verdict</th></tr></thead><tbody>
    ${cmp.deltas.map((d) => `<tr data-metric="${d.k}" data-delta="${d.delta}" data-lo="${d.lo}" data-hi="${d.hi}" data-significant="${d.sig}"><th scope="row">${esc(d.name)} <span class="sr-only">(${d.better === 'max' ? 'higher' : 'lower'} is better)</span><span aria-hidden="true" class="hint">${d.better === 'max' ? '↑' : '↓'}</span></th><td class="num">${esc(fmtDelta(d, d.delta))}</td><td class="num">${esc(fmtCi(d))}</td><td><span class="badge ${d.sig === 'better' ? 'pass' : d.sig === 'worse' ? 'fail' : 'pending'}">${esc(SIG_TEXT[d.sig])}</span></td></tr>`).join('')}</tbody></table>`);
}

function candidateCard(base, cand) {
  if (cand.error) return `<div class="card val-delta" data-candidate="${esc(cand.v)}" data-verdict="error"><p><span class="badge fail">${esc(cand.error.code ?? 'error')}</span> ${esc(cand.v)}: ${esc(cand.error.message ?? cand.error)}</p></div>`;
  if (!base.report.predictions || !cand.report.predictions) return `<div class="card val-delta" data-candidate="${esc(cand.v)}" data-verdict="unknown"><p class="hint">No per-row predictions in the report: deltas need <code>includePredictions</code>.</p></div>`;
  const cmp = pairedComparison(base, cand);
  const verdict = verdictOf(cand, cmp);
  cand.verdict = verdict.verdict;
  return `<div class="card val-delta" data-candidate="${esc(cand.v)}" data-baseline="${esc(base.v)}" data-verdict="${verdict.verdict}" data-rows="${cmp.rows}"
      data-disagree="${cmp.dis.rows}" data-candidate-right="${cmp.dis.candRight}" data-baseline-right="${cmp.dis.baseRight}">
    <h3>${esc(cand.v)} vs production ${esc(base.v)}: <span class="badge ${verdict.verdict === 'promote' ? 'go' : 'warn'}">${esc(verdict.verdict)}</span></h3>
    <p class="val-explanation">${explanation(cand.v, base.v, cand, cmp, verdict)}</p>
    ${deltaTable(cand.v, base.v, cmp)}
    <p class="hint">Δ = ${esc(cand.v)} − ${esc(base.v)}; ↑ higher is better (accuracy, F1 macro), ↓ lower is better (log loss, Brier score).</p>
    <p class="hint">Disagreements: ${cmp.dis.rows} of ${cmp.rows} rows get different classes; ${esc(cand.v)} is right on ${cmp.dis.candRight}, ${esc(base.v)} on ${cmp.dis.baseRight}${cmp.dis.rows - cmp.dis.candRight - cmp.dis.baseRight ? `, neither on ${cmp.dis.rows - cmp.dis.candRight - cmp.dis.baseRight}` : ''}. Every other row is predicted alike, so only these rows can separate the versions.</p>
  </div>`;
}

function compareRows() {
  const accCi = (r) => { const m = r.report.metrics ?? {}; return wilson(Math.round((m.accuracy ?? 0) * (m.rows ?? 0)), m.rows ?? 0); };
  return [
    ...METRICS.map(([k, name, f, better]) => ({ k, name, f, better, get: (r) => r.report.metrics?.[k] })),
    { k: 'ece', name: 'ECE (max over classes)', f: num, better: 'min', get: (r) => Math.max(...(r.report.metrics?.calibration?.classes ?? []).map((c) => c.ece ?? 0)) },
    { k: 'latencyP50', name: 'latency p50 (single)', f: ms, better: 'min', get: (r) => r.report.latency?.single?.p50Ms },
    { k: 'latencyP95', name: 'latency p95 (single)', f: ms, better: 'min', get: (r) => r.report.latency?.single?.p95Ms },
    { k: 'modelSize', name: 'model size', f: (v) => (v == null ? '—' : `${(v / 1024).toFixed(1)} KiB`), better: 'min', get: (r) => ctx.registry.manifest.models?.[ctx.model]?.versions?.[r.v]?.artifacts?.model?.size },
  ].map((row) => (row.k === 'accuracy' ? [row, { k: 'accuracyCi', name: 'accuracy 95 % CI (Wilson)', ci: accCi }] : [row])).flat();
}

function ciCell(r, row) {
  const [lo, hi] = row.ci(r);
  return `<td class="num" data-version="${esc(r.v)}" data-metric="${row.k}" data-lo="${lo ?? ''}" data-hi="${hi ?? ''}">${pct(lo)} – ${pct(hi)}</td>`;
}

function sideBySide(results, baseV) {
  const ok = results.filter((r) => !r.error);
  const head = (r) => `<th scope="col" class="num">${esc(r.v)}${r.v === baseV ? ' <span class="hint">(baseline)</span>' : ''}</th>`;
  let h = `<table class="compact compare" id="val-compare-table"><thead><tr><th scope="col">metric</th>${results.map(head).join('')}</tr></thead><tbody>`;
  h += `<tr><th scope="row">criteria (manifest)</th>${results.map((r) => `<td class="num" data-version="${esc(r.v)}" data-metric="decision">${r.error ? `<span class="badge fail">${esc(r.error.code ?? 'error')}</span>` : `<span class="badge ${r.report.decision === 'go' ? 'go' : 'no-go'}">${esc(r.report.decision)}</span>`}</td>`).join('')}</tr>`;
  h += `<tr><th scope="row">vs production</th>${results.map((r) => `<td class="num" data-version="${esc(r.v)}" data-metric="verdict" data-value="${esc(r.v === baseV ? 'baseline' : r.verdict ?? '')}">${r.v === baseV ? 'baseline' : r.verdict ? `<span class="badge ${r.verdict === 'promote' ? 'go' : 'warn'}">${esc(r.verdict)}</span>` : '—'}</td>`).join('')}</tr>`;
  for (const row of compareRows()) {
    if (row.ci) { h += `<tr><th scope="row">${esc(row.name)}</th>${results.map((r) => (r.error ? '<td class="num">—</td>' : ciCell(r, row))).join('')}</tr>`; continue; }
    const vals = ok.map((r) => row.get(r)).filter((v) => v != null && Number.isFinite(v));
    const best = vals.length > 1 ? (row.better === 'max' ? Math.max(...vals) : Math.min(...vals)) : null;
    h += `<tr><th scope="row">${esc(row.name)}</th>${results.map((r) => {
      if (r.error) return '<td class="num">—</td>';
      const v = row.get(r);
      return `<td class="num" data-version="${esc(r.v)}" data-metric="${row.k}" data-value="${v ?? ''}"${best != null && v === best ? ' data-best="true"' : ''}>${esc(row.f(v))}</td>`;
    }).join('')}</tr>`;
  }
  return `<div class="card"><h2>Side by side</h2>${wrap('Metrics of every version, side by side', `${h}</tbody></table>`)}<p class="hint">Bold = the better value, not necessarily a real difference: see the intervals. Latency measured here, now; model size from the manifest.</p></div>`;
}

/** The version the manifest's `production` alias points to (else the serving one): the baseline of every delta. */
function baselineVersion(versions) {
  const p = ctx.registry.manifest.models?.[ctx.model]?.aliases?.production;
  return versions.includes(p) ? p : versions.includes(serving) ? serving : versions[0];
}

async function compare() {
  const versions = [...$('val-version').options].map((o) => o.value);
  const out = $('val-compare-out');
  const refocus = document.activeElement === $('val-compare');
  $('val-compare').disabled = true;
  out.dataset.ready = 'running';
  $('val-progress').textContent = `Comparing ${versions.join(' and ')}…`;
  try {
    const results = [];
    for (const v of versions) {
      try { results.push({ v, ...(await runOn(v)) }); } catch (e) { results.push({ v, error: e }); }
    }
    const wanted = baselineVersion(versions);
    // Production failed to open (e.g. E_INTEGRITY): compare against the first intact version and say so.
    const baseV = results.find((r) => r.v === wanted && !r.error)?.v ?? results.find((r) => !r.error)?.v ?? wanted;
    const base = results.find((r) => r.v === baseV);
    const others = results.filter((r) => r.v !== baseV);
    const failedBase = baseV !== wanted ? `<p class="callout error" id="val-compare-baseline-failed">Production ${esc(wanted)} could not be opened (${esc(results.find((r) => r.v === wanted)?.error?.code ?? 'error')}): the deltas below are against ${esc(baseV)} instead.</p>` : '';
    const regression = base.report?.metrics?.task === 'regression';
    // Deltas first: they set each candidate's verdict, which the side-by-side table shows too.
    const cards = base.error ? `<p class="callout error">Production ${esc(baseV)} failed: ${esc(base.error.message ?? base.error)}</p>`
      : regression ? '<p class="hint">Deltas with intervals are computed for classifiers; compare the regression metrics side by side below.</p>'
      : others.map((c) => candidateCard(base, c)).join('');
    out.innerHTML = `<div class="card" id="val-compare-verdicts"><h2>Against ${baseV === wanted ? 'production' : 'baseline'} ${esc(baseV)}</h2>${failedBase}
      <p class="val-rule" id="val-compare-rule">${esc(RULE)}</p>
      ${others.length ? '' : '<p class="hint">Only the production version is published: nothing to compare.</p>'}</div>
      ${cards}${sideBySide(results, baseV)}`;
    out.reports = Object.fromEntries(results.filter((r) => !r.error).map((r) => [r.v, r.report])); // for tests and the console
    out.dataset.baseline = baseV;
    out.dataset.ready = 'true';
    $('val-progress').textContent = 'Comparison done.';
  } catch (e) {
    out.innerHTML = `<p class="callout error"><strong>${esc(e.code ?? 'Error')}</strong>: ${esc(e.message ?? e)}</p>`;
    out.dataset.ready = 'error';
    $('val-progress').textContent = 'Comparison failed.';
  } finally {
    $('val-compare').disabled = !serving;
    if (refocus) $('val-compare').focus();
  }
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
  // The slice controls are re-rendered with each report: listen on the container once.
  $('val-out').addEventListener('change', (e) => { if (e.target.id === 'val-slice-field' || e.target.id === 'val-slice-min') reslice(); });
  $('val-out').addEventListener('input', (e) => { if (e.target.id === 'val-slice-min' && Number(e.target.value) >= 1) reslice(); });
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
    serving = null;
    label();
    $('val-out').className = '';
    $('val-out').textContent = 'No deployment: nothing to validate.';
    $('panel-validation').dataset.ready = 'unavailable';
    $('val-run').disabled = true;
    $('val-compare').disabled = true;
  });
}
