// The README's and docs' JavaScript is the product's first-hour API: every ```js block in
// README.md and docs/*.md is run as written, as a program, in Node with `mlcycle` and
// `mlcycle-slim` installed (node_modules links to pkg/ and pkg-slim/), against the repository
// served over HTTP. The only change made to a block: the demo address `http://127.0.0.1:8080`
// becomes the test server's. The same blocks, and tests/ts/consumer.ts, are type-checked with
// `tsc --strict` (default lib, no skipLibCheck; the consumer also with `lib: ES2022` and Node's
// types, no DOM); the consumer's deliberate mistakes must fail.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serve } from './static-server.mjs';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(root, 'node_modules/.bin/tsc');
let dir;
let server;

/** Every ```js block of README.md and docs/*.md: `{file, line, code}`. */
async function blocks() {
  const files = ['README.md', ...(await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out = [];
  for (const file of files) {
    const lines = (await readFile(join(root, file), 'utf8')).split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(js|javascript|mjs)\s*$/.test(lines[i])) continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && !lines[end].startsWith('```')) end++;
      out.push({ file, line: start, code: lines.slice(start, end).join('\n') });
      i = end;
    }
  }
  return out;
}

const TSC_FLAGS = ['--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext'];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-docs-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'docs-blocks', private: true, type: 'module' }));
  await mkdir(join(dir, 'node_modules'));
  await symlink(join(root, 'pkg'), join(dir, 'node_modules/mlcycle'), 'dir');
  await symlink(join(root, 'pkg-slim'), join(dir, 'node_modules/mlcycle-slim'), 'dir');
  // For the Node-project type check (`lib: ES2022` + @types/node, no DOM).
  await symlink(join(root, 'node_modules/@types'), join(dir, 'node_modules/@types'), 'dir');
  await symlink(join(root, 'node_modules/undici-types'), join(dir, 'node_modules/undici-types'), 'dir');
  server = await serve(root);
});

after(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('every JavaScript block in the README and docs runs as written', async () => {
  const all = await blocks();
  assert.ok(all.length >= 4, `found ${all.length} blocks`);
  const names = [];
  for (const [i, b] of all.entries()) {
    const name = `block${i}.mjs`;
    names.push(name);
    await writeFile(join(dir, name), `// ${b.file}:${b.line}\n${b.code.replaceAll('http://127.0.0.1:8080', server.url)}\n`);
    let result;
    try {
      result = await run(process.execPath, [name], { cwd: dir, timeout: 120_000 });
    } catch (e) {
      assert.fail(`${b.file}:${b.line} failed (exit ${e.code}):\n${e.stderr || e.stdout || e.message}`);
    }
    assert.doesNotMatch(result.stderr, /Error|Unhandled/, `${b.file}:${b.line} wrote errors:\n${result.stderr}`);
  }
  // ...and type-checks under --strict as JavaScript (JSDoc casts where a block needs one).
  try {
    await run(tsc, [...TSC_FLAGS, '--allowJs', '--checkJs', ...names], { cwd: dir });
  } catch (e) {
    assert.fail(`tsc --checkJs on the docs' blocks:\n${e.stdout}${e.stderr}`);
  }
});

test('the package types: a strict TypeScript consumer compiles and its mistakes do not', async () => {
  const consumer = await readFile(join(root, 'tests/ts/consumer.ts'), 'utf8');
  await writeFile(join(dir, 'consumer.ts'), consumer);
  try {
    await run(tsc, [...TSC_FLAGS, 'consumer.ts'], { cwd: dir });
  } catch (e) {
    assert.fail(`tsc --strict consumer.ts:\n${e.stdout}${e.stderr}`);
  }
  // A Node project's settings: ES2022 without the DOM lib, Node's own types.
  try {
    await run(tsc, [...TSC_FLAGS, '--lib', 'es2022', '--types', 'node', 'consumer.ts'], { cwd: dir });
  } catch (e) {
    assert.fail(`tsc --strict --lib es2022 --types node consumer.ts:\n${e.stdout}${e.stderr}`);
  }
  const directives = consumer.split('\n').filter((l) => /^\s*\/\/ @ts-expect-error/.test(l)).length;
  assert.ok(directives >= 5, `${directives} deliberate mistakes`);
  await writeFile(join(dir, 'mistakes.ts'), consumer.replaceAll(/^\s*\/\/ @ts-expect-error.*$/gm, ''));
  const failed = await run(tsc, [...TSC_FLAGS, 'mistakes.ts'], { cwd: dir }).then(() => null, (e) => e.stdout);
  assert.ok(failed, 'the consumer with its mistakes compiled');
  const errors = failed.split('\n').filter((l) => /error TS\d+/.test(l));
  assert.equal(errors.length, directives, `expected one error per mistake:\n${failed}`);
  assert.match(failed, /'lable' does not exist on type 'Prediction'/);
});
