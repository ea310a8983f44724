//! Owns the verifier's answer contract (SPEC §8): the block a stage's verifier ends its answer
//! with — `{"verdict": "PASS|FAIL", "findings": [{"at": "path:line", "rule", "severity":
//! "blocking|advisory", "message", "fix"}]}` — checked by its committed JSON Schema (generated
//! from the types here) and by the rules a schema cannot say: every `at` is a `path:line`, a
//! `FAIL` cites at least one blocking finding, and a `PASS` cites none. The error text is what
//! the one re-dispatch appends under `## Rejected answer`.
//!
//! What the verdict means for the stage is `decide`'s; running the verifier is the engine's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::carry::{Verdict, VerifierVerdict};
use crate::evidence::{DiffFinding, DiffSeverity};
use crate::findings::contract::{BlockError, decode_checked};

/// The committed JSON Schema of the verifier's verdict block.
pub const STAGE_VERDICT_SCHEMA: &str =
    include_str!("../../schemas/stage-verdict-block.schema.json");

/// The block a stage's verifier ends its answer with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "okstra stage verdict block (implementation verifier)")]
pub struct StageVerdictBlock {
    /// `PASS` when the stage meets its plan and breaks no blocking rule, else `FAIL`.
    pub verdict: Verdict,
    /// Every finding, blocking or advisory (empty for a clean PASS).
    pub findings: Vec<VerifierFinding>,
}

/// One finding of the verifier on the stage's diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifierFinding {
    /// `path:line` (or `path:line-line`) in the stage worktree.
    pub at: String,
    /// The rule of the catalog, e.g. `untruthful-name`.
    pub rule: String,
    /// `blocking` fails the stage; `advisory` is reported.
    pub severity: DiffSeverity,
    /// What is wrong, in one or two sentences.
    #[serde(default)]
    pub message: String,
    /// The suggested fix.
    pub fix: String,
}

impl VerifierFinding {
    /// Returns the finding in the shape the carry and the report record.
    pub fn to_diff_finding(&self) -> DiffFinding {
        DiffFinding {
            at: self.at.clone(),
            rule: self.rule.clone(),
            severity: self.severity,
            message: if self.message.trim().is_empty() {
                self.rule.clone()
            } else {
                self.message.clone()
            },
            fix: self.fix.clone(),
        }
    }
}

impl StageVerdictBlock {
    /// Returns the verdict as the carry and the report record it, naming the worker.
    pub fn recorded(&self, worker: &str) -> VerifierVerdict {
        VerifierVerdict {
            verdict: self.verdict,
            findings: self
                .findings
                .iter()
                .map(VerifierFinding::to_diff_finding)
                .collect(),
            worker: Some(worker.to_owned()),
        }
    }

    /// Returns the blocking findings.
    pub fn blocking(&self) -> impl Iterator<Item = &VerifierFinding> {
        self.findings
            .iter()
            .filter(|f| f.severity == DiffSeverity::Blocking)
    }
}

/// Why a verifier's answer is not a valid verdict block.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum StageVerdictError {
    #[error(transparent)]
    Block(#[from] BlockError),
    #[error("finding {index} cites {at:?}: `at` must be `path:line` (or `path:line-line`)")]
    BadLocation { index: usize, at: String },
    #[error("finding {index} has an empty `{field}`")]
    Empty { index: usize, field: &'static str },
    #[error(
        "the verdict is FAIL but no finding is blocking: a FAIL cites the blocking rule it rests on"
    )]
    FailWithoutBlocking,
    #[error(
        "the verdict is PASS but finding {index} ({rule}) is blocking: a blocking finding makes the verdict FAIL"
    )]
    PassWithBlocking { index: usize, rule: String },
}

/// Returns the verdict block a verifier ended its answer with, or what is wrong with it.
pub fn check_stage_verdict_answer(text: &str) -> Result<StageVerdictBlock, StageVerdictError> {
    let block: StageVerdictBlock = decode_checked(text, "stage verdict", STAGE_VERDICT_SCHEMA)?;
    for (index, f) in block.findings.iter().enumerate() {
        if !is_location(&f.at) {
            return Err(StageVerdictError::BadLocation {
                index,
                at: f.at.clone(),
            });
        }
        for (field, value) in [("rule", &f.rule), ("fix", &f.fix)] {
            if value.trim().is_empty() {
                return Err(StageVerdictError::Empty { index, field });
            }
        }
    }
    match block.verdict {
        Verdict::Fail if block.blocking().next().is_none() => {
            Err(StageVerdictError::FailWithoutBlocking)
        }
        Verdict::Pass => match block
            .findings
            .iter()
            .position(|f| f.severity == DiffSeverity::Blocking)
        {
            Some(index) => Err(StageVerdictError::PassWithBlocking {
                index,
                rule: block.findings[index].rule.clone(),
            }),
            None => Ok(block),
        },
        Verdict::Fail => Ok(block),
    }
}

/// Returns whether `at` is `path:line` or `path:line-line` with a non-empty path.
fn is_location(at: &str) -> bool {
    let Some((path, lines)) = at.trim().rsplit_once(':') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let lines_ok = match lines.split_once('-') {
        Some((a, b)) => digits(a) && digits(b),
        None => digits(lines),
    };
    !path.trim().is_empty() && lines_ok
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
