// webpack 5 as a new project would configure it for an ES-module app with top-level await:
// nothing mlcycle-specific (the wasm is an asset found through `new URL(…, import.meta.url)`).
import { fileURLToPath } from 'node:url';

export default (outDir) => ({
  mode: 'production',
  context: fileURLToPath(new URL('./app/', import.meta.url)),
  entry: './main.js',
  experiments: { topLevelAwait: true, outputModule: true },
  output: { path: outDir, filename: 'main.js', module: true, publicPath: '' },
  resolve: { modules: [fileURLToPath(new URL('./node_modules/', import.meta.url)), 'node_modules'] },
  performance: { hints: false },
});
