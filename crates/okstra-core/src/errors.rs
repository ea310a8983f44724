//! Owns core's error types: one per operation, carrying data (the value, the line, the path
//! text) rather than preformatted messages. Blame and exit codes are decided by the CLI.
//! `IdError` and `RunRefError` are defined in `ids.rs`, beside the operations that return them,
//! and re-exported here.

use std::fmt;

use thiserror::Error;

// The id errors live beside the parsers and resolvers that return them; they stay reachable here
// with every other core error.
pub use crate::ids::{IdError, RunRefError};

/// Why a raw group, id or project name cannot become a segment (SPEC §1).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SegmentError {
    #[error("the name is empty")]
    Empty,
    #[error("{value:?} looks like a path (it contains `/`, `\\`, `..` or a NUL byte)")]
    PathLike { value: String },
    #[error("{value:?} has no ASCII letters or digits, so it slugs to nothing")]
    SlugsToNothing { value: String, non_ascii: bool },
    #[error("{value:?} slugs to {len} characters; the limit is 100")]
    TooLong { value: String, len: usize },
    #[error("{value:?} slugs to {slug:?}, which {rule}")]
    Invalid {
        value: String,
        slug: String,
        rule: SegmentRule,
    },
    #[error("{value:?} is not in slug form")]
    NotASlug { value: String },
    /// A raw task name is shown as typed (tables, reports): a newline, tab, other control
    /// character or invisible direction mark in it could forge a row or reorder a line.
    #[error("{value:?} holds a control character or an invisible formatting mark")]
    Unprintable { value: String },
    #[error("{value:?} is not a task: expected <group>/<id>, e.g. payments/dev-9495")]
    TaskArg { value: String },
    #[error("the {part} in {value:?} is empty")]
    EmptyPart { value: String, part: TaskPart },
}

/// The rule of SPEC §1 a slug breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentRule {
    /// It must start with a letter or digit.
    LeadingChar,
    /// It must not contain `..`.
    DoubleDot,
    /// It must not end in `.lock` (git keeps such names for its lock files).
    LockSuffix,
}

impl fmt::Display for SegmentRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SegmentRule::LeadingChar => "does not start with a letter or digit",
            SegmentRule::DoubleDot => "contains `..`",
            SegmentRule::LockSuffix => "ends in `.lock` (git keeps such names for its lock files)",
        })
    }
}

/// Which half of a `<group>/<id>` task argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskPart {
    Group,
    Id,
}

impl fmt::Display for TaskPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskPart::Group => "task group",
            TaskPart::Id => "task id",
        })
    }
}

/// A raw project id (`okstra init --project-id`) that cannot be one.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{value:?} cannot be a project id")]
pub struct ProjectIdError {
    pub value: String,
    #[source]
    pub reason: SegmentError,
}

/// An unknown task type name.
#[derive(Debug, Error, PartialEq, Eq)]
#[error(
    "unknown task type {value:?}; expected one of requirements-discovery, error-analysis, \
     implementation-planning, implementation, final-verification, release-handoff"
)]
pub struct TaskTypeError {
    pub value: String,
}

/// A bad duration text.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{value:?} is not a duration; write e.g. 500ms, 2s, 30m or 1h")]
pub struct DurationError {
    pub value: String,
}

/// A persisted shape whose version okstra cannot read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum VersionError {
    #[error("schema version {found:?} is not of the form {kind}/v<N>")]
    Malformed { kind: String, found: String },
    #[error("{kind} version {major} is newer than this okstra understands (it reads v1)")]
    TooNew { kind: String, major: u32 },
}

/// A JSON document (project.json, a manifest, …) that cannot be read.
#[derive(Debug, Error)]
pub enum DocumentError {
    #[error("the file is empty")]
    Empty,
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{field}: {message}")]
    Field { field: String, message: String },
    #[error(transparent)]
    Version(#[from] VersionError),
}

impl DocumentError {
    /// Returns the error for a serde_json failure, keeping its position.
    pub fn from_json(err: &serde_json::Error) -> Self {
        let message = err.to_string();
        // serde_json appends " at line L column C"; keep the message without it.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.clone(), |(m, _)| m.to_owned());
        DocumentError::Syntax {
            line: err.line(),
            column: err.column(),
            message,
        }
    }
}

/// A JSONL line that cannot be decoded.
#[derive(Debug, Error)]
#[error("line {line}: {message}")]
pub struct JsonlLineError {
    pub line: usize,
    pub message: String,
}
