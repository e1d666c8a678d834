//! Snapshots (versioned JSON, restored with every bound checked) and the merge of two
//! monitors of the same model version.

use super::*;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    format: String,
    reference: ReferenceProfile,
    config: MonitorConfig,
    state: State,
}

fn snap_err(reason: impl Into<String>) -> Error {
    Error::Snapshot {
        reason: reason.into(),
    }
}

impl Monitor {
    /// Serializes the whole state (reference and config included) as versioned JSON
    /// (`format: "mlcycle.monitor/1"`).
    pub fn snapshot(&self) -> Result<String> {
        let mut state = self.state.clone();
        let cap = self.ring.len() as u64;
        let lo = self.state.next_seq.saturating_sub(cap);
        state.pending = (lo..self.state.next_seq)
            .filter_map(|seq| {
                self.ring
                    .get((seq % cap.max(1)) as usize)
                    .filter(|e| e.0 == seq && e.1 != NO_CLASS && e.1 != CONSUMED)
                    .copied()
            })
            .collect();
        serde_json::to_string(&Snapshot {
            format: SNAPSHOT_FORMAT.to_string(),
            reference: self.reference.clone(),
            config: self.config.clone(),
            state,
        })
        .map_err(|e| snap_err(e.to_string()))
    }

    /// Restores a [`Monitor::snapshot`]; unknown formats and inconsistent states are
    /// `E_SNAPSHOT`.
    pub fn restore(text: &str) -> Result<Monitor> {
        if text.len() > MAX_SNAPSHOT_BYTES {
            return Err(snap_err(format!(
                "{} bytes, over the {MAX_SNAPSHOT_BYTES} a monitor snapshot can take (its \
                 state is bounded: this is not one)",
                text.len()
            )));
        }
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| snap_err(format!("not JSON: {e}")))?;
        match v.get("format").and_then(|f| f.as_str()) {
            Some(SNAPSHOT_FORMAT) => {}
            Some(other) => {
                return Err(snap_err(format!(
                    "unknown snapshot format `{other}` (this build reads {SNAPSHOT_FORMAT})"
                )))
            }
            None => return Err(snap_err("no `format` member: not a monitor snapshot")),
        }
        let snap: Snapshot = crate::json::from_value(&v).map_err(snap_err)?;
        let wrap = |e: Error| snap_err(e.to_string());
        let mut m = Monitor::new(snap.reference, snap.config, &snap.state.salt).map_err(wrap)?;
        let mut state = snap.state;
        state.latency.check().map_err(wrap)?;
        if state.latency.relative_accuracy() != m.config.latency_relative_accuracy {
            return Err(snap_err("latency sketch accuracy differs from the config"));
        }
        let k = state.labels.len();
        if k > m.config.max_classes
            || state.class_counts.len() != k
            || state.feedback.confusion.len() != k * k
            || state.confidence_counts.len() != CONFIDENCE_EDGES.len() + 1
        {
            return Err(snap_err("class counters do not match the labels"));
        }
        if !m.state.labels.is_empty() && m.state.labels != state.labels {
            return Err(snap_err("labels differ from the reference's"));
        }
        if state.fields.len() != m.state.fields.len()
            || state
                .fields
                .iter()
                .zip(&m.state.fields)
                .any(|(a, b)| a.counts.len() != b.counts.len())
        {
            return Err(snap_err("field counters do not match the reference"));
        }
        if state
            .signals
            .iter()
            .map(|s| &s.name)
            .ne(m.state.signals.iter().map(|s| &s.name))
        {
            return Err(snap_err("signals do not match the reference and config"));
        }
        if state.errors.len() > MAX_ERROR_CODES || state.history.len() > m.config.history_size {
            return Err(snap_err("error codes or history exceed their bounds"));
        }
        if state.windows.signals.is_empty() {
            // A snapshot of a build without windows.
            state.windows.signals = m.state.windows.signals.clone();
        } else if state.windows.signals.iter().map(|s| &s.name).ne(m
            .state
            .signals
            .iter()
            .map(|s| &s.name))
        {
            return Err(snap_err(
                "window signals do not match the reference and config",
            ));
        }
        state.windows.check(&m.reference, &m.config, k)?;
        let cap = m.ring.len() as u64;
        if state.pending.len() > m.ring.len() {
            return Err(snap_err(
                "more pending predictions than the feedback window",
            ));
        }
        for (seq, class) in std::mem::take(&mut state.pending) {
            if seq >= state.next_seq || seq + cap < state.next_seq || class as usize >= k {
                return Err(snap_err("pending prediction outside the feedback window"));
            }
            if let Some(slot) = m.ring.get_mut((seq % cap.max(1)) as usize) {
                *slot = (seq, class);
            }
        }
        m.state = state;
        Ok(m)
    }

    /// Merges another monitor of the same reference (another device, another session) into
    /// this one. Counts, sketches, histograms and drift counts add (associative and commutative);
    /// signal levels take the worse of the two; histories are merged by time and bounded. This
    /// monitor keeps its own id salt and pending feedback window.
    pub fn merge(&mut self, other: &Monitor) -> Result<()> {
        if self.reference != other.reference {
            return Err(Error::invalid_argument(
                "other",
                "monitors built from different reference profiles cannot be merged",
            ));
        }
        let (a, b) = (&self.state.labels, &other.state.labels);
        if !a.is_empty() && !b.is_empty() && a != b {
            return Err(Error::invalid_argument(
                "other",
                "monitors have different class labels",
            ));
        }
        if self.state.signals.iter().map(|s| &s.name).ne(other
            .state
            .signals
            .iter()
            .map(|s| &s.name))
        {
            return Err(Error::invalid_argument(
                "other",
                "monitors have different signals (config)",
            ));
        }
        if self.config.window_ms != other.config.window_ms
            || self.config.windows != other.config.windows
        {
            return Err(Error::invalid_argument(
                "other",
                "monitors have different windows (windowMs, windows)",
            ));
        }
        let mut latency = self.state.latency.clone();
        latency.merge(&other.state.latency)?;
        let mut windows = self.state.windows.clone();
        windows.merge(&other.state.windows, &self.config)?;
        self.state.windows = windows;
        let o = &other.state;
        let s = &mut self.state;
        s.latency = latency;
        if s.labels.is_empty() && !o.labels.is_empty() {
            s.labels = o.labels.clone();
            s.class_counts = vec![0; o.labels.len()];
            s.feedback.confusion = vec![0; o.labels.len() * o.labels.len()];
        }
        // Windows of a side that had no labels yet get their class counters.
        s.windows.adopt_labels(s.labels.len());
        s.predictions = s.predictions.saturating_add(o.predictions);
        for (code, n) in &o.errors {
            count_error(&mut s.errors, code, *n, MAX_ERROR_CODES);
        }
        s.shape_mismatches = s.shape_mismatches.saturating_add(o.shape_mismatches);
        s.latency_rejected = s.latency_rejected.saturating_add(o.latency_rejected);
        s.first_ms = min_opt(s.first_ms, o.first_ms);
        s.last_ms = max_opt(s.last_ms, o.last_ms);
        add_counts(&mut s.class_counts, &o.class_counts);
        add_counts(&mut s.confidence_counts, &o.confidence_counts);
        add_counts(&mut s.feedback.confusion, &o.feedback.confusion);
        for (x, y) in s.fields.iter_mut().zip(&o.fields) {
            x.merge(y);
        }
        let (f, g) = (&mut s.feedback, &o.feedback);
        f.labeled = f.labeled.saturating_add(g.labeled);
        f.correct = f.correct.saturating_add(g.correct);
        f.late = f.late.saturating_add(g.late);
        f.unmatched = f.unmatched.saturating_add(g.unmatched);
        f.duplicate = f.duplicate.saturating_add(g.duplicate);
        f.unknown_label = f.unknown_label.saturating_add(g.unknown_label);
        for (x, y) in s.signals.iter_mut().zip(&o.signals) {
            x.level = x.level.max(y.level);
        }
        let mut history: Vec<AlertEvent> = s.history.iter().chain(&o.history).cloned().collect();
        history.sort_by(|x, y| {
            x.at_ms
                .total_cmp(&y.at_ms)
                .then_with(|| x.signal.cmp(&y.signal))
                .then_with(|| x.from.cmp(&y.from))
                .then_with(|| x.to.cmp(&y.to))
        });
        let cap = self.config.history_size;
        let skip = history.len().saturating_sub(cap);
        s.history = history.into_iter().skip(skip).collect();
        s.retraining.recommended |= o.retraining.recommended;
        s.retraining
            .reasons
            .extend(o.retraining.reasons.iter().cloned());
        s.retraining.reasons.sort();
        s.retraining.reasons.dedup();
        Ok(())
    }
}
