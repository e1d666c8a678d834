#!/usr/bin/env node
// Where a wasm module's bytes are: the code size of every function, grouped by the Rust path
// in its name (wasm name section), largest first. Issue 17's byte work reads it.
//
//   SKIP_WASM_OPT=1 PKG_OUT=bench/_prof scripts/build-pkg.sh slim     # keeps the names
//   node scripts/wasm-code-sizes.mjs bench/_prof/mlcycle_bg.wasm              # per crate
//   node scripts/wasm-code-sizes.mjs bench/_prof/mlcycle_bg.wasm tract_core 3 # per module
//   node scripts/wasm-code-sizes.mjs FILE '' 0 'core::slice::sort'            # functions matching
//
// Arguments: FILE [PREFIX [DEPTH [REGEX]]]. With a PREFIX, functions whose name contains it are
// grouped by its first DEPTH path segments (default 2); without one, by crate (the first
// segment of the name, after `<` and `&`, so a trait impl counts for the type's crate). With a
// REGEX, the largest matching functions are listed one by one instead. A module without a name
// section (wasm-opt strips it) is reported as such.
import fs from 'node:fs';

/** Function bodies' sizes and names of a wasm module: [{ size, name }]. */
export function functionSizes(bytes) {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (buf.length < 8 || buf[0] !== 0 || buf[1] !== 0x61 || buf[2] !== 0x73 || buf[3] !== 0x6d) {
    throw new Error('not a wasm module');
  }
  let p = 8;
  const leb = () => {
    let r = 0, s = 0, b;
    do {
      if (p >= buf.length) throw new Error('truncated LEB128');
      b = buf[p++];
      r += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return r;
  };
  const text = (n) => new TextDecoder().decode(buf.subarray(p, (p += n)));
  let importedFunctions = 0;
  const sizes = [];
  const names = new Map();
  let hasNames = false;
  while (p < buf.length) {
    const id = buf[p++];
    const size = leb();
    const end = p + size;
    if (id === 2) {
      for (let i = 0, n = leb(); i < n; i++) {
        text(leb());
        text(leb());
        const kind = buf[p++];
        if (kind === 0) { leb(); importedFunctions++; }
        else if (kind === 1) { p++; if (buf[p++] & 1) { leb(); leb(); } else leb(); }
        else if (kind === 2) { if (buf[p++] & 1) { leb(); leb(); } else leb(); }
        else if (kind === 3) p += 2;
        else if (kind === 4) { p++; leb(); }
        else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 10) {
      for (let i = 0, n = leb(); i < n; i++) {
        const s = leb();
        sizes.push(s);
        p += s;
      }
    } else if (id === 0 && text(leb()) === 'name') {
      hasNames = true;
      while (p < end) {
        const sub = buf[p++];
        const length = leb(); // read before `p` is: `p + leb()` would take p's old value
        const subEnd = p + length;
        if (sub === 1) {
          for (let i = 0, n = leb(); i < n; i++) {
            const index = leb();
            names.set(index, text(leb()));
          }
        }
        p = subEnd;
      }
    }
    p = end;
  }
  return {
    hasNames,
    functions: sizes.map((size, i) => ({ size, name: names.get(i + importedFunctions) ?? `func ${i + importedFunctions}` })),
  };
}

/** A name without rustc's crate disambiguators (`core[c5930c85a12de822]::` → `core::`). */
const plain = (name) => name.replace(/\[[0-9a-f]{16}\]/g, '');

/** Sizes summed per group, largest first: [[group, bytes]]. */
export function group(functions, prefix = '', depth = 2) {
  const by = new Map();
  for (const { size, name } of functions) {
    const n = plain(name);
    let key;
    if (prefix) {
      const at = n.indexOf(prefix);
      if (at < 0) continue;
      key = n.slice(at).split('::').slice(0, depth).join('::').replace(/[<>( ].*/, '');
    } else {
      const m = n.replace(/^[<&_ ]+|^dyn /g, '').match(/^([A-Za-z0-9_]+)::/);
      key = m ? m[1] : '(other)';
    }
    by.set(key, (by.get(key) ?? 0) + size);
  }
  return [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, prefix = '', depth = '2', regex] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node scripts/wasm-code-sizes.mjs FILE [PREFIX [DEPTH [REGEX]]]');
    process.exit(2);
  }
  const { hasNames, functions } = functionSizes(fs.readFileSync(file));
  const total = functions.reduce((a, f) => a + f.size, 0);
  console.log(`${file}: ${functions.length} functions, ${total} B of code`);
  if (!hasNames) console.log('no name section (wasm-opt strips it): build with SKIP_WASM_OPT=1');
  const rows = regex
    ? functions.filter((f) => new RegExp(regex).test(plain(f.name))).sort((a, b) => b.size - a.size).map((f) => [plain(f.name), f.size])
    : group(functions, prefix, Number(depth));
  for (const [key, size] of rows.slice(0, 40)) {
    console.log(`${String(size).padStart(9)} ${(100 * size / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}
