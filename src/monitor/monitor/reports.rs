//! What a monitor reports: drift, telemetry, feedback, alerts and the tumbling windows.

use super::*;

impl Monitor {
    /// Drift of everything observed, with fresh levels (no hysteresis): what
    /// [`DriftReport::compute`] gives on the same records, and what a fleet merge reports.
    pub fn drift_report(&self) -> DriftReport {
        let features = self.feature_drifts();
        DriftReport {
            drifted_share: drifted_share(&features),
            features,
            rows: self.state.predictions,
        }
    }

    fn feature_drifts(&self) -> Vec<FeatureDrift> {
        self.drifts_of(&self.total_view())
    }

    /// The running total's counts.
    pub(super) fn total_view(&self) -> CountsView<'_> {
        let s = &self.state;
        CountsView {
            predictions: s.predictions,
            errors: &s.errors,
            class_counts: &s.class_counts,
            confidence_counts: &s.confidence_counts,
            fields: &s.fields,
            labeled: s.feedback.labeled,
            correct: s.feedback.correct,
        }
    }

    pub(super) fn drifts_of(&self, v: &CountsView<'_>) -> Vec<FeatureDrift> {
        feature_drifts(&self.reference, v.fields, &self.config)
    }

    /// (class PSI, class JS distance, confidence PSI, predictions with a class) of a summary.
    #[allow(clippy::type_complexity)]
    pub(super) fn prediction_drift_of(
        &self,
        v: &CountsView<'_>,
    ) -> Option<(Option<f64>, Option<f64>, Option<f64>, u64)> {
        let p = self.reference.predictions.as_ref()?;
        let n: u64 = saturating_sum(v.class_counts);
        if p.labels != self.state.labels || n == 0 {
            return Some((None, None, None, n));
        }
        let cur = shares(v.class_counts);
        let conf = shares(v.confidence_counts);
        Some((
            Some(psi(&p.class_shares, &cur)),
            js_distance(&p.class_shares, &cur),
            Some(psi(&p.confidence_shares, &conf)),
            n,
        ))
    }

    /// [`PredictionDrift`] of a summary; `status` is the fresh level unless `level` is given.
    fn prediction_drift_report(
        &self,
        v: &CountsView<'_>,
        level: Option<Level>,
    ) -> Option<PredictionDrift> {
        self.prediction_drift_of(v)
            .map(|(psi, js, cpsi, n)| PredictionDrift {
                class_psi: psi,
                class_js_distance: js,
                confidence_psi: cpsi,
                warn: self.config.drift.predictions.warn,
                alert: self.config.drift.predictions.alert,
                status: if n < self.config.min_samples.max(1) {
                    Status::Pending
                } else {
                    level
                        .or_else(|| {
                            psi.map(|v| {
                                step(
                                    Level::Ok,
                                    v,
                                    &self.config.drift.predictions,
                                    self.config.clear_ratio,
                                )
                            })
                        })
                        .unwrap_or_default()
                        .into()
                },
            })
    }

    /// The report: plain serde data, a JS object at the wasm boundary.
    pub fn report(&self) -> MonitorReport {
        let s = &self.state;
        let lat = &s.latency;
        let rows = s.predictions;
        let rate = |n: u64| (rows > 0).then(|| n as f64 / rows as f64);
        let mut features = self.feature_drifts();
        for f in &mut features {
            if f.status != Status::Pending {
                f.status = self.level_of(&format!("drift:{}", f.name)).into();
            }
        }
        let ref_shares = self
            .reference
            .predictions
            .as_ref()
            .filter(|p| p.labels == s.labels)
            .map(|p| &p.class_shares);
        let predictions = self
            .prediction_drift_report(&self.total_view(), Some(self.level_of("predictionDrift")));
        let k = s.labels.len();
        MonitorReport {
            model: self.config.model.clone(),
            version: self.config.version.clone(),
            feature_version: self.reference.feature_version.clone(),
            window: Window {
                first_ms: s.first_ms,
                last_ms: s.last_ms,
            },
            telemetry: Telemetry {
                predictions: s.predictions,
                errors: s.errors.clone(),
                error_rate: self.error_rate(),
                shape_mismatches: s.shape_mismatches,
                latency_rejected: s.latency_rejected,
                latency_ms: LatencySummary::of(lat),
                latency_histogram: LatencyHistogram::of(lat),
                classes: s
                    .labels
                    .iter()
                    .zip(&s.class_counts)
                    .enumerate()
                    .map(|(i, (l, c))| ClassCount {
                        label: l.clone(),
                        count: *c,
                        reference_share: ref_shares.and_then(|r| r.get(i).copied()),
                    })
                    .collect(),
                confidence_edges: CONFIDENCE_EDGES.to_vec(),
                confidence_counts: s.confidence_counts.clone(),
                fields: self
                    .reference
                    .fields
                    .iter()
                    .zip(&s.fields)
                    .map(|(f, c)| FieldQuality {
                        name: f.name.clone(),
                        missing: c.missing,
                        invalid: c.invalid,
                        missing_rate: rate(c.missing),
                        invalid_rate: rate(c.invalid),
                        min: c.min,
                        max: c.max,
                    })
                    .collect(),
            },
            drift: DriftSection {
                drifted_share: drifted_share(&features),
                features,
                rows,
                predictions,
            },
            feedback: FeedbackReport {
                labeled: s.feedback.labeled,
                correct: s.feedback.correct,
                accuracy: self.accuracy(),
                late: s.feedback.late,
                unmatched: s.feedback.unmatched,
                duplicate: s.feedback.duplicate,
                unknown_label: s.feedback.unknown_label,
                labels: s.labels.clone(),
                confusion: (0..k)
                    .map(|r| {
                        s.feedback
                            .confusion
                            .get(r * k..(r + 1) * k)
                            .unwrap_or_default()
                            .to_vec()
                    })
                    .collect(),
            },
            alerts: AlertsReport {
                signals: s
                    .signals
                    .iter()
                    .map(|x| SignalReport {
                        name: x.name.clone(),
                        level: x.level,
                    })
                    .collect(),
                history: s.history.iter().cloned().collect(),
                retraining_recommended: s.retraining.recommended,
                reasons: s.retraining.reasons.clone(),
                rule: AlertRule {
                    retrain_drift_share: self.config.retrain_drift_share,
                    accuracy_alert: self.config.accuracy.as_ref().map(|a| a.alert),
                    min_labeled: self.config.min_labeled,
                    error_rate_alert: self.config.error_rate.alert,
                    min_calls: self.config.min_calls,
                    min_samples: self.config.min_samples,
                    clear_ratio: self.config.clear_ratio,
                },
            },
            windows: self.windows_report(),
        }
    }

    /// The windows section of the report.
    pub fn windows_report(&self) -> WindowsReport {
        let w = &self.state.windows;
        let len = self.config.window_ms as f64;
        WindowsReport {
            window_ms: len,
            capacity: self.config.windows,
            late: w.late,
            judged_start_ms: w.judged_start_ms,
            signals: signal_reports(&w.signals),
            items: w
                .items
                .iter()
                .map(|c| {
                    let v = c.view();
                    let features = self.drifts_of(&v);
                    WindowReport {
                        start_ms: c.start_ms,
                        end_ms: c.start_ms + len,
                        complete: w.is_complete(c, &self.config),
                        predictions: c.predictions,
                        errors: c.errors.clone(),
                        error_rate: v.error_rate(),
                        class_counts: c.class_counts.clone(),
                        confidence_counts: c.confidence_counts.clone(),
                        latency_ms: LatencySummary::of(&c.latency),
                        labeled: c.labeled,
                        correct: c.correct,
                        accuracy: v.accuracy(),
                        drifted_share: drifted_share(&features),
                        features,
                        prediction_drift: self.prediction_drift_report(&v, None),
                    }
                })
                .collect(),
        }
    }

    /// The report as JSON text.
    pub fn report_json(&self) -> Result<String> {
        serde_json::to_string(&self.report())
            .map_err(|e| Error::invalid_argument("report", e.to_string()))
    }
}
