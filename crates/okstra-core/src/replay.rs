//! Owns the `replay` adapter's fixture format and answer selection: per worker and round (and
//! optionally per attempt), a scripted text, delay, usage, exit code, reported error, or hang;
//! for an executor, also a scripted patch and the subject to commit it with. Replay stands in
//! for models in `okstra demo` and in logic tests, and every artifact it produces says so.
//!
//! ```json
//! { "schemaVersion": "replay-fixture/v1",
//!   "workers": {
//!     "claude-worker": { "0": { "text": "…", "delayMs": 10, "usage": { "inputTotal": 100, "output": 20 } },
//!                        "1": [ { "exitCode": 1, "stderr": "boom" }, { "text": "second attempt" } ] },
//!     "codex-worker":  { "0": { "hang": true } },
//!     "executor":      { "step-1": { "text": "red", "patch": "diff --git …", "commit": "RED: a test" },
//!                        "step-2": { "text": "green", "patch": "diff --git …", "commit": "GREEN: code" } } } }
//! ```
//!
//! Keys under a worker are rounds (`0`, `1` …, `pbv`) and, for an executor driven one plan
//! step per invocation, steps (`step-<n>`, see [`step_key`]). A round key may name the task
//! type it is for — `"release-handoff/0"` — and then wins over the plain `"0"` in a run of that
//! type, so one fixture can script one worker (a report writer) across task types. Applying a
//! patch is the engine's.

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
    /// Executor only: a unified diff the replay "executor" applies with `git apply` in its
    /// folder (paths relative to that folder) before it answers.
    #[serde(default)]
    pub patch: Option<String>,
    /// Executor only: the subject to commit the patch with (`RED: …`); without it the patch is
    /// left uncommitted, as an executor that forgot to commit would leave it.
    #[serde(default)]
    pub commit: Option<String>,
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

/// Returns the fixture key of step `number` (1-based) of an executor driven one plan step per
/// invocation: `step-<n>`.
pub fn step_key(number: u32) -> String {
    format!("step-{number}")
}

impl ReplayFixture {
    /// Parses a fixture text. A `commit` without a `patch` is refused: there would be nothing
    /// to commit.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        let fixture: Self = parse_versioned(text, REPLAY_KIND)?;
        for (worker, rounds) in &fixture.workers {
            for (key, answers) in rounds {
                for (i, answer) in answers.0.iter().enumerate() {
                    if answer.commit.is_some() && answer.patch.is_none() {
                        let at = if answers.0.len() > 1 {
                            format!("[{i}]")
                        } else {
                            String::new()
                        };
                        return Err(DocumentError::Field {
                            field: format!("workers.{worker}.{key}{at}.commit"),
                            message: "a commit subject needs a patch to commit; add `patch` \
                                      or remove `commit`"
                                .to_owned(),
                        });
                    }
                }
            }
        }
        Ok(fixture)
    }

    /// Returns the answer for a worker, round and attempt: the attempt's own entry, else the
    /// last entry of the round. `None` when the fixture has nothing for that worker and round.
    pub fn answer(&self, worker: &str, round: RoundTag, attempt: u32) -> Option<&ReplayAnswer> {
        self.answer_at(worker, &round.to_string(), attempt)
    }

    /// Returns the answer for a worker in a run of `task_type`: its `"<task-type>/<round>"`
    /// key when the fixture has one, else [`ReplayFixture::answer`]'s.
    pub fn answer_for(
        &self,
        worker: &str,
        task_type: crate::TaskType,
        round: RoundTag,
        attempt: u32,
    ) -> Option<&ReplayAnswer> {
        self.answer_at(worker, &format!("{task_type}/{round}"), attempt)
            .or_else(|| self.answer(worker, round, attempt))
    }

    /// Returns the answer for a worker, fixture key (a round, or [`step_key`]) and attempt, as
    /// [`ReplayFixture::answer`] does.
    pub fn answer_at(&self, worker: &str, key: &str, attempt: u32) -> Option<&ReplayAnswer> {
        let answers = &self.workers.get(worker)?.get(key)?.0;
        let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        answers.get(index).or_else(|| answers.last())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_key_of_the_runs_task_type_wins_over_the_plain_one() {
        let text = r#"{"schemaVersion":"replay-fixture/v1","workers":{
            "report-writer":{"0":{"text":"any"},"release-handoff/0":{"text":"hand-off"}}}}"#;
        let f = ReplayFixture::parse(text).unwrap();
        let text_for = |task_type| {
            f.answer_for("report-writer", task_type, RoundTag::Round(0), 1)
                .and_then(|a| a.text.clone())
        };
        assert_eq!(
            text_for(crate::TaskType::ReleaseHandoff).as_deref(),
            Some("hand-off")
        );
        assert_eq!(
            text_for(crate::TaskType::ErrorAnalysis).as_deref(),
            Some("any")
        );
        assert!(
            f.answer_for(
                "report-writer",
                crate::TaskType::ReleaseHandoff,
                RoundTag::Round(1),
                1
            )
            .is_none()
        );
    }

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

    #[test]
    fn executor_answers_by_step_with_patch_and_commit() {
        let text = r#"{"workers":{"executor":{
            "step-1":{"text":"red","patch":"diff --git a/t b/t\n","commit":"RED: t"},
            "step-2":[{"error":"boom"},{"text":"green","patch":"diff --git a/c b/c\n"}]}}}"#;
        let f = ReplayFixture::parse(text).unwrap();
        let red = f.answer_at("executor", &step_key(1), 1).unwrap();
        assert_eq!(red.commit.as_deref(), Some("RED: t"));
        assert_eq!(red.patch.as_deref(), Some("diff --git a/t b/t\n"));
        let green = f.answer_at("executor", &step_key(2), 2).unwrap();
        assert_eq!(
            (green.text.as_deref(), green.commit.as_deref()),
            (Some("green"), None)
        );
        assert!(f.answer_at("executor", &step_key(3), 1).is_none());
        let err = ReplayFixture::parse(
            r#"{"workers":{"executor":{"step-1":[{"text":"a"},{"commit":"RED: t"}]}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "workers.executor.step-1[1].commit: a commit subject needs a patch to commit; add \
             `patch` or remove `commit`"
        );
    }
}
