// ---------------------------------------------------------------------------------------------
// Plain-object shapes of mlcycle's JS API. Injected verbatim into mlcycle.d.ts
// (`#[wasm_bindgen(typescript_custom_section)]`), referenced by `unchecked_return_type` /
// `unchecked_param_type`. Results cross the boundary as JSON text (serde_json) read by
// `JSON.parse`: structs and maps are plain objects (never `Map`), `None` and non-finite numbers
// are `null` (a member is absent only where the Rust side skips it: those are `?`), u64 counters
// are plain numbers (never BigInt; above 2^53 they round), f32 values are the shortest decimal
// that reads back as the same f32 (`0.1f32` reads 0.1). Option bags go the other way through
// `JSON.stringify`: unknown members are `E_INVALID_ARGUMENT`. Checked against real objects of
// the Node build.
// ---------------------------------------------------------------------------------------------

// ---- errors ---------------------------------------------------------------------------------

/**
 * The stable `code` of every error mlcycle throws (`crate::Error::code`, documented in the
 * README), plus `E_TRAPPED` from `resilient.js` (the wasm instance trapped and was replaced).
 */
export type MlcycleErrorCode =
    | 'E_MODEL_INVALID'
    | 'E_MODEL_UNSUPPORTED_OP'
    | 'E_INPUT_SHAPE'
    | 'E_INFERENCE'
    | 'E_SPEC_INVALID'
    | 'E_FEATURE_INVALID'
    | 'E_MANIFEST_INVALID'
    | 'E_MANIFEST_VERSION'
    | 'E_NOT_FOUND'
    | 'E_INTEGRITY'
    | 'E_SIGNATURE'
    | 'E_ROLLBACK'
    | 'E_EXPIRED'
    | 'E_FETCH'
    | 'E_CSV'
    | 'E_IO'
    | 'E_SNAPSHOT'
    | 'E_SMOKE_TEST'
    | 'E_INVALID_ARGUMENT'
    | 'E_UNSUPPORTED'
    | 'E_TRAPPED';

/**
 * What every mlcycle call throws (or a promise rejects with): a real `Error` whose `name` is
 * `"MlcycleError"`, with a stable `code`. Branch on `code`, never on `message`.
 */
export interface MlcycleError extends Error {
    name: 'MlcycleError';
    /** Stable machine-readable code. */
    code: MlcycleErrorCode;
    /**
     * The field at fault, set only for `E_FEATURE_INVALID` (a record field), `E_SPEC_INVALID`
     * (a spec member path such as `fields[2].type`) and `E_MANIFEST_INVALID` (a manifest path).
     * Absent (not `null`) otherwise.
     */
    field?: string;
    /** `E_TRAPPED` only: the original trap (`WebAssembly.RuntimeError`). */
    cause?: unknown;
}

// ---- records and columns (inputs) -----------------------------------------------------------

/**
 * One raw value of a record. `null`, `undefined` and `NaN` are missing. (The runtime also
 * reads a JS `Date` as epoch milliseconds for timestamp fields.)
 */
export type FieldValue = string | number | boolean | null | undefined;

/** A raw record: field name → value. Keys the spec does not declare are ignored. */
export type FeatureRecord = Record<string, FieldValue>;
/** A columnar batch: one array per spec field, all of one length (`Pipeline.transformColumns`).
 * `NaN`, `null`, `undefined` and `""` are missing, as in records. */
export type FeatureColumns = Record<string, Float64Array | Float32Array | Int32Array | FieldValue[]>;

/** One column of a columns object (`Model.predict`): `null`/NaN are missing numbers. */
export type ColumnData = Float64Array | Float32Array | string[] | (number | null)[];

/** A columns object: field name → equally long column. */
export type Columns = Record<string, ColumnData>;

// ---- build / model --------------------------------------------------------------------------

/** `buildInfo()`: what this package is. The slim flavor loads NNEF models only (`onnx: false`). */
export interface BuildInfo {
    /** Crate version (`0.1.0`). */
    version: string;
    flavor: 'full' | 'slim';
    /** Whether ONNX models can be loaded (`Model.fromBytes`). */
    onnx: boolean;
}

/** Options of `Model.fromBytes` / `Model.fromNnef` (the second argument may also be a plain `string[]` of labels). */
export interface ModelOptions {
    /** Class labels in output order, overriding the model's (e.g. names for `0, 1, 2`). */
    labels?: string[];
    /** Model budget in bytes (largest fixed-size tensor and all constants together; default 512 MiB). */
    maxBytes?: number;
}

/** What a model computes: `Model.kind`, `ModelInfo.kind`. */
export type ModelKind = 'classifier' | 'regressor' | 'tensor';

/** One declared graph input or output: `Model.inputs` / `Model.outputs` entries. */
export interface TensorInfo {
    /** Name in the ONNX graph. */
    name: string;
    /** Element type (`float32`, `int64`, `string`, …) or `sequence` / `map` for non-tensors. */
    dtype: string;
    /** Dimensions; `null` where symbolic (the batch axis). */
    shape: (number | null)[];
}

/** `Model.info`: everything known about a model's interface. */
export interface ModelInfo {
    kind: ModelKind;
    /** Declared inputs (initializers excluded). */
    inputs: TensorInfo[];
    /** Declared outputs. */
    outputs: TensorInfo[];
    /** Name of the output mlcycle reads (probabilities for classifiers). */
    output: string;
    /** Features per row (the input's last dimension). */
    nFeatures: number;
    /** Values per row of the read output (classes for classifiers). */
    nOutputs: number;
    /** Class labels (classifiers); `[]` otherwise. */
    labels: string[];
    /** Every operator the graph uses, as `domain:Op` (`Op` for the default domain). */
    ops: string[];
    /** Producer recorded in the file (e.g. `skl2onnx 1.20.0`). */
    producer: string;
    /** Record fields each input reads, one list per input (`input_0`… for an unnamed matrix). Absent when empty. */
    inputColumns?: string[][];
    /** String constants of the graph (string inputs are fed as indices here). Absent when empty. */
    vocabulary?: string[];
    /** String inputs whose unknown values are refused. Absent when empty. */
    strictInputs?: string[];
}

// ---- feature spec / pipeline ----------------------------------------------------------------

/** Type of a raw input field (`category` is accepted on input as an alias of `string`). */
export type FieldType = 'number' | 'integer' | 'string' | 'boolean' | 'timestamp';

/** One raw input field of a feature spec. */
export interface FieldSpec {
    /** Record key / CSV header. */
    name: string;
    type: FieldType;
    /** A missing value is an error (rule `required`). */
    required: boolean;
    /** Inclusive lower bound (number, integer, timestamp in epoch ms). */
    min: number | null;
    /** Inclusive upper bound. */
    max: number | null;
    /** Allowed values (strings for string fields, numbers otherwise). */
    categories: (string | number)[] | null;
    /** Policy for type and constraint violations: reject the record, or treat as missing. */
    onInvalid: 'error' | 'missing';
    description: string | null;
}

/** Transform operators of the registry (docs/features.md). */
export type TransformOp =
    | 'impute'
    | 'standard_scaler'
    | 'min_max_scaler'
    | 'robust_scaler'
    | 'one_hot'
    | 'ordinal'
    | 'bucketize'
    | 'log1p'
    | 'clip'
    | 'ratio'
    | 'difference'
    | 'product'
    | 'sum'
    | 'hour'
    | 'day_of_week'
    | 'month'
    | 'passthrough';

/** One transform of a feature spec. */
export interface TransformSpec {
    op: TransformOp;
    /** Columns read (fields or earlier outputs). */
    inputs: string[];
    /** Columns defined, in order. */
    outputs: string[];
    /** Operator parameters; open: their members depend on `op` (docs/features.md). */
    params: Record<string, unknown>;
}

/**
 * A normalized feature spec (`features.json`, schema `mlcycle.features/1`): `Pipeline.spec`,
 * `Deployment.featureSpec` (for a version published without a spec: the raw fields its model's
 * graph reads, no transforms).
 */
export interface FeatureSpec {
    /** `mlcycle.features/1`. */
    schema: string;
    name: string | null;
    description: string | null;
    /** Raw input fields, in CSV column order. */
    fields: FieldSpec[];
    /** Transforms, applied in order. */
    transforms: TransformSpec[];
    /** Output columns, in the order the model expects them. */
    outputs: string[];
    /** Names of the outputs as the model knows them, when they differ from `outputs`. */
    outputNames: string[] | null;
    /** Provenance (exporter, library versions); any JSON, never interpreted. */
    source: unknown;
    /** `sha256:<hex>` content hash: the feature version. */
    hash: string | null;
}

/** One rejected row of a batch (`TransformReport.errors`). */
export interface RowError {
    /** 0-based index of the record. */
    row: number;
    /** The field at fault. */
    field: string;
    /** The rule violated (`required`, `type`, `min`, `max`, `category`, `finite`). */
    rule: string;
    message: string;
}

/** `Pipeline.transformBatchReport` / `Pipeline.transformCsv`: a batch that never throws on bad rows. */
export interface TransformReport {
    rows: number;
    width: number;
    /** `rows × width` features, row-major; invalid rows are all NaN. */
    values: Float32Array;
    /** Per row: accepted by the pipeline. */
    valid: boolean[];
    errors: RowError[];
    /** Field → how many values were coerced. */
    coerced: Record<string, number>;
}

// ---- data quality ---------------------------------------------------------------------------

/** An inclusive `[min, max]` range; either side optional. */
export interface QualityRange {
    min?: number | null;
    max?: number | null;
}

/** Options of `qualityReport` / `qualityReportCsv` and `ValidateOptions.quality` (all optional). */
export interface QualityOptions {
    /** Reference ranges per numeric field (e.g. the training min/max): beyond → `outliersReference`. */
    reference?: Record<string, QualityRange>;
    /** A missing rate above this in an optional field is a warning, else info (default 0.05). */
    missingRateWarning?: number;
    /** IQR multiplier of the outlier rule (default 1.5). */
    iqrFactor?: number;
}

/** Severity of a quality finding. */
export type Severity = 'info' | 'warning' | 'error';

/** Statistics of one raw field in a `QualityReport`. */
export interface QualityField {
    name: string;
    type: FieldType;
    required: boolean;
    missing: number;
    missingRate: number;
    typeErrors: number;
    outOfRange: number;
    unseenCategories: number;
    unseenValues: string[];
    distinct: number;
    constant: boolean;
    /** `min`…`q3`: of the valid numeric values; `null` for non-numeric fields or no values. */
    min: number | null;
    max: number | null;
    mean: number | null;
    q1: number | null;
    q3: number | null;
    outliersIqr: number;
    outliersReference: number;
}

/** One finding of a quality report (errors first). */
export interface QualityFinding {
    /**
     * Stable identifier: `empty_input`, `missing_column`, `missing_required`, `missing_values`,
     * `type_error`, `out_of_range`, `unseen_category`, `constant_column`, `duplicate_rows`,
     * `outliers_iqr`, `outliers_reference`, `invalid_rows`; from validation also
     * `label_missing`, `label_unknown`, `non_finite_output`.
     */
    kind: string;
    severity: Severity;
    /** The field concerned, if any. */
    field: string | null;
    count: number;
    /** `count / rows`. */
    rate: number;
    /** Human-readable (may change; `kind` does not). */
    message: string;
}

/** `qualityReport` / `qualityReportCsv` (also `ValidationReport.quality`). */
export interface QualityReport {
    featureVersion: string;
    rows: number;
    validRows: number;
    invalidRows: number;
    duplicateRows: number;
    fields: QualityField[];
    findings: QualityFinding[];
    summary: { errors: number; warnings: number; infos: number };
}

// ---- validation -----------------------------------------------------------------------------

/** Comparison operator of a criterion. */
export type CriterionOp = '>=' | '<=' | '>' | '<' | '==';

/** A criterion object (`{metric: "accuracy", op: ">=", value: 0.95}`). */
export interface Criterion {
    /** Metric name (docs/validation.md, "Metric names"). */
    metric: string;
    op: CriterionOp;
    value: number;
}

/** A criterion in either accepted form: `"accuracy >= 0.95"` or a `Criterion` object. */
export type CriterionInput = string | Criterion;

/** Latency benchmark settings (`ValidateOptions.latency`, all optional). */
export interface LatencyOptions {
    /** Run the benchmark at all (default true). */
    enabled?: boolean;
    /** Untimed single-record calls first (default 10). */
    warmup?: number;
    /** Timed single-record calls (default 200). */
    iterations?: number;
    /** Rows per batch; 0 = every valid record, capped at 1024 (default 0). */
    batchSize?: number;
    /** Timed batch calls (default 20). */
    batchIterations?: number;
}

/** How an ML Test Score test is covered. */
export type Coverage = 'automated' | 'manual' | 'missing';

/** Caller-supplied evidence for an ML Test Score test (`ValidateOptions.evidence["model-1"]`). */
export interface Evidence {
    status: Coverage;
    /** What was done, where it is documented. */
    note: string;
}

/**
 * Options of `validate` / `validateCsv` / `validateRaw` / `validateRawCsv` /
 * `Deployment.validate` (all optional; unknown members are `E_INVALID_ARGUMENT`).
 */
export interface ValidateOptions {
    /** Class labels in output order, overriding the model's (deployments: the manifest's). */
    labels?: string[];
    /** A record field whose values define slices (need not be a spec field). */
    sliceField?: string;
    /** Acceptance criteria; `go` when all hold (deployments: the manifest's when omitted). */
    criteria?: CriterionInput[];
    latency?: LatencyOptions;
    quality?: QualityOptions;
    /** sklearn's `zero_division` (0 or 1; default 0). */
    zeroDivision?: number;
    /** Reliability bins (default 10). */
    calibrationBins?: number;
    /** Include ROC curve points (default true). */
    rocCurves?: boolean;
    /** Label reported with the latency (default `wasm`). */
    device?: string;
    /** ML Test Score evidence by test id (`model-1`, `infra-6`, …). */
    evidence?: Record<string, Evidence>;
    /** Include every evaluated row's truth and scores (default false). */
    includePredictions?: boolean;
}

/** Precision, recall, F1 and counts of one class (`ClassificationMetrics.perClass[label]`). */
export interface ClassMetrics {
    precision: number;
    recall: number;
    f1: number;
    /** True samples of the class. */
    support: number;
    /** Samples predicted as the class. */
    predicted: number;
    /** One-vs-rest ROC AUC; `null` without a positive or a negative. */
    rocAuc: number | null;
}

/** A metric set to `zeroDivision` (sklearn's `UndefinedMetricWarning`). */
export interface ZeroDivisionNote {
    /** `precision`, `recall` or `f1`. */
    metric: string;
    label: string;
    reason: string;
}

/** `sklearn.metrics.precision_recall_curve` of one class, and `average_precision_score`. */
export interface PrCurve {
    label: string;
    /** Per point, recall decreasing; the last point is (recall 0, precision 1). */
    precision: number[];
    /** All 1 when the class has no true sample (as sklearn). */
    recall: number[];
    /** Increasing, one fewer than the points. */
    thresholds: number[];
    /** `null` without a true sample of the class (sklearn warns and returns 0 there). */
    averagePrecision: number | null;
}

/** ROC curve of one class; `null` where sklearn gives NaN / +∞ (the first threshold). */
export interface RocCurve {
    label: string;
    fpr: (number | null)[];
    tpr: (number | null)[];
    thresholds: (number | null)[];
}

/** One reliability bin. */
export interface CalibrationBin {
    lower: number;
    upper: number;
    count: number;
    /** `null` for an empty bin. */
    meanPredicted: number | null;
    /** `null` for an empty bin. */
    fractionPositive: number | null;
}

/** Reliability curves. */
export interface Calibration {
    nBins: number;
    /** `uniform`. */
    strategy: string;
    classes: { label: string; bins: CalibrationBin[]; ece: number | null }[];
}

/** Metrics of a classifier (`task: "classification"`). */
export interface ClassificationMetrics {
    task: 'classification';
    rows: number;
    /** Class labels in output order (indices of `confusionMatrix`). */
    labels: string[];
    accuracy: number;
    balancedAccuracy: number;
    precisionMacro: number;
    recallMacro: number;
    f1Macro: number;
    precisionWeighted: number;
    recallWeighted: number;
    f1Weighted: number;
    logLoss: number;
    brierScore: number;
    /** `null` when some class has no positive or no negative sample. */
    rocAucOvr: number | null;
    /** Rows = true class, columns = predicted, in `labels` order. */
    confusionMatrix: number[][];
    perClass: Record<string, ClassMetrics>;
    zeroDivision: ZeroDivisionNote[];
    /** Absent when not requested (`rocCurves: false`) and in slices. */
    rocCurves?: RocCurve[];
    /** Precision–recall curves of the same classes, with the same presence rule. */
    prCurves?: PrCurve[];
    calibration: Calibration;
}

/** Metrics of a regressor (`task: "regression"`). */
export interface RegressionMetrics {
    task: 'regression';
    rows: number;
    mae: number;
    mse: number;
    rmse: number;
    r2: number;
    maxError: number;
}

/** Metrics of a validation: narrow on `task`. */
export type ValidationMetrics = ClassificationMetrics | RegressionMetrics;

/** Timings of one benchmark mode (milliseconds). */
export interface Timing {
    rows: number;
    iterations: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    meanMs: number;
    minMs: number;
    maxMs: number;
    /** `null` when the clock did not move. */
    throughputPerS: number | null;
}

/** Latency of pipeline + model on this host; top-level percentiles are the single-record ones. */
export interface LatencyReport {
    device: string;
    warmup: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    single: Timing;
    batch: Timing;
}

/** Outcome of one criterion. */
export interface CriterionResult {
    /** The criterion as text (`accuracy >= 0.95`). */
    criterion: string;
    metric: string;
    op: CriterionOp;
    value: number;
    /** Measured value; `null` when not available in this run (then it fails). */
    actual: number | null;
    pass: boolean;
    /** Why it failed; absent when it passed. */
    reason?: string;
}

/** Sections of the ML Test Score rubric. */
export type ReadinessSection = 'data' | 'model' | 'infrastructure' | 'monitoring';

/** One rubric test. */
export interface ReadinessTest {
    /** `data-1` … `monitor-7`. */
    id: string;
    section: ReadinessSection;
    title: string;
    status: Coverage;
    /** 1, 0.5 or 0. */
    score: number;
    /** What covered it (empty when missing). */
    evidence: string;
    /** `mlcycle` (this run), `caller` (`options.evidence`) or `` (missing). */
    source: 'mlcycle' | 'caller' | '';
}

/** ML Test Score summary. */
export interface Readiness {
    sections: Record<ReadinessSection, number>;
    /** Minimum over the sections. */
    finalScore: number;
    band: string;
    tests: ReadinessTest[];
    /** Ids of tests still to be done by hand. */
    manualRemaining: string[];
}

/**
 * `validate` / `validateCsv` / `validateRaw` / `validateRawCsv` / `Deployment.validate`, and
 * `Deployment.publishedValidation` (the report published with the version). Schema
 * `mlcycle.validation/1`, docs/validation.md.
 */
export interface ValidationReport {
    /** `mlcycle.validation/1`. */
    schema: string;
    model: { kind: ModelKind; labels: string[]; nFeatures: number; producer: string };
    featureVersion: string;
    /** Row accounting. */
    dataset: {
        rows: number;
        evaluated: number;
        invalidFeatures: number;
        missingLabel: number;
        unknownLabel: number;
        nonFiniteOutput: number;
    };
    metrics: ValidationMetrics;
    /** Per-slice metrics; `null` without `sliceField`. */
    slices: { field: string; slices: { value: string; rows: number; metrics: ValidationMetrics }[] } | null;
    /** `null` when the benchmark is disabled. */
    latency: LatencyReport | null;
    quality: QualityReport;
    criteria: CriterionResult[];
    decision: 'go' | 'no-go';
    /** Why (failed criteria; a note when there were none). */
    reasons: string[];
    readiness: Readiness;
    /** Per-row truth and scores; present only with `includePredictions`. */
    predictions?: { rows: number[]; truth: string[]; predicted: string[]; scores: number[][] };
}

// ---- monitoring -----------------------------------------------------------------------------

/** Level of an alert signal. */
export type AlertLevel = 'ok' | 'warn' | 'alert';

/** Status of a drift statistic: its level, or `pending` before `minSamples`. */
export type DriftStatus = AlertLevel | 'pending';

/** Drift statistic a threshold applies to. */
export type DriftMetric = 'psi' | 'jsDistance' | 'ksStatistic';

/** How a field is monitored. */
export type FieldKind = 'numeric' | 'categorical' | 'timestamp';

/** Alert signal names: `drift:<field>`, `predictionDrift`, `accuracy`, `errorRate`, `retraining`. */
export type AlertSignal = `drift:${string}` | 'predictionDrift' | 'accuracy' | 'errorRate' | 'retraining';

/**
 * An alert transition: passed to `Deployment.onAlert` / `Monitor.onAlert` callbacks, returned
 * by `Monitor.drainEvents()`, kept in `MonitorReport.alerts.history`.
 */
export interface AlertEvent {
    signal: AlertSignal;
    from: AlertLevel;
    to: AlertLevel;
    /** The value judged (accuracy for `accuracy`, drifted share for `retraining`). */
    value: number | null;
    /** Warn threshold in force (`null` for `retraining`). */
    warn: number | null;
    /** Alert threshold in force (`null` for `retraining`). */
    alert: number | null;
    /** Time of the evaluation (ms since the epoch for deployments; the caller's `nowMs` for `Monitor`). */
    atMs: number;
    /** Judged on the running total, or on the latest complete tumbling window. */
    scope: 'total' | 'window';
    /** Start of the judged window (`window` scope only). */
    windowStartMs?: number;
}

/** `Deployment.feedback` / `Monitor.feedback`: what became of a delayed label. */
export type FeedbackOutcome = 'matched' | 'late' | 'unmatched' | 'duplicate' | 'unknownLabel';

/** Warn / alert levels of a "higher is worse" signal. */
export interface Threshold {
    /** Statistic compared (drift thresholds only; default `psi`). */
    metric?: DriftMetric;
    warn: number;
    alert: number;
}

/**
 * Monitor configuration: the JSON text given to `new Monitor(reference, config)`, and a
 * version's `monitoring` in the manifest. Every member is optional; unknown members are
 * `E_INVALID_ARGUMENT`. Defaults in docs/monitoring.md.
 */
export interface MonitorConfig {
    /** Model name (OTLP attribute; deployments set it). */
    model?: string | null;
    /** Model version (OTLP attribute; deployments set it). */
    version?: string | null;
    /** Class labels when the reference has no predictions. */
    labels?: string[] | null;
    drift?: {
        /** Every feature without an override (PSI 0.1 / 0.25). */
        default?: Threshold;
        /** Per raw field name. */
        features?: Record<string, Threshold>;
        /** Predicted-class distribution. */
        predictions?: Threshold;
    };
    /** Valid values a feature needs before drift is judged (100). */
    minSamples?: number;
    /** Share of features in alert that recommends retraining (0.5). */
    retrainDriftShare?: number;
    /** Accuracy levels (lower is worse); no accuracy signal when absent. */
    accuracy?: { warn: number; alert: number } | null;
    /** Labels needed before accuracy is judged (50). */
    minLabeled?: number;
    /** Error-rate levels (0.05 / 0.1). */
    errorRate?: Threshold;
    /** Calls needed before the error rate is judged (100). */
    minCalls?: number;
    /** Hysteresis: a warn clears below `warn × clearRatio` (0.9). */
    clearRatio?: number;
    /** Signals are re-judged every this many calls (100). */
    evaluateEvery?: number;
    /** Recent prediction ids kept for feedback (1024). */
    feedbackWindow?: number;
    /** Alert transitions kept (100). */
    historySize?: number;
    /** Latency sketch relative accuracy (0.01). */
    latencyRelativeAccuracy?: number;
    /** Latency sketch bucket limit (2048). */
    latencyMaxBuckets?: number;
    /** Largest number of classes tracked (1024, at most 2048). */
    maxClasses?: number;
    /** Tumbling window length in ms (3,600,000); windows start at multiples of it since the epoch. */
    windowMs?: number;
    /** Windows kept besides the running total (24; 0 = none, at most 1000). */
    windows?: number;
}

/** Latency summary of a monitor (milliseconds; quantiles within `relativeAccuracy`). */
export interface LatencySummary {
    count: number;
    relativeAccuracy: number;
    /** `min`…`p99`: `null` before the first observation. */
    min: number | null;
    max: number | null;
    mean: number | null;
    p50: number | null;
    p90: number | null;
    p95: number | null;
    p99: number | null;
}

/** Missing / invalid counts of one field (`MonitorReport.telemetry.fields`). */
export interface TelemetryField {
    name: string;
    missing: number;
    invalid: number;
    /** `null` without rows. */
    missingRate: number | null;
    invalidRate: number | null;
    min: number | null;
    max: number | null;
}

/** Drift of one feature against the reference. */
export interface FeatureDrift {
    name: string;
    kind: FieldKind;
    /** Non-missing valid current values. */
    count: number;
    /** `null` without current values. */
    psi: number | null;
    jsDistance: number | null;
    /** Numeric fields only (absent otherwise). */
    ksStatistic?: number;
    /** Categorical fields only (absent otherwise). */
    chi2PValue?: number;
    /** `null` without rows. */
    missingRate: number | null;
    referenceMissingRate: number;
    /** The statistic the thresholds apply to. */
    metric: DriftMetric;
    warn: number;
    alert: number;
    status: DriftStatus;
    /** Current counts in the reference profile's order: one per bin (`numeric.edges.length + 1`)
     * or per category of `categorical.categories` then "other"; absent for timestamps. */
    counts?: number[];
}

/** One tumbling window of `MonitorReport.windows.items` / `FleetReport.windows`: the window's
 * own summaries, and its drift with fresh statuses (no hysteresis). */
export interface WindowReport {
    /** Wall-clock start, ms since the epoch (a multiple of `windowMs`). */
    startMs: number;
    /** End (exclusive). */
    endMs: number;
    /** The monitor's clock has passed the end. */
    complete: boolean;
    predictions: number;
    /** Errors by code (at most 16 codes, then `other`). */
    errors: Record<string, number>;
    errorRate: number | null;
    /** Predicted-class counts in label order. */
    classCounts: number[];
    confidenceCounts: number[];
    latencyMs: LatencySummary;
    /** Feedback labels joined during the window, and how many were right. */
    labeled: number;
    correct: number;
    accuracy: number | null;
    features: FeatureDrift[];
    driftedShare: number;
    predictionDrift: MonitorReport["drift"]["predictions"];
}

/** `Monitor.report()` / `Deployment.monitor()`: telemetry, drift, feedback and alerts. */
export interface MonitorReport {
    model: string | null;
    version: string | null;
    featureVersion: string | null;
    /** Times of the first and last observation (`null` before any). */
    window: { firstMs: number | null; lastMs: number | null };
    telemetry: {
        predictions: number;
        /** Error code (`MlcycleErrorCode`, or any code given to `observeError`) → count. */
        errors: Record<string, number>;
        /** errors / (predictions + errors); `null` before any call. */
        errorRate: number | null;
        shapeMismatches: number;
        latencyRejected: number;
        latencyMs: LatencySummary;
        /** Latency counts on fixed 1-2-5 edges (10 µs … 10 s), from the sketch. */
        latencyHistogram: { edgesMs: number[]; counts: number[] };
        /** Predicted-class counts, in label order. */
        classes: { label: string; count: number; referenceShare: number | null }[];
        /** Upper edges of the confidence bins. */
        confidenceEdges: number[];
        confidenceCounts: number[];
        fields: TelemetryField[];
    };
    drift: {
        features: FeatureDrift[];
        /** Share of drift-monitored features in alert. */
        driftedShare: number;
        rows: number;
        /** Predicted-class drift; `null` without reference predictions. */
        predictions: {
            classPsi: number | null;
            classJsDistance: number | null;
            confidencePsi: number | null;
            status: DriftStatus;
            /** Class-PSI thresholds (config `drift.predictions`). */
            warn: number;
            alert: number;
        } | null;
    };
    feedback: {
        labeled: number;
        correct: number;
        /** `null` before any matched label. */
        accuracy: number | null;
        late: number;
        unmatched: number;
        duplicate: number;
        unknownLabel: number;
        labels: string[];
        /** `confusion[true][predicted]`, in `labels` order. */
        confusion: number[][];
    };
    alerts: {
        signals: { name: AlertSignal; level: AlertLevel }[];
        history: AlertEvent[];
        retrainingRecommended: boolean;
        reasons: string[];
        /** The rule the recommendation follows (from the monitoring config). */
        rule: {
            /** Recommended when at least this share of drift-monitored features is in alert… */
            retrainDriftShare: number;
            /** …or feedback accuracy ≤ this (`null`: no accuracy rule) after `minLabeled` labels… */
            accuracyAlert: number | null;
            minLabeled: number;
            /** …or the error rate ≥ this after `minCalls` calls. */
            errorRateAlert: number;
            minCalls: number;
            /** Values a feature needs before it is judged. */
            minSamples: number;
            /** A level is left once the value is below warn × this. */
            clearRatio: number;
        };
    };
    /** Tumbling windows besides the running total (docs/monitoring.md, "Windows"). */
    windows: {
        windowMs: number;
        /** Windows kept at most (config `windows`). */
        capacity: number;
        /** Observations older than the oldest window kept (in the running total only). */
        late: number;
        /** Start of the window the window signals were last judged on. */
        judgedStartMs: number | null;
        /** Levels judged on the latest complete window (hysteresis across windows). */
        signals: { name: AlertSignal; level: AlertLevel }[];
        /** Windows with traffic, oldest first. */
        items: WindowReport[];
    };
}

/** `Monitor.fleetReport(snapshots, options)`. */
export interface FleetReportOptions {
    /** `"total"` (default): everything observed; `"latest"`: the latest complete window on the
     * fleet's clock; a number: the window starting then (epoch ms). */
    window?: 'total' | 'latest' | number;
}

/** `Monitor.fleetReport(snapshots)`: device snapshots of one model version merged. The drift
 * part has `mlcycle drift`'s shape and is exactly the drift of the pooled rows (fresh statuses,
 * no hysteresis). */
export interface FleetReport {
    /** Snapshots merged. */
    devices: number;
    model: string | null;
    version: string | null;
    featureVersion: string | null;
    window: { firstMs: number | null; lastMs: number | null };
    features: FeatureDrift[];
    driftedShare: number;
    rows: number;
    predictions: MonitorReport["drift"]["predictions"];
    classes: MonitorReport["telemetry"]["classes"];
    feedback: MonitorReport["feedback"];
    latencyMs: LatencySummary;
    errors: Record<string, number>;
    windowMs: number;
    /** Start of the window this report describes; `null`: the running total. */
    selectedWindowMs: number | null;
    /** The fleet's windows aligned by start, each with the drift of the pooled rows. */
    windows: WindowReport[];
}

// ---- reference profile ----------------------------------------------------------------------

/** Reference summary of a numeric field. */
export interface NumericProfile {
    /** Inner bin edges, ascending (`edges.length + 1` bins). */
    edges: number[];
    counts: number[];
    shares: number[];
    min: number | null;
    max: number | null;
    mean: number | null;
    std: number | null;
    /** Quantiles at 0, .01, .05, .1, .25, .5, .75, .9, .95, .99, 1. */
    quantiles: { q: number; value: number }[];
}

/** Reference summary of a categorical field (`counts`/`shares` end with the "other" bucket). */
export interface CategoricalProfile {
    categories: string[];
    counts: number[];
    shares: number[];
}

/** One raw field of the reference profile. */
export interface FieldProfile {
    name: string;
    type: FieldType;
    kind: FieldKind;
    /** Bounds from the spec (`null` when unbounded; may be absent in hand-written files). */
    validMin?: number | null;
    validMax?: number | null;
    count: number;
    missing: number;
    invalid: number;
    missingRate: number;
    /** Numeric fields only. */
    numeric?: NumericProfile;
    /** Categorical fields only. */
    categorical?: CategoricalProfile;
}

/**
 * `Deployment.reference`: the version's `reference.json` (format `mlcycle.reference/1`) as
 * published: what the training data looked like. Also the text given to `new Monitor(...)`.
 */
export interface ReferenceProfile {
    /** `mlcycle.reference/1`. */
    format: string;
    /** Feature version the profile was built with. */
    featureVersion?: string | null;
    rows: number;
    /** Requested numeric bin count. */
    bins: number;
    fields: FieldProfile[];
    /** Reference predictions, when a model was run over the training data. */
    predictions?: {
        rows: number;
        labels: string[];
        classCounts: number[];
        classShares: number[];
        confidenceEdges: number[];
        confidenceCounts: number[];
        confidenceShares: number[];
    } | null;
}

// ---- registry -------------------------------------------------------------------------------

/** One file of a version (`VersionEntry.artifacts[kind]`). Unknown members are preserved. */
export interface ArtifactEntry {
    /** URL relative to the manifest (or absolute, on an `artifactOrigins` origin). */
    url: string;
    /** Lowercase hex SHA-256. */
    sha256: string;
    /** Size in bytes (0 when the manifest omits it). */
    size: number;
    /** `application/onnx`, `application/json`, … */
    mediaType?: string;
}

/** Sends `percent` % of subjects (by stable hash) to the version `alias` names. */
export interface Rollout {
    alias: string;
    /** 0–100. */
    percent: number;
    /** Bucket-hash salt (`""` when the manifest omits it). */
    salt: string;
    /** Optional window, ms since the epoch. */
    startMs?: number;
    endMs?: number;
}

/** One published version. Members absent when empty/unset; unknown members are preserved. */
export interface VersionEntry {
    /** ISO-8601 creation time. */
    createdAt?: string;
    /** `classification` or `regression`. */
    task?: string;
    /** Class labels in model output order. */
    labels?: string[];
    /** Feature version (`sha256:…`) of the spec the model was trained with. */
    featureSpecHash?: string;
    /** Artifacts by kind: `model` (always), `nnef`, `features`, `reference`, `validation`, … */
    artifacts: Record<string, ArtifactEntry>;
    /** Acceptance criteria. */
    criteria?: CriterionInput[];
    /** Monitoring thresholds (model/version/labels are filled in by the deployment). */
    monitoring?: MonitorConfig;
    /** Experiment record (data hashes, metrics, source); open. */
    provenance?: Record<string, unknown>;
}

/** One model of the manifest. Unknown members are preserved. */
export interface ModelEntry {
    task?: string;
    description?: string;
    /** Alias → version. */
    aliases: Record<string, string>;
    /** Alias → versions it pointed to before (most recent last); absent when empty. */
    aliasHistory?: Record<string, string[]>;
    /** Percentage rollouts, evaluated in order. */
    rollouts: Rollout[];
    /** Semver → version. */
    versions: Record<string, VersionEntry>;
}

/** Ed25519 signature of a manifest. */
export interface ManifestSignature {
    /** `ed25519`. */
    alg: string;
    /** Hex public key (informational; trust comes from `RegistryLoadOptions.publicKey`). */
    publicKey?: string;
    /** Hex signature. */
    value: string;
}

/** `Registry.manifest`: the verified `manifest.json` (schema `mlcycle.manifest/1`). */
export interface Manifest {
    /** `mlcycle.manifest/1`. */
    schema: string;
    /** Metadata version (+1 on every write); absent in old manifests. */
    version?: number;
    /** ISO-8601 time after which clients refuse the manifest (`E_EXPIRED`). */
    expires?: string;
    /** Extra origins artifacts may come from; absent when empty. */
    artifactOrigins?: string[];
    models: Record<string, ModelEntry>;
    signature?: ManifestSignature;
}

/** Why a version was chosen (`Resolution.reason`); narrow on `kind`. */
export type ResolutionReason =
    /** The request pinned the version. */
    | { kind: 'pinned' }
    /** The request named an alias. */
    | { kind: 'alias' }
    /** A rollout took the subject: its bucket was below `percent × 100`. */
    | { kind: 'rollout'; percent: number; bucket: number; salt: string }
    /** No rollout took the subject (its bucket per rollout) or there was no subject (`[]`). */
    | { kind: 'default'; buckets: number[] };

/** `Registry.resolve`, `DeploymentStatus.selection`: which version a request gets, and why. */
export interface Resolution {
    model: string;
    version: string;
    /** The alias that led there, if any. */
    alias: string | null;
    reason: ResolutionReason;
}

/** Options of `Registry.resolve` (and the resolving part of `Registry.open`). */
export interface ResolveOptions {
    /** Stable user/device key (rollouts need one; default: the registry's `subject`). */
    subject?: string;
    /** Pin an exact version. */
    version?: string;
    /** Follow an alias. */
    alias?: string;
}

/**
 * Progress of a load: `init({onProgress})` reports `runtime` (the wasm download, decoded
 * bytes); `Registry.open(model, {onProgress})` reports `download` (artifacts fetched and
 * hash-verified so far), then `load` (pipeline and model built), `smoke` (golden rows), `ready`.
 */
export interface LoadProgress {
    phase: 'runtime' | 'download' | 'load' | 'smoke' | 'ready';
    loadedBytes: number;
    /** `null` when unknown (a server that does not say, an artifact without a declared size). */
    totalBytes: number | null;
}

/** Options of `Registry.open`. */
export interface OpenOptions extends ResolveOptions {
    /** Called as loading progresses. */
    onProgress?: (event: LoadProgress) => void;
}

/** Options of `Registry.load`. */
export interface RegistryLoadOptions {
    /** Hex Ed25519 key: the manifest must be signed with it. */
    publicKey?: string;
    /** Default subject for `resolve` / `open`. */
    subject?: string;
    /** Operator escape hatch: accept a manifest older than one trusted before (docs/security.md). */
    allowRollback?: boolean;
    /** Operator escape hatch: accept a manifest past its `expires`. */
    allowExpired?: boolean;
    /** Abort any request of this registry after this many ms (1 to 2147483647; default 30000). */
    timeoutMs?: number;
    /** OTLP `service.name` of this app (default `"mlcycle"`). */
    serviceName?: string;
    /** OTLP `service.version` of this app (default: the serving model version). */
    serviceVersion?: string;
    /** OTLP `service.instance.id` (default: a random id kept in localStorage under
     * `mlcycle.instanceId`, else one per module instance). */
    instanceId?: string;
}

/** `Deployment.postOtlp(url, options)`. */
export interface PostOtlpOptions {
    /** Extra request headers, e.g. `{ Authorization: 'Bearer …' }`. */
    headers?: Record<string, string>;
    /** `fetch` keepalive: for a post started on page hide (`visibilitychange`). */
    keepalive?: boolean;
    /** Abort an attempt after this many ms (default 10000). */
    timeoutMs?: number;
    /** First retry delay (default 1000 ms; doubles per failure, at most 5 min). */
    retryBaseMs?: number;
    /** Payloads the outbox keeps (default 64; oldest dropped and counted). */
    maxPayloads?: number;
}

/** What `Deployment.postOtlp` did: this call's answer and the outbox's counters. */
export interface OtlpDelivery {
    /** The collector's HTTP status for this call's payload; `null`: no answer (network, timeout). */
    status: number | null;
    /** Payloads acknowledged (2xx), ever. */
    delivered: number;
    /** Payloads the collector refused (4xx other than 408/429): dropped, counted. */
    rejected: number;
    /** Payloads dropped because the outbox was full. */
    dropped: number;
    /** Failed attempts to be retried. */
    retries: number;
    /** Payloads waiting in the outbox. */
    pending: number;
    /** The last status seen. */
    lastStatus: number | null;
}

/** Who reports in `Monitor.exportOtlp` (OpenTelemetry resource attributes). */
export interface OtlpResource {
    /** `service.name` (default `"mlcycle"`). */
    serviceName?: string;
    /** `service.version` (default: the model version). */
    serviceVersion?: string;
    /** `service.instance.id`: this device (default: the monitor's id prefix). */
    instanceId?: string;
    /** `mlcycle.model.alias`. */
    alias?: string;
    /** `mlcycle.model.selection`: `pinned`, `alias`, `rollout` or `default`. */
    selection?: string;
}

// ---- deployment -----------------------------------------------------------------------------

/** `Deployment.predict`: one prediction. */
export interface Prediction {
    /** Id to send feedback against. */
    id: string;
    /** Winning class (classifiers); `null` otherwise. */
    label: string | null;
    /** Class probabilities in label order (classifiers); `null` otherwise. */
    probabilities: number[] | null;
    /** Raw outputs (regressors, tensor models); `null` for classifiers. */
    values: number[] | null;
    /** Version that answered. */
    version: string;
    /** Pipeline + inference time. */
    latencyMs: number;
}

/** `Deployment.predictBatch`: every row answered or rejected on its own. */
export interface BatchPrediction {
    rows: number;
    /** Outputs per row (classes of a classifier). */
    width: number;
    /** Classifiers: `rows × width` class probabilities, row-major; rejected rows are NaN. */
    probabilities?: Float32Array;
    /** Regressors and tensor models: `rows × width` outputs; rejected rows are NaN. */
    values?: Float32Array;
    /** Per row: the id to send feedback against; `null` for a rejected row. */
    ids: (string | null)[];
    /** Per row: the winning class (classifiers); `null` for a rejected row or a regressor. */
    labels: (string | null)[];
    /** Per row: answered. */
    valid: boolean[];
    /** One per rejected row (each also counted as an `E_FEATURE_INVALID` error by the monitor). */
    errors: RowError[];
    classifier: boolean;
    version: string;
    /** Pipeline + inference time of the whole batch (each row is monitored with its share). */
    latencyMs: number;
}

/** What happened to a deployment (`DeploymentStatus.events`); narrow on `kind`. */
export type DeploymentEvent =
    | { kind: 'deployed'; version: string; atMs: number }
    | { kind: 'swapped'; from: string; to: string; atMs: number }
    | { kind: 'refreshFailed'; serving: string; code: MlcycleErrorCode; message: string; atMs: number };

/** `Deployment.status()`. */
export interface DeploymentStatus {
    model: string;
    version: string;
    selection: Resolution;
    labels: string[];
    featureVersion: string | null;
    /** Artifact serving: `nnef` (precompiled) or `model` (ONNX). */
    modelFormat: 'nnef' | 'model';
    predictions: number;
    failedPredictions: number;
    /** Most recent last (at most 64). */
    events: DeploymentEvent[];
}

/** `Deployment.refresh()` (never rejects): on failure the serving version stays and `error` says why. */
export interface RefreshResult {
    /** Whether another version now serves. */
    changed: boolean;
    /** The serving version after the refresh. */
    version: string;
    error: { code: MlcycleErrorCode; message: string } | null;
}

/** `Deployment.postOtlp`: whether the metrics were sent (`false` without a monitor). */
export type OtlpPostResult = boolean;
