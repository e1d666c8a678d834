//! Feedback labels: joining a label to the prediction it names, and what became of it.

use super::*;

/// What became of a feedback label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FeedbackOutcome {
    /// Joined; counted in accuracy and the confusion matrix.
    Matched,
    /// A valid id of this monitor whose prediction left the feedback window.
    Late,
    /// Not an id this monitor issued (other session, malformed, future).
    Unmatched,
    /// The prediction already received feedback.
    Duplicate,
    /// The label is not one of the model's classes.
    UnknownLabel,
}

impl FeedbackOutcome {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackOutcome::Matched => "matched",
            FeedbackOutcome::Late => "late",
            FeedbackOutcome::Unmatched => "unmatched",
            FeedbackOutcome::Duplicate => "duplicate",
            FeedbackOutcome::UnknownLabel => "unknownLabel",
        }
    }
}

impl Monitor {
    fn class_index(&self, label: &str) -> Option<usize> {
        self.state
            .labels
            .iter()
            .position(|l| l == label)
            .or_else(|| {
                label
                    .parse::<usize>()
                    .ok()
                    .filter(|i| *i < self.state.labels.len())
            })
    }

    /// Joins a delayed true label to a prediction id issued by [`Monitor::observe`].
    pub fn feedback(
        &mut self,
        prediction_id: &str,
        true_label: &str,
        now_ms: f64,
    ) -> FeedbackOutcome {
        let outcome = self.feedback_inner(prediction_id, true_label, now_ms);
        self.state.windows.tick(now_ms);
        let fb = &mut self.state.feedback;
        match outcome {
            FeedbackOutcome::Matched => {}
            FeedbackOutcome::Late => fb.late += 1,
            FeedbackOutcome::Unmatched => fb.unmatched += 1,
            FeedbackOutcome::Duplicate => fb.duplicate += 1,
            FeedbackOutcome::UnknownLabel => fb.unknown_label += 1,
        }
        self.tick(now_ms);
        outcome
    }

    fn feedback_inner(&mut self, id: &str, label: &str, now_ms: f64) -> FeedbackOutcome {
        let Some((salt, n)) = id.rsplit_once('-') else {
            return FeedbackOutcome::Unmatched;
        };
        let Ok(seq) = n.parse::<u64>() else {
            return FeedbackOutcome::Unmatched;
        };
        if salt != self.state.salt || seq >= self.state.next_seq {
            return FeedbackOutcome::Unmatched;
        }
        let cap = self.ring.len() as u64;
        let idx = (seq % cap.max(1)) as usize;
        let Some(&(slot_seq, class)) = self.ring.get(idx) else {
            return FeedbackOutcome::Unmatched;
        };
        if slot_seq != seq {
            return FeedbackOutcome::Late;
        }
        if class == CONSUMED {
            return FeedbackOutcome::Duplicate;
        }
        if class == NO_CLASS {
            return FeedbackOutcome::Unmatched;
        }
        let Some(truth) = self.class_index(label) else {
            return FeedbackOutcome::UnknownLabel;
        };
        let k = self.state.labels.len();
        let right = truth == class as usize;
        // Counted in the window the label arrives in (labels come late; docs/monitoring.md).
        if let Some(w) = self
            .state
            .windows
            .at(now_ms, &self.reference, &self.config, k, false)
        {
            w.labeled += 1;
            w.correct += u64::from(right);
        }
        let fb = &mut self.state.feedback;
        fb.labeled += 1;
        if right {
            fb.correct += 1;
        }
        if let Some(c) = fb.confusion.get_mut(truth * k + class as usize) {
            *c += 1;
        }
        if let Some(slot) = self.ring.get_mut(idx) {
            slot.1 = CONSUMED;
        }
        FeedbackOutcome::Matched
    }
}
