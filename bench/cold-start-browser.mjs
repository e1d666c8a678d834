// Cold starts in headless Debian Chromium (playwright-core, never a downloaded browser): each
// measurement in a fresh browser context and page, bytes fetched before the clock starts
// (bench/cold.html). Used by bench.mjs; standalone: node bench/cold-start-browser.mjs
import { launch } from '../tests/js/browser.mjs';
import { serve } from '../tests/js/static-server.mjs';

/** Median cold start (ms) per `[runtime, model, width]` case, `runs` fresh pages each. */
export async function coldStartsInChromium(cases, runs = 3) {
  const server = await serve();
  const browser = await launch();
  const out = [];
  try {
    for (const [runtime, model, width] of cases) {
      const ms = [];
      for (let i = 0; i < runs; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${server.url}/bench/cold.html?runtime=${runtime}&model=${encodeURIComponent(model)}&width=${width}`);
        const r = await page.waitForFunction(() => window.result, null, { timeout: 60_000 }).then((h) => h.jsonValue());
        await context.close();
        if (r.error) throw new Error(`${runtime} ${model}: ${r.error}`);
        ms.push(r.ms);
      }
      ms.sort((a, b) => a - b);
      out.push({ runtime, model, ms: ms[Math.floor(ms.length / 2)] });
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await coldStartsInChromium([
    ['mlcycle-onnx', 'tests/data/penguins_logreg.onnx', 9],
    ['slim', 'tests/data/nnef/penguins_logreg.nnef.tar', 9],
    ['ort', 'tests/data/penguins_logreg.onnx', 9],
  ], 1));
}
