//! Owns the `replay` adapter's fixture format and answer selection: per worker and round (and
//! optionally per attempt), a scripted text, delay, usage, exit code, reported error, or hang.
//! Replay stands in for models in `okstra demo` and in logic tests, and every artifact it
//! produces says so.
//!
//! ```json
//! { "schemaVersion": "replay-fixture/v1",
//!   "workers": {
//!     "claude-worker": { "0": { "text": "…", "delayMs": 10, "usage": { "inputTotal": 100, "output": 20 } },
//!                        "1": [ { "exitCode": 1, "stderr": "boom" }, { "text": "second attempt" } ] },
//!     "codex-worker":  { "0": { "hang": true } } } }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::run_paths::RoundTag;
use crate::tokens::TokenUsage;

/// The `schemaVersion` kind of a replay fixture.
pub const REPLAY_KIND: &str = "replay-fixture";

/// One scripted answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayAnswer {
    /// The final text.
    #[serde(default)]
    pub text: Option<String>,
    /// How long the "model" takes.
    #[serde(default)]
    pub delay_ms: u64,
    #[serde(default)]
    pub usage: TokenUsage,
    /// A non-zero code makes the attempt a crash with no known reason.
    #[serde(default)]
    pub exit_code: i32,
    /// Text "printed on stderr" (kept in the errors sidecar).
    #[serde(default)]
    pub stderr: Option<String>,
    /// A failure the "CLI" reports (auth, quota …): `error`, never re-dispatched.
    #[serde(default)]
    pub error: Option<String>,
    /// Never answer; the deadline decides.
    #[serde(default)]
    pub hang: bool,
}

/// Answers of a round: one for every attempt, or a list by attempt.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundAnswers(pub Vec<ReplayAnswer>);

impl<'de> Deserialize<'de> for RoundAnswers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let list = match value {
            serde_json::Value::Array(items) => items,
            other => vec![other],
        };
        list.into_iter()
            .map(|v| serde_json::from_value(v).map_err(serde::de::Error::custom))
            .collect::<Result<Vec<_>, _>>()
            .map(RoundAnswers)
    }
}

/// A replay fixture file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayFixture {
    #[serde(default)]
    pub schema_version: Option<String>,
    /// Worker name → round (`"0"`, `"1"`, `"pbv"`) → answers.
    #[serde(default)]
    pub workers: BTreeMap<String, BTreeMap<String, RoundAnswers>>,
}

impl ReplayFixture {
    /// Parses a fixture text.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        parse_versioned(text, REPLAY_KIND)
    }

    /// Returns the answer for a worker, round and attempt: the attempt's own entry, else the
    /// last entry of the round. `None` when the fixture has nothing for that worker and round.
    pub fn answer(&self, worker: &str, round: RoundTag, attempt: u32) -> Option<&ReplayAnswer> {
        let rounds = self.workers.get(worker)?;
        let answers = &rounds.get(&round.to_string())?.0;
        let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        answers.get(index).or_else(|| answers.last())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_by_round_and_attempt() {
        let text = r#"{"schemaVersion":"replay-fixture/v1","workers":{
            "claude-worker":{"0":{"text":"a","usage":{"inputTotal":10,"output":2}},
                             "1":[{"exitCode":1,"stderr":"boom"},{"text":"second"}]},
            "codex-worker":{"0":{"hang":true},"pbv":{"text":"plan ok"}}}}"#;
        let f = ReplayFixture::parse(text).unwrap();
        assert_eq!(
            f.answer("claude-worker", RoundTag::Round(0), 1)
                .unwrap()
                .text
                .as_deref(),
            Some("a")
        );
        assert_eq!(
            f.answer("claude-worker", RoundTag::Round(0), 2)
                .unwrap()
                .text
                .as_deref(),
            Some("a")
        );
        assert_eq!(
            f.answer("claude-worker", RoundTag::Round(1), 1)
                .unwrap()
                .exit_code,
            1
        );
        assert_eq!(
            f.answer("claude-worker", RoundTag::Round(1), 2)
                .unwrap()
                .text
                .as_deref(),
            Some("second")
        );
        assert!(
            f.answer("codex-worker", RoundTag::Round(0), 1)
                .unwrap()
                .hang
        );
        assert!(f.answer("codex-worker", RoundTag::PlanBody, 1).is_some());
        assert!(f.answer("gemini-worker", RoundTag::Round(0), 1).is_none());
        assert!(ReplayFixture::parse(r#"{"workers":{"x":{"0":{"txt":"typo"}}}}"#).is_err());
    }
}
