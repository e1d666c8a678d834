//! Alert states: the signals a monitor judges (per-feature drift, prediction drift, accuracy,
//! error rate), their hysteresis, the events they raise and the retraining recommendation
//! (docs/monitoring.md, "Alerts").

use super::*;

/// State of a signal.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Within thresholds.
    #[default]
    Ok,
    /// At or above the warn threshold.
    Warn,
    /// At or above the alert threshold.
    Alert,
}

/// Status of a feature in a report: its level, or `pending` before `minSamples`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Within thresholds.
    Ok,
    /// Warn.
    Warn,
    /// Alert.
    Alert,
    /// Not enough samples to judge.
    Pending,
}

impl From<Level> for Status {
    fn from(l: Level) -> Status {
        match l {
            Level::Ok => Status::Ok,
            Level::Warn => Status::Warn,
            Level::Alert => Status::Alert,
        }
    }
}

/// The hysteresis step of a "higher is worse" signal (docs/monitoring.md, "Alerts").
pub fn step(level: Level, v: f64, t: &Threshold, clear_ratio: f64) -> Level {
    let clear = t.warn * clear_ratio;
    match level {
        Level::Ok if v >= t.alert => Level::Alert,
        Level::Ok if v >= t.warn => Level::Warn,
        Level::Ok => Level::Ok,
        Level::Warn if v >= t.alert => Level::Alert,
        Level::Warn if v < clear => Level::Ok,
        Level::Warn => Level::Warn,
        Level::Alert if v >= t.warn => Level::Alert,
        Level::Alert if v < clear => Level::Ok,
        Level::Alert => Level::Warn,
    }
}

/// What a signal level is judged on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Everything observed since the monitor started (the running total).
    #[default]
    Total,
    /// The latest complete tumbling window.
    Window,
}

/// An alert-state transition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertEvent {
    /// `drift:<field>`, `predictionDrift`, `accuracy`, `errorRate` or `retraining`.
    pub signal: String,
    /// Previous level.
    pub from: Level,
    /// New level.
    pub to: Level,
    /// The value judged (accuracy for `accuracy`, drifted share for `retraining`).
    pub value: Option<f64>,
    /// The warn threshold in force.
    pub warn: Option<f64>,
    /// The alert threshold in force.
    pub alert: Option<f64>,
    /// `now_ms` of the evaluation.
    pub at_ms: f64,
    /// Judged on the running total or on the latest complete window.
    #[serde(default)]
    pub scope: Scope,
    /// Start of the judged window (`window` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_start_ms: Option<f64>,
}

pub(super) fn signal_names(
    reference: &ReferenceProfile,
    config: &MonitorConfig,
) -> Vec<SignalState> {
    let mut v: Vec<SignalState> = reference
        .fields
        .iter()
        .filter(|f| f.kind != FieldKind::Timestamp)
        .map(|f| SignalState {
            name: format!("drift:{}", f.name),
            level: Level::Ok,
        })
        .collect();
    if reference.predictions.is_some() {
        v.push(SignalState {
            name: "predictionDrift".into(),
            level: Level::Ok,
        });
    }
    if config.accuracy.is_some() {
        v.push(SignalState {
            name: "accuracy".into(),
            level: Level::Ok,
        });
    }
    v.push(SignalState {
        name: "errorRate".into(),
        level: Level::Ok,
    });
    v
}

pub(super) fn signal_reports(signals: &[SignalState]) -> Vec<SignalReport> {
    signals
        .iter()
        .map(|x| SignalReport {
            name: x.name.clone(),
            level: x.level,
        })
        .collect()
}

fn level_in(signals: &[SignalState], name: &str) -> Level {
    signals
        .iter()
        .find(|s| s.name == name)
        .map_or(Level::Ok, |s| s.level)
}

/// One signal's judgement on one summary (see `Monitor::judgements`).
struct Judgement {
    name: String,
    /// Compared with `t` ("higher is worse").
    judged: f64,
    /// Reported in the event (accuracy itself for `accuracy`).
    value: f64,
    t: Threshold,
    /// The thresholds as the user configured them.
    shown: (f64, f64),
}

impl Monitor {
    pub(super) fn error_rate(&self) -> Option<f64> {
        self.total_view().error_rate()
    }

    pub(super) fn accuracy(&self) -> Option<f64> {
        self.total_view().accuracy()
    }

    pub(super) fn level_of(&self, name: &str) -> Level {
        level_in(&self.state.signals, name)
    }

    /// What every signal would be judged on for one summary (the running total or a window):
    /// the signals with enough samples, each with the value compared ("higher is worse"), the
    /// value reported and the thresholds in force.
    fn judgements(&self, v: &CountsView<'_>) -> Vec<Judgement> {
        let mut out = Vec::new();
        let min = self.config.min_samples.max(1);
        for d in self.drifts_of(v) {
            if d.count < min {
                continue;
            }
            if let Some(x) = d.judged_value() {
                let t = self.config.threshold_for(&d.name).clone();
                out.push(Judgement {
                    name: format!("drift:{}", d.name),
                    judged: x,
                    value: x,
                    shown: (t.warn, t.alert),
                    t,
                });
            }
        }
        if let Some((Some(x), _, _, n)) = self.prediction_drift_of(v) {
            if n >= min {
                let t = self.config.drift.predictions.clone();
                out.push(Judgement {
                    name: "predictionDrift".into(),
                    judged: x,
                    value: x,
                    shown: (t.warn, t.alert),
                    t,
                });
            }
        }
        if let (Some(a), Some(acc)) = (&self.config.accuracy, v.accuracy()) {
            if v.labeled >= self.config.min_labeled.max(1) {
                // Judged as the error share 1 − accuracy ("higher is worse").
                out.push(Judgement {
                    name: "accuracy".into(),
                    judged: 1.0 - acc,
                    value: acc,
                    t: Threshold {
                        metric: DriftMetric::Psi,
                        warn: 1.0 - a.warn,
                        alert: 1.0 - a.alert,
                    },
                    shown: (a.warn, a.alert),
                });
            }
        }
        if let Some(rate) = v.error_rate() {
            if v.calls() >= self.config.min_calls.max(1) {
                let t = self.config.error_rate.clone();
                out.push(Judgement {
                    name: "errorRate".into(),
                    judged: rate,
                    value: rate,
                    shown: (t.warn, t.alert),
                    t,
                });
            }
        }
        out
    }

    /// The levels of one scope.
    fn signals_mut(&mut self, scope: Scope) -> &mut Vec<SignalState> {
        match scope {
            Scope::Total => &mut self.state.signals,
            Scope::Window => &mut self.state.windows.signals,
        }
    }

    /// Moves signal `i` of `scope` to `to` (judged by `j`, or reset without a judgement); a
    /// change is an event. Window events name the window the levels are judged on.
    fn transition(
        &mut self,
        scope: Scope,
        i: usize,
        to: Level,
        j: Option<&Judgement>,
        now_ms: f64,
    ) {
        let window_start_ms = match scope {
            Scope::Total => None,
            Scope::Window => self.state.windows.judged_start_ms,
        };
        let Some(s) = self.signals_mut(scope).get_mut(i) else {
            return;
        };
        if s.level == to {
            return;
        }
        let ev = AlertEvent {
            signal: s.name.clone(),
            from: s.level,
            to,
            value: j.map(|j| j.value),
            warn: j.map(|j| j.shown.0),
            alert: j.map(|j| j.shown.1),
            at_ms: now_ms,
            scope,
            window_start_ms,
        };
        s.level = to;
        self.push_event(ev);
    }

    /// Steps the signals of one scope by its judgements.
    fn apply(&mut self, scope: Scope, judged: &[Judgement], now_ms: f64) {
        let clear = self.config.clear_ratio;
        for j in judged {
            let Some((i, level)) = self
                .signals_mut(scope)
                .iter()
                .enumerate()
                .find(|(_, s)| s.name == j.name)
                .map(|(i, s)| (i, s.level))
            else {
                continue;
            };
            let to = step(level, j.judged, &j.t, clear);
            self.transition(scope, i, to, Some(j), now_ms);
        }
    }

    fn push_event(&mut self, ev: AlertEvent) {
        let cap = self.config.history_size;
        if cap == 0 {
            return;
        }
        self.state.history.push_back(ev.clone());
        while self.state.history.len() > cap {
            self.state.history.pop_front();
        }
        self.events.push_back(ev);
        while self.events.len() > cap {
            self.events.pop_front();
        }
    }

    /// The retraining rule on one scope's levels: (reasons, share of features alerting).
    fn retrain_reasons(
        &self,
        signals: &[SignalState],
        v: &CountsView<'_>,
        scope: &str,
    ) -> (Vec<String>, f64) {
        let tracked = signals
            .iter()
            .filter(|s| s.name.starts_with("drift:"))
            .count();
        let alerting: Vec<&str> = signals
            .iter()
            .filter(|s| s.name.starts_with("drift:") && s.level == Level::Alert)
            .map(|s| s.name.trim_start_matches("drift:"))
            .collect();
        let share = if tracked == 0 {
            0.0
        } else {
            alerting.len() as f64 / tracked as f64
        };
        let mut reasons = Vec::new();
        if !alerting.is_empty() && share >= self.config.retrain_drift_share {
            reasons.push(format!(
                "{scope}drift: {} of {} features alerting ({}), share {:.3} >= {}",
                alerting.len(),
                tracked,
                alerting.join(", "),
                share,
                self.config.retrain_drift_share
            ));
        }
        if level_in(signals, "accuracy") == Level::Alert {
            if let (Some(acc), Some(a)) = (v.accuracy(), &self.config.accuracy) {
                reasons.push(format!("{scope}accuracy {acc:.4} <= minimum {}", a.alert));
            }
        }
        if level_in(signals, "errorRate") == Level::Alert {
            reasons.push(format!(
                "{scope}error rate {:.4} >= {}",
                v.error_rate().unwrap_or(0.0),
                self.config.error_rate.alert
            ));
        }
        (reasons, share)
    }

    /// Re-judges every signal now (also done every `evaluateEvery` calls): the running total's
    /// levels, and the window levels on the latest complete window. Transitions are queued for
    /// [`Monitor::drain_events`] and kept in the history.
    pub fn evaluate(&mut self, now_ms: f64) {
        self.state.since_eval = 0;
        self.state.windows.tick(now_ms);
        let judged = self.judgements(&self.total_view());
        self.apply(Scope::Total, &judged, now_ms);
        let latest = self
            .state
            .windows
            .latest_complete(&self.config)
            .map(|w| (w.start_ms, self.judgements(&w.view())));
        if let Some((start, judged)) = latest {
            let new_window = self.state.windows.judged_start_ms != Some(start);
            self.state.windows.judged_start_ms = Some(start);
            if new_window {
                // A level carries over (hysteresis) only for the signals this window has
                // enough samples to judge; the others start again from ok.
                let stale: Vec<usize> = self
                    .state
                    .windows
                    .signals
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| {
                        s.level != Level::Ok && !judged.iter().any(|j| j.name == s.name)
                    })
                    .map(|(i, _)| i)
                    .collect();
                for i in stale {
                    self.transition(Scope::Window, i, Level::Ok, None, now_ms);
                }
            }
            self.apply(Scope::Window, &judged, now_ms);
        }
        // Retraining: the rule on the running total, and on the latest complete window.
        let (mut reasons, share) =
            self.retrain_reasons(&self.state.signals, &self.total_view(), "");
        let mut shown_share = share;
        if let Some(w) = self.state.windows.latest_complete(&self.config) {
            let (more, wshare) = self.retrain_reasons(
                &self.state.windows.signals,
                &w.view(),
                &format!("window from {} ms: ", w.start_ms),
            );
            reasons.extend(more);
            shown_share = shown_share.max(wshare);
        }
        let recommended = !reasons.is_empty();
        if recommended != self.state.retraining.recommended {
            let level = |b: bool| if b { Level::Alert } else { Level::Ok };
            self.push_event(AlertEvent {
                signal: "retraining".into(),
                from: level(self.state.retraining.recommended),
                to: level(recommended),
                value: Some(shown_share),
                warn: None,
                alert: None,
                at_ms: now_ms,
                scope: Scope::Total,
                window_start_ms: None,
            });
        }
        self.state.retraining = Retraining {
            recommended,
            reasons,
        };
    }

    /// Takes the transitions queued since the last call (bounded by `historySize`).
    pub fn drain_events(&mut self) -> Vec<AlertEvent> {
        self.events.drain(..).collect()
    }

    /// Whether retraining is recommended (as of the last evaluation).
    pub fn retraining_recommended(&self) -> bool {
        self.state.retraining.recommended
    }
}
