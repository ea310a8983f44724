//! Owns `ctl rerun` batches (SPEC §10): the batch id, the `batches/<batch-id>.json` document
//! (items `{originalRunId, newRunId, newRunSeq, sessionName, status, spawnedAt, skipReason}`,
//! `selectorRaw`, `maxSpawn` and the summary `{total, spawned, skipped, rejected}`), the pure
//! choice of which runs a selector names, and the seqs a batch reserves. It reads and starts
//! nothing: the engine writes the file, the CLI prepares and launches.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::ids::{RunId, RunRefError, resolve_run_prefix};
use crate::index::IndexedRun;
use crate::segment::slug;
use crate::status::RunStatus;
use crate::task_type::TaskType;
use crate::version::schema_version;

/// The `schemaVersion` kind of a batch file.
pub const BATCH_KIND: &str = "batch";

/// What became of one selected run in a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BatchItemStatus {
    Spawned,
    Skipped,
    Rejected,
    DryRun,
}

impl BatchItemStatus {
    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spawned => "spawned",
            Self::Skipped => "skipped",
            Self::Rejected => "rejected",
            Self::DryRun => "dry-run",
        }
    }
}

impl std::fmt::Display for BatchItemStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One selected run of a batch. A rejected item has no new run id, seq, session or time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItem {
    pub original_run_id: RunId,
    pub new_run_id: Option<RunId>,
    pub new_run_seq: Option<u32>,
    pub session_name: Option<String>,
    pub status: BatchItemStatus,
    pub spawned_at: Option<Timestamp>,
    pub skip_reason: Option<String>,
}

impl BatchItem {
    /// Returns an item that starts nothing, for `status` and `reason`.
    pub fn not_started(original: RunId, status: BatchItemStatus, reason: String) -> Self {
        Self {
            original_run_id: original,
            new_run_id: None,
            new_run_seq: None,
            session_name: None,
            status,
            spawned_at: None,
            skip_reason: Some(reason),
        }
    }
}

/// The counts of a batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub total: usize,
    pub spawned: usize,
    pub skipped: usize,
    pub rejected: usize,
}

impl BatchSummary {
    /// Counts `items`.
    pub fn of(items: &[BatchItem]) -> Self {
        let count = |s| items.iter().filter(|i| i.status == s).count();
        Self {
            total: items.len(),
            spawned: count(BatchItemStatus::Spawned),
            skipped: count(BatchItemStatus::Skipped),
            rejected: count(BatchItemStatus::Rejected),
        }
    }
}

/// `batches/<batch-id>.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchFile {
    #[serde(default)]
    pub schema_version: Option<String>,
    pub batch_id: String,
    pub created_at: Timestamp,
    /// The selector as typed (`failed`, `last`, run ids, `--task g/id`).
    pub selector_raw: String,
    pub max_spawn: Option<usize>,
    #[serde(default)]
    pub dry_run: bool,
    pub items: Vec<BatchItem>,
    pub summary: BatchSummary,
}

impl BatchFile {
    /// Returns a batch of `items`, its summary counted.
    pub fn new(
        batch_id: String,
        created_at: Timestamp,
        selector_raw: String,
        max_spawn: Option<usize>,
        dry_run: bool,
        items: Vec<BatchItem>,
    ) -> Self {
        Self {
            schema_version: Some(schema_version(BATCH_KIND)),
            batch_id,
            created_at,
            selector_raw,
            max_spawn,
            dry_run,
            summary: BatchSummary::of(&items),
            items,
        }
    }

    /// Parses a batch file.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        parse_versioned(text, BATCH_KIND)
    }

    /// Returns the line `ctl rerun` prints first: `batch <id> spawned: N skipped: N rejected:
    /// N`, or with `--dry-run` `batch <id> dry-run: N skipped: N rejected: N`.
    pub fn headline(&self) -> String {
        let s = &self.summary;
        if self.dry_run {
            let dry = self
                .items
                .iter()
                .filter(|i| i.status == BatchItemStatus::DryRun)
                .count();
            format!(
                "batch {} dry-run: {dry} skipped: {} rejected: {}",
                self.batch_id, s.skipped, s.rejected
            )
        } else {
            format!(
                "batch {} spawned: {} skipped: {} rejected: {}",
                self.batch_id, s.spawned, s.skipped, s.rejected
            )
        }
    }
}

/// Returns a new batch id: the lowercase ULID of `now` (time-sortable, a valid file name).
pub fn new_batch_id() -> String {
    RunId::generate().to_string().to_ascii_lowercase()
}

/// Which runs `ctl rerun` reruns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// Run ids or unique prefixes.
    Runs(Vec<String>),
    /// The latest run of each (project, task, type) whose status is `failed`.
    Failed,
    /// The run started last.
    Last,
    /// The latest run of each task type of a task (`--task g/id`), optionally of one project.
    Task {
        group: String,
        id: String,
        project: Option<String>,
    },
}

/// A selector that names no run, or names one wrongly.
#[derive(Debug, Error)]
pub enum SelectError {
    #[error(transparent)]
    Ref(#[from] RunRefError),
    #[error("{what} selects no run")]
    Empty { what: String },
    #[error("task {task} has runs in more than one project ({})", projects.join(", "))]
    ManyProjects { task: String, projects: Vec<String> },
}

/// Returns the runs `selector` names, in index order, each once.
pub fn select_runs<'a>(
    runs: &'a [IndexedRun],
    selector: &Selector,
) -> Result<Vec<&'a IndexedRun>, SelectError> {
    let chosen: Vec<&IndexedRun> = match selector {
        Selector::Runs(words) => {
            let ids: Vec<RunId> = runs.iter().map(|r| r.run_id).collect();
            let mut wanted = BTreeSet::new();
            for word in words {
                wanted.insert(resolve_run_prefix(word, &ids)?);
            }
            runs.iter().filter(|r| wanted.contains(&r.run_id)).collect()
        }
        Selector::Failed => latest_per_task_type(runs.iter())
            .into_iter()
            .filter(|r| r.status == RunStatus::Failed)
            .collect(),
        Selector::Last => runs
            .iter()
            .max_by_key(|r| r.started_at)
            .into_iter()
            .collect(),
        Selector::Task { group, id, project } => {
            let (group, id) = (slug(group), slug(id));
            let of_task: Vec<&IndexedRun> = runs
                .iter()
                .filter(|r| slug(&r.task_group) == group && slug(&r.task_id) == id)
                .filter(|r| project.as_ref().is_none_or(|p| &r.project_id == p))
                .collect();
            let projects: BTreeSet<&str> = of_task.iter().map(|r| r.project_id.as_str()).collect();
            if projects.len() > 1 {
                return Err(SelectError::ManyProjects {
                    task: format!("{group}/{id}"),
                    projects: projects.into_iter().map(str::to_owned).collect(),
                });
            }
            latest_per_task_type(of_task.into_iter())
        }
    };
    if chosen.is_empty() {
        return Err(SelectError::Empty {
            what: describe(selector),
        });
    }
    Ok(chosen)
}

/// Returns the selector as a user would name it in a message.
fn describe(selector: &Selector) -> String {
    match selector {
        Selector::Runs(words) => words.join(" "),
        Selector::Failed => "`failed` (no task's latest run failed)".to_owned(),
        Selector::Last => "`last` (the index has no run)".to_owned(),
        Selector::Task { group, id, .. } => format!("--task {group}/{id}"),
    }
}

/// Returns the latest run of each (project, task, type, stage), in index order.
fn latest_per_task_type<'a>(runs: impl Iterator<Item = &'a IndexedRun>) -> Vec<&'a IndexedRun> {
    let mut latest: BTreeMap<(String, String, String, TaskType, Option<u32>), &IndexedRun> =
        BTreeMap::new();
    for run in runs {
        let key = (
            run.project_id.clone(),
            slug(&run.task_group),
            slug(&run.task_id),
            run.task_type,
            run.stage,
        );
        let newer = latest
            .get(&key)
            .is_none_or(|old| (old.started_at, old.run_id) <= (run.started_at, run.run_id));
        if newer {
            latest.insert(key, run);
        }
    }
    let mut out: Vec<&IndexedRun> = latest.into_values().collect();
    out.sort_by_key(|r| (r.started_at, r.run_id));
    out
}

/// Hands out the seqs of one batch: the next seq of a (project, task, type) is one past the
/// highest on disk, then one past the last handed out, so two reruns of one task in one batch
/// never share a seq (what a dry run shows; a real batch reserves each on disk, under the task
/// lock, before any session starts).
#[derive(Debug, Default)]
pub struct SeqReservations {
    last: BTreeMap<String, u32>,
}

impl SeqReservations {
    /// Returns the seq to reserve for `key`, whose highest seq on disk is `on_disk`.
    pub fn next(&mut self, key: &str, on_disk: u32) -> u32 {
        let last = self.last.entry(key.to_owned()).or_insert(on_disk);
        *last = (*last).max(on_disk).saturating_add(1);
        *last
    }
}

#[cfg(test)]
mod tests;
