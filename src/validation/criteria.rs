//! Acceptance criteria (`"accuracy >= 0.95"` or `{"metric", "op", "value"}`), their evaluation
//! against a report, and the go / no-go decision.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `==`
    #[serde(rename = "==")]
    Eq,
}

impl Op {
    /// The operator's text.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Eq => "==",
        }
    }

    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            ">=" | "≥" => Op::Ge,
            "<=" | "≤" => Op::Le,
            ">" => Op::Gt,
            "<" => Op::Lt,
            "==" | "=" => Op::Eq,
            _ => return None,
        })
    }

    /// Whether `actual op threshold` holds (never for NaN).
    pub fn holds(self, actual: f64, threshold: f64) -> bool {
        match self {
            Op::Ge => actual >= threshold,
            Op::Le => actual <= threshold,
            Op::Gt => actual > threshold,
            Op::Lt => actual < threshold,
            Op::Eq => actual == threshold,
        }
    }
}

/// One acceptance criterion: `metric op value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Criterion {
    /// Metric name (docs/validation.md, "Metric names").
    pub metric: String,
    /// Operator.
    pub op: Op,
    /// Threshold.
    pub value: f64,
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.metric, self.op.as_str(), self.value)
    }
}

impl Criterion {
    /// Parses `"accuracy >= 0.95"` (spaces optional).
    pub fn parse(text: &str) -> Result<Criterion> {
        let bad = |reason: &str| Error::invalid_argument("criteria", format!("`{text}`: {reason}"));
        let t = text.trim();
        let ops = [">=", "<=", "==", "≥", "≤", ">", "<", "="];
        let (pos, op) = ops
            .iter()
            .filter_map(|o| t.find(o).map(|p| (p, *o)))
            .min_by_key(|(p, o)| (*p, std::cmp::Reverse(o.len())))
            .ok_or_else(|| bad("expected `metric op value` with op one of >=, <=, >, <, =="))?;
        let metric = t.get(..pos).unwrap_or_default().trim();
        let value = t.get(pos + op.len()..).unwrap_or_default().trim();
        if metric.is_empty() {
            return Err(bad("the metric name is missing"));
        }
        let value: f64 = value
            .parse()
            .map_err(|_| bad(&format!("`{value}` is not a number")))?;
        if value.is_nan() {
            return Err(bad("the threshold is NaN"));
        }
        Ok(Criterion {
            metric: metric.to_string(),
            op: Op::parse(op).ok_or_else(|| bad("unknown operator"))?,
            value,
        })
    }
}

/// Criteria in either accepted form (string or object), as found in a criteria file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CriterionInput {
    /// `"accuracy >= 0.95"`.
    Text(String),
    /// `{"metric": "accuracy", "op": ">=", "value": 0.95}`.
    Object(Criterion),
}

impl CriterionInput {
    /// The parsed criterion.
    pub fn resolve(&self) -> Result<Criterion> {
        match self {
            CriterionInput::Text(t) => Criterion::parse(t),
            CriterionInput::Object(c) => {
                if c.value.is_nan() {
                    return Err(Error::invalid_argument(
                        "criteria",
                        format!("`{}`: the threshold is NaN", c.metric),
                    ));
                }
                Ok(c.clone())
            }
        }
    }
}

/// Parses a criteria document: a JSON array of criteria, or an object with a `criteria` array
/// (other members, e.g. `manualChecks`, are read by [`super::ValidateOptions`]).
pub fn parse_criteria_json(text: &str) -> Result<Vec<Criterion>> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid_argument("criteria", format!("not JSON: {e}")))?;
    let list = match &v {
        serde_json::Value::Array(_) => v,
        serde_json::Value::Object(o) => o.get("criteria").cloned().ok_or_else(|| {
            Error::invalid_argument("criteria", "the object has no `criteria` array")
        })?,
        _ => {
            return Err(Error::invalid_argument(
                "criteria",
                "expected an array of criteria or an object with `criteria`",
            ))
        }
    };
    let items: Vec<CriterionInput> =
        crate::json::from_value(&list).map_err(|e| Error::invalid_argument("criteria", e))?;
    items.iter().map(CriterionInput::resolve).collect()
}

/// The outcome of one criterion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CriterionResult {
    /// The criterion as text (`accuracy >= 0.95`).
    pub criterion: String,
    /// Metric name.
    pub metric: String,
    /// Operator.
    pub op: Op,
    /// Threshold.
    pub value: f64,
    /// The measured value; `null` when the metric is not available for this run (then it fails).
    pub actual: Option<f64>,
    /// Whether it holds.
    pub pass: bool,
    /// Why it failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Evaluates criteria with `lookup(metric) -> Ok(Some(value))`, `Ok(None)` when the metric is
/// known but not available (fails), `Err` when the name is unknown (an error, never a pass).
pub fn evaluate(
    criteria: &[Criterion],
    lookup: impl Fn(&str) -> Result<Option<f64>>,
) -> Result<Vec<CriterionResult>> {
    criteria
        .iter()
        .map(|c| {
            let actual = lookup(&c.metric)?;
            let (pass, reason) = match actual {
                None => (false, Some("not available in this report".to_string())),
                Some(a) if a.is_nan() => (false, Some("the value is undefined (NaN)".into())),
                Some(a) if c.op.holds(a, c.value) => (true, None),
                Some(a) => (
                    false,
                    Some(format!("{a} is not {} {}", c.op.as_str(), c.value)),
                ),
            };
            Ok(CriterionResult {
                criterion: c.to_string(),
                metric: c.metric.clone(),
                op: c.op,
                value: c.value,
                actual: actual.filter(|a| !a.is_nan()),
                pass,
                reason,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        let c = Criterion::parse("accuracy>=0.95").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.metric.as_str(), c.op, c.value),
            ("accuracy", Op::Ge, 0.95)
        );
        let c = Criterion::parse(" latency_p95_ms < 5 ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.metric.as_str(), c.op, c.value),
            ("latency_p95_ms", Op::Lt, 5.0)
        );
        let c =
            Criterion::parse("missing_rate.body_mass_g <= 0.05").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.metric, "missing_rate.body_mass_g");
        let list = parse_criteria_json(
            r#"["f1_macro >= 0.9", {"metric": "log_loss", "op": "<=", "value": 0.2}]"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].op, Op::Le);
        assert!(parse_criteria_json(r#"{"criteria": ["accuracy >= 0.9"]}"#).is_ok());
        for bad in ["accuracy", ">= 3", "accuracy >= x", "accuracy >= NaN"] {
            assert!(Criterion::parse(bad).is_err(), "{bad}");
        }
        assert!(parse_criteria_json(r#"[{"metric": "a", "op": "~", "value": 1}]"#).is_err());
    }

    #[test]
    fn unknown_metric_is_an_error_and_missing_fails() {
        let cs = vec![Criterion::parse("nope >= 1").unwrap_or_else(|e| panic!("{e}"))];
        assert!(evaluate(&cs, |_| Err(Error::invalid_argument("criteria", "unknown"))).is_err());
        let r = evaluate(&cs, |_| Ok(None)).unwrap_or_else(|e| panic!("{e}"));
        assert!(!r[0].pass);
    }
}
