//! Owns the engine's error types, one per operation, each carrying the data a person needs:
//! paths, argv, exit status, stderr, values. Blame (user vs internal) is assigned by the CLI.

use std::io;
use std::path::PathBuf;

use okstra_core::errors::{DocumentError, JsonlLineError};
use okstra_core::registry::RegistryError;
use thiserror::Error;

/// A file or folder operation that failed, with its path.
#[derive(Debug, Error)]
#[error("{}: {source}", path.display())]
pub struct PathError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl PathError {
    /// Returns a closure that wraps an `io::Error` with `path`.
    pub fn at(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> PathError {
        let path = path.into();
        move |source| PathError { path, source }
    }
}

/// A JSON or JSONL file okstra could not read or write.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error(transparent)]
    Io(#[from] PathError),
    #[error("{}: {source}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: DocumentError,
    },
    #[error("{}: {source}", path.display())]
    Row {
        path: PathBuf,
        #[source]
        source: JsonlLineError,
    },
    #[error("{}: cannot encode: {source}", path.display())]
    Encode {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// A git command that could not run or failed.
#[derive(Debug, Error)]
pub enum GitError {
    #[error("cannot run `{}`: {source}", argv.join(" "))]
    Spawn {
        argv: Vec<String>,
        #[source]
        source: io::Error,
    },
    #[error("`{}` failed ({}): {stderr}", argv.join(" "), status.map_or("killed".to_owned(), |s| format!("exit {s}")))]
    Failed {
        argv: Vec<String>,
        status: Option<i32>,
        stderr: String,
    },
}

/// Task worktree provisioning failures (SPEC §8 first bullet).
#[derive(Debug, Error)]
pub enum WorktreeError {
    #[error("task {task_key} has no worktree yet, and creating one needs a base ref")]
    BaseRefRequired { task_key: String },
    #[error(
        "--base-ref {given} differs from the anchor of task {task_key}: {anchor_ref} at {anchor_commit}"
    )]
    BaseRefMismatch {
        task_key: String,
        given: String,
        anchor_ref: String,
        anchor_commit: String,
    },
    #[error("--base-ref {value} does not name a commit in {}", repo.display())]
    BadBaseRef { value: String, repo: PathBuf },
    #[error("task {task_key} cannot use branch {branch}: it already belongs to task {owner}")]
    BranchTaken {
        task_key: String,
        branch: String,
        owner: String,
    },
    #[error("work category {value:?} is not a valid branch segment")]
    BadCategory { value: String },
    #[error(
        "task {task_key} cannot be recorded as {key}: the registry has that key for a task of the repository {repo}"
    )]
    KeyTaken {
        task_key: String,
        key: String,
        repo: String,
    },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl WorktreeError {
    /// Returns the worktree error for a registry invariant violation.
    pub fn from_registry(task_key: &str, err: RegistryError) -> Self {
        match err {
            RegistryError::BranchTaken { branch, owner } => WorktreeError::BranchTaken {
                task_key: task_key.to_owned(),
                branch,
                owner,
            },
            RegistryError::KeyTaken { key, repo } => WorktreeError::KeyTaken {
                task_key: task_key.to_owned(),
                key,
                repo,
            },
        }
    }
}

/// Loading or creating a project's `.okstra/project.json`.
#[derive(Debug, Error)]
pub enum ProjectError {
    #[error("{}: {source}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: DocumentError,
    },
    #[error("no okstra project here: {} has no .okstra/project.json", start.display())]
    NotFound { start: PathBuf },
    #[error("the folder name {name:?} cannot be a project id: {reason}")]
    BadFolderName { name: String, reason: String },
    #[error(
        "project id `{id}` is already used by {}, a checkout of another repository",
        holder.display()
    )]
    IdTaken {
        id: okstra_core::ProjectId,
        holder: PathBuf,
    },
    #[error(
        "project id `{id}` was taken by {} while okstra was creating {}/.okstra/project.json",
        holder.display(),
        root.display()
    )]
    IdTakenMeanwhile {
        id: okstra_core::ProjectId,
        holder: PathBuf,
        root: PathBuf,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] PathError),
}

/// Run preparation failures (SPEC §4 step 1).
#[derive(Debug, Error)]
pub enum PrepareError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Worktree(#[from] WorktreeError),
    #[error("run seq {seq} of {task_type} already exists for task {task_key} ({})", manifest.display())]
    SeqExists {
        seq: u32,
        task_type: String,
        task_key: String,
        manifest: PathBuf,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] PathError),
}

/// A worker's result file that could not be written.
#[derive(Debug, Error)]
pub enum ResultFileError {
    #[error("{}: cannot write its header: {source}", path.display())]
    Header {
        path: PathBuf,
        #[source]
        source: okstra_core::result_header::HeaderError,
    },
    #[error(transparent)]
    Io(#[from] PathError),
}

/// A `--related` task the run cannot take.
#[derive(Debug, Error)]
pub enum RelatedTaskError {
    #[error("related task {task} does not exist in project {project_id} (no {})", path.display())]
    Unknown {
        task: String,
        project_id: String,
        /// The task folder it would have.
        path: PathBuf,
    },
    #[error("related task {task} is the run's own task")]
    Own { task: String },
}

/// A prior report of the task that could not be read for the prompts' context.
#[derive(Debug, Error)]
pub enum PriorReportError {
    #[error(transparent)]
    Io(#[from] PathError),
    #[error("{}: not a report data file: {source}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: DocumentError,
    },
}

/// A report that could not be written or rendered.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("{} does not match the report schema: {}", path.display(), list(violations))]
    Schema {
        path: PathBuf,
        violations: Vec<okstra_core::schema::SchemaViolation>,
    },
    /// A report okstra could not serialize (its own failure).
    #[error("{}: cannot write the report data: {source}", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A report data file that is not JSON, or not report data.
    #[error("{}: {source}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: DocumentError,
    },
    #[error("{}: {source}", path.display())]
    Version {
        path: PathBuf,
        #[source]
        source: okstra_core::errors::VersionError,
    },
    #[error("{}: cannot render the report: {source}", path.display())]
    Render {
        path: PathBuf,
        #[source]
        source: okstra_core::report::RenderError,
    },
    #[error("{} is not a report data file (its name must end in .data.json)", path.display())]
    NotData { path: PathBuf },
    #[error(transparent)]
    Io(#[from] PathError),
}

fn list(violations: &[okstra_core::schema::SchemaViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A run that could not continue (its workers' own failures are statuses, not errors).
#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] PathError),
    #[error(transparent)]
    ResultFile(#[from] ResultFileError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Prompt(#[from] okstra_core::prompt::PromptError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The stage of an implementation run: its plan, selection, base or worktree.
    #[error(transparent)]
    Stage(#[from] crate::run::StageError),
    /// A resumed implementation run whose stage cannot be rebuilt from its manifest.
    #[error(transparent)]
    StageRun(#[from] crate::run::StageRunError),
    /// An implementation run's phase after preparation that cannot go on.
    #[error(transparent)]
    StagePhase(#[from] crate::run::StagePhaseError),
    /// A final-verification run whose stages are not ready, or whose merge cannot land.
    #[error(transparent)]
    FinalVerification(#[from] crate::final_verification::FinalVerificationError),
    #[error("cannot read the brief {}: {source}", path.display())]
    Brief {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read a prior report of the task: {0}")]
    PriorReport(#[from] PriorReportError),
    #[error(transparent)]
    Related(#[from] RelatedTaskError),
    #[error("run {run_id} is being driven by another okstra (its run lock is held)")]
    Busy { run_id: String },
    /// Its workers would have no brief to read (SPEC §4: a brief is what they are paid to read).
    #[error(
        "task {task_key} has no brief: none was given and {} {}",
        path.display(),
        if *exists { "is empty" } else { "does not exist" }
    )]
    NoBrief {
        task_key: String,
        /// The task's stored brief.
        path: PathBuf,
        /// Whether that file exists (and is blank).
        exists: bool,
    },
    /// Every analyser would be `not-run`: the run would spend a seq, a worktree and an index
    /// row to report nothing.
    #[error("no analyser can run: {}", not_run_names(workers))]
    NoAnalyserCanRun {
        /// Each analyser and why it would be `not-run`.
        workers: Vec<(
            okstra_core::worker_name::WorkerName,
            okstra_core::outcome::NotRunReason,
        )>,
    },
    /// A release hand-off with no accepted final verification of the task branch's head.
    #[error(transparent)]
    Handoff(Box<crate::handoff::HandoffError>),
    #[error("this okstra cannot run {task_type} yet")]
    NotRunnable { task_type: okstra_core::TaskType },
    #[error("cannot start okstra's async runtime: {0}")]
    Runtime(#[source] io::Error),
    /// A run's supervisor (its runtime and signal handlers) asked for on a thread that runs a
    /// command inside another program (`okstra mcp`).
    #[error(
        "a run cannot be driven inside this okstra (it serves MCP); start it detached or in the background"
    )]
    NotHere,
    #[error("{what} failed: {source}")]
    Task {
        what: &'static str,
        #[source]
        source: tokio::task::JoinError,
    },
}

/// Returns `a, b and c would be not-run`.
fn not_run_names(
    workers: &[(
        okstra_core::worker_name::WorkerName,
        okstra_core::outcome::NotRunReason,
    )],
) -> String {
    let names: Vec<String> = workers.iter().map(|(w, _)| w.to_string()).collect();
    let list = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    };
    let verb = if names.len() == 1 {
        "would be"
    } else {
        "would all be"
    };
    format!("{list} {verb} not-run")
}

/// A worker roster that cannot be planned (a user's configuration problem).
#[derive(Debug, Error)]
pub enum PlanError {
    #[error(
        "unknown worker {name:?}: it is neither claude, codex, gemini nor an agent in .okstra/project.json"
    )]
    UnknownAgent { name: String },
    #[error("agent {name:?} is a {adapter} agent but has no {field} in .okstra/project.json")]
    AgentField {
        name: String,
        adapter: String,
        field: String,
    },
    #[error("replay fixture {}: {source}", path.display())]
    Fixture {
        path: PathBuf,
        #[source]
        source: okstra_core::errors::DocumentError,
    },
    #[error("cannot read replay fixture {}: {source}", path.display())]
    FixtureIo {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("no workers to run for {task_type}")]
    NoWorkers { task_type: String },
    #[error("{name:?} is not a worker name: {reason}")]
    BadName { name: String, reason: String },
    #[error(transparent)]
    Adapter(#[from] okstra_core::adapter::AdapterError),
    #[error("cannot keep the executor from pushing: {0}")]
    PushGuard(#[from] crate::executor::ExecutorError),
}

impl From<crate::handoff::HandoffError> for RunError {
    fn from(err: crate::handoff::HandoffError) -> Self {
        RunError::Handoff(Box::new(err))
    }
}
