import init, * as mlcycle from '/pkg/index.js';
import { runChecks } from './checks.mjs';

try {
  await init();
  self.postMessage(await runChecks(mlcycle));
} catch (e) {
  self.postMessage({ error: String(e && e.stack || e) });
}
