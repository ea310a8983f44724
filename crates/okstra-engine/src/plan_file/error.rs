//! Owns the errors of plan files: a plan argument that names nothing usable, a plan whose
//! files cannot be read or disagree (the approval mirror), and the refusals of `approve`,
//! `plan answer` and `plan import`. Each carries the paths and values a person needs; blame
//! and hints are the CLI's.

use std::fmt;
use std::path::PathBuf;

use okstra_core::plan::Violation;
use thiserror::Error;

use crate::errors::{PathError, PrepareError, ReportError, StoreError};
use crate::runs::FindRunError;

/// A plan that cannot be found, read, changed or imported.
#[derive(Debug, Error)]
pub enum PlanFileError {
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },
    #[error(
        "{} is not a plan: a plan is a markdown file, a final-report-<type>-<seq>.data.json or a run",
        path.display()
    )]
    NotAPlanFile { path: PathBuf },
    #[error(
        "run {run_id} is of task type {task_type}: only implementation-planning runs have a plan"
    )]
    NotAPlanRun { run_id: String, task_type: String },
    #[error("{} is the report of a run of task type {task_type}, not a plan", path.display())]
    NotAPlanReport { path: PathBuf, task_type: String },
    #[error("run {run_id} has no report yet: neither {} nor its markdown exists", data.display())]
    NoReport { run_id: String, data: PathBuf },
    #[error("task {task} has no implementation-planning report under {}", dir.display())]
    NoTaskPlan { task: String, dir: PathBuf },
    #[error("{}: not UTF-8 text", path.display())]
    NotText { path: PathBuf },
    #[error("{}: its front matter cannot be read: {source}", path.display())]
    Frontmatter {
        path: PathBuf,
        #[source]
        source: okstra_core::report::FrontmatterError,
    },
    #[error(
        "{}: approved is {}, but its data {} says {}: the markdown was edited by hand",
        markdown.display(), shown(*markdown_approved), data.display(), shown(*data_approved)
    )]
    Mirror {
        markdown: PathBuf,
        data: PathBuf,
        markdown_approved: Option<bool>,
        data_approved: Option<bool>,
    },
    #[error("{} has no plan: its report data carries neither a structured plan nor a markdown plan body", path.display())]
    NoPlan { path: PathBuf },
    #[error("{}: no clarification item {id:?}; its items are: {}", path.display(), list_or_none(known))]
    UnknownClarification {
        path: PathBuf,
        id: String,
        known: Vec<String>,
    },
    #[error("{}: {source}", path.display())]
    Edit {
        path: PathBuf,
        #[source]
        source: okstra_core::plan::PlanEditError,
    },
    #[error("{} fails plan check ({} violation{}):\n{}", path.display(), violations.len(), if violations.len() == 1 { "" } else { "s" }, lines(violations, shown_path))]
    Failing {
        path: PathBuf,
        /// The path as the diagnostics print it.
        shown_path: String,
        violations: Vec<Violation>,
    },
    #[error("{} cannot be approved:\n{}", path.display(), reasons.iter().map(|r| format!("- {r}")).collect::<Vec<_>>().join("\n"))]
    Unapprovable {
        path: PathBuf,
        reasons: Vec<ApprovalBlocker>,
    },
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    FindRun(#[from] FindRunError),
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] PathError),
}

/// One reason a plan cannot be approved (SPEC §7.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApprovalBlocker {
    /// The plan-body gate blocked the plan.
    Gate { result: String, reason: String },
    /// A `Blocks=approval` clarification item that is neither resolved nor obsolete.
    OpenItem {
        id: String,
        status: String,
        question: String,
    },
    /// Section 1 exists but cannot be parsed.
    Section1 { message: String },
    /// A Stage Map rule, heading keyword or option rule that fails, as its diagnostic line.
    Rule { diagnostic: String },
    /// The markdown's `approved` differs from its data's.
    Mirror { message: String },
}

impl fmt::Display for ApprovalBlocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApprovalBlocker::Gate { result, reason } => {
                write!(f, "the plan-body gate is {result}: {reason}")
            }
            ApprovalBlocker::OpenItem {
                id,
                status,
                question,
            } => write!(f, "{id} (Status={status}): {question}"),
            ApprovalBlocker::Section1 { message: text }
            | ApprovalBlocker::Rule { diagnostic: text }
            | ApprovalBlocker::Mirror { message: text } => f.write_str(text),
        }
    }
}

/// Returns `approved` as written: `true`, `false`, or `missing`.
fn shown(approved: Option<bool>) -> &'static str {
    match approved {
        Some(true) => "true",
        Some(false) => "false",
        None => "missing",
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn lines(violations: &[Violation], path: &str) -> String {
    violations
        .iter()
        .map(|v| v.display_in(path))
        .collect::<Vec<_>>()
        .join("\n")
}
