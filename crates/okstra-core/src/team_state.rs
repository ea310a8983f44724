//! Owns `state/team-state-<seq>.json` (SPEC §5.5): one row per worker per round — kind, model,
//! role, CLI path and version, the names of variables okstra set, status, reason, timings,
//! token usage, result path — and every attempt's process identity (pid, process group, start
//! time, tag) so `resume` and `ctl reconcile` can find and stop workers a dead okstra left.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::errors::DocumentError;
use crate::result_header::CliInfo;
use crate::run_paths::RoundTag;
use crate::status::WorkerStatus;
use crate::tokens::TokenUsage;
use crate::version::{check_schema_version, schema_version};

/// The `schemaVersion` kind of team state.
pub const TEAM_STATE_KIND: &str = "team-state";

/// One attempt of a worker.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRecord {
    pub attempt: u32,
    #[serde(default)]
    pub pid: Option<u32>,
    #[serde(default)]
    pub process_group: Option<u32>,
    /// The process start time in clock ticks since boot (`/proc/<pid>/stat` field 22): with
    /// the pid it identifies the process even after pid reuse.
    #[serde(default)]
    pub process_start: Option<u64>,
    /// The value of `OKSTRA_WORKER_TAG` in the worker's environment, which every descendant
    /// inherits.
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    pub status: WorkerStatus,
    #[serde(default)]
    pub reason: Option<String>,
    /// `exit code N` / `killed by signal N`.
    #[serde(default)]
    pub exit: Option<String>,
    #[serde(default)]
    pub tokens: TokenUsage,
    #[serde(default)]
    pub prompt_path: Option<String>,
    #[serde(default)]
    pub result_path: Option<String>,
    #[serde(default)]
    pub transcript_path: Option<String>,
    #[serde(default)]
    pub stalled: bool,
}

/// One worker of one round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamWorker {
    pub worker: String,
    pub kind: String,
    pub role: String,
    pub round: RoundTag,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub cli: Option<CliInfo>,
    /// Names (never values) of the variables okstra set for the worker.
    #[serde(default)]
    pub env_set: Vec<String>,
    pub status: WorkerStatus,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// The sum over attempts.
    #[serde(default)]
    pub tokens: TokenUsage,
    #[serde(default)]
    pub result_path: Option<String>,
    #[serde(default)]
    pub attempts: Vec<AttemptRecord>,
    #[serde(default)]
    pub replay: bool,
}

/// The team state of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamState {
    #[serde(default)]
    pub schema_version: Option<String>,
    pub run_id: String,
    pub task_type: String,
    pub seq: u32,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub workers: Vec<TeamWorker>,
}

impl TeamState {
    /// Returns an empty team state.
    pub fn new(run_id: String, task_type: String, seq: u32, now: Timestamp) -> Self {
        Self {
            schema_version: Some(schema_version(TEAM_STATE_KIND)),
            run_id,
            task_type,
            seq,
            updated_at: now,
            workers: Vec::new(),
        }
    }

    /// Parses a team state text.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DocumentError::from_json(&e))?;
        check_schema_version(
            TEAM_STATE_KIND,
            value.get("schemaVersion").and_then(|v| v.as_str()),
        )?;
        serde_json::from_value(value).map_err(|e| DocumentError::Field {
            field: "(team state)".to_owned(),
            message: e.to_string(),
        })
    }

    /// Returns the row of a worker in a round.
    pub fn worker(&self, worker: &str, round: RoundTag) -> Option<&TeamWorker> {
        self.workers
            .iter()
            .find(|w| w.worker == worker && w.round == round)
    }

    /// Returns the row of a worker in a round, for update.
    pub fn worker_mut(&mut self, worker: &str, round: RoundTag) -> Option<&mut TeamWorker> {
        self.workers
            .iter_mut()
            .find(|w| w.worker == worker && w.round == round)
    }

    /// Inserts a row, or replaces the one of the same worker and round.
    pub fn upsert(&mut self, row: TeamWorker) {
        match self.worker_mut(&row.worker, row.round) {
            Some(existing) => *existing = row,
            None => self.workers.push(row),
        }
    }

    /// Returns the total usage of every worker.
    pub fn total_tokens(&self) -> TokenUsage {
        self.workers
            .iter()
            .fold(TokenUsage::default(), |acc, w| acc.plus(&w.tokens))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_by_worker_and_round() {
        let now: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
        let mut t = TeamState::new("R".into(), "error-analysis".into(), 1, now);
        let row = |round, status| TeamWorker {
            worker: "claude-worker".into(),
            kind: "claude".into(),
            role: "analysis".into(),
            round,
            model: None,
            cli: None,
            env_set: vec!["TMPDIR".into()],
            status,
            reason: None,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            tokens: TokenUsage {
                output: Some(2),
                ..TokenUsage::default()
            },
            result_path: None,
            attempts: Vec::new(),
            replay: false,
        };
        t.upsert(row(RoundTag::Round(0), WorkerStatus::Running));
        t.upsert(row(RoundTag::Round(1), WorkerStatus::Running));
        t.upsert(row(RoundTag::Round(0), WorkerStatus::Completed));
        assert_eq!(t.workers.len(), 2);
        assert_eq!(t.workers[0].status, WorkerStatus::Completed);
        assert_eq!(t.total_tokens().output, Some(4));
        let text = serde_json::to_string(&t).unwrap();
        assert_eq!(TeamState::parse(&text).unwrap(), t);
    }
}
