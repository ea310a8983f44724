//! Owns blame: the one `CommandError` every command returns, and the `From` impls that decide,
//! once, whether a failure is the user's (exit 2, with a hint) or okstra's (exit 1). The exit
//! codes themselves are the table in `exit_status.rs`, re-exported here.

use std::error::Error;
use std::fmt;

use std::path::Path;

use okstra_core::document::TOP_LEVEL;
use okstra_core::errors::{
    DocumentError, DurationError, IdError, ProjectIdError, RunRefError, SegmentError, SegmentRule,
    TaskTypeError, VersionError,
};
use okstra_core::settings::ResolveError;
use okstra_engine::{
    FindRunError, GitError, PathError, PlanError, PrepareError, PriorReportError, ProjectError,
    ReportError, RunError, StoreError, WorktreeError,
};

pub use crate::exit_status::{ExitStatus, exit_codes};
use crate::settings::{DirectoryError, EnvError};
use crate::stdout::StdoutError;
pub use refusal::{dry_run_refused, no_worker_can_run};

/// Whose failure it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Exit 2.
    User,
    /// Exit 1.
    Internal,
}

/// A failed command: the error, whose it is, and what the user can do.
#[derive(Debug)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub error: Box<dyn Error + Send + Sync>,
    pub hints: Vec<String>,
}

/// A plain message error, for failures found by the CLI itself.
#[derive(Debug)]
pub struct Message(pub String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Message {}

impl CommandError {
    /// Returns a user error (exit 2).
    pub fn user(error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self {
            kind: ErrorKind::User,
            error: error.into(),
            hints: Vec::new(),
        }
    }

    /// Returns an internal error (exit 1).
    pub fn internal(error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self {
            kind: ErrorKind::Internal,
            error: error.into(),
            hints: Vec::new(),
        }
    }

    /// Returns a user error with a plain message.
    pub fn user_message(message: impl Into<String>) -> Self {
        Self::user(Message(message.into()))
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Returns the process exit code.
    pub fn code(&self) -> u8 {
        match self.kind {
            ErrorKind::User => exit_codes::USER,
            ErrorKind::Internal => exit_codes::INTERNAL,
        }
    }

    /// Returns the lines to print: `error: …`, `caused by: …`, `hint: …`.
    pub fn render(&self) -> Vec<String> {
        let mut lines = vec![format!("error: {}", self.error)];
        let mut source = self.error.source();
        let mut last = self.error.to_string();
        while let Some(cause) = source {
            let text = cause.to_string();
            // Skip causes already spelled out by the message above them.
            if !last.contains(&text) {
                lines.push(format!("caused by: {text}"));
            }
            last = text;
            source = cause.source();
        }
        lines.extend(self.hints.iter().map(|h| format!("hint: {h}")));
        lines
    }
}

/// What a refused name was given for: the hint's examples follow it.
#[derive(Clone, Copy)]
enum NameKind {
    /// A `--task <group>/<id>` half.
    Task,
    /// An `okstra init --project-id`.
    ProjectId,
}

/// Returns how to fix a name refused by the slug rule, with examples for what it names.
fn segment_hint(err: &SegmentError, kind: NameKind) -> Option<String> {
    let (name, example) = match kind {
        NameKind::Task => ("id", "--task payments/dev-9495"),
        NameKind::ProjectId => ("project id", "--project-id shop"),
    };
    Some(match err {
        SegmentError::SlugsToNothing {
            non_ascii: true, ..
        } => format!("give an ASCII {name}, e.g. {example}"),
        SegmentError::SlugsToNothing { .. }
        | SegmentError::Empty
        | SegmentError::EmptyPart { .. } => match kind {
            NameKind::Task => format!("task groups and ids need letters or digits, e.g. {example}"),
            NameKind::ProjectId => format!("a project id needs letters or digits, e.g. {example}"),
        },
        SegmentError::PathLike { .. } => match kind {
            NameKind::Task => {
                "a task group or id is a name, not a path: use letters, digits, `.`, `_`, `-`"
                    .to_owned()
            }
            NameKind::ProjectId => format!(
                "a project id is a name, not a path: use letters, digits, `.`, `_`, `-`, e.g. {example}"
            ),
        },
        SegmentError::TooLong { .. } => format!("use a shorter {name} (at most 100 characters)"),
        SegmentError::Invalid { slug, rule, .. } => match rule {
            SegmentRule::LockSuffix => format!(
                "drop or change the `.lock` ending, e.g. `{}-lock`",
                slug.trim_end_matches(".lock")
            ),
            SegmentRule::LeadingChar => format!("start with a letter or digit, e.g. {example}"),
            SegmentRule::DoubleDot => "use at most one `.` in a row".to_owned(),
        },
        SegmentError::TaskArg { .. } => "pass --task <group>/<id>".to_owned(),
        SegmentError::NotASlug { .. } => return None,
        SegmentError::Unprintable { .. } => {
            "type the task's group and id with visible characters only (no newline, tab or direction mark)".to_owned()
        }
    })
}

impl From<SegmentError> for CommandError {
    /// A task name refused by the slug rule (`--task`).
    fn from(err: SegmentError) -> Self {
        let hint = segment_hint(&err, NameKind::Task);
        let mut e = CommandError::user(err);
        if let Some(h) = hint {
            e = e.hint(h);
        }
        e
    }
}

impl From<ProjectIdError> for CommandError {
    fn from(err: ProjectIdError) -> Self {
        let hint = segment_hint(&err.reason, NameKind::ProjectId);
        let mut e = CommandError::user(err);
        if let Some(h) = hint {
            e = e.hint(h);
        }
        e
    }
}

impl From<EnvError> for CommandError {
    fn from(err: EnvError) -> Self {
        let hint = match &err {
            EnvError::HomeUnset => {
                "set OKSTRA_HOME to a folder okstra may use, e.g. export OKSTRA_HOME=~/.okstra"
            }
            EnvError::HomeNotAFolder { var: "HOME", .. } => {
                "move that file aside, or set OKSTRA_HOME to a folder okstra may use"
            }
            EnvError::HomeNotAFolder { .. } => {
                "point OKSTRA_HOME at a folder (okstra creates it when missing), or unset it to use ~/.okstra"
            }
            EnvError::NotANumber { .. } => "set it to a whole number, or unset it",
        };
        CommandError::user(err).hint(hint)
    }
}

impl From<DirectoryError> for CommandError {
    fn from(err: DirectoryError) -> Self {
        let hint = match &err {
            DirectoryError::Unreadable { .. } => "-C takes a folder okstra may read",
            _ => "-C takes an existing folder, e.g. -C ~/src/shop",
        };
        CommandError::user(err).hint(hint)
    }
}

impl From<TaskTypeError> for CommandError {
    fn from(err: TaskTypeError) -> Self {
        CommandError::user(err)
    }
}

impl From<DurationError> for CommandError {
    fn from(err: DurationError) -> Self {
        CommandError::user(err)
    }
}

impl From<IdError> for CommandError {
    fn from(err: IdError) -> Self {
        CommandError::user(err)
    }
}

impl From<RunRefError> for CommandError {
    fn from(err: RunRefError) -> Self {
        let hint = match &err {
            RunRefError::Ambiguous { candidates, .. } => Some(format!(
                "type more characters; candidates: {}",
                some_of(candidates, SHOWN_CANDIDATES)
            )),
            RunRefError::NotFound { .. } | RunRefError::Empty => {
                Some("`okstra ctl list` shows every run id".to_owned())
            }
        };
        let mut e = CommandError::user(err);
        if let Some(h) = hint {
            e = e.hint(h);
        }
        e
    }
}

/// How many candidates of an ambiguous run prefix a hint lists.
const SHOWN_CANDIDATES: usize = 5;

/// Returns the first `shown` items, comma-separated, and how many more there are.
fn some_of<T: fmt::Display>(items: &[T], shown: usize) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}

impl From<PathError> for CommandError {
    fn from(err: PathError) -> Self {
        CommandError::internal(err)
    }
}

impl From<GitError> for CommandError {
    fn from(err: GitError) -> Self {
        CommandError::internal(err)
    }
}

/// Returns what to change in the JSON document `name` that okstra could not read. Every
/// document okstra reads may have been edited by hand or written by a newer okstra, so each of
/// these is the user's to fix.
fn document_fix(name: &str, err: &DocumentError) -> String {
    match err {
        DocumentError::Empty => format!("{name} is empty: restore its content"),
        DocumentError::Syntax { line, column, .. } => {
            format!("fix the JSON syntax of {name} at line {line}, column {column}")
        }
        DocumentError::Field { field, .. } if field == TOP_LEVEL => {
            format!("fix the top-level fields of {name}")
        }
        DocumentError::Field { field, .. } => format!("fix `{field}` in {name}"),
        DocumentError::Version(VersionError::TooNew { .. }) => {
            format!("upgrade okstra to read {name}")
        }
        DocumentError::Version(VersionError::Malformed { kind, .. }) => {
            format!("set schemaVersion in {name} to \"{kind}/v1\", or remove it")
        }
    }
}

/// Returns the file name of `path` for a hint (the error line already gives the whole path).
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

impl From<StoreError> for CommandError {
    fn from(err: StoreError) -> Self {
        match &err {
            StoreError::Invalid { path, source } => {
                let fix = document_fix(&file_name(path), source);
                let hint = if matches!(source, DocumentError::Version(VersionError::TooNew { .. }))
                {
                    fix
                } else {
                    format!("{fix}, or move it aside to let okstra start it again")
                };
                CommandError::user(err).hint(hint)
            }
            StoreError::Row { .. } => CommandError::user(err)
                .hint("upgrade okstra to read rows written by a newer version"),
            StoreError::Io(_) | StoreError::Encode { .. } => CommandError::internal(err),
        }
    }
}

/// Returns how to fix an unreadable `.okstra/project.json`.
fn project_json_hint(err: &DocumentError) -> String {
    const FILE: &str = ".okstra/project.json";
    match err {
        DocumentError::Empty => format!(
            "write a JSON object into {FILE}, at least {{\"projectId\": \"<id>\"}}, \
             or delete it and run `okstra init`"
        ),
        DocumentError::Field { field, .. } if field == TOP_LEVEL => format!(
            "make {FILE} a JSON object with at least a projectId, e.g. {{\"projectId\": \"shop\"}}"
        ),
        DocumentError::Syntax { .. } => format!(
            "{}; it is a JSON object whose keys are all optional but projectId",
            document_fix(FILE, err)
        ),
        DocumentError::Field { .. } | DocumentError::Version(_) => document_fix(FILE, err),
    }
}

impl From<ProjectError> for CommandError {
    fn from(err: ProjectError) -> Self {
        match err {
            ProjectError::Invalid { ref source, .. } => {
                let hint = project_json_hint(source);
                CommandError::user(err).hint(hint)
            }
            ProjectError::NotFound { .. } => CommandError::user(err)
                .hint("run `okstra init` in the project root, or pass -C <DIR>"),
            ProjectError::BadFolderName { .. } => {
                CommandError::user(err).hint("pass --project-id <ID> to okstra init")
            }
            ProjectError::IdTaken { .. } => CommandError::user(err).hint(
                "pass another --project-id, or omit it to take a free id from the folder name",
            ),
            ProjectError::IdTakenMeanwhile { .. } => {
                CommandError::user(err).hint("run the command again: okstra takes the next free id")
            }
            ProjectError::Store(e) => e.into(),
            ProjectError::Io(e) => e.into(),
        }
    }
}

impl From<WorktreeError> for CommandError {
    fn from(err: WorktreeError) -> Self {
        match &err {
            WorktreeError::BaseRefRequired { .. } => CommandError::user(err)
                .hint("pass --base-ref <REF> (e.g. --base-ref main) the first time a task runs"),
            WorktreeError::BaseRefMismatch { .. } => CommandError::user(err)
                .hint("omit --base-ref to use the task's anchor, or use a new task id"),
            WorktreeError::BadBaseRef { .. } => CommandError::user(err)
                .hint("use a branch, tag or commit that exists, e.g. --base-ref main"),
            WorktreeError::BranchTaken { .. } => CommandError::user(err)
                .hint("use another task id: the two tasks would share one branch name"),
            WorktreeError::BadCategory { .. } => CommandError::user(err)
                .hint("set workCategory in .okstra/project.json to a slug such as feat or fix"),
            // Only a clash of two common dirs' short hashes makes it: okstra's, not the user's.
            WorktreeError::KeyTaken { .. } | WorktreeError::Git(_) => CommandError::internal(err),
            WorktreeError::Store(_) => match err {
                WorktreeError::Store(e) => e.into(),
                _ => unreachable!("matched above"),
            },
        }
    }
}

impl From<PrepareError> for CommandError {
    fn from(err: PrepareError) -> Self {
        match err {
            PrepareError::Project(e) => e.into(),
            PrepareError::Worktree(e) => e.into(),
            PrepareError::SeqExists { .. } => CommandError::user(err)
                .hint("unset OKSTRA_RUN_SEQ_OVERRIDE, or choose a seq that is not taken"),
            PrepareError::Store(e) => e.into(),
            PrepareError::Io(e) => e.into(),
        }
    }
}

impl From<FindRunError> for CommandError {
    fn from(err: FindRunError) -> Self {
        match err {
            FindRunError::Ref(e) => e.into(),
            FindRunError::Store(e) => e.into(),
        }
    }
}

impl From<StdoutError> for CommandError {
    fn from(err: StdoutError) -> Self {
        CommandError::internal(err)
    }
}

/// Returns how a command ends when writing its data to stdout failed.
///
/// A closed pipe is no failure: the reader (`okstra ctl list | head -1`) stopped because it
/// had what it wanted, so the command's own outcome stands, quietly — exit 0 when it
/// succeeded, not the 141 of a process killed by SIGPIPE, so `set -o pipefail` scripts that
/// cut okstra's output short keep working. Any other failure (a full disk, `> /dev/full`)
/// lost data: okstra's failure, exit 1 — unless the command had failed on its own, whose
/// error is the one to show.
pub fn with_stdout_failure(
    result: Result<ExitStatus, CommandError>,
    failure: StdoutError,
) -> Result<ExitStatus, CommandError> {
    match result {
        Ok(_) if !failure.is_closed_pipe() => Err(failure.into()),
        other => other,
    }
}

/// Returns the user error of settings that cannot be resolved; `project_json` is the file a
/// bad project value is in.
pub fn settings_error(err: ResolveError, project_json: &Path) -> CommandError {
    match err {
        ResolveError::Project(e) => {
            CommandError::user_message(format!("{}: {e}", project_json.display()))
                .hint("fix the value in .okstra/project.json")
        }
        ResolveError::Env { .. } => {
            CommandError::user(err).hint("set it to a whole number from 1, or unset it")
        }
    }
}

impl From<PlanError> for CommandError {
    fn from(err: PlanError) -> Self {
        const FORMAT: &str = "its format is in README.md, \"Replay fixtures\"";
        let hint = match &err {
            PlanError::UnknownAgent { .. } => {
                "use claude, codex or gemini, or define the agent under `agents` in .okstra/project.json".to_owned()
            }
            PlanError::AgentField { .. } => {
                "complete the agent's entry in .okstra/project.json".to_owned()
            }
            PlanError::Fixture { path, source } => {
                format!("{}; {FORMAT}", document_fix(&file_name(path), source))
            }
            PlanError::FixtureIo { .. } => format!(
                "point the agent's `fixture` in .okstra/project.json at a readable file, \
                 relative to the project root; {FORMAT}"
            ),
            PlanError::PushGuard(_) => "fix or unset GIT_CONFIG_COUNT and GIT_CONFIG_KEY_<n> / \
                                        GIT_CONFIG_VALUE_<n>, and check `git config --list` in \
                                        the worktree"
                .to_owned(),
            _ => "check --workers and .okstra/project.json".to_owned(),
        };
        CommandError::user(err).hint(hint)
    }
}

impl From<ReportError> for CommandError {
    /// A report file given on the command line (`okstra render`): a bad one is the user's.
    fn from(err: ReportError) -> Self {
        match err {
            ReportError::NotData { .. } => {
                CommandError::user(err).hint("name a final-report-<type>-<seq>.data.json")
            }
            ReportError::Invalid {
                ref path,
                ref source,
            } => {
                let hint = match source {
                    DocumentError::Version(_) => document_fix(&file_name(path), source),
                    _ => format!(
                        "{}, or re-run the task type to write it again",
                        document_fix(&file_name(path), source)
                    ),
                };
                CommandError::user(err).hint(hint)
            }
            ReportError::Version { .. } => {
                CommandError::user(err).hint("upgrade okstra to render this report")
            }
            ReportError::Schema { .. } => CommandError::user(err)
                .hint("fix the data, or re-run the task type to write it again"),
            ReportError::Io(e) if e.source.kind() == std::io::ErrorKind::NotFound => {
                CommandError::user(e).hint("name an existing data.json")
            }
            ReportError::Io(_) | ReportError::Json { .. } | ReportError::Render { .. } => {
                CommandError::internal(err)
            }
        }
    }
}

impl From<RunError> for CommandError {
    fn from(err: RunError) -> Self {
        match err {
            RunError::Prepare(e) => e.into(),
            RunError::Store(e) => e.into(),
            RunError::Plan(e) => e.into(),
            RunError::Stage(e) => e.into(),
            RunError::StageRun(e) => e.into(),
            RunError::FinalVerification(e) => e.into(),
            RunError::Brief { .. } => CommandError::user(err)
                .hint("make the task's brief.md a readable UTF-8 file, or pass --brief FILE"),
            RunError::PriorReport(PriorReportError::Invalid { .. }) => CommandError::user(err)
                .hint("fix that report (`okstra validate` names its problems) or move it aside"),
            RunError::NotHere => CommandError::user(err)
                .hint("okstra mcp starts runs with start_run / resume_run, which never drive one in the server"),
            RunError::Busy { .. } => CommandError::user(err)
                .hint("wait for it to end, or stop it (Ctrl-C, or kill the okstra process) first"),
            RunError::NotRunnable { .. } => CommandError::user(err).hint(
                "run requirements-discovery, error-analysis, implementation-planning, implementation, final-verification or release-handoff",
            ),
            RunError::Handoff(e) => (*e).into(),
            RunError::Related(e) => e.into(),
            RunError::NoBrief { .. } => CommandError::user(err).hint(
                "pass --brief FILE, or --brief-text \"…\": the brief is what the workers are paid to read",
            ),
            RunError::NoAnalyserCanRun { ref workers } => {
                // Each worker's reason names its fix.
                let hints: Vec<String> = workers.iter().map(|(w, why)| format!("{w}: {why}")).collect();
                let mut e = CommandError::user(err);
                e.hints = hints;
                e.hint(
                    "`okstra doctor` checks every worker CLI; --workers chooses other analysers",
                )
            }
            // A report okstra made itself that does not hold is okstra's failure.
            RunError::Io(_)
            | RunError::ResultFile(_)
            | RunError::Report(_)
            | RunError::Prompt(_)
            | RunError::PriorReport(PriorReportError::Io(_))
            | RunError::Runtime(_)
            | RunError::StagePhase(_)
            | RunError::Task { .. } => CommandError::internal(err),
        }
    }
}

impl From<crate::brief::BriefError> for CommandError {
    fn from(err: crate::brief::BriefError) -> Self {
        use crate::brief::BriefError;
        let hint = match &err {
            BriefError::Io { .. } | BriefError::NotAFile { .. } => {
                "--brief takes a readable markdown file"
            }
            BriefError::TooBig { .. } => {
                "keep the brief to what the workers must read; link longer material from it"
            }
            BriefError::NotText { .. } => "save the brief as UTF-8 markdown",
            BriefError::Empty { .. } => {
                "write what the workers should look into, or pass --brief-text \"…\""
            }
        };
        CommandError::user(err).hint(hint)
    }
}

mod ctl;
mod detach;
mod final_verification;
mod gc;
mod handoff;
mod ledger;
mod plan;
mod refusal;
mod skill;
mod stage;
#[cfg(test)]
mod tests;
