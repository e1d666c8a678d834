// mlcycle demo: bootstrap, tabs, the registry panel and the deployment state shared by panels.
import init, { Registry } from '../pkg/index.js';
import { esc } from './charts.js';
import * as playground from './playground.js';
import * as validation from './validation.js';
import * as monitor from './monitor.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const MODEL = 'penguins';
// Works when the page is /www/index.html and when `mlcycle serve --index` serves it at /.
const REGISTRY_URL = new URL(params.get('registry') ?? '../demo-registry/manifest.json', params.get('registry') ? location.href : import.meta.url).href;
const SUBJECT_KEY = 'mlcycle-demo:subject';
const CHOICE_KEY = 'mlcycle-demo:choice';
export const monitorKey = (version) => `mlcycle-monitor:${MODEL}:${version}`;

function storage(fn, fallback) { try { return fn(); } catch { return fallback; } }

function subjectId() {
  if (params.get('subject')) return params.get('subject');
  let s = storage(() => localStorage.getItem(SUBJECT_KEY));
  if (!s) {
    s = `browser-${crypto.randomUUID ? crypto.randomUUID().slice(0, 13) : Math.random().toString(16).slice(2, 15)}`;
    storage(() => localStorage.setItem(SUBJECT_KEY, s));
  }
  return s;
}

function initialChoice() {
  if (params.get('version')) return { kind: 'version', value: params.get('version') };
  if (params.get('alias')) return { kind: 'alias', value: params.get('alias') };
  const stored = storage(() => JSON.parse(localStorage.getItem(CHOICE_KEY)));
  return stored?.kind ? stored : { kind: 'auto' };
}

/** Shared state; panels subscribe with `ctx.on('deployment', fn)`. */
export const ctx = {
  model: MODEL,
  monitorKey,
  registry: null,
  subject: null,
  choice: { kind: 'auto' },
  selection: null,       // registry.resolve(...) for the choice
  deployment: null,      // the live (monitored, persisted) deployment
  live: new Map(),       // version → live Deployment (one per version: one autoPersist per key)
  sandboxes: new Map(),  // version → Promise<Deployment> (playground, validation; not persisted)
  verified: new Map(),   // version → true | Error (artifact integrity as seen by this browser)
  listeners: {},
  on(event, fn) { (this.listeners[event] ??= []).push(fn); },
  emit(event, ...args) { for (const fn of this.listeners[event] ?? []) { try { fn(...args); } catch (e) { console.warn(event, e); } } },
  request(choice = this.choice) {
    const r = { subject: this.subject };
    if (choice.kind === 'version') r.version = choice.value;
    if (choice.kind === 'alias') r.alias = choice.value;
    return r;
  },
  /** A deployment of `version` not counted by the monitor. */
  sandbox(version) {
    if (!this.sandboxes.has(version)) {
      const p = this.registry.open(MODEL, { subject: this.subject, version });
      p.then(() => { this.verified.set(version, true); this.emit('integrity'); },
        (e) => { this.sandboxes.delete(version); this.verified.set(version, e); this.emit('integrity'); });
      this.sandboxes.set(version, p);
    }
    return this.sandboxes.get(version);
  },
  async open(choice) {
    this.choice = choice;
    this.selection = this.registry.resolve(MODEL, this.request(choice));
    const version = this.selection.version;
    document.body.dataset.state = 'loading';
    setStatus(`Opening ${MODEL} ${version}…`);
    let d = this.live.get(version);
    if (!d) {
      try {
        d = await this.registry.open(MODEL, {
          ...this.request(choice),
          // Only the latest open speaks: a superseded one must not overwrite the status line.
          onProgress: (e) => { if (this.choice === choice) setStatus(openProgress(version, e)); },
        });
      } catch (e) {
        this.verified.set(version, e);
        this.deployment = null;
        fatal(e, version);
        renderRegistry();
        // Every panel hears of it (a failed pin after a working one leaves nothing serving).
        this.emit('error', e);
        throw e;
      }
      this.verified.set(version, true);
      this.live.set(d.version, d);
      d.onAlert((event) => this.emit('alert', event, d));
      try {
        d.restoredFromStorage = d.autoPersist(monitorKey(d.version));
      } catch (e) {
        d.restoredFromStorage = false;
        d.persistError = e;
      }
    }
    this.deployment = d;
    $('fatal').hidden = true;
    document.body.dataset.state = 'ready';
    document.body.dataset.version = d.version;
    setStatus(`${MODEL} ${d.version} — ${describeSelection(this.selection)}; its artifacts verified (sha256); model ${d.status().modelFormat === 'nnef' ? 'precompiled (NNEF)' : 'parsed from ONNX'}.`);
    renderRegistry();
    this.emit('deployment', d);
    return d;
  },
};

/** The status line (clamped to a fixed height so the tabs never move: the full text is its title). */
function setStatus(text) { $('status').textContent = text; $('status').title = text; }

const mb = (bytes) => (bytes / 1e6).toFixed(1);

/** The status line while the runtime downloads (`init({onProgress})`). */
function runtimeProgress({ loadedBytes, totalBytes }) {
  return totalBytes ? `Downloading the runtime: ${mb(loadedBytes)} / ${mb(totalBytes)} MB…` : `Downloading the runtime: ${mb(loadedBytes)} MB…`;
}

/** The status line while a version opens (`registry.open(model, {onProgress})`). */
function openProgress(version, { phase, loadedBytes, totalBytes }) {
  const kb = (b) => (b / 1e3).toFixed(0);
  switch (phase) {
    case 'download': return `Downloading and verifying ${MODEL} ${version}: ${kb(loadedBytes)}${totalBytes ? ` / ${kb(totalBytes)}` : ''} kB…`;
    case 'load': return `Loading the ${MODEL} ${version} model…`;
    case 'smoke': return `Checking ${MODEL} ${version} on its golden rows…`;
    default: return `Opening ${MODEL} ${version}…`;
  }
}

function describeSelection(sel) {
  const r = sel.reason ?? {};
  switch (r.kind) {
    case 'pinned': return `pinned to ${sel.version}`;
    case 'alias': return `following alias “${sel.alias}”`;
    case 'rollout': return `in the ${sel.alias ?? ''} rollout (bucket ${r.bucket} < ${Math.round(r.percent * 100)}, ${r.percent} %)`;
    case 'default': return `default${sel.alias ? ` (${sel.alias})` : ''}${r.buckets?.length ? `, not in any rollout (bucket${r.buckets.length > 1 ? 's' : ''} ${r.buckets.join(', ')})` : ''}`;
    default: return r.kind ?? 'resolved';
  }
}

function fatal(e, version) {
  const box = $('fatal');
  box.hidden = false;
  document.body.dataset.state = 'error';
  document.body.dataset.errorCode = e?.code ?? 'error';
  let advice;
  if (e?.code === 'E_INTEGRITY') {
    advice = `An artifact of ${esc(MODEL)} ${esc(version ?? '')} was modified after it was published: its bytes no longer match the sha256 in the manifest, so this browser refused to run it. Republish the version (<code>mlcycle publish</code>, or <code>make demo</code> for the demo registry).`;
  } else if (e?.code === 'E_FETCH' || e?.code === 'E_NOT_FOUND' || !ctx.registry) {
    advice = `The registry at <code>${esc(REGISTRY_URL)}</code> (or the wasm package) is unreachable. Run <code>make demo</code> to build the package and the demo registry and serve this page, then reload.`;
  } else {
    advice = 'The deployment could not be opened.';
  }
  box.innerHTML = `<p><strong>${esc(e?.code ?? 'Error')}</strong>: ${esc(e?.message ?? e)}</p><p>${advice}</p>`;
  setStatus(`Not serving: ${e?.code ?? 'error'}.`);
}

// ---------- tabs ----------
const TABS = ['playground', 'registry', 'validation', 'monitor'];
function selectTab(name, focus = false) {
  if (!TABS.includes(name)) name = 'playground';
  for (const t of TABS) {
    const tab = $(`tab-${t}`), panel = $(`panel-${t}`);
    const on = t === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    panel.hidden = !on;
  }
  if (focus) $(`tab-${name}`).focus();
  document.body.dataset.tab = name;
  ctx.emit('tab', name);
}
$('tabs').addEventListener('click', (e) => {
  const tab = e.target.closest('[role=tab]');
  if (tab) { const name = tab.id.slice(4); history.replaceState(null, '', `#${name}`); selectTab(name); }
});
$('tabs').addEventListener('keydown', (e) => {
  const i = TABS.indexOf(document.activeElement?.id?.slice(4));
  if (i < 0) return;
  const next = { ArrowRight: (i + 1) % TABS.length, ArrowLeft: (i + TABS.length - 1) % TABS.length, Home: 0, End: TABS.length - 1 }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  history.replaceState(null, '', `#${TABS[next]}`);
  selectTab(TABS[next], true);
});
addEventListener('hashchange', () => selectTab(location.hash.slice(1)));

// ---------- registry panel ----------
const short = (h) => (h ? `${h.slice(0, 12)}…` : '—');
const bytes = (n) => (n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

function renderRegistry() {
  const reg = ctx.registry;
  if (!reg) return;
  const manifest = reg.manifest;
  const auto = reg.resolve(MODEL, { subject: ctx.subject });
  const serving = ctx.deployment?.version;
  const choiceText = ctx.choice.kind === 'auto' ? 'automatic (rollouts)' : ctx.choice.kind === 'version' ? `pinned to ${ctx.choice.value}` : `following alias “${ctx.choice.value}”`;
  $('reg-me').className = '';
  $('reg-me').innerHTML = `
    <dl class="kv">
      <div><dt>Subject id</dt><dd><code id="reg-subject">${esc(ctx.subject)}</code> <span class="hint">(random, kept in localStorage)</span></dd></div>
      <div><dt>Rollout resolution</dt><dd id="reg-resolution" data-version="${esc(auto.version)}" data-reason="${esc(auto.reason?.kind)}">${esc(auto.version)} — ${esc(describeSelection(auto))}</dd></div>
      <div><dt>Mode</dt><dd>${esc(choiceText)}</dd></div>
      <div><dt>Serving</dt><dd id="reg-serving" data-version="${esc(serving ?? '')}">${serving ? `<strong>${esc(serving)}</strong> <span class="badge verified">verified</span>` : '<span class="badge failed">not serving</span>'}</dd></div>
    </dl>
    <div class="buttons"><button type="button" class="secondary" id="reg-refresh">Check for updates (refresh)</button><button type="button" class="secondary" id="reg-resubject">New subject id</button><span id="reg-refresh-out" class="hint" role="status"></span></div>`;
  $('reg-refresh').onclick = async () => {
    if (!ctx.deployment) return;
    const r = await ctx.deployment.refresh();
    $('reg-refresh-out').textContent = r.error ? `Kept ${r.version}: ${r.error.code} ${r.error.message}` : r.changed ? `Swapped to ${r.version}.` : `Up to date (${r.version}).`;
  };
  $('reg-resubject').onclick = () => {
    storage(() => localStorage.removeItem(SUBJECT_KEY));
    ctx.subject = subjectId();
    if (ctx.choice.kind === 'auto') ctx.open(ctx.choice).catch(() => {}); else renderRegistry();
  };

  const m = manifest.models?.[MODEL];
  const choices = [{ kind: 'auto', text: 'Automatic (rollouts)' }];
  for (const a of Object.keys(m?.aliases ?? {})) choices.push({ kind: 'alias', value: a, text: `Follow ${a}` });
  for (const v of Object.keys(m?.versions ?? {})) choices.push({ kind: 'version', value: v, text: `Pin ${v}` });
  const group = $('reg-choice');
  group.innerHTML = '';
  for (const c of choices) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = c.text;
    b.dataset.choice = c.kind; if (c.value) b.dataset.value = c.value;
    b.setAttribute('aria-pressed', String(ctx.choice.kind === c.kind && (ctx.choice.value ?? null) === (c.value ?? null)));
    b.onclick = () => {
      const choice = c.kind === 'auto' ? { kind: 'auto' } : { kind: c.kind, value: c.value };
      storage(() => localStorage.setItem(CHOICE_KEY, JSON.stringify(choice)));
      ctx.open(choice).catch(() => {});
    };
    group.append(b);
  }

  let html = '';
  for (const [name, model] of Object.entries(manifest.models ?? {})) {
    const aliasesOf = (v) => Object.entries(model.aliases ?? {}).filter(([, to]) => to === v).map(([a]) => a);
    const rollouts = model.rollouts ?? [];
    html += `<h3>${esc(name)} <span class="hint">${esc(model.task ?? '')}</span></h3>
      <p class="hint">Aliases: ${Object.entries(model.aliases ?? {}).map(([a, v]) => `<code>${esc(a)}</code> → ${esc(v)}`).join(', ') || 'none'}.
      Rollouts: ${rollouts.map((r) => `<code>${esc(r.alias)}</code> ${esc(r.percent)} % (salt <code>${esc(r.salt)}</code>)`).join(', ') || 'none'}.
      Manifest ${reg.verified ? '<span class="badge verified">Ed25519 signature verified</span>' : '<span class="badge pending">unsigned</span>'}</p>
      <p class="table-hint">Swipe the table sideways for aliases, provenance and artifacts.</p><div class="table-wrap" tabindex="0" role="region" aria-label="Versions of ${esc(name)}"><table class="versions" id="reg-versions"><thead><tr><th scope="col">version</th><th scope="col">integrity</th><th scope="col">aliases · rollout</th><th scope="col">created</th><th scope="col">provenance</th><th scope="col">artifacts (sha256 · size)</th></tr></thead><tbody>`;
    for (const [v, ver] of Object.entries(model.versions ?? {})) {
      const aliases = aliasesOf(v);
      const pct = rollouts.filter((r) => aliases.includes(r.alias)).map((r) => `${r.percent} % rollout`);
      const state = name === MODEL ? ctx.verified.get(v) : undefined;
      const integrity = state === true ? 'verified' : state ? 'failed' : 'unchecked';
      const arts = Object.entries(ver.artifacts ?? {}).map(([kind, a]) => `<div><code>${esc(kind)}</code> <span class="mono" title="${esc(a.sha256)}">${esc(short(a.sha256))}</span> · ${esc(bytes(a.size))}</div>`).join('');
      const status = integrity === 'verified' ? '<span class="badge verified" title="model, features, reference and golden rows: sha256 checked in this browser (the validation report is checked when it is opened)">serving artifacts verified</span>'
        : integrity === 'failed' ? `<span class="badge failed">${esc(state.code ?? 'error')}</span><div class="field-error">${esc(state.message)}</div>`
        : `<button type="button" class="secondary" data-verify="${esc(v)}">Verify</button>`;
      const p = ver.provenance ?? {};
      html += `<tr data-version="${esc(v)}" data-integrity="${integrity}"${v === ctx.deployment?.version && name === MODEL ? ' aria-current="true"' : ''}>
        <td>${esc(v)}${v === ctx.deployment?.version && name === MODEL ? ' <span class="badge ok">serving here</span>' : ''}</td>
        <td>${status}</td>
        <td>${aliases.map((a) => `<span class="badge pending">${esc(a)}</span>`).join(' ')} ${esc(pct.join(', '))}</td>
        <td>${esc((ver.createdAt ?? '').replace('T', ' ').replace('Z', ' UTC'))}</td>
        <td class="hint">${esc(p.source ?? '')}${p.producer ? ` · ${esc(p.producer)}` : ''}${p.trainingRows ? ` · train ${esc(p.trainingRows)} / holdout ${esc(p.holdoutRows)} rows` : ''}</td>
        <td class="artifacts">${arts}</td></tr>`;
    }
    html += '</tbody></table></div>';
  }
  $('reg-models').className = '';
  $('reg-models').innerHTML = html;
  for (const b of $('reg-models').querySelectorAll('[data-verify]')) b.onclick = () => { b.disabled = true; ctx.sandbox(b.dataset.verify).catch(() => {}); };
  $('panel-registry').dataset.ready = 'true';
}
ctx.on('integrity', renderRegistry);

// ---------- boot ----------
async function boot() {
  selectTab(location.hash.slice(1));
  ctx.subject = subjectId();
  playground.mount(ctx);
  validation.mount(ctx);
  monitor.mount(ctx);
  try {
    await init({ onProgress: (e) => setStatus(runtimeProgress(e)) });
    setStatus('Reading the registry…');
    // A registry may publish the public key it is signed with next to its manifest
    // (`registry.pub`); a real deployment would ship the key with the page instead.
    const publicKey = await fetch(new URL('registry.pub', REGISTRY_URL)).then((r) => (r.ok ? r.text() : null), () => null);
    ctx.registry = await Registry.load(REGISTRY_URL, { subject: ctx.subject, publicKey: publicKey?.trim() || undefined });
  } catch (e) {
    fatal(e);
    for (const id of ['reg-me', 'reg-models']) $(id).textContent = 'The registry is unreachable.';
    $('panel-registry').dataset.ready = 'error';
    ctx.emit('error', e);
    return;
  }
  window.__mlcycle = ctx; // for debugging from the console
  // A failed open shows itself (fatal) and tells the panels (ctx.emit('error')).
  await ctx.open(initialChoice()).catch(() => {});
}
boot();
