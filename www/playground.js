// Playground: a form generated from the feature spec; predicts as you type.
import { esc } from './charts.js';
import { loadTestSet } from './data.js';

const $ = (id) => document.getElementById(id);
let ctx, dep, spec, generation = 0;

/** Categories a string field can take: the spec's, else the reference's, else a fitted encoder's. */
function categoriesOf(field, spec, reference) {
  if (field.categories?.length) return field.categories;
  const names = new Set([field.name]);
  for (const t of spec.transforms ?? []) {
    const idx = (t.inputs ?? []).map((n, i) => (names.has(n) ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) continue;
    if (['one_hot', 'ordinal'].includes(t.op) && t.params?.categories) return t.params.categories[idx[0]];
    if (['impute', 'passthrough'].includes(t.op)) for (const i of idx) if (t.outputs?.[i]) names.add(t.outputs[i]);
  }
  const ref = reference?.fields?.find((f) => f.name === field.name)?.categorical?.categories;
  return ref?.length ? ref : null;
}

const isNumeric = (f) => f.type === 'number' || f.type === 'integer';

// ---- out-of-range: the model only saw the training (reference) data ----------------------

const refField = (name) => dep.reference?.fields?.find((f) => f.name === name);
const fmt = (v) => (typeof v === 'number' ? String(v) : `"${v}"`);

/** One warning per field whose value the training data never had: a number outside its
 *  [min, max], or a category it never saw. A prediction there is an extrapolation. */
function rangeWarnings(record) {
  const out = [];
  for (const field of spec.fields) {
    const v = record[field.name];
    const ref = refField(field.name);
    if (v == null || !ref) continue;
    const num = ref.numeric;
    if (typeof v === 'number' && num?.min != null && num?.max != null && (v < num.min || v > num.max)) {
      out.push({ field: field.name, value: v, text: `outside the training range ${num.min} – ${num.max}` });
    }
    const cats = ref.categorical?.categories;
    if (typeof v === 'string' && cats?.length && !cats.includes(v)) {
      out.push({ field: field.name, value: v, text: `a category never seen in training (seen: ${cats.join(', ')})` });
    }
  }
  return out;
}

const CAUTION = 'the model extrapolates; treat this prediction with caution';

/** The callout above the probabilities; every out-of-range field is listed. */
function warningsCallout(warnings) {
  if (!warnings.length) return '';
  const item = (w) => `<code>${esc(w.field)}</code> = ${esc(fmt(w.value))} is ${esc(w.text)}`;
  const body = warnings.length === 1
    ? `<p>${item(warnings[0])}: ${CAUTION}.</p>`
    : `<p>${warnings.length} values lie outside the training data: ${CAUTION}.</p><ul>${warnings.map((w) => `<li>${item(w)}</li>`).join('')}</ul>`;
  return `<div id="pg-warnings" class="callout pg-warn" role="note" data-fields="${esc(warnings.map((w) => w.field).join(' '))}"><strong>⚠ Outside the training data</strong>${body}</div>`;
}

// ---- imputation: which values the pipeline filled in ------------------------------------

// Ops that combine several inputs into each output: an output depends on every input.
const MIXING = new Set(['normalizer', 'pca', 'polynomial', 'ratio', 'difference', 'product', 'sum']);

/** Output widths per input of an encoder that expands each input into a block of columns. */
function blockWidths(t) {
  const p = t.params ?? {};
  const n = (t.inputs ?? []).length;
  if (t.op === 'one_hot' && Array.isArray(p.categories)) {
    return p.categories.map((c, i) => {
      const dropped = p.dropIndex ? p.dropIndex[i] != null : p.drop === 'first' || (p.drop === 'if_binary' && c.length === 2);
      return c.length + (p.infrequent?.[i]?.length ? 1 : 0) - (dropped ? 1 : 0);
    });
  }
  if (t.op === 'bucketize' && p.encode === 'onehot' && Array.isArray(p.binEdges)) return p.binEdges.map((e) => e.length - 1);
  // target_encoder (multiclass): per input × class, input-major, as sklearn orders them.
  const outs = (t.outputs ?? []).length;
  return n && outs % n === 0 ? Array(n).fill(outs / n) : null;
}

/** For each output of a transform, the indices of the inputs it is computed from. */
function outputSources(t) {
  const ins = (t.inputs ?? []).map((_, i) => i);
  const outs = t.outputs ?? [];
  if (!MIXING.has(t.op) && outs.length === ins.length) return outs.map((_, i) => [i]);
  const widths = MIXING.has(t.op) ? null : blockWidths(t);
  if (widths && widths.reduce((a, b) => a + b, 0) === outs.length) return widths.flatMap((w, i) => Array(w).fill([i]));
  return outs.map(() => ins); // unknown layout: conservatively every input
}

/** Follows the missing raw fields through the transforms. Returns `fills` (field → values an
 *  `impute` put in for it) and `imputed` (column → the raw fields whose imputed value it carries). */
function imputation(record) {
  const missing = new Map(); // column → raw fields whose missing value it still carries
  const imputed = new Map();
  const fills = new Map();
  for (const f of spec.fields) if (record[f.name] == null) missing.set(f.name, new Set([f.name]));
  for (const t of spec.transforms ?? []) {
    outputSources(t).forEach((src, j) => {
      const out = t.outputs[j];
      const gather = (m) => new Set(src.flatMap((i) => [...(m.get(t.inputs[i]) ?? [])]));
      const [miss, imp] = [gather(missing), gather(imputed)];
      if (t.op === 'impute' && miss.size) {
        for (const field of miss) fills.set(field, [...(fills.get(field) ?? []), t.params?.statistics?.[src[0]]]);
        for (const field of miss) imp.add(field);
        missing.delete(out); // filled (an impute may write over its input's name)
      } else if (miss.size && t.op !== 'missing_indicator') {
        missing.set(out, miss); // still missing (NaN) until an impute fills it
      }
      if (imp.size) imputed.set(out, imp);
    });
  }
  return { fills, imputed };
}

// ---- per-field notes next to the inputs --------------------------------------------------

/** A fitted statistic such as a mean has 16 digits; 6 significant ones say enough in a form. */
const shortValue = (v) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v));

/** Shows (or clears) the out-of-range warning and the imputed mark of every field. */
function showFieldNotes(warnings, fills) {
  for (const field of spec.fields) {
    const input = $(`pg-${field.name}`);
    const w = warnings.find((x) => x.field === field.name);
    const warn = $(`warn-${field.name}`);
    warn.textContent = w ? `⚠ ${w.text}: the model extrapolates` : '';
    if (w) input.dataset.outOfRange = 'true'; else delete input.dataset.outOfRange;
    const values = fills.get(field.name);
    const mark = $(`imp-${field.name}`);
    // Several imputers (branches of a ColumnTransformer) may fill one field with different values.
    mark.textContent = values ? `imputed: ${[...new Set(values.map(shortValue))].join(' / ')}` : '';
    if (values) { input.dataset.imputed = 'true'; mark.dataset.fill = String(values[0]); } else { delete input.dataset.imputed; delete mark.dataset.fill; }
  }
}

/** One row of the transformed vector; a value computed from an imputed input says so. */
function featureRow(name, v, from) {
  const badge = from ? ` <span class="badge pg-imputed" title="computed from the imputed ${esc([...from].join(', '))}">imputed</span>` : '';
  return `<tr${from ? ` data-imputed="true" data-from="${esc([...from].join(' '))}"` : ''}><td><code>${esc(name)}</code>${badge}</td><td class="num">${Number.isNaN(v) ? 'NaN' : v.toFixed(4)}</td></tr>`;
}

function buildForm() {
  const form = $('pg-form');
  const reference = dep.reference;
  form.innerHTML = '';
  for (const field of spec.fields) {
    const id = `pg-${field.name}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = field.name.replaceAll('_', ' ');
    const wrap = document.createElement('div');
    wrap.className = 'field';
    let input;
    const cats = isNumeric(field) ? null : categoriesOf(field, spec, reference);
    if (cats) {
      input = document.createElement('select');
      input.innerHTML = cats.map((c) => `<option>${esc(c)}</option>`).join('') + '<option value="">(missing)</option>';
    } else {
      input = document.createElement('input');
      input.type = 'text';
      if (isNumeric(field)) { input.inputMode = 'decimal'; input.spellcheck = false; }
    }
    input.id = id;
    input.name = field.name;
    input.dataset.type = field.type;
    const hints = [];
    const ref = reference?.fields?.find((f) => f.name === field.name)?.numeric;
    if (ref && ref.min != null) {
      input.placeholder = `${ref.min} – ${ref.max}`;
      hints.push(`reference range ${ref.min} – ${ref.max}`);
    }
    if (field.min != null || field.max != null) hints.push(`valid ${field.min ?? '−∞'} – ${field.max ?? '∞'}`);
    if (field.required) { hints.push('required'); input.required = true; }
    hints.push(field.type);
    const small = document.createElement('small');
    small.id = `${id}-hint`;
    small.textContent = hints.join(' · ');
    const err = document.createElement('span');
    err.className = 'field-error';
    err.id = `err-${field.name}`;
    err.setAttribute('aria-live', 'polite');
    // Text, not only colour: the training-range warning and the value the pipeline imputes.
    const warn = document.createElement('span');
    warn.className = 'pg-field-warn';
    warn.id = `warn-${field.name}`;
    const imp = document.createElement('small');
    imp.className = 'pg-imputed-mark';
    imp.id = `imp-${field.name}`;
    input.setAttribute('aria-describedby', `${small.id} ${err.id} ${warn.id} ${imp.id}`);
    wrap.append(input, small, err, warn, imp);
    form.append(label, wrap);
  }
}

function readRecord() {
  const rec = {};
  for (const field of spec.fields) {
    const el = $(`pg-${field.name}`);
    const v = el.value.trim();
    if (v === '') rec[field.name] = null;
    else if (isNumeric(field)) rec[field.name] = Number.isFinite(Number(v)) ? Number(v) : v; // a bad value goes through: the pipeline names it
    else rec[field.name] = v;
  }
  return rec;
}

function fill(raw) {
  for (const field of spec.fields) {
    const el = $(`pg-${field.name}`);
    const v = raw[field.name] ?? '';
    el.value = isNumeric(field) && v !== '' && Number.isFinite(Number(v)) ? String(Number(v)) : String(v);
  }
}

function predict() {
  const out = $('pg-result');
  const panel = $('panel-playground');
  for (const el of document.querySelectorAll('#pg-form .field-error')) { el.textContent = ''; delete el.dataset.code; }
  for (const el of document.querySelectorAll('#pg-form [aria-invalid]')) el.removeAttribute('aria-invalid');
  const record = readRecord();
  const warnings = rangeWarnings(record);
  const { fills, imputed } = imputation(record);
  showFieldNotes(warnings, fills);
  const tbody = $('pg-features').tBodies[0];
  try {
    const p = dep.predict(record);
    // A version published without a feature spec computes its features inside the model's
    // graph: there is no vector to show (E_UNSUPPORTED), only the prediction.
    let x = null;
    try { x = dep.features(record); } catch (e) { if (e.code !== 'E_UNSUPPORTED') throw e; }
    const labels = dep.labels;
    const best = Math.max(...p.probabilities);
    out.className = '';
    out.dataset.label = p.label;
    delete out.dataset.error;
    out.innerHTML = `${warningsCallout(warnings)}<p class="predicted" id="pg-label">${esc(p.label)}</p>
      <div role="list" aria-label="class probabilities">${p.probabilities.map((v, i) => `<div class="prob${v === best ? ' best' : ''}" role="listitem" data-class="${esc(labels[i])}" data-p="${v}">
        <span>${esc(labels[i])}</span><span class="track"><span class="fill" style="display:block;width:${(v * 100).toFixed(1)}%"></span></span><span class="num">${(v * 100).toFixed(1)} %</span></div>`).join('')}</div>
      <p class="hint">version ${esc(p.version)} · latency <span id="pg-latency">${p.latencyMs.toFixed(3)}</span> ms</p>`;
    const names = spec.outputNames ?? spec.outputs ?? [];
    tbody.innerHTML = x === null
      ? '<tr><td colspan="2">computed inside the model (this version has no feature spec)</td></tr>'
      : Array.from(x, (v, i) => featureRow(names[i] ?? `#${i}`, v, imputed.get(spec.outputs?.[i]))).join('');
  } catch (e) {
    out.className = 'error';
    delete out.dataset.label;
    out.dataset.error = e.code ?? 'error';
    const el = e.field && $(`err-${e.field}`);
    if (el) {
      el.textContent = `${e.code}: ${e.message}`;
      el.dataset.code = e.code ?? '';
      $(`pg-${e.field}`).setAttribute('aria-invalid', 'true');
      out.innerHTML = `<p class="field-error">Cannot predict: <strong>${esc(e.field)}</strong> is invalid (see the field).</p>`;
    } else {
      out.innerHTML = `<p class="field-error">${esc(e.code ?? 'Error')}: ${esc(e.message ?? e)}</p>`;
    }
    tbody.innerHTML = '';
  }
  panel.dataset.ready = 'true';
}

async function onDeployment(live) {
  const gen = ++generation;
  $('panel-playground').dataset.ready = 'false';
  const previous = spec ? readRecord() : null;
  try {
    dep = await ctx.sandbox(live.version);
  } catch (e) {
    $('pg-result').textContent = `${e.code ?? 'Error'}: ${e.message}`;
    return;
  }
  if (gen !== generation) return;
  spec = dep.featureSpec;
  buildForm();
  const select = $('pg-example');
  try {
    const { rows } = await loadTestSet();
    select.innerHTML = '<option value="">—</option>' + rows.map((r, i) => `<option value="${i}">row ${esc(r.id)} · ${esc(r.label)} (${esc(r.raw.island)}, ${esc(r.raw.sex || 'sex?')})</option>`).join('');
    select.onchange = () => { if (select.value !== '') { fill(rows[+select.value].raw); predict(); } };
    if (previous) fill(previous); else { select.value = '0'; fill(rows[0].raw); }
  } catch {
    if (previous) fill(previous);
  }
  if (gen !== generation) return;
  predict();
}

export function mount(c) {
  ctx = c;
  $('pg-form').addEventListener('input', () => { if (dep) { $('pg-example').value = ''; predict(); } });
  ctx.on('deployment', onDeployment);
  ctx.on('error', () => { $('pg-result').textContent = 'No deployment: see the message above.'; $('panel-playground').dataset.ready = 'error'; });
}
