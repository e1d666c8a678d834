// A TypeScript consumer of the package's API, as the README and docs use it. `make test`
// compiles it with `tsc --strict` (default lib, no skipLibCheck) against pkg/ (tests/js/
// docs.test.mjs). Every `@ts-expect-error` line is a mistake the types must catch: if one
// compiled, tsc would fail on the unused directive. The test also compiles a copy without the
// directives and expects those errors.
import init, {
  Model,
  Monitor,
  Pipeline,
  Registry,
  buildInfo,
  qualityReport,
  validate,
  type AlertEvent,
  type DeploymentStatus,
  type FeatureRecord,
  type LoadProgress,
  type MlcycleError,
  type MlcycleErrorCode,
  type MonitorReport,
  type Prediction,
  type ValidationReport,
} from 'mlcycle';
import { createRuntime } from 'mlcycle/resilient';

export async function lifecycle(publicKey: string, records: FeatureRecord[], truth: string[]): Promise<string> {
  const phases: LoadProgress['phase'][] = [];
  await init({ onProgress: (e) => phases.push(e.phase) });
  await init();
  const flavor: 'full' | 'slim' = buildInfo().flavor;

  const registry = await Registry.load('https://models.example/manifest.json', { publicKey, subject: 'u1' });
  const bare = await Registry.load('https://models.example/manifest.json'); // options are optional
  const deployment = await registry.open('penguins', { onProgress: (e: LoadProgress) => phases.push(e.phase) });
  await bare.open('penguins');
  const p: Prediction = deployment.predict(records[0]);
  const label: string | null = p.label;
  const top: number | undefined = p.probabilities?.[0];
  // @ts-expect-error: a typo in a result member
  p.lable;
  const outcome = deployment.feedback(p.id, 'Gentoo');
  if (outcome === 'matched' || outcome === 'late') {
    // narrowed union
  }
  // @ts-expect-error: not a feedback outcome
  const wrongOutcome: typeof outcome = 'accepted';
  deployment.onAlert((e: AlertEvent) => console.warn(e.signal, e.from, e.to, e.atMs));
  const status: DeploymentStatus = deployment.status();
  for (const event of status.events) {
    if (event.kind === 'refreshFailed') console.log(event.code, event.message, event.atMs);
  }
  const report: MonitorReport | null = deployment.monitor();
  const predictions: number = report?.telemetry.predictions ?? 0;
  const delivery = await deployment.postOtlp('https://otel.example/v1/metrics', {
    headers: { Authorization: 'Bearer t' },
    keepalive: true,
  });
  const answered: number | null = delivery.status;
  const waiting: number = delivery.pending + delivery.dropped + delivery.rejected;
  // @ts-expect-error: headers are a string map
  await deployment.postOtlp('https://otel.example/v1/metrics', { headers: [['a', 'b']] });
  const refreshed = await deployment.refresh();
  const refreshCode: MlcycleErrorCode | undefined = refreshed.error?.code;
  const validation: ValidationReport = deployment.validate(records, truth);
  const decision: 'go' | 'no-go' = validation.decision;
  // @ts-expect-error: not a validation option
  deployment.validate(records, truth, { latencey: { enabled: false } });
  const published = await deployment.publishedValidation();
  const sent: boolean = (await deployment.postOtlp('https://collector.example/v1/metrics')).status === 200;
  const spec = deployment.featureSpec;
  const fields: string[] = spec.fields.map((f) => f.name);
  return [flavor, label, top, predictions, refreshCode, decision, published?.decision, sent, fields, phases, answered, waiting].join();
}

export function pieces(onnx: Uint8Array, specJson: string, referenceJson: string, rows: FeatureRecord[]): number {
  const model = Model.fromBytes(onnx); // options are optional
  const labelled = Model.fromBytes(onnx, ['a', 'b', 'c']);
  const budgeted = Model.fromBytes(onnx, { maxBytes: 1 << 20 });
  // @ts-expect-error: maxBytes is a number
  Model.fromBytes(onnx, { maxBytes: '1MB' });
  const kind: 'classifier' | 'regressor' | 'tensor' = model.kind;
  const shape: (number | null)[] = model.inputs[0].shape;
  const proba: Float32Array = model.predict(new Float32Array(model.nFeatures), 1);
  const fromRecords: Float32Array = model.predict(rows);
  const fromColumns: Float32Array = model.predict({ bill_length_mm: new Float64Array([40]) });
  const pipeline = Pipeline.fromJson(specJson);
  const features: Float32Array = pipeline.transform(rows[0]);
  const batch = pipeline.transformBatchReport(rows);
  const firstError: string | undefined = batch.errors[0]?.message;
  const quality = qualityReport(pipeline, rows);
  const report = validate(model, pipeline, rows, 'species');
  const metrics = report.metrics;
  const accuracy: number | null = metrics.task === 'classification' ? metrics.accuracy : null;
  const monitor = new Monitor(referenceJson);
  const id: string = monitor.observe(rows[0], proba, 0.5, Date.now());
  monitor.onAlert((e) => console.log(e.signal));
  monitor.onAlert(null);
  const drifted: number = monitor.report().drift.driftedShare;
  const fleet = Monitor.fleetReport([monitor.snapshot(), monitor.snapshot()]);
  const fleetPsi: number | null = fleet.features[0]?.psi ?? null;
  // @ts-expect-error: snapshots are strings, not monitors
  Monitor.fleetReport([monitor]);
  const hour = Monitor.fleetReport([monitor.snapshot()], { window: 'latest' });
  const otlpBytes: Uint8Array = monitor.exportOtlpProtobuf(Date.now(), { instanceId: 'a' });
  const hourStart: number | null = hour.selectedWindowMs;
  const heat: (number | null)[] = monitor.report().windows.items.map((w) => w.features[0]?.psi ?? null);
  const scope: 'total' | 'window' | undefined = monitor.drainEvents()[0]?.scope;
  // @ts-expect-error: a window is 'total', 'latest' or a start time
  Monitor.fleetReport([monitor.snapshot()], { window: 'yesterday' });
  try {
    model.predict(new Float32Array(3), 1);
  } catch (e) {
    const err = e as MlcycleError;
    const code: MlcycleErrorCode = err.code;
    // @ts-expect-error: not an error code
    const bogus: MlcycleErrorCode = 'E_NOPE';
    console.log(code, bogus, err.message);
  }
  return labelled.labels.length + budgeted.nFeatures + shape.length + fromRecords.length + fromColumns.length +
    features.length + (firstError?.length ?? 0) + quality.fields.length + (accuracy ?? 0) + id.length + drifted +
    fleet.devices + (fleetPsi ?? 0) + (hourStart ?? 0) + heat.length + (scope ?? "").length + otlpBytes.length +
    pipeline.width;
}

export async function resilient(onnx: Uint8Array): Promise<number> {
  const rt = await createRuntime();
  const model = rt.model(onnx);
  return model.predict(new Float32Array(9), 1).length;
}
