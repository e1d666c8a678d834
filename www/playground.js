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
    input.setAttribute('aria-describedby', `${small.id} ${err.id}`);
    wrap.append(input, small, err);
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
    out.innerHTML = `<p class="predicted" id="pg-label">${esc(p.label)}</p>
      <div role="list" aria-label="class probabilities">${p.probabilities.map((v, i) => `<div class="prob${v === best ? ' best' : ''}" role="listitem" data-class="${esc(labels[i])}" data-p="${v}">
        <span>${esc(labels[i])}</span><span class="track"><span class="fill" style="display:block;width:${(v * 100).toFixed(1)}%"></span></span><span class="num">${(v * 100).toFixed(1)} %</span></div>`).join('')}</div>
      <p class="hint">version ${esc(p.version)} · latency <span id="pg-latency">${p.latencyMs.toFixed(3)}</span> ms</p>`;
    const names = spec.outputNames ?? spec.outputs ?? [];
    tbody.innerHTML = x === null
      ? '<tr><td colspan="2">computed inside the model (this version has no feature spec)</td></tr>'
      : Array.from(x, (v, i) => `<tr><td><code>${esc(names[i] ?? `#${i}`)}</code></td><td class="num">${Number.isNaN(v) ? 'NaN' : v.toFixed(4)}</td></tr>`).join('');
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
