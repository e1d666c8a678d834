// A tiny static file server for tests (the demo uses `mlcycle serve`): serves the repository
// root on 127.0.0.1 with correct MIME types (application/wasm for .wasm).
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, normalize, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.json': 'application/json', '.wasm': 'application/wasm', '.css': 'text/css',
  '.csv': 'text/csv', '.onnx': 'application/octet-stream', '.svg': 'image/svg+xml',
};

// `state.failing = true` makes every request answer 503 (a network failure for the client);
// `state.requests` counts requests.
export async function serve(root = fileURLToPath(new URL('../../', import.meta.url))) {
  const state = { failing: false, requests: 0 };
  const server = http.createServer(async (req, res) => {
    state.requests += 1;
    if (state.failing) { res.writeHead(503).end('unavailable'); return; }
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = await readFile(join(root, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, state, close: () => new Promise((ok) => server.close(ok)) };
}
