// Monitoring panel: a traffic simulator through the live deployment + live charts of its monitor.
import { binLabel, distribution, esc, groupedBars, heatmap, lineChart, thresholdBar } from './charts.js';
import { TEST_CSV, TRAIN_CSV, loadTestSet, typedRecord } from './data.js';

const $ = (id) => document.getElementById(id);
let ctx, dep = null;
const sim = { running: false, sent: 0, failed: 0, cursor: 0, acc: 0, timer: null, target: 0 };
let history = [];           // [{t (s since page load), predictions, p50, p90, p99, accuracy}]
let lastReport = null;
let reference = null;       // the serving version's ReferenceProfile (bins and shares of each field)
const expanded = new Set(); // drift rows whose histogram is open (kept across refreshes)
const blanks = new Map();   // version → empty snapshot (for reset)

const pct = (v, d = 1) => (v == null ? '—' : `${(v * 100).toFixed(d)} %`);
const ms = (v) => (v == null ? '—' : v === 0 ? '< 0.1 ms' : `${v < 1 ? v.toFixed(3) : v.toFixed(2)} ms`); // 0: below the browser's timer resolution

// ---------- simulator ----------
function settings() {
  const rate = $('sim-rate').value;
  return {
    fast: rate === 'fast', rate: rate === 'fast' ? 0 : Number(rate),
    limit: Math.max(0, Math.floor(Number($('sim-limit').value) || 0)),
    feedback: Number($('sim-feedback').value) / 100,
    mass: Number($('sim-mass').value) / 100,
    island: $('sim-island').checked, missing: $('sim-missing').checked, malformed: $('sim-malformed').checked,
  };
}

function sendOne(rows, spec, s) {
  const row = rows[sim.cursor++ % rows.length];
  const rec = typedRecord(row.raw, spec);
  if (s.mass && typeof rec.body_mass_g === 'number') rec.body_mass_g *= 1 + s.mass;
  if (s.island && Math.random() < 0.7) rec.island = 'Torgersen';
  if (s.missing) for (const k of Object.keys(rec)) if (Math.random() < 0.15) rec[k] = null;
  if (s.malformed && Math.random() < 0.05) {
    if (Math.random() < 0.5) rec.body_mass_g = 'heavy'; else rec.flipper_length_mm = { nested: true };
  }
  sim.sent++;
  try {
    const p = dep.predict(rec);
    if (s.feedback && Math.random() < s.feedback) dep.feedback(p.id, row.label);
  } catch {
    sim.failed++;
  }
}

async function start() {
  if (sim.running || !dep) return;
  let rows;
  const source = $('sim-source').value === 'train' ? TRAIN_CSV : TEST_CSV;
  if (sim.source !== source) { sim.source = source; sim.cursor = 0; }
  try { ({ rows } = await loadTestSet(source)); } catch (e) { $('sim-state').textContent = `Cannot load the test set: ${e.message}`; return; }
  const spec = dep.featureSpec;
  const s0 = settings();
  sim.running = true;
  sim.sent = 0; sim.failed = 0; sim.acc = 0;
  sim.target = s0.limit;
  $('sim-start').disabled = true; $('sim-stop').disabled = false;
  updateSimState();
  const loop = () => {
    if (!sim.running) return;
    const s = settings();
    let n;
    if (s.fast) n = 100;
    else { sim.acc += s.rate / 10; n = Math.floor(sim.acc); sim.acc -= n; }
    if (sim.target) n = Math.min(n, sim.target - sim.sent);
    for (let i = 0; i < n; i++) sendOne(rows, spec, s);
    updateSimState();
    if (sim.target && sim.sent >= sim.target) { stop(); return; }
    sim.timer = setTimeout(loop, s.fast ? 0 : 100);
  };
  loop();
}

function stop() {
  if (!sim.running) return;
  sim.running = false;
  clearTimeout(sim.timer);
  $('sim-start').disabled = false; $('sim-stop').disabled = true;
  try { dep?.save(ctx.monitorKey(dep.version)); } catch (e) { console.warn('save', e); }
  refresh();
  updateSimState();
}

function updateSimState() {
  const el = $('sim-state');
  el.dataset.running = String(sim.running);
  el.dataset.sent = String(sim.sent);
  el.textContent = `${sim.running ? 'Running' : 'Stopped'} · ${sim.sent} rows sent this run${sim.failed ? `, ${sim.failed} rejected` : ''}.`;
}

// ---------- rendering ----------
function stat(id, k, v, value) {
  return `<div class="stat"><div class="v" id="${id}"${value !== undefined ? ` data-value="${value}"` : ''}>${v}</div><div class="k">${k}</div></div>`;
}

/**
 * Why a feature has its status: the threshold crossed, or the hysteresis holding it (a level is
 * left only below warn × clearRatio, 0.9 by default; docs/monitoring.md "Alerts").
 */
function why(f, v, rule) {
  const clear = rule?.clearRatio ?? 0.9;
  const m = f.metric === 'psi' ? 'PSI' : f.metric;
  const x = v == null ? null : +v.toPrecision(3);
  switch (f.status) {
    case 'pending': return `waiting: ${f.count} valid values, judged from ${rule?.minSamples ?? 100}`;
    case 'ok': return `${m} ${x} < warn ${f.warn}`;
    case 'warn': return v >= f.warn ? `${m} ${x} ≥ warn ${f.warn}` : `held by hysteresis: ${m} ${x} has not dropped below warn × ${clear}`;
    case 'alert': return v >= f.alert ? `${m} ${x} ≥ alert ${f.alert}` : `held by hysteresis: entered at ≥ ${f.alert}, stays while ${m} ≥ warn ${f.warn} (now ${x})`;
    default: return '';
  }
}

function refresh() {
  if (!dep) return;
  let r = null;
  try { r = dep.monitor(); } catch (e) { if (e.message?.includes('busy')) return; throw e; }
  const panel = $('panel-monitor');
  if (!r) {
    const st = dep.status();
    $('mon-empty').hidden = false;
    $('mon-empty').innerHTML = `<p><strong>No reference profile</strong> for ${esc(dep.version)}: drift cannot be judged and nothing is persisted. Republish the version with its training set (<code>mlcycle publish --train …</code>; <code>make demo</code> rebuilds the demo registry).</p><p>Predictions served: <span id="mon-predictions" data-value="${st.predictions}">${st.predictions}</span>, failed: ${st.failedPredictions}.</p>`;
    $('mon-body').hidden = true;
    panel.dataset.ready = 'true';
    return;
  }
  $('mon-empty').hidden = true;
  $('mon-body').hidden = false;
  lastReport = r;
  const t = r.telemetry;
  const errors = Object.values(t.errors ?? {}).reduce((a, b) => a + b, 0);
  const now = performance.now() / 1000;
  const prev = history.at(-1);
  if (!prev || now - prev.t >= 0.9 || prev.predictions !== t.predictions) {
    history.push({ t: now, wall: Date.now(), predictions: t.predictions, p50: t.latencyMs.p50, p90: t.latencyMs.p90, p99: t.latencyMs.p99, accuracy: r.feedback.accuracy });
    if (history.length > 120) history.shift();
  }
  $('mon-stats').innerHTML =
    stat('mon-predictions', 'predictions', t.predictions.toLocaleString(), t.predictions)
    + stat('mon-errors', 'failed (errors)', errors.toLocaleString(), errors)
    + stat('mon-error-rate', 'error rate', pct(t.errorRate), t.errorRate ?? '')
    + stat('mon-p50', 'latency p50', ms(t.latencyMs.p50))
    + stat('mon-p99', 'latency p99', ms(t.latencyMs.p99))
    + stat('mon-feedback', `feedback accuracy (${r.feedback.labeled} labels)`, pct(r.feedback.accuracy), r.feedback.accuracy ?? '')
    + stat('mon-drifted', 'features in alert', pct(r.drift.driftedShare, 0), r.drift.driftedShare)
    + stat('mon-retrain', 'retraining', r.alerts.retrainingRecommended ? '<span class="badge alert">recommended</span>' : '<span class="badge ok">not needed</span>', String(r.alerts.retrainingRecommended));
  renderRule(r);

  // predictions per second (from consecutive samples)
  const t0 = history[0]?.t ?? now;
  const ratePts = [];
  for (let i = 1; i < history.length; i++) {
    const dt = history[i].t - history[i - 1].t;
    if (dt > 0) ratePts.push([history[i].t - t0, Math.max(0, (history[i].predictions - history[i - 1].predictions) / dt)]);
  }
  const markers = alertMarkers(r, t0);
  $('mon-rate').innerHTML = lineChart([{ name: 'predictions/s', points: ratePts }], { xLabel: 'seconds', title: 'predictions per second', markers });
  $('mon-latency').innerHTML = lineChart(['p50', 'p90', 'p99'].map((q) => ({ name: q, points: history.map((h) => [h.t - t0, h[q]]) })), { xLabel: 'seconds', title: 'latency quantiles', markers });
  const total = t.classes.reduce((a, c) => a + c.count, 0);
  $('mon-classes').innerHTML = t.classes.length
    ? groupedBars(t.classes.map((c) => ({ label: c.label, values: [total ? c.count / total : 0, c.referenceShare] })), ['current', 'reference'], { classes: ['s0', 'ref'], max: 1, format: (v) => pct(v, 0), title: 'predicted class shares vs reference' })
    : '<p class="empty">No predictions yet.</p>';
  const accPts = history.filter((h) => h.accuracy != null).map((h) => [h.t - t0, h.accuracy]);
  $('mon-accuracy').innerHTML = accPts.length
    ? `<p>${pct(r.feedback.accuracy)} on ${r.feedback.labeled} labelled predictions (${r.feedback.correct} correct${r.feedback.late ? `, ${r.feedback.late} late` : ''}).</p>${lineChart([{ name: 'accuracy', points: accPts }], { xLabel: 'seconds', yDomain: [0, 1], title: 'feedback accuracy', markers })}`
    : `<p class="empty">${r.feedback.labeled ? `${pct(r.feedback.accuracy)} on ${r.feedback.labeled} labels.` : 'No feedback labels yet.'}</p>`;

  renderDrift(r);
  renderLive(r);

  renderWindows(r);

  const hist = [...(r.alerts.history ?? [])].reverse();
  $('mon-alerts').innerHTML = hist.map((e) => `<li data-signal="${esc(e.signal)}" data-to="${esc(e.to)}" data-scope="${esc(e.scope ?? 'total')}"><time datetime="${new Date(e.atMs).toISOString()}">${new Date(e.atMs).toLocaleTimeString()}</time> <code>${esc(e.signal)}</code> ${esc(e.from)} → <span class="badge ${esc(e.to)}">${esc(e.to)}</span>${e.value != null ? ` (${(+e.value).toPrecision(3)})` : ''} <span class="hint">${e.scope === 'window' ? `window from ${new Date(e.windowStartMs).toLocaleTimeString()}` : 'running total'}</span></li>`).join('');
  if (r.alerts.reasons?.length) $('mon-alerts').insertAdjacentHTML('afterbegin', `<li><strong>Retraining recommended:</strong> ${r.alerts.reasons.map(esc).join('; ')}</li>`);
  panel.dataset.ready = 'true';
}

const RANK = { alert: 0, warn: 1, ok: 2, pending: 3 };
const fix = (v, d = 3) => (v == null ? '—' : v.toFixed(d));
/** The statistic beside PSI and JS: the χ² p-value of a categorical feature, KS of a numeric one. */
const secondStat = (f, p = 2) => (f.kind === 'categorical' ? `χ² p ${f.chi2PValue == null ? '—' : f.chi2PValue.toPrecision(p)}` : `KS ${fix(f.ksStatistic)}`);

/**
 * The drift table: drifted features first (alert, warn, then by the judged value), PSI with its
 * thresholds, JS distance and the χ² p-value (categorical) or KS statistic (numeric) beside it;
 * each row opens to the reference-vs-current histogram the statistics were computed from.
 */
function renderDrift(r) {
  const t = r.telemetry;
  const focused = document.activeElement?.closest?.('#mon-drift [data-toggle]')?.dataset.toggle;
  const features = [...r.drift.features].sort((a, b) => (RANK[a.status] - RANK[b.status]) || ((b[b.metric] ?? b.psi ?? -1) - (a[a.metric] ?? a.psi ?? -1)));
  const rows = features.map((f) => {
    const v = f[f.metric] ?? f.psi;
    const open = expanded.has(f.name);
    const id = `dist-${f.name.replace(/[^\w-]/g, '_')}`;
    const second = secondStat(f);
    return `<tr data-feature="${esc(f.name)}" data-status="${esc(f.status)}" data-value="${v ?? ''}"><th scope="row"><button type="button" class="disclosure" data-toggle="${esc(f.name)}" aria-expanded="${open}" aria-controls="${id}">${esc(f.name)}</button></th>
      <td><span class="badge ${esc(f.status)}">${esc(f.status)}</span><div class="hint why">${esc(why(f, v, r.alerts.rule))}</div></td><td class="num col-extra">${esc(f.count)}</td>
      <td class="num">${fix(f.psi)}</td><td class="num col-extra" data-js="${f.jsDistance ?? ''}">${fix(f.jsDistance)}</td><td class="num col-extra" data-second="${esc(second)}">${esc(second)}</td>
      <td class="bar-col col-extra">${thresholdBar(v, f.warn, f.alert, f.status)}<span class="hint"> ${esc(f.metric)} warn ${esc(f.warn)} · alert ${esc(f.alert)}</span></td>
      <td class="num col-extra">${pct(f.missingRate)}</td></tr>
      <tr class="dist-row" id="${id}" data-dist-for="${esc(f.name)}"${open ? '' : ' hidden'}><td colspan="8">${open ? histogram(f) : ''}</td></tr>`;
  });
  const pd = r.drift.predictions;
  if (pd) {
    // the predicted-class signal, judged on class PSI with the config's drift.predictions thresholds
    const p = { metric: 'psi', status: pd.status, count: t.predictions, warn: pd.warn ?? 0.1, alert: pd.alert ?? 0.25 };
    rows.push(`<tr data-feature="(predictions)" data-status="${esc(pd.status)}" data-value="${pd.classPsi ?? ''}"><th scope="row">predicted class</th><td><span class="badge ${esc(pd.status)}">${esc(pd.status)}</span><div class="hint why">${esc(why(p, pd.classPsi, r.alerts.rule))}</div></td><td class="num col-extra">${esc(t.predictions)}</td><td class="num">${fix(pd.classPsi)}</td><td class="num col-extra" data-js="${pd.classJsDistance ?? ''}">${fix(pd.classJsDistance)}</td><td class="num col-extra">—</td><td class="bar-col col-extra">${thresholdBar(pd.classPsi, p.warn, p.alert, pd.status)}<span class="hint"> psi warn ${esc(p.warn)} · alert ${esc(p.alert)}</span></td><td class="num col-extra"></td></tr>`);
  }
  $('mon-drift').tBodies[0].innerHTML = rows.join('');
  // Re-rendering every second must not steal a keyboard user's place.
  if (focused) $('mon-drift').querySelector(`[data-toggle="${CSS.escape(focused)}"]`)?.focus();
}

/** Reference-vs-current shares of one feature, on the reference profile's bins or categories. */
function histogram(f) {
  const field = reference?.fields?.find((x) => x.name === f.name);
  const counts = f.counts ?? [];
  const n = counts.reduce((a, b) => a + b, 0);
  const cur = (i) => (n ? (counts[i] ?? 0) / n : null);
  let bins;
  if (field?.numeric) {
    const num = (x) => `${+x.toPrecision(4)}`;
    bins = field.numeric.shares.map((ref, i) => ({ ...binLabel(i, field.numeric.edges, num), ref, cur: cur(i) }));
  } else if (field?.categorical) {
    const cats = [...field.categorical.categories, 'other'];
    bins = field.categorical.shares.map((ref, i) => ({ label: cats[i] ?? 'other', ref, cur: cur(i) }));
  } else {
    return '<p class="empty">No reference bins for this field.</p>';
  }
  const top = bins.map((b, i) => ({ i, d: Math.abs((b.cur ?? 0) - b.ref) })).sort((a, b) => b.d - a.d)[0];
  const moved = n && top ? `Largest change: ${bins[top.i].label}, ${pct(bins[top.i].ref)} of the reference → ${pct(bins[top.i].cur)} now.` : 'No current values yet.';
  return `<div class="dist" data-kind="${field.numeric ? 'numeric' : 'categorical'}" data-n="${n}">${distribution(bins, { title: `${f.name}: reference vs current distribution`, xLabel: field.numeric ? f.name : '', curName: `current (${n} values)`, refName: `reference (${field.count} values)`, curClass: f.status === 'alert' ? 's1' : 's0' })}
    <p class="hint">${esc(moved)} Missing: ${pct(f.missingRate)} now, ${pct(f.referenceMissingRate)} in the reference. JS distance ${fix(f.jsDistance)}, ${esc(secondStat(f, 3))}.</p></div>`;
}

/** The alert and retraining rule in words, next to the numbers it is applied to. */
function renderRule(r) {
  const rule = r.alerts.rule;
  if (!rule) { $('mon-rule').textContent = ''; return; }
  const parts = [`at least ${pct(rule.retrainDriftShare, 0)} of the drift-monitored features in alert (now ${pct(r.drift.driftedShare, 0)})`];
  if (rule.accuracyAlert != null) parts.push(`feedback accuracy at or below ${pct(rule.accuracyAlert, 0)} after ${rule.minLabeled} labels (now ${r.feedback.labeled ? `${pct(r.feedback.accuracy)} on ${r.feedback.labeled}` : 'no labels'})`);
  parts.push(`an error rate of ${pct(rule.errorRateAlert, 0)} or more after ${rule.minCalls} calls (now ${pct(r.telemetry.errorRate)})`);
  $('mon-rule').dataset.share = String(rule.retrainDriftShare);
  $('mon-rule').textContent = `Retraining is recommended on ${parts.join('; or ')} — in the running total or the latest complete window. ${r.alerts.retrainingRecommended ? `Now: ${r.alerts.reasons.join('; ')}.` : 'None holds now.'}`;
}

/** ▲ markers for the alerts raised while the time charts' history covers them. */
function alertMarkers(r, t0) {
  const h0 = history[0];
  if (!h0) return [];
  return (r.alerts.history ?? []).filter((e) => e.to === 'alert').map((e) => ({
    x: h0.t + (e.atMs - h0.wall) / 1000 - t0,
    signal: e.signal,
    label: `${e.signal} → alert${e.scope === 'window' ? ' (window)' : ''} at ${new Date(e.atMs).toLocaleTimeString()}`,
  }));
}

/**
 * What the runtime counts as it serves: the confusion matrix of the feedback received, the
 * confidence histogram against the reference predictions, errors by code and latency.
 */
function renderLive(r) {
  const t = r.telemetry;
  const fb = r.feedback;
  $('mon-confusion').innerHTML = fb.labeled
    ? `${heatmap(fb.confusion, fb.labels, { title: `confusion matrix of ${fb.labeled} feedback labels` })}<p class="hint">${fb.labeled} labelled predictions: rows true class, columns predicted.</p>`
    : '<p class="empty">No feedback labels yet (the simulator sends some: “Feedback share”).</p>';
  const cn = t.confidenceCounts.reduce((a, b) => a + b, 0);
  const refConf = reference?.predictions?.confidenceShares;
  const edges = t.confidenceEdges;
  $('mon-confidence').innerHTML = cn
    ? distribution(t.confidenceCounts.map((c, i) => ({ ...binLabel(i, edges, String, { lo: 0, hi: 1 }), ref: refConf?.[i] ?? null, cur: c / cn })), { title: 'top-class probability: current vs reference predictions', xLabel: 'top-class probability', curName: `current (${cn})`, refName: 'reference predictions' })
    : '<p class="empty">No predictions yet.</p>';
  const errs = Object.entries(t.errors ?? {}).sort((a, b) => b[1] - a[1]);
  const calls = t.predictions + errs.reduce((a, [, n]) => a + n, 0);
  $('mon-errors').innerHTML = errs.length
    ? `<table class="compact" id="mon-errors-table"><thead><tr><th scope="col">code</th><th scope="col" class="num">count</th><th scope="col" class="num">share of calls</th></tr></thead><tbody>${errs.map(([code, n]) => `<tr data-code="${esc(code)}" data-count="${n}"><th scope="row"><code>${esc(code)}</code></th><td class="num">${n}</td><td class="num">${pct(calls ? n / calls : null)}</td></tr>`).join('')}</tbody></table>`
    : '<p class="empty">No errors.</p>';
  const lh = t.latencyHistogram;
  const ln = lh ? lh.counts.reduce((a, b) => a + b, 0) : 0;
  if (!ln) { $('mon-latency-hist').innerHTML = '<p class="empty">No latencies yet.</p>'; return; }
  const e = lh.edgesMs;
  const first = lh.counts.findIndex((c) => c > 0);
  const last = lh.counts.length - 1 - [...lh.counts].reverse().findIndex((c) => c > 0);
  const lab = (x) => (x < 1 ? `${+(x * 1000).toPrecision(3)} µs` : x < 1000 ? `${x} ms` : `${x / 1000} s`);
  const bins = [];
  for (let i = Math.max(0, first - 1); i <= Math.min(lh.counts.length - 1, last + 1); i++) {
    const b = binLabel(i, e, lab);
    if (i === 0) b.label += " (incl. readings of 0: below the timer's resolution, 0.1 ms in browsers)";
    bins.push({ ...b, ref: null, cur: lh.counts[i] / ln });
  }
  $('mon-latency-hist').innerHTML = `${distribution(bins, { title: `latency histogram of ${ln} predictions`, xLabel: 'latency (bin start)', legend: false })}<p class="hint">Share of ${ln} predictions per latency bin (1-2-5 steps); quantiles above.</p>`;
}

/**
 * The window timeline: per-window PSI of every feature (and the predicted class) as a heat strip,
 * the latest windows last; cells tinted by the window's own status, ▲ where a window alert was
 * raised on that window, the column the window levels are judged on in bold.
 */
function renderWindows(r) {
  const w = r.windows;
  const hint = $('mon-windows-hint');
  if (!w || !w.capacity) {
    $('mon-windows').innerHTML = '<p class="empty">Windows are off (monitoring config <code>windows: 0</code>).</p>';
    hint.textContent = '';
    return;
  }
  const len = w.windowMs;
  const span = len >= 3600000 ? `${+(len / 3600000).toPrecision(3)} h` : len >= 60000 ? `${+(len / 60000).toPrecision(3)} min` : `${+(len / 1000).toPrecision(3)} s`;
  // The last 24 window slots, empty ones included, so gaps in traffic show.
  const last = w.items.at(-1);
  if (!last) {
    $('mon-windows').innerHTML = '<p class="empty">No window yet.</p>';
    hint.textContent = `Windows of ${span}, the last ${w.capacity} kept.`;
    return;
  }
  const byStart = new Map(w.items.map((x) => [x.startMs, x]));
  const slots = [];
  for (let s = last.startMs, n = 0; n < 24 && s >= w.items[0].startMs; s -= len, n++) slots.unshift(s);
  const marks = new Set((r.alerts.history ?? []).filter((e) => e.scope === 'window' && e.to === 'alert').map((e) => `${e.signal}@${e.windowStartMs}`));
  const clock = (ms) => new Date(ms).toLocaleTimeString([], len < 60000 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
  const head = slots.map((s) => {
    const x = byStart.get(s);
    const judged = s === w.judgedStartMs;
    return `<th scope="col" data-start="${s}"${judged ? ' class="judged" title="window levels are judged on this window"' : ''}><time datetime="${new Date(s).toISOString()}">${esc(clock(s))}</time>${x && !x.complete ? '<br><span class="hint">filling</span>' : ''}</th>`;
  }).join('');
  const cell = (signal, x, value, status) => {
    if (!x) return '<td class="none" data-status="none"><span class="sr-only">no traffic</span></td>';
    const marked = marks.has(`${signal}@${x.startMs}`);
    const label = `${signal.replace(/^drift:/, '')}, window from ${clock(x.startMs)}: ${value == null ? 'no values' : `PSI ${value.toFixed(3)}`}, ${status}${marked ? ', window alert raised' : ''}`;
    return `<td class="${esc(status)}${marked ? ' marked' : ''}" data-start="${x.startMs}" data-status="${esc(status)}" data-psi="${value ?? ''}"${marked ? ' data-marked="true"' : ''} title="${esc(label)}" aria-label="${esc(label)}">${value == null ? '—' : value.toFixed(2)}${marked ? '<span class="mark" aria-hidden="true">▲</span>' : ''}</td>`;
  };
  const names = last.features.map((f) => f.name);
  const body = names.map((name) => `<tr data-feature="${esc(name)}"><th scope="row">${esc(name)}</th>${slots.map((s) => {
    const x = byStart.get(s);
    const f = x?.features.find((g) => g.name === name);
    return cell(`drift:${name}`, x, f?.psi ?? null, f?.status ?? 'pending');
  }).join('')}</tr>`);
  if (last.predictionDrift) {
    body.push(`<tr data-feature="(predictions)"><th scope="row">predicted class</th>${slots.map((s) => {
      const x = byStart.get(s);
      return cell('predictionDrift', x, x?.predictionDrift?.classPsi ?? null, x?.predictionDrift?.status ?? 'pending');
    }).join('')}</tr>`);
  }
  $('mon-windows').innerHTML = `<table class="heat" id="mon-windows-table"><thead><tr><th scope="col">feature</th>${head}</tr></thead><tbody>${body.join('')}</tbody></table>`;
  const levels = (w.signals ?? []).filter((s) => s.level !== 'ok').map((s) => `${s.name} ${s.level}`);
  hint.textContent = `Windows of ${span} (this demo's monitoring config; the default is 1 h), the last ${w.capacity} kept${w.late ? `, ${w.late} late rows in the total only` : ''}. Cells: PSI of that window's rows against the reference and its own status (pending below 100 values). ▲: a window alert was raised on that window. Window levels, judged on the latest complete window (bold): ${levels.length ? levels.join(', ') : 'all ok'}. The table above is the running total.`;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function reset() {
  if (!dep) return;
  stop();
  const version = dep.version;
  const key = ctx.monitorKey(version);
  $('mon-reset').disabled = true;
  try {
    localStorage.removeItem(key);
    // A freshly opened deployment of the same version has an empty monitor: restore that state
    // into the live one (its autoPersist timer keeps saving under the same key).
    if (!blanks.has(version)) blanks.set(version, (await ctx.registry.open(ctx.model, { version })).snapshot());
    const blank = blanks.get(version);
    if (blank) dep.restore(blank);
    dep.save(key);
    history = [];
    refresh();
    $('mon-persist').textContent = `Monitor reset; localStorage key ${key} cleared.`;
  } catch (e) {
    $('mon-persist').textContent = `Reset failed: ${e.code ?? ''} ${e.message}`;
  } finally {
    $('mon-reset').disabled = false;
  }
}

function onDeployment(d) {
  if (sim.running) stop();
  dep = d;
  try { reference = d.reference; } catch { reference = null; }
  expanded.clear();
  // Recover from an earlier failure without a reload.
  $('sim-start').disabled = false;
  history = [];
  const key = ctx.monitorKey(d.version);
  $('mon-persist').textContent = d.persistError
    ? `Not persisted (${d.persistError.code}: ${d.persistError.message}).`
    : `Persisted in localStorage “${key}” every 5 s, on page hide and when the simulator stops.${d.restoredFromStorage ? ' Restored the state a previous visit left.' : ''}`;
  refresh();
}

export function mount(c) {
  ctx = c;
  $('sim-start').addEventListener('click', start);
  $('sim-stop').addEventListener('click', stop);
  $('sim-feedback').addEventListener('input', () => { $('sim-feedback-out').textContent = `${$('sim-feedback').value} %`; });
  $('sim-mass').addEventListener('input', () => { $('sim-mass-out').textContent = `+${$('sim-mass').value} %`; });
  $('mon-export-json').addEventListener('click', () => {
    if (!dep) return;
    const r = dep.monitor();
    download(`${ctx.model}-${dep.version}-monitor.json`, JSON.stringify(r, null, 2), 'application/json');
  });
  $('mon-export-otlp').addEventListener('click', () => {
    const body = dep?.exportOtlp();
    if (body) download(`${ctx.model}-${dep.version}-otlp.json`, body, 'application/json');
  });
  $('mon-reset').addEventListener('click', reset);
  // One listener for every row's disclosure button (rows are re-rendered every second).
  $('mon-drift').addEventListener('click', (e) => {
    const b = e.target.closest('[data-toggle]');
    if (!b) return;
    const name = b.dataset.toggle;
    if (expanded.has(name)) expanded.delete(name); else expanded.add(name);
    if (lastReport) renderDrift(lastReport); // keeps focus on the (re-rendered) toggle
  });
  ctx.on('deployment', onDeployment);
  ctx.on('alert', (e) => { $('sim-state').textContent = `Alert: ${e.signal} ${e.from} → ${e.to}`; });
  ctx.on('error', () => {
    if (ctx.deployment) return; // a failed pin while another version keeps serving
    if (sim.running) stop();
    dep = null;
    $('mon-empty').hidden = false; $('mon-empty').textContent = 'No deployment to monitor.'; $('mon-body').hidden = true; $('sim-start').disabled = true;
  });
  setInterval(() => { if (dep && (sim.running || document.body.dataset.tab === 'monitor')) refresh(); }, 1000);
  ctx.on('tab', (name) => { if (name === 'monitor') refresh(); });
}
