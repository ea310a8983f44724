//! Owns `state/team-state-<seq>.json` (SPEC §5.5): one row per worker per round — kind, model,
//! role, CLI path and version, the names of variables okstra set — and every attempt's record:
//! process identity (pid, process group, start time, tag) so `resume` and `ctl reconcile` can
//! find and stop workers a dead okstra left, status, reason, timings, tokens and files. The
//! run's private temp folder is recorded too, so only the okstra that made it removes it.
//!
//! One truth: a row's status, reason, timings, token sum and result path are derived from its
//! attempts. The file still carries them (SPEC §5.5 lists them, and earlier okstra releases
//! read them) as derived copies written on save and never read back.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::AdapterKind;
use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::ids::{RunId, RunSeq};
use crate::result_header::CliInfo;
use crate::run_paths::RoundTag;
use crate::status::WorkerStatus;
use crate::task_type::TaskType;
use crate::tokens::TokenUsage;
use crate::version::schema_version;
use crate::worker_name::{Role, WorkerName};

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

/// One worker of one round: who it is, and its attempts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "TeamWorkerFile", into = "TeamWorkerFile")]
pub struct TeamWorker {
    pub worker: WorkerName,
    pub kind: AdapterKind,
    pub role: Role,
    pub round: RoundTag,
    pub model: Option<String>,
    pub cli: Option<CliInfo>,
    /// Names (never values) of the variables okstra set for the worker.
    pub env_set: Vec<String>,
    pub attempts: Vec<AttemptRecord>,
    pub replay: bool,
}

impl TeamWorker {
    /// Returns the worker's status: its last attempt's, `pending` before any. A failed call of
    /// an analyser after round 0 is a reverify call, whose failure is `verification-error`
    /// (SPEC §5.4, §6.3).
    pub fn status(&self) -> WorkerStatus {
        let Some(last) = self.attempts.last() else {
            return WorkerStatus::Pending;
        };
        let reverify = self.role == Role::Analysis && self.round != RoundTag::Round(0);
        if reverify && last.status.is_terminal() && last.status != WorkerStatus::Completed {
            WorkerStatus::VerificationError
        } else {
            last.status
        }
    }

    /// Returns why the last attempt failed.
    pub fn reason(&self) -> Option<&str> {
        self.attempts.last().and_then(|a| a.reason.as_deref())
    }

    /// Returns the token usage summed over the attempts.
    pub fn tokens(&self) -> TokenUsage {
        self.attempts
            .iter()
            .fold(TokenUsage::default(), |sum, a| sum.plus(&a.tokens))
    }

    /// Returns the result file of the last attempt (relative to the project root).
    pub fn result_path(&self) -> Option<&str> {
        self.attempts.last().and_then(|a| a.result_path.as_deref())
    }

    /// Returns when the first attempt started.
    pub fn started_at(&self) -> Option<Timestamp> {
        self.attempts.iter().find_map(|a| a.started_at)
    }

    /// Returns when the last attempt finished, once the worker is terminal.
    pub fn finished_at(&self) -> Option<Timestamp> {
        if !self.status().is_terminal() {
            return None;
        }
        self.attempts.last().and_then(|a| a.finished_at)
    }

    /// Returns the time from the first dispatch to the terminal status, in milliseconds.
    pub fn duration_ms(&self) -> Option<u64> {
        let span = self.finished_at()?.duration_since(self.started_at()?);
        u64::try_from(span.as_millis()).ok()
    }

    /// Returns how many attempts ran.
    pub fn attempt_count(&self) -> u32 {
        u32::try_from(self.attempts.len()).unwrap_or(u32::MAX)
    }
}

/// A row as the file holds it: the truth plus the derived copies.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamWorkerFile {
    worker: WorkerName,
    kind: AdapterKind,
    role: Role,
    round: RoundTag,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    cli: Option<CliInfo>,
    #[serde(default)]
    env_set: Vec<String>,
    /// Derived copy of [`TeamWorker::status`].
    #[serde(default)]
    status: WorkerStatus,
    /// Derived copy of [`TeamWorker::reason`].
    #[serde(default)]
    reason: Option<String>,
    /// Derived copy of [`TeamWorker::started_at`].
    #[serde(default)]
    started_at: Option<Timestamp>,
    /// Derived copy of [`TeamWorker::finished_at`].
    #[serde(default)]
    finished_at: Option<Timestamp>,
    /// Derived copy of [`TeamWorker::duration_ms`].
    #[serde(default)]
    duration_ms: Option<u64>,
    /// Derived copy of [`TeamWorker::tokens`].
    #[serde(default)]
    tokens: TokenUsage,
    /// Derived copy of [`TeamWorker::result_path`].
    #[serde(default)]
    result_path: Option<String>,
    #[serde(default)]
    attempts: Vec<AttemptRecord>,
    #[serde(default)]
    replay: bool,
}

impl From<TeamWorker> for TeamWorkerFile {
    fn from(w: TeamWorker) -> Self {
        Self {
            status: w.status(),
            reason: w.reason().map(str::to_owned),
            started_at: w.started_at(),
            finished_at: w.finished_at(),
            duration_ms: w.duration_ms(),
            tokens: w.tokens(),
            result_path: w.result_path().map(str::to_owned),
            worker: w.worker,
            kind: w.kind,
            role: w.role,
            round: w.round,
            model: w.model,
            cli: w.cli,
            env_set: w.env_set,
            attempts: w.attempts,
            replay: w.replay,
        }
    }
}

impl From<TeamWorkerFile> for TeamWorker {
    fn from(f: TeamWorkerFile) -> Self {
        // The derived copies are not read: they are recomputed from the attempts.
        Self {
            worker: f.worker,
            kind: f.kind,
            role: f.role,
            round: f.round,
            model: f.model,
            cli: f.cli,
            env_set: f.env_set,
            attempts: f.attempts,
            replay: f.replay,
        }
    }
}

/// The team state of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamState {
    #[serde(default)]
    pub schema_version: Option<String>,
    pub run_id: RunId,
    pub task_type: TaskType,
    pub seq: RunSeq,
    pub updated_at: Timestamp,
    /// The run's private temp folder (absolute), which holds every worker's TMPDIR; made
    /// exclusively by the okstra driving the run and removed by it, or by `resume` after it
    /// died.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmp_root: Option<String>,
    #[serde(default)]
    pub workers: Vec<TeamWorker>,
}

impl TeamState {
    /// Returns an empty team state.
    pub fn new(run_id: RunId, task_type: TaskType, seq: RunSeq, now: Timestamp) -> Self {
        Self {
            schema_version: Some(schema_version(TEAM_STATE_KIND)),
            run_id,
            task_type,
            seq,
            updated_at: now,
            tmp_root: None,
            workers: Vec::new(),
        }
    }

    /// Parses a team state text.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        parse_versioned(text, TEAM_STATE_KIND)
    }

    /// Returns the row of a worker in a round.
    pub fn worker(&self, worker: &WorkerName, round: RoundTag) -> Option<&TeamWorker> {
        self.workers
            .iter()
            .find(|w| w.worker == *worker && w.round == round)
    }

    /// Returns the row of a worker in a round, for update.
    pub fn worker_mut(&mut self, worker: &WorkerName, round: RoundTag) -> Option<&mut TeamWorker> {
        self.workers
            .iter_mut()
            .find(|w| w.worker == *worker && w.round == round)
    }

    /// Inserts a row, or replaces the one of the same worker and round.
    pub fn upsert(&mut self, row: TeamWorker) {
        match self.worker_mut(&row.worker, row.round) {
            Some(existing) => *existing = row,
            None => self.workers.push(row),
        }
    }

    /// Records that the okstra driving the run is gone: every attempt still `pending` or
    /// `running` ends at `at` as an `error` with the reason `interrupted` — what a stopped
    /// okstra records itself, so `resume` runs those workers again. Returns how many.
    pub fn interrupt_unfinished(&mut self, at: Timestamp) -> usize {
        let mut n = 0;
        for attempt in self.workers.iter_mut().flat_map(|w| w.attempts.iter_mut()) {
            if !attempt.status.is_terminal() {
                attempt.status = WorkerStatus::Error;
                attempt.reason = Some(crate::outcome::INTERRUPTED.to_owned());
                attempt.finished_at = Some(at);
                n += 1;
            }
        }
        if n > 0 {
            self.updated_at = at;
        }
        n
    }

    /// Returns the total usage of every worker.
    pub fn total_tokens(&self) -> TokenUsage {
        self.workers
            .iter()
            .fold(TokenUsage::default(), |acc, w| acc.plus(&w.tokens()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn attempt(n: u32, status: WorkerStatus, output: u64, start: &str, end: &str) -> AttemptRecord {
        AttemptRecord {
            attempt: n,
            status,
            reason: (status != WorkerStatus::Completed).then(|| format!("attempt {n} failed")),
            tokens: TokenUsage {
                output: Some(output),
                ..TokenUsage::default()
            },
            started_at: Some(ts(start)),
            finished_at: Some(ts(end)),
            result_path: Some(format!("r-a{n}.md")),
            ..AttemptRecord::default()
        }
    }

    fn row(round: RoundTag, role: Role, attempts: Vec<AttemptRecord>) -> TeamWorker {
        TeamWorker {
            worker: "claude-worker".parse().unwrap(),
            kind: AdapterKind::Claude,
            role,
            round,
            model: None,
            cli: None,
            env_set: vec!["TMPDIR".into()],
            attempts,
            replay: false,
        }
    }

    #[test]
    fn unfinished_attempts_are_interrupted_and_finished_ones_kept() {
        let mut team = TeamState::new(
            "01JABCDEFGHJKMNPQRSTVWXYZ0".parse().unwrap(),
            TaskType::ErrorAnalysis,
            RunSeq::FIRST,
            ts("2026-11-21T10:00:00Z"),
        );
        let done = attempt(
            1,
            WorkerStatus::Completed,
            5,
            "2026-11-21T10:00:00Z",
            "2026-11-21T10:01:00Z",
        );
        let mut running = attempt(
            2,
            WorkerStatus::Running,
            0,
            "2026-11-21T10:01:00Z",
            "2026-11-21T10:01:00Z",
        );
        running.finished_at = None;
        running.reason = None;
        team.upsert(row(
            RoundTag::Round(0),
            Role::Analysis,
            vec![done.clone(), running],
        ));
        let at = ts("2026-11-21T10:05:00Z");
        assert_eq!(team.interrupt_unfinished(at), 1);
        let w = &team.workers[0];
        assert_eq!(w.attempts[0], done);
        assert_eq!(w.status(), WorkerStatus::Error);
        assert_eq!(w.reason(), Some("interrupted"));
        assert_eq!(w.attempts[1].finished_at, Some(at));
        assert_eq!(team.updated_at, at);
        assert_eq!(team.interrupt_unfinished(ts("2026-11-21T10:06:00Z")), 0);
        assert_eq!(team.updated_at, at);
    }

    #[test]
    fn row_facts_derive_from_attempts() {
        let w = row(
            RoundTag::Round(0),
            Role::Analysis,
            vec![
                attempt(
                    1,
                    WorkerStatus::Timeout,
                    2,
                    "2026-11-21T10:00:00Z",
                    "2026-11-21T10:00:30Z",
                ),
                attempt(
                    2,
                    WorkerStatus::Completed,
                    5,
                    "2026-11-21T10:00:31Z",
                    "2026-11-21T10:01:00Z",
                ),
            ],
        );
        assert_eq!(w.status(), WorkerStatus::Completed);
        assert_eq!(w.reason(), None);
        assert_eq!(w.tokens().output, Some(7));
        assert_eq!(w.result_path(), Some("r-a2.md"));
        assert_eq!(w.duration_ms(), Some(60_000));
        assert_eq!(w.attempt_count(), 2);

        let pending = row(RoundTag::Round(0), Role::Analysis, Vec::new());
        assert_eq!(pending.status(), WorkerStatus::Pending);
        assert_eq!(pending.duration_ms(), None);
        let mut running = attempt(
            1,
            WorkerStatus::Running,
            0,
            "2026-11-21T10:00:00Z",
            "2026-11-21T10:00:00Z",
        );
        running.finished_at = None;
        let running = row(RoundTag::Round(0), Role::Analysis, vec![running]);
        assert_eq!(running.finished_at(), None);
    }

    #[test]
    fn a_failed_reverify_call_is_a_verification_error() {
        let failed = || {
            vec![attempt(
                1,
                WorkerStatus::Error,
                0,
                "2026-11-21T10:00:00Z",
                "2026-11-21T10:00:01Z",
            )]
        };
        assert_eq!(
            row(RoundTag::Round(1), Role::Analysis, failed()).status(),
            WorkerStatus::VerificationError
        );
        assert_eq!(
            row(RoundTag::PlanBody, Role::Analysis, failed()).status(),
            WorkerStatus::VerificationError
        );
        assert_eq!(
            row(RoundTag::Round(0), Role::Analysis, failed()).status(),
            WorkerStatus::Error,
            "round 0 is not a reverify call"
        );
        assert_eq!(
            row(RoundTag::Round(3), Role::Critic, failed()).status(),
            WorkerStatus::Error,
            "the critic is not a reverify call"
        );
    }

    #[test]
    fn the_file_carries_derived_copies_that_are_never_read() {
        let now = ts("2026-11-21T10:00:00Z");
        let mut t = TeamState::new(
            "01JABCDEFGHJKMNPQRSTVWXYZ0".parse().unwrap(),
            TaskType::ErrorAnalysis,
            RunSeq::FIRST,
            now,
        );
        t.upsert(row(
            RoundTag::Round(0),
            Role::Analysis,
            vec![attempt(
                1,
                WorkerStatus::Completed,
                2,
                "2026-11-21T10:00:00Z",
                "2026-11-21T10:00:02Z",
            )],
        ));
        t.upsert(row(RoundTag::Round(1), Role::Analysis, Vec::new()));
        assert_eq!(t.workers.len(), 2);
        assert_eq!(t.total_tokens().output, Some(2));
        let mut value = serde_json::to_value(&t).unwrap();
        let w0 = &value["workers"][0];
        assert_eq!(w0["status"], "completed");
        assert_eq!(w0["durationMs"], 2000);
        assert_eq!(w0["tokens"]["output"], 2);
        assert_eq!(w0["resultPath"], "r-a1.md");
        assert_eq!(w0["kind"], "claude");
        assert_eq!(value["taskType"], "error-analysis");
        // A hand-edited derived copy changes nothing.
        value["workers"][0]["status"] = "timeout".into();
        value["workers"][0]["tokens"]["output"] = 99.into();
        let parsed = TeamState::parse(&value.to_string()).unwrap();
        assert_eq!(parsed, t);
        assert_eq!(parsed.workers[0].status(), WorkerStatus::Completed);
    }
}
