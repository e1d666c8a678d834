//! Observing the rows of one batch (`Deployment::predict_batch`): the same counts as observing
//! each row alone, at a batch's cost.
//!
//! The rows of a batch share one instant, so three things are done once per batch instead of
//! once per row: finding the time window, judging the alert rules (when the batch ends and
//! `evaluateEvery` rows were reached — evaluating inside it would judge the same instant again
//! and again, 1,000 times for 100,000 rows), and placing the shared latency in the sketches.
//! A batch of columns is read a column at a time: a dictionary-encoded column (strings) is read
//! once per distinct value and counted per value; a column of numbers is binned value by value
//! without a per-row record. Ids are `<salt>-<seq>` with consecutive sequence numbers, so the
//! caller gets the first and writes the rest only when asked.

use super::{count_output, output_counters, Monitor, OutputCounters};
use crate::features::{Column, Columns, RawValue, RowValues};
use crate::monitor::profile::read;

/// The rows of one batch being observed ([`Monitor::batch`]); the rules are judged when it is
/// dropped.
pub struct BatchObserver<'a> {
    monitor: &'a mut Monitor,
    now_ms: f64,
    rows: u64,
}

impl Monitor {
    /// Starts observing the rows of one batch, all at `now_ms`: each row is counted exactly as
    /// [`Monitor::observe`] / [`Monitor::observe_error`] count it, and the alert rules are
    /// judged once when the batch ends (if `evaluateEvery` rows were reached), not every
    /// `evaluateEvery` rows inside it.
    pub fn batch(&mut self, now_ms: f64) -> BatchObserver<'_> {
        BatchObserver {
            monitor: self,
            now_ms,
            rows: 0,
        }
    }
}

impl BatchObserver<'_> {
    /// What the ids of this monitor start with (`<salt>`; an id is `<salt>-<seq>`).
    pub fn id_prefix(&self) -> &str {
        &self.monitor.state.salt
    }

    /// [`Monitor::observe`] of one answered row; returns its sequence number (its id is
    /// `<id_prefix>-<seq>`).
    pub fn observe(
        &mut self,
        record: &dyn RowValues,
        probabilities: &[f32],
        latency_ms: f64,
    ) -> u64 {
        let m = &mut *self.monitor;
        m.observe_one(self.now_ms, record, probabilities, latency_ms);
        self.rows += 1;
        m.state.next_seq.wrapping_sub(1)
    }

    /// [`Monitor::observe_error`] of `n` rejected rows.
    pub fn observe_errors(&mut self, code: &str, n: u64) {
        for _ in 0..n {
            self.monitor.count_error(code, self.now_ms);
        }
        self.rows += n;
    }

    /// Observes the answered rows of a batch of columns (`answered[r]`; `outputs` is `rows ×
    /// width`, row-major): exactly what [`observe`](Self::observe) of each answered row, in
    /// order, counts. Returns the first answered row's sequence number (the others follow one
    /// by one), `None` without answered rows.
    pub fn observe_columns(
        &mut self,
        columns: &Columns,
        answered: &[bool],
        outputs: &[f32],
        width: usize,
        latency_ms: f64,
    ) -> Option<u64> {
        let rows: Vec<usize> = answered
            .iter()
            .enumerate()
            .filter(|(_, a)| **a)
            .map(|(r, _)| r)
            .collect();
        let n = rows.len() as u64;
        if n == 0 {
            return None;
        }
        let now = self.now_ms;
        self.rows += n;
        let m = &mut *self.monitor;
        m.touch(now);
        if width >= 2 {
            m.adopt_labels(width);
        }
        let Monitor {
            reference,
            config,
            state: s,
            ring,
            maps,
            ..
        } = m;
        let k = s.labels.len();
        let first = s.next_seq;
        // A time older than the kept windows is counted late once per row, as one by one.
        let late = s.windows.at(now, reference, config, k, true).is_none();
        if late {
            for _ in 1..n {
                s.windows.at(now, reference, config, k, true);
            }
        }
        let mut window = if late {
            None
        } else {
            s.windows.at(now, reference, config, k, false)
        };
        s.predictions += n;
        if let Some(w) = window.as_mut() {
            w.predictions += n;
        }
        if !latency_ms.is_nan() {
            if !s.latency.add_n(latency_ms, n) {
                s.latency_rejected += n;
            }
            if let Some(w) = window.as_mut() {
                w.latency.add_n(latency_ms, n);
            }
        }
        for (i, (f, map)) in reference.fields.iter().zip(maps.iter()).enumerate() {
            let Some(total) = s.fields.get_mut(i) else {
                continue;
            };
            // The column is counted once, into counters of its own, then added to the total
            // and the window (the same sums and extremes as counting each row into both).
            let mut tally = total.empty_like();
            let mut count = |raw: Option<&RawValue>, times: u64| {
                tally.observe_n(
                    f,
                    map.as_ref(),
                    read(f.ty, f.valid_min, f.valid_max, raw),
                    times,
                );
            };
            match columns.get(&f.name) {
                None => count(None, n),
                Some(Column::Dictionary { codes, values }) => {
                    // Each distinct value read once, counted by how many answered rows have it.
                    let mut per_value = vec![0u64; values.len()];
                    let mut absent = 0u64;
                    for r in &rows {
                        match codes.get(*r).and_then(|c| per_value.get_mut(*c as usize)) {
                            Some(t) => *t += 1,
                            None => absent += 1,
                        }
                    }
                    for (v, t) in values.iter().zip(&per_value) {
                        if *t > 0 {
                            count(Some(v), *t);
                        }
                    }
                    if absent > 0 {
                        count(None, absent);
                    }
                }
                Some(Column::Numbers(v)) => {
                    for r in &rows {
                        match v.get(*r) {
                            Some(x) => count(Some(&RawValue::Number(*x)), 1),
                            None => count(None, 1),
                        }
                    }
                }
                Some(Column::Values(v)) => {
                    for r in &rows {
                        count(v.get(*r), 1);
                    }
                }
            }
            total.merge(&tally);
            if let Some(w) = window.as_mut().and_then(|w| w.fields.get_mut(i)) {
                w.merge(&tally);
            }
        }
        let mut counters = output_counters!(s);
        for r in &rows {
            let probabilities = outputs.get(r * width..(r + 1) * width).unwrap_or_default();
            count_output(&mut counters, window.as_deref_mut(), ring, probabilities);
        }
        Some(first)
    }
}

impl Drop for BatchObserver<'_> {
    fn drop(&mut self) {
        let m = &mut *self.monitor;
        m.state.since_eval = m.state.since_eval.saturating_add(self.rows);
        if self.rows > 0 && m.state.since_eval >= m.config.evaluate_every {
            m.evaluate(self.now_ms);
        }
    }
}
