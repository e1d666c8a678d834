// scripts/wasm-code-sizes.mjs (where the wasm's bytes are, README "Where the bytes are") on a
// module assembled here byte by byte: an imported function, two bodies, a name section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { functionSizes, group } from '../../scripts/wasm-code-sizes.mjs';

const utf8 = (s) => [...new TextEncoder().encode(s)];
const str = (s) => [utf8(s).length, ...utf8(s)];
const section = (id, body) => [id, body.length, ...body];

function module({ names }) {
  const bodies = [[0x00, 0x0b], [0x00, 0x01, 0x01, 0x0b]]; // no locals; end | nop nop end
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x00, 0x00]), // one type: () -> ()
    ...section(2, [0x01, ...str('m'), ...str('f'), 0x00, 0x00]), // import m.f: function 0
    ...section(3, [0x02, 0x00, 0x00]), // functions 1 and 2
    ...section(10, [0x02, ...bodies.flatMap((b) => [b.length, ...b])]),
  ];
  if (names) {
    const entries = [0x02, 0x01, ...str('mycrate::a::f'), 0x02, ...str('<other[0123456789abcdef]::T as mycrate::Tr>::g')];
    bytes.push(...section(0, [...str('name'), 0x01, entries.length, ...entries]));
  }
  return new Uint8Array(bytes);
}

test('function sizes and names come from the code and name sections, after the imports', () => {
  const bytes = module({ names: true });
  assert.ok(WebAssembly.validate(bytes));
  const { hasNames, functions } = functionSizes(bytes);
  assert.equal(hasNames, true);
  assert.deepEqual(functions, [
    { size: 2, name: 'mycrate::a::f' },
    { size: 4, name: '<other[0123456789abcdef]::T as mycrate::Tr>::g' },
  ]);
  assert.deepEqual(group(functions), [['other', 4], ['mycrate', 2]]);
  assert.deepEqual(group(functions, 'mycrate', 2), [['mycrate::Tr', 4], ['mycrate::a', 2]]);
});

test('a module without names (wasm-opt strips them) is reported, not misread', () => {
  const bytes = module({ names: false });
  assert.ok(WebAssembly.validate(bytes));
  const { hasNames, functions } = functionSizes(bytes);
  assert.equal(hasNames, false);
  assert.deepEqual(functions.map((f) => f.name), ['func 1', 'func 2']);
  assert.throws(() => functionSizes(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), /not a wasm module/);
  assert.throws(() => functionSizes(module({ names: true }).subarray(0, 30)), /truncated|not a wasm/);
});

test('the command line prints the groups with their shares', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-sizes-'));
  const file = path.join(dir, 'm.wasm');
  fs.writeFileSync(file, module({ names: true }));
  const out = execFileSync(process.execPath, ['scripts/wasm-code-sizes.mjs', file], { encoding: 'utf8' });
  assert.match(out, /2 functions, 6 B of code/);
  assert.match(out, /^\s+4\s+66\.7 %  other$/m);
  const one = execFileSync(process.execPath, ['scripts/wasm-code-sizes.mjs', file, '', '0', 'as mycrate'], { encoding: 'utf8' });
  assert.match(one, /^\s+4\s+66\.7 %  <other::T as mycrate::Tr>::g$/m);
  fs.rmSync(dir, { recursive: true });
});
