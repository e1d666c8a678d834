// Both packages are publishable as they are built: `npm pack --dry-run` of pkg/ and pkg-slim/
// lists the entries for every host, the types, the wasm, README and both licence files;
// package.json has its own description per flavor, the repository, keywords, and `exports`
// with `types`/`workerd`/`node`/`browser`/`default` conditions whose targets are all packed.
// Prints each tarball's size.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const REQUIRED = ['package.json', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE', 'index.js', 'index.d.ts', 'node.js',
  'workerd.js', 'init.js', 'mlcycle.js', 'columns.js', 'mlcycle.d.ts', 'mlcycle_bg.wasm', 'resilient.js', 'resilient.d.ts'];

async function pack(dir) {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--offline'], { cwd: `${root}${dir}` });
  const [info] = JSON.parse(stdout);
  const manifest = JSON.parse(await readFile(`${root}${dir}/package.json`, 'utf8'));
  return { info, manifest, files: new Set(info.files.map((f) => f.path)) };
}

/** Every file an `exports` entry points at (any condition). */
function targets(exports) {
  const out = [];
  const walk = (v) => (typeof v === 'string' ? out.push(v.replace(/^\.\//, '')) : Object.values(v).forEach(walk));
  walk(exports);
  return out;
}

for (const [dir, name] of [['pkg', 'mlcycle'], ['pkg-slim', 'mlcycle-slim']]) {
  test(`npm pack of ${dir}/ (${name}) is complete and publishable`, async () => {
    const { info, manifest, files } = await pack(dir);
    console.log(`${name}@${info.version}: tarball ${info.size} B, unpacked ${info.unpackedSize} B, ${info.files.length} files`);
    assert.equal(info.name, name);
    for (const f of REQUIRED) assert.ok(files.has(f), `${f} is not in the tarball`);
    assert.ok(![...files].some((f) => f.endsWith('.br') || f.endsWith('.gz')), 'precompressed copies are for servers, not npm');
    assert.equal(manifest.license, 'MIT OR Apache-2.0');
    assert.match(manifest.repository?.url ?? '', /^git\+https:\/\/.+\.git$/);
    assert.ok(manifest.keywords?.length >= 5);
    assert.equal(manifest.type, 'module');
    const dot = manifest.exports['.'];
    assert.deepEqual(Object.keys(dot), ['types', 'workerd', 'node', 'browser', 'default'], 'condition order: types first, default last');
    for (const t of targets(manifest.exports)) assert.ok(files.has(t), `exports points at ${t}, which is not packed`);
    const readme = await readFile(`${root}${dir}/README.md`, 'utf8');
    assert.ok(readme.startsWith(`# ${name}\n`), 'the README names this package');
    assert.match(await readFile(`${root}${dir}/LICENSE-APACHE`, 'utf8'), /Apache License\s+Version 2\.0/);
    assert.match(await readFile(`${root}${dir}/LICENSE-MIT`, 'utf8'), /Permission is hereby granted/);
    const types = (await readFile(`${root}${dir}/mlcycle.d.ts`, 'utf8'))
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    const anys = types.split('\n').filter((l) => /\bany\b/.test(l));
    assert.deepEqual(anys, [], 'the generated types say `any`');
  });
}

test('the two flavors describe themselves', async () => {
  const full = (await pack('pkg')).manifest;
  const slim = (await pack('pkg-slim')).manifest;
  assert.notEqual(full.description, slim.description);
  assert.match(slim.description, /precompiled|NNEF/);
  assert.match(slim.description, /without the ONNX parser/);
  assert.match(full.description, /ONNX/);
});
