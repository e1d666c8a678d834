// Tiny inline-SVG charts (no dependencies). Each function returns an SVG string; colors come
// from CSS classes (s0…s3, ref) so light and dark schemes both work.

export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const f = (x) => (Number.isFinite(x) ? +x.toFixed(2) : 0);

function ticks(lo, hi, n = 4) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}
const fmt = (v) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toPrecision(3)}k` : `${+v.toPrecision(3)}`);

/**
 * Line chart. series: [{name, points: [[x, y], …], cls?}]; opts: {width, height, xDomain, yDomain,
 * xLabel, yLabel, diagonal, xFormat, title, markers}. markers: [{x, label, signal}] — vertical
 * lines with a ▲ where an alert was raised (time charts), so a spike can be read against it.
 */
export function lineChart(series, opts = {}) {
  const W = opts.width ?? 420, H = opts.height ?? 200, L = 40, R = 10, T = 10, B = opts.xLabel ? 34 : 22;
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (!pts.length) return `<p class="empty">${esc(opts.empty ?? 'No data yet.')}</p>`;
  const [x0, x1] = opts.xDomain ?? [Math.min(...pts.map((p) => p[0]), 0), Math.max(...pts.map((p) => p[0]), 1)];
  const markers = (opts.markers ?? []).filter((m) => Number.isFinite(m.x) && m.x >= x0 && m.x <= x1);
  let [y0, y1] = opts.yDomain ?? [Math.min(0, ...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (!opts.yDomain) y1 = y1 > 0 ? y1 * 1.1 : 1;
  const sx = (x) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y) => H - B - ((y - y0) / (y1 - y0 || 1)) * (H - T - B);
  let s = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title ?? 'line chart')}">`;
  for (const t of ticks(y0, y1)) s += `<line class="gridline" x1="${L}" x2="${W - R}" y1="${f(sy(t))}" y2="${f(sy(t))}"/><text x="${L - 4}" y="${f(sy(t)) + 3}" text-anchor="end">${fmt(t)}</text>`;
  const xf = opts.xFormat ?? fmt;
  for (const t of ticks(x0, x1, 5)) s += `<text x="${f(sx(t))}" y="${H - B + 13}" text-anchor="middle">${esc(xf(t))}</text>`;
  s += `<line class="axis" x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}"/><line class="axis" x1="${L}" x2="${L}" y1="${T}" y2="${H - B}"/>`;
  if (opts.xLabel) s += `<text x="${(L + W - R) / 2}" y="${H - 3}" text-anchor="middle">${esc(opts.xLabel)}</text>`;
  if (opts.diagonal) s += `<line class="diag" x1="${sx(x0)}" y1="${sy(y0)}" x2="${sx(x1)}" y2="${sy(y1)}"/>`;
  series.forEach((se, i) => {
    const p = se.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (!p.length) return;
    const cls = se.cls ?? `s${i % 4}`;
    s += `<polyline class="line ${cls}" points="${p.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ')}"><title>${esc(se.name)}</title></polyline>`;
    if (opts.dots || p.length === 1) for (const [x, y] of p) s += `<circle class="${cls}" cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5"/>`;
  });
  for (const m of markers) {
    s += `<g class="marker" data-signal="${esc(m.signal)}"><line class="alert-line" x1="${f(sx(m.x))}" x2="${f(sx(m.x))}" y1="${T}" y2="${H - B}"/><text class="marker-text" x="${f(sx(m.x))}" y="${T + 2}" text-anchor="middle">▲</text><title>${esc(m.label)}</title></g>`;
  }
  const note = markers.length ? `<p class="legend marker-legend"><span class="mark" aria-hidden="true">▲</span> alert raised: ${esc([...new Set(markers.map((m) => m.signal))].join(', '))}</p>` : '';
  return `${s}</svg>${legend(series)}${note}`;
}

export function legend(series) {
  if (series.length < 2) return '';
  return `<div class="legend">${series.map((s, i) => `<span style="--c: var(--${s.cls ?? `s${i % 4}`})">${esc(s.name)}</span>`).join('')}</div>`;
}

/** Grouped horizontal bars: rows [{label, values: [v…]}], names of the values (series). */
export function groupedBars(rows, names, opts = {}) {
  const W = opts.width ?? 420, rowH = 14 * names.length + 10, L = 80, R = 46, H = rows.length * rowH + 6;
  const max = opts.max ?? Math.max(1e-9, ...rows.flatMap((r) => r.values.filter(Number.isFinite)));
  const sx = (v) => ((W - L - R) * Math.max(0, v)) / max;
  let s = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title ?? 'bar chart')}">`;
  rows.forEach((r, i) => {
    const y = i * rowH + 4;
    s += `<text x="${L - 6}" y="${y + rowH / 2}" text-anchor="end">${esc(r.label)}</text>`;
    r.values.forEach((v, j) => {
      const cls = opts.classes?.[j] ?? `s${j % 4}`;
      const yy = y + j * 14;
      s += `<rect class="${cls}" x="${L}" y="${yy}" width="${f(sx(v ?? 0))}" height="11" rx="2"><title>${esc(names[j])}: ${esc(opts.format ? opts.format(v) : v)}</title></rect>`;
      s += `<text x="${f(L + sx(v ?? 0) + 4)}" y="${yy + 9}">${esc(v == null ? '—' : opts.format ? opts.format(v) : fmt(v))}</text>`;
    });
  });
  return `${s}</svg>${legend(names.map((n, j) => ({ name: n, cls: opts.classes?.[j] })))}`;
}

/** A single horizontal bar with warn/alert markers (drift rows). */
export function thresholdBar(value, warn, alert, status) {
  const W = 220, H = 16, max = Math.max(alert * 2, value ?? 0, 1e-9);
  const sx = (v) => (W * Math.min(v, max)) / max;
  let s = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="PSI ${value == null ? 'n/a' : value.toFixed(3)}, warn ${warn}, alert ${alert}">`;
  s += `<rect class="gridline" x="0" y="3" width="${W}" height="10" fill="none"/>`;
  if (value != null) s += `<rect class="bar-${status}" x="0" y="3" width="${f(sx(value))}" height="10" rx="2"/>`;
  s += `<line class="warn-line" x1="${f(sx(warn))}" x2="${f(sx(warn))}" y1="0" y2="${H}"/><line class="alert-line" x1="${f(sx(alert))}" x2="${f(sx(alert))}" y1="0" y2="${H}"/>`;
  return `${s}</svg>`;
}

/** Heat map of a square matrix (confusion matrix: rows true, columns predicted). */
export function heatmap(matrix, labels, opts = {}) {
  const n = labels.length, C = 56, L = 100, T = 34, W = L + n * C + 4, H = T + n * C + 26;
  const max = Math.max(1, ...matrix.flat());
  let s = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title ?? 'confusion matrix')}">`;
  s += `<text x="${L + (n * C) / 2}" y="10" text-anchor="middle">predicted</text>`;
  labels.forEach((l, j) => { s += `<text x="${L + j * C + C / 2}" y="${T - 6}" text-anchor="middle">${esc(l)}</text>`; });
  matrix.forEach((row, i) => {
    s += `<text x="${L - 6}" y="${T + i * C + C / 2 + 4}" text-anchor="end">${esc(labels[i])}</text>`;
    row.forEach((v, j) => {
      const a = v / max;
      const cls = i === j ? 's2' : 's0';
      s += `<rect class="${v && i !== j ? 's1' : cls}" x="${L + j * C}" y="${T + i * C}" width="${C - 2}" height="${C - 2}" rx="3" fill-opacity="${f(0.08 + 0.85 * a)}" stroke-opacity="0.4"><title>true ${esc(labels[i])}, predicted ${esc(labels[j])}: ${v}</title></rect>`;
      // the number sits on a card-coloured pill: --fg on --card keeps ≥ 4.5:1 whatever the tint
      const w = 10 + 8 * String(v).length;
      s += `<rect class="cell-pill" x="${f(L + j * C + C / 2 - 1 - w / 2)}" y="${T + i * C + C / 2 - 9}" width="${w}" height="18" rx="9"/>`;
      s += `<text class="cell-text" x="${L + j * C + C / 2 - 1}" y="${T + i * C + C / 2 + 4}" text-anchor="middle">${v}</text>`;
    });
  });
  s += `<text x="10" y="${T + (n * C) / 2}" text-anchor="middle" transform="rotate(-90 10 ${T + (n * C) / 2})">true</text>`;
  return `${s}</svg>`;
}

/**
 * Reference vs current distribution as paired columns (drift rows, confidence histogram):
 * bins [{label, ref, cur}] with shares in [0, 1]. Labels under the columns are thinned to fit;
 * every bin keeps its full text in a <title>. opts.legend: false for a single series.
 */
export function distribution(bins, opts = {}) {
  const n = bins.length, W = opts.width ?? 420, H = opts.height ?? 170, L = 36, R = 6, T = 8, B = 30;
  const max = Math.max(1e-9, ...bins.flatMap((b) => [b.ref ?? 0, b.cur ?? 0]));
  const cw = (W - L - R) / Math.max(1, n), bw = Math.max(2, (cw - 3) / 2);
  const sy = (v) => H - B - ((H - T - B) * Math.max(0, v)) / max;
  const every = Math.ceil(n / Math.max(1, Math.floor((W - L - R) / 44)));
  let s = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title ?? 'distribution')}" data-bins="${n}">`;
  for (const t of ticks(0, max, 3)) s += `<line class="gridline" x1="${L}" x2="${W - R}" y1="${f(sy(t))}" y2="${f(sy(t))}"/><text x="${L - 4}" y="${f(sy(t)) + 3}" text-anchor="end">${Math.round(t * 100)}%</text>`;
  s += `<line class="axis" x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}"/>`;
  bins.forEach((b, i) => {
    const x = L + i * cw + 1.5;
    const tip = `${b.label}: reference ${b.ref == null ? '—' : `${(b.ref * 100).toFixed(1)} %`}, current ${b.cur == null ? '—' : `${(b.cur * 100).toFixed(1)} %`}`;
    s += `<g data-bin="${i}" data-ref="${b.ref ?? ''}" data-cur="${b.cur ?? ''}"><title>${esc(tip)}</title>`;
    if (b.ref != null) s += `<rect class="ref" x="${f(x)}" y="${f(sy(b.ref))}" width="${f(bw)}" height="${f(H - B - sy(b.ref))}"/>`;
    if (b.cur != null) s += `<rect class="${opts.curClass ?? 's0'}" x="${f(x + bw)}" y="${f(sy(b.cur))}" width="${f(bw)}" height="${f(H - B - sy(b.cur))}"/>`;
    s += '</g>';
    if (i % every === 0) s += `<text x="${f(x + bw)}" y="${H - B + 13}" text-anchor="middle">${esc(b.short ?? b.label)}</text>`;
  });
  if (opts.xLabel) s += `<text x="${(L + W - R) / 2}" y="${H - 3}" text-anchor="middle">${esc(opts.xLabel)}</text>`;
  return `${s}</svg>${opts.legend === false ? '' : legend([{ name: opts.refName ?? 'reference', cls: 'ref' }, { name: opts.curName ?? 'current', cls: opts.curClass ?? 's0' }])}`;
}

/**
 * Label of bin i over inner edges (bin i is [edges[i−1], edges[i])): the outer bins are open
 * (“< e₀”, “≥ eₙ”) unless bounds {lo, hi} close them. `short` is the bin's start, for an axis.
 */
export function binLabel(i, edges, fmt = String, { lo, hi } = {}) {
  const start = i === 0 ? (lo == null ? null : fmt(lo)) : fmt(edges[i - 1]);
  const end = i === edges.length ? (hi == null ? null : fmt(hi)) : fmt(edges[i]);
  const label = start == null ? `< ${end}` : end == null ? `≥ ${start}` : `${start} – ${end}`;
  return { label, short: start ?? `<${end}` };
}
