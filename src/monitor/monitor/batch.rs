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

use super::{output_counters, Monitor, OutputCounters, NO_CLASS};
use crate::features::{Column, Columns, FieldType, RawValue, RowValues};
use crate::monitor::profile::{read, CONFIDENCE_EDGES};
use crate::monitor::stats::add_counts;
use crate::monitor::windows::WindowCounts;
use mlcycle_ops::rows::tally_classes;

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
        // The answered rows: every row (the common case, read straight down the columns), or
        // these indices.
        let n = answered.iter().filter(|a| **a).count();
        if n == 0 {
            return None;
        }
        let some: Option<Vec<usize>> = (n < answered.len()).then(|| {
            let rows = answered.iter().enumerate().filter(|(_, a)| **a);
            rows.map(|(r, _)| r).collect()
        });
        let rows = Rows {
            n,
            some: some.as_deref(),
        };
        let n = n as u64;
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
                    rows.each(codes, |c| {
                        match c.and_then(|c| per_value.get_mut(*c as usize)) {
                            Some(t) => *t += 1,
                            None => absent += 1,
                        }
                    });
                    for (v, t) in values.iter().zip(&per_value) {
                        if *t > 0 {
                            count(Some(v), *t);
                        }
                    }
                    if absent > 0 {
                        count(None, absent);
                    }
                }
                Some(Column::Numbers(v))
                    if matches!(f.ty, FieldType::Number | FieldType::Integer) =>
                {
                    // In a tight loop; a row past the column's end is missing, as `count(None)`
                    // has it.
                    let n = rows.n;
                    let absent = match rows.some {
                        None => {
                            tally.observe_numbers(f, &v[..n.min(v.len())]);
                            n.saturating_sub(v.len())
                        }
                        Some(some) => {
                            let xs: Vec<f64> =
                                some.iter().filter_map(|r| v.get(*r).copied()).collect();
                            tally.observe_numbers(f, &xs);
                            some.len() - xs.len()
                        }
                    };
                    tally.missing += absent as u64;
                }
                Some(Column::Numbers(v)) => rows.each(v, |x| match x {
                    Some(x) => count(Some(&RawValue::Number(*x)), 1),
                    None => count(None, 1),
                }),
                Some(Column::Values(v)) => rows.each(v, |x| count(x, 1)),
            }
            total.merge(&tally);
            if let Some(w) = window.as_mut().and_then(|w| w.fields.get_mut(i)) {
                w.merge(&tally);
            }
        }
        count_outputs(&mut output_counters!(s), window, ring, outputs, width, rows);
        Some(first)
    }
}

/// The answered rows of a batch: all `n` of them, or `some`.
#[derive(Clone, Copy)]
struct Rows<'a> {
    n: usize,
    some: Option<&'a [usize]>,
}

impl Rows<'_> {
    /// Calls `f` with a column's value in each answered row, in row order (`None` past the
    /// column's end).
    fn each<T>(self, column: &[T], mut f: impl FnMut(Option<&T>)) {
        match self.some {
            None => {
                column.iter().take(self.n).for_each(|x| f(Some(x)));
                (column.len()..self.n).for_each(|_| f(None));
            }
            Some(rows) => rows.iter().for_each(|r| f(column.get(*r))),
        }
    }
}

/// [`count_output`](super::count_output) of every answered row, in order, in one loop: the classes, confidences and
/// shape mismatches are counted into local tallies and added once, and only the rows the
/// feedback ring keeps (the batch's last `ring.len()`) are written into it.
fn count_outputs(
    s: &mut OutputCounters<'_>,
    window: Option<&mut WindowCounts>,
    ring: &mut [(u64, u32)],
    outputs: &[f32],
    width: usize,
    rows: Rows<'_>,
) {
    let n = rows.n;
    let first = *s.next_seq;
    let cap = ring.len();
    let kept_from = n.saturating_sub(cap);
    let mut classes = vec![0u64; s.class_counts.len()];
    let mut confidences = vec![0u64; s.confidence_counts.len()];
    let row_outputs = |r: usize| outputs.get(r * width..(r + 1) * width).unwrap_or_default();
    // `count_output`'s rule: fewer than two outputs is a regressor's (no class), two or more
    // must be the monitor's `k`.
    let classify = width >= 2 && width == s.k;
    if width >= 2 && width != s.k {
        // A mismatch per answered row with its outputs (a row past the outputs' end has none:
        // `count_output` counts nothing for it).
        let rows_with_outputs = match rows.some {
            None => n.min(outputs.len() / width),
            Some(some) => some.iter().filter(|r| !row_outputs(**r).is_empty()).count(),
        };
        *s.shape_mismatches += rows_with_outputs as u64;
    }
    // A row's argmax, when `count_output` would classify the row (`p` is empty for a row past
    // the outputs' end, which it leaves uncounted).
    let winner = |p: &[f32]| (classify && p.len() == width).then(|| crate::inference::argmax(p));
    let k = classes.len();
    // The class and confidence tallies: a loop of `mlcycle_ops::rows`, compiled for speed.
    if classify {
        tally_classes(
            outputs,
            width,
            n,
            rows.some,
            &CONFIDENCE_EDGES,
            &mut classes,
            &mut confidences,
        );
    }
    // The feedback ring keeps the last `cap` answered rows: only those are written.
    for i in kept_from..n {
        let r = rows.some.map_or(Some(i), |some| some.get(i).copied());
        // The class is recorded only when the monitor counts it.
        let class = r.and_then(|r| winner(row_outputs(r))).filter(|c| *c < k);
        let seq = first.wrapping_add(i as u64);
        if let Some(slot) = ring.get_mut((seq % cap.max(1) as u64) as usize) {
            *slot = (seq, class.map_or(NO_CLASS, |c| c as u32));
        }
    }
    *s.next_seq = first.wrapping_add(n as u64);
    add_counts(s.class_counts, &classes);
    add_counts(s.confidence_counts, &confidences);
    if let Some(w) = window {
        // The window holds the per-class counts for class indices it has room for, as
        // `count_output` adds them.
        add_counts(&mut w.class_counts, &classes);
        add_counts(&mut w.confidence_counts, &confidences);
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

#[cfg(test)]
mod tests {
    use super::super::super::config::MonitorConfig;
    use super::super::super::profile::ReferenceProfile;
    use super::*;
    use crate::features::{FeatureSpec, Record};

    /// A monitor of a number field with bounds, an integer field and a string field; three
    /// classes; a feedback ring of 8; rules never judged (so only the counts can differ).
    fn monitor() -> Monitor {
        let spec = FeatureSpec::from_json(
            r#"{"schema":"mlcycle.features/1","fields":[
                {"name":"x","type":"number","min":-50,"max":500},
                {"name":"i","type":"integer"},
                {"name":"c","type":"string"}],"outputs":["x"]}"#,
        )
        .unwrap();
        let recs: Vec<Record> = (0..200)
            .map(|k| {
                Record::new()
                    .with("x", RawValue::Number(k as f64 * 1.5 - 20.0))
                    .with("i", RawValue::Number((k % 17) as f64))
                    .with("c", RawValue::String(["a", "b", "c"][k % 3].into()))
            })
            .collect();
        let labels = ["p".into(), "q".into(), "r".into()];
        let p = ReferenceProfile::build(&spec, &recs, &Default::default())
            .unwrap()
            .with_predictions(&labels, &[0.2, 0.5, 0.3, 0.9, 0.05, 0.05])
            .unwrap();
        let config = MonitorConfig {
            evaluate_every: u64::MAX,
            feedback_window: 8,
            ..MonitorConfig::default()
        };
        Monitor::new(p, config, "s").unwrap()
    }

    /// Observing a batch of columns counts exactly what observing its answered rows one by
    /// one counts — bins, extremes (including -0 and 0), missing (NaN), invalid (out of
    /// bounds, infinite or fractional integers), categories, classes, confidences, and the
    /// feedback ring's last rows — with every row answered and with some rejected.
    #[test]
    fn a_batch_of_columns_counts_what_its_rows_count() {
        let xs = [
            3.0,
            f64::NAN,
            -0.0,
            0.0,
            600.0,
            -60.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            250.25,
            -50.0,
            500.0,
            17.0,
        ];
        let is = [
            1.0,
            2.5,
            f64::INFINITY,
            f64::NAN,
            -0.0,
            16.0,
            40.0,
            -3.0,
            7.0,
            0.5,
            9.0,
            1e300,
        ];
        let cs = ["a", "b", "zz", "", "c", "a", "b", "a", "c", "c", "b", "a"];
        let rows = 30;
        let x: Vec<f64> = (0..rows).map(|r| xs[r % xs.len()]).collect();
        let i: Vec<f64> = (0..rows).map(|r| is[(r * 5) % is.len()]).collect();
        // The string column ends 5 rows early: those rows have no value (missing).
        let c: Vec<RawValue> = (0..rows - 5)
            .map(|r| RawValue::String(cs[(r * 7) % cs.len()].into()))
            .collect();
        let outputs: Vec<f32> = (0..rows)
            .flat_map(|r| {
                let a = (r % 10) as f32 / 10.0;
                let third = if r % 7 == 3 {
                    f32::NAN
                } else {
                    (r % 3) as f32 * 0.3
                };
                [a, 1.0 - a, third]
            })
            .collect();
        let mut columns = Columns::new();
        columns
            .insert("x", Column::Numbers(x.clone()))
            .insert("i", Column::Numbers(i.clone()))
            .insert("c", Column::dictionary(c.clone()));
        for answered in [vec![true; rows], (0..rows).map(|r| r % 5 != 3).collect()] {
            let (mut one, mut many) = (monitor(), monitor());
            for r in (0..rows).filter(|r| answered[*r]) {
                let mut rec = Record::new()
                    .with("x", RawValue::Number(x[r]))
                    .with("i", RawValue::Number(i[r]));
                if let Some(c) = c.get(r) {
                    rec = rec.with("c", c.clone());
                }
                one.observe(1000.0, &rec, &outputs[r * 3..r * 3 + 3], f64::NAN);
            }
            let first =
                many.batch(1000.0)
                    .observe_columns(&columns, &answered, &outputs, 3, f64::NAN);
            assert_eq!(first, Some(0));
            assert!(one.state.fields[0].invalid > 0 && one.state.fields[1].invalid > 0);
            assert_eq!(one.state.fields[0].min, Some(-50.0));
            assert_eq!(many.state, one.state);
            assert_eq!(many.ring, one.ring);
            assert!(one.state.fields[2].missing >= 5);
        }
    }

    /// The extremes keep the sign of a zero as one by one does, also when a batch's counts
    /// are merged into earlier ones (f64 `==` cannot tell -0 from 0: compared by bits).
    #[test]
    fn a_batch_keeps_the_extremes_one_by_one_keeps() {
        let bits = |m: &Monitor| {
            let f = &m.state.fields[0];
            (f.min.map(f64::to_bits), f.max.map(f64::to_bits))
        };
        for (before, batch) in [
            (vec![0.0], vec![-0.0]),
            (vec![-0.0], vec![0.0, -0.0]),
            (vec![], vec![0.0, -0.0]),
            (vec![], vec![-0.0, 0.0]),
        ] {
            let (mut one, mut many) = (monitor(), monitor());
            for x in &before {
                let rec = Record::new().with("x", RawValue::Number(*x));
                one.observe(5.0, &rec, &[0.2, 0.3, 0.5], f64::NAN);
                many.observe(5.0, &rec, &[0.2, 0.3, 0.5], f64::NAN);
            }
            for x in &batch {
                let rec = Record::new().with("x", RawValue::Number(*x));
                one.observe(5.0, &rec, &[0.2, 0.3, 0.5], f64::NAN);
            }
            let mut columns = Columns::new();
            columns.insert("x", Column::Numbers(batch.clone()));
            let outputs: Vec<f32> = batch.iter().flat_map(|_| [0.2, 0.3, 0.5]).collect();
            many.batch(5.0).observe_columns(
                &columns,
                &vec![true; batch.len()],
                &outputs,
                3,
                f64::NAN,
            );
            assert_eq!(bits(&many), bits(&one), "{before:?} then {batch:?}");
            assert_eq!(
                one.state.fields[0].min.map(f64::to_bits),
                before.first().or(batch.first()).map(|x| x.to_bits())
            );
        }
    }

    /// A model answering the wrong number of outputs is a shape mismatch per row, as one by
    /// one; the rows still take their sequence numbers.
    #[test]
    fn a_batch_of_the_wrong_width_counts_shape_mismatches() {
        let (mut one, mut many) = (monitor(), monitor());
        let mut columns = Columns::new();
        columns.insert("x", Column::Numbers(vec![1.0; 5]));
        // Outputs for 4 rows and a half: the fifth row has none, and is no mismatch.
        let outputs = [0.5f32; 9];
        for r in 0..5 {
            let rec = Record::new().with("x", RawValue::Number(1.0));
            let p = outputs.get(r * 2..r * 2 + 2).unwrap_or_default();
            one.observe(10.0, &rec, p, f64::NAN);
        }
        many.batch(10.0)
            .observe_columns(&columns, &[true; 5], &outputs, 2, f64::NAN);
        assert_eq!(one.state.shape_mismatches, 4);
        assert_eq!(many.state, one.state);
        assert_eq!(many.ring, one.ring);
    }
}
