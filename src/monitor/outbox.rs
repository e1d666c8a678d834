//! The OTLP outbox: telemetry payloads waiting for a collector to acknowledge them, so a failed
//! or interrupted post never loses data silently. Bounded (oldest dropped first, and counted);
//! retried with exponential backoff on network errors, timeouts, 408, 429 and 5xx; dropped and
//! counted on other 4xx (the collector refused the payload itself: resending cannot help);
//! serializable, so a page persists it across reloads. Pure: time comes in as `now_ms`.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Serialization tag of an outbox.
pub const OUTBOX_FORMAT: &str = "mlcycle.otlpOutbox/1";

/// Retry and size policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct OutboxPolicy {
    /// Payloads kept at most (oldest dropped first).
    pub max_payloads: usize,
    /// Bytes kept at most over all payloads (oldest dropped first).
    pub max_bytes: usize,
    /// First retry delay; each failure doubles it.
    pub retry_base_ms: f64,
    /// Longest retry delay.
    pub retry_max_ms: f64,
}

impl Default for OutboxPolicy {
    fn default() -> Self {
        OutboxPolicy {
            max_payloads: 64,
            max_bytes: 4 << 20,
            retry_base_ms: 1_000.0,
            retry_max_ms: 300_000.0,
        }
    }
}

/// One payload waiting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
    /// Sequence number (unique per outbox).
    pub id: u64,
    /// The request body.
    pub body: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not sent before this time.
    pub next_at_ms: f64,
}

/// Delivery counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxStats {
    /// Payloads acknowledged (2xx).
    pub delivered: u64,
    /// Payloads refused by the collector (4xx other than 408/429): not retried.
    pub rejected: u64,
    /// Payloads dropped because the outbox was full.
    pub dropped: u64,
    /// Failed attempts that will be retried.
    pub retries: u64,
    /// Payloads waiting.
    pub pending: usize,
    /// The last HTTP status seen (`None` for a network error or timeout).
    pub last_status: Option<u16>,
}

/// What happened to one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The collector answered with this HTTP status.
    Status(u16),
    /// No answer: network error, timeout, aborted.
    NoAnswer,
}

/// The outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outbox {
    format: String,
    policy: OutboxPolicy,
    next_id: u64,
    queue: VecDeque<Pending>,
    stats: OutboxStats,
}

impl Outbox {
    /// An empty outbox.
    pub fn new(policy: OutboxPolicy) -> Result<Outbox> {
        let ok = policy.max_payloads >= 1
            && policy.max_bytes >= 1
            && policy.retry_base_ms.is_finite()
            && policy.retry_base_ms >= 0.0
            && policy.retry_max_ms.is_finite()
            && policy.retry_max_ms >= policy.retry_base_ms;
        if !ok {
            return Err(Error::invalid_argument(
                "policy",
                "maxPayloads and maxBytes >= 1, 0 <= retryBaseMs <= retryMaxMs (finite)",
            ));
        }
        Ok(Outbox {
            format: OUTBOX_FORMAT.into(),
            policy,
            next_id: 0,
            queue: VecDeque::new(),
            stats: OutboxStats::default(),
        })
    }

    /// Counters (with the current queue length).
    pub fn stats(&self) -> OutboxStats {
        OutboxStats {
            pending: self.queue.len(),
            ..self.stats.clone()
        }
    }

    /// Queues a payload, due now; drops the oldest while over a bound. A payload larger than
    /// `maxBytes` on its own is dropped at once (and counted).
    pub fn push(&mut self, body: String, now_ms: f64) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if body.len() > self.policy.max_bytes {
            self.stats.dropped += 1;
            return id;
        }
        self.queue.push_back(Pending {
            id,
            body,
            attempts: 0,
            next_at_ms: now_ms,
        });
        self.enforce_bounds();
        id
    }

    /// The payloads due at `now_ms`, oldest first (ids and bodies, to send now).
    pub fn due(&self, now_ms: f64) -> Vec<(u64, String)> {
        self.queue
            .iter()
            .filter(|p| p.next_at_ms <= now_ms)
            .map(|p| (p.id, p.body.clone()))
            .collect()
    }

    /// When the next payload is due (`None` when empty).
    pub fn next_due_ms(&self) -> Option<f64> {
        self.queue.iter().map(|p| p.next_at_ms).reduce(f64::min)
    }

    /// Records the outcome of sending payload `id` at `now_ms`.
    pub fn settle(&mut self, id: u64, attempt: Attempt, now_ms: f64) {
        if let Attempt::Status(s) = attempt {
            self.stats.last_status = Some(s);
        } else {
            self.stats.last_status = None;
        }
        let Some(at) = self.queue.iter().position(|p| p.id == id) else {
            return; // dropped meanwhile
        };
        let retry = match attempt {
            Attempt::Status(s) if (200..300).contains(&s) => {
                self.queue.remove(at);
                self.stats.delivered += 1;
                return;
            }
            Attempt::Status(408 | 429) | Attempt::NoAnswer => true,
            Attempt::Status(s) => s >= 500,
        };
        if !retry {
            self.queue.remove(at);
            self.stats.rejected += 1;
            return;
        }
        self.stats.retries += 1;
        if let Some(p) = self.queue.get_mut(at) {
            p.attempts = p.attempts.saturating_add(1);
            let delay = self.policy.retry_base_ms * 2f64.powi(p.attempts.min(60) as i32 - 1);
            p.next_at_ms = now_ms + delay.min(self.policy.retry_max_ms);
        }
    }

    /// JSON text (for `localStorage`).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Snapshot {
            reason: e.to_string(),
        })
    }

    /// An outbox from [`Outbox::to_json`] text, under `policy` (bounds applied again).
    pub fn from_json(text: &str, policy: OutboxPolicy) -> Result<Outbox> {
        let mut o: Outbox = serde_json::from_str(text).map_err(|e| Error::Snapshot {
            reason: format!("outbox: {e}"),
        })?;
        if o.format != OUTBOX_FORMAT {
            return Err(Error::Snapshot {
                reason: format!("outbox format `{}` is not `{OUTBOX_FORMAT}`", o.format),
            });
        }
        o.policy = Outbox::new(policy)?.policy;
        let after_last = o.queue.iter().map(|p| p.id + 1).max().unwrap_or(0);
        o.next_id = o.next_id.max(after_last);
        o.enforce_bounds();
        Ok(o)
    }

    /// Drops the oldest payloads while over a bound.
    fn enforce_bounds(&mut self) {
        let mut bytes: usize = self.queue.iter().map(|p| p.body.len()).sum();
        while self.queue.len() > self.policy.max_payloads || bytes > self.policy.max_bytes {
            match self.queue.pop_front() {
                Some(p) => bytes -= p.body.len(),
                None => break,
            }
            self.stats.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> OutboxPolicy {
        OutboxPolicy {
            max_payloads: 3,
            max_bytes: 1000,
            retry_base_ms: 100.0,
            retry_max_ms: 1000.0,
        }
    }

    #[test]
    fn retries_transient_failures_and_drops_refusals() {
        let mut o = Outbox::new(policy()).unwrap();
        let a = o.push("a".into(), 0.0);
        let b = o.push("b".into(), 0.0);
        o.settle(a, Attempt::Status(503), 0.0);
        o.settle(b, Attempt::Status(400), 0.0);
        assert_eq!(o.due(50.0), vec![]);
        assert_eq!(o.due(100.0), vec![(a, "a".to_string())]);
        o.settle(a, Attempt::NoAnswer, 100.0);
        assert_eq!(o.next_due_ms(), Some(300.0), "doubles");
        o.settle(a, Attempt::Status(200), 300.0);
        let s = o.stats();
        assert_eq!(
            (s.delivered, s.rejected, s.retries, s.pending),
            (1, 1, 2, 0)
        );
    }

    #[test]
    fn bounded_oldest_first_and_persisted() {
        let mut o = Outbox::new(policy()).unwrap();
        for i in 0..5 {
            o.push(format!("p{i}"), f64::from(i));
        }
        assert_eq!(o.stats().dropped, 2);
        assert_eq!(
            o.due(10.0).iter().map(|d| d.1.as_str()).collect::<Vec<_>>(),
            ["p2", "p3", "p4"]
        );
        o.push("x".repeat(2000), 0.0);
        assert_eq!(o.stats().dropped, 3, "too big alone");
        let first = o.due(10.0)[0].0;
        o.settle(first, Attempt::Status(502), 10.0);
        let back = Outbox::from_json(&o.to_json().unwrap(), policy()).unwrap();
        assert_eq!(back, o);
        let id = back.clone().push("y".into(), 0.0);
        assert!(o.due(1e9).iter().all(|(i, _)| *i != id), "ids stay unique");
        assert!(Outbox::from_json("{\"format\":\"x\"}", policy()).is_err());
    }
}
