//! Production readiness: what this validation checked, mapped to the 28 tests of Google's
//! "ML Test Score" rubric (Breck et al., 2017). A test scores 1.0 when mlcycle (or the caller,
//! as `automated` evidence) checks it automatically, 0.5 when the caller documents a manual
//! check, 0 otherwise; a section's score is the sum of its tests; the final score is the
//! minimum over the four sections.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The rubric: (id, section, title).
pub const RUBRIC: [(&str, &str, &str); 28] = [
    (
        "data-1",
        "data",
        "Feature expectations are captured in a schema",
    ),
    ("data-2", "data", "All features are beneficial"),
    ("data-3", "data", "No feature's cost is too much"),
    (
        "data-4",
        "data",
        "Features adhere to meta-level requirements",
    ),
    (
        "data-5",
        "data",
        "The data pipeline has appropriate privacy controls",
    ),
    ("data-6", "data", "New features can be added quickly"),
    ("data-7", "data", "All input feature code is tested"),
    ("model-1", "model", "Model specs are reviewed and submitted"),
    ("model-2", "model", "Offline and online metrics correlate"),
    ("model-3", "model", "All hyperparameters have been tuned"),
    ("model-4", "model", "The impact of model staleness is known"),
    ("model-5", "model", "A simpler model is not better"),
    (
        "model-6",
        "model",
        "Model quality is sufficient on important data slices",
    ),
    (
        "model-7",
        "model",
        "The model is tested for considerations of inclusion",
    ),
    ("infra-1", "infrastructure", "Training is reproducible"),
    ("infra-2", "infrastructure", "Model specs are unit tested"),
    (
        "infra-3",
        "infrastructure",
        "The ML pipeline is integration tested",
    ),
    (
        "infra-4",
        "infrastructure",
        "Model quality is validated before serving",
    ),
    ("infra-5", "infrastructure", "The model is debuggable"),
    (
        "infra-6",
        "infrastructure",
        "Models are canaried before serving",
    ),
    (
        "infra-7",
        "infrastructure",
        "Serving models can be rolled back",
    ),
    (
        "monitor-1",
        "monitoring",
        "Dependency changes result in notification",
    ),
    (
        "monitor-2",
        "monitoring",
        "Data invariants hold for inputs (training and serving)",
    ),
    (
        "monitor-3",
        "monitoring",
        "Training and serving are not skewed",
    ),
    ("monitor-4", "monitoring", "Models are not too stale"),
    ("monitor-5", "monitoring", "Models are numerically stable"),
    (
        "monitor-6",
        "monitoring",
        "Computing performance has not regressed",
    ),
    (
        "monitor-7",
        "monitoring",
        "Prediction quality has not regressed",
    ),
];

/// How a test is covered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    /// Checked automatically (1.0).
    Automated,
    /// Run manually with documented results (0.5).
    Manual,
    /// Not covered (0).
    Missing,
}

impl Coverage {
    fn score(self) -> f64 {
        match self {
            Coverage::Automated => 1.0,
            Coverage::Manual => 0.5,
            Coverage::Missing => 0.0,
        }
    }
}

/// Evidence the caller supplies for a test mlcycle cannot check (a manual review, the
/// registry's canary, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Evidence {
    /// `automated` or `manual`.
    pub status: Coverage,
    /// What was done, where it is documented.
    pub note: String,
}

/// One rubric test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessTest {
    /// `data-1` … `monitor-7`.
    pub id: String,
    /// `data`, `model`, `infrastructure`, `monitoring`.
    pub section: String,
    /// The rubric's wording.
    pub title: String,
    /// Coverage.
    pub status: Coverage,
    /// 1.0, 0.5 or 0.
    pub score: f64,
    /// What covered it (empty when missing).
    pub evidence: String,
    /// Whether the evidence comes from this run (`mlcycle`) or the caller (`caller`).
    pub source: String,
}

/// The rubric's score of this validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// Sum of scores per section (`data`, `model`, `infrastructure`, `monitoring`).
    pub sections: BTreeMap<String, f64>,
    /// Minimum over the sections.
    pub final_score: f64,
    /// The rubric's band for the final score.
    pub band: String,
    /// Every test.
    pub tests: Vec<ReadinessTest>,
    /// Ids of the tests still to be done by hand (not automated).
    pub manual_remaining: Vec<String>,
}

/// Builds the summary from what mlcycle checked (`automated`: id → evidence) and the caller's
/// evidence (which never downgrades an automated test).
pub fn readiness(
    automated: &BTreeMap<&'static str, String>,
    caller: &BTreeMap<String, Evidence>,
) -> Readiness {
    let mut sections: BTreeMap<String, f64> = BTreeMap::new();
    let mut tests = Vec::with_capacity(RUBRIC.len());
    for (id, section, title) in RUBRIC {
        let (status, evidence, source) = if let Some(e) = automated.get(id) {
            (Coverage::Automated, e.clone(), "mlcycle")
        } else if let Some(e) = caller.get(id) {
            (e.status, e.note.clone(), "caller")
        } else {
            (Coverage::Missing, String::new(), "")
        };
        *sections.entry(section.to_string()).or_default() += status.score();
        tests.push(ReadinessTest {
            id: id.into(),
            section: section.into(),
            title: title.into(),
            status,
            score: status.score(),
            evidence,
            source: source.into(),
        });
    }
    let final_score = sections.values().copied().fold(f64::INFINITY, f64::min);
    let final_score = if final_score.is_finite() {
        final_score
    } else {
        0.0
    };
    let band = if final_score == 0.0 {
        "more of a research project than a productionized system"
    } else if final_score <= 1.0 {
        "not totally untested, but serious holes in reliability are possible"
    } else if final_score <= 2.0 {
        "a first pass at productionization; additional investment may be needed"
    } else if final_score <= 3.0 {
        "reasonably tested; more automation may be in order"
    } else if final_score <= 5.0 {
        "strong automated testing and monitoring, appropriate for mission-critical systems"
    } else {
        "exceptional levels of automated testing and monitoring"
    };
    let manual_remaining = tests
        .iter()
        .filter(|t| t.status != Coverage::Automated)
        .map(|t| t.id.clone())
        .collect();
    Readiness {
        sections,
        final_score,
        band: band.into(),
        tests,
        manual_remaining,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_over_sections() {
        let mut auto = BTreeMap::new();
        auto.insert("data-1", "spec".to_string());
        auto.insert("infra-4", "criteria".to_string());
        let mut caller = BTreeMap::new();
        caller.insert(
            "model-1".to_string(),
            Evidence {
                status: Coverage::Manual,
                note: "reviewed".into(),
            },
        );
        caller.insert(
            "monitor-1".to_string(),
            Evidence {
                status: Coverage::Manual,
                note: "dependabot".into(),
            },
        );
        let r = readiness(&auto, &caller);
        assert_eq!(r.tests.len(), 28);
        assert_eq!(r.sections["data"], 1.0);
        assert_eq!(r.sections["model"], 0.5);
        assert_eq!(r.final_score, 0.5);
        assert_eq!(r.manual_remaining.len(), 26);
    }
}
