//! The feature pipeline: the preprocessing training used, declared in a spec
//! (`features.json`) and executed identically in the browser, a worker and the CLI.
//!
//! A [`FeatureSpec`] lists raw input fields (types, constraints, invalid-value policy), an
//! ordered list of transforms (registered by name in [`transforms`], each mirroring
//! scikit-learn's `transform`), and the output columns. [`Pipeline`] checks it once, then turns
//! [`Record`]s (JSON / JS objects, CSV rows) into the model's `f32` input vector. The spec's
//! content hash ([`Pipeline::version`]) identifies the feature version. See docs/features.md.
//!
//! ```
//! use mlcycle::features::{Pipeline, Record};
//! let spec = r#"{"schema":"mlcycle.features/1","fields":[{"name":"x","type":"number"}],
//!   "transforms":[{"op":"standard_scaler","inputs":["x"],"outputs":["x_std"],
//!                  "params":{"mean":[1.0],"scale":[2.0]}}],
//!   "outputs":["x_std"]}"#;
//! let p = Pipeline::from_json(spec).unwrap();
//! let r = Record::from_json_str(r#"{"x": 5}"#).unwrap();
//! assert_eq!(p.transform(&r).unwrap(), vec![2.0]);
//! ```

mod columnar;
pub mod columns;
pub mod csv;
mod pipeline;
mod record;
mod spec;
pub mod transforms;
mod validate;

pub use self::csv::{
    read_records, read_records_with, sniff_delimiter, CsvOptions, CsvRecords, CsvStream,
    DEFAULT_NA_VALUES,
};
pub use columns::{Column, Columns};
pub use pipeline::{BatchOutput, Coercion, Pipeline, RowError, Transformed};
pub use record::{RawValue, Record, RowValues};
pub use spec::{
    canonical_json, FeatureSpec, FieldSpec, FieldType, OnInvalid, TransformSpec, SCHEMA,
};
pub use transforms::timestamp::format_iso8601_utc;
pub(crate) use validate::coerce;
pub(crate) use validate::parse_iso8601;
