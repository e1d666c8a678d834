// The holdout set: fetched once, parsed into spec-typed records + labels.

export const TEST_CSV = new URL('../tests/data/penguins_test.csv', import.meta.url);
export const TRAIN_CSV = new URL('../tests/data/penguins_train.csv', import.meta.url);
export const LABEL = 'species';

/** Minimal RFC 4180 CSV parser (quotes, escaped quotes, CRLF). */
export function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') { if (text[i + 1] === '"') { cell += '"'; i++; } else q = false; } else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

/** Typed record for a spec: '' → null (missing), number fields → Number. */
export function typedRecord(raw, spec) {
  const rec = {};
  for (const field of spec.fields) {
    const v = raw[field.name];
    if (v === undefined || v === null || v === '') rec[field.name] = null;
    else if (field.type === 'number' || field.type === 'integer') rec[field.name] = Number.isFinite(Number(v)) ? Number(v) : v;
    else rec[field.name] = v;
  }
  return rec;
}

const cache = new Map();
/** `{rows: [{id, raw, label}], columns}` of tests/data/penguins_test.csv (or another CSV). */
export function loadTestSet(url = TEST_CSV) {
  const key = String(url);
  if (cache.has(key)) return cache.get(key);
  const p = (async () => {
    const res = await fetch(url);
    if (!res.ok) throw Object.assign(new Error(`${new URL(url).pathname}: HTTP ${res.status}`), { code: 'E_FETCH' });
    const [header, ...lines] = parseCsv(await res.text());
    const rows = lines.map((cells) => {
      const raw = Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
      return { id: raw.row_id, raw, label: raw[LABEL] };
    });
    return { columns: header, rows };
  })();
  cache.set(key, p);
  p.catch(() => cache.delete(key));
  return p;
}
