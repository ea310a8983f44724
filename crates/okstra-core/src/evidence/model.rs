//! Owns the recorded shapes of a stage's evidence (SPEC §8): what okstra itself ran and saw
//! on a stage's head — validation commands with their exit codes, the TDD proof, the DB gate,
//! okstra's own diff findings — as recorded in the carry sidecar and the implementation report.
//! Nothing here is a model's claim: the engine fills these from processes it ran and git objects
//! it read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most bytes of a command's output kept as its tail.
pub const OUTPUT_TAIL_BYTES: usize = 4096;

/// One command okstra ran, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommandEvidence {
    /// The command line as written in the plan or `qaCommands` (run with `sh -c`).
    pub command: String,
    /// The folder it ran in, relative to the project root where possible.
    pub cwd: String,
    /// The commit it ran on.
    pub commit: String,
    /// `None` when it was killed (deadline) or could not start.
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    /// The last [`OUTPUT_TAIL_BYTES`] of stdout and stderr together, redacted.
    pub output_tail: String,
    /// Why it has no exit code (deadline, spawn failure).
    #[serde(default)]
    pub note: Option<String>,
}

impl CommandEvidence {
    /// Returns whether the command ran and exited 0.
    pub fn passed(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// The TDD proof of a stage: its Stage Validation must fail at the last `RED:` commit and pass
/// at the head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TddProof {
    pub verdict: TddVerdict,
    /// The last commit whose subject starts `RED:`.
    pub red_commit: Option<String>,
    /// The Stage Validation at the RED commit (expected to fail).
    pub at_red: Vec<CommandEvidence>,
    /// One line: why the verdict is what it is.
    pub reason: String,
}

/// What the TDD proof concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TddVerdict {
    /// RED failed and the head passes.
    Proven,
    /// The stage is TDD-exempt (the plan's `TDD exemption:` line).
    Exempt,
    /// No `RED:` commit in `base..head`.
    NoRedCommit,
    /// The validation already passed at the RED commit.
    RedPassed,
    /// The validation fails at the head.
    HeadFails,
    /// The project is not in git: there are no commits to prove the order on. The stage may
    /// pass on its Stage Validation and the verifier, and its carry and report say the TDD
    /// order is unproven.
    NoGit,
}

impl TddVerdict {
    /// Returns whether the proof holds (or is not asked for, or cannot be made outside git).
    pub fn holds(self) -> bool {
        matches!(
            self,
            TddVerdict::Proven | TddVerdict::Exempt | TddVerdict::NoGit
        )
    }
}

/// The DB gate of a stage (SPEC §8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DbGate {
    pub status: DbGateStatus,
    /// The changed files that made the diff a DB change, with the pattern each matched.
    pub triggers: Vec<String>,
    /// The DB validation that ran (the plan's DB validation step, else `qaCommands.db-test`).
    pub evidence: Option<CommandEvidence>,
}

/// What the DB gate concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DbGateStatus {
    /// The diff touches no DB / SQL code.
    NotApplicable,
    /// A DB validation ran and passed.
    Verified,
    /// A DB validation ran and failed.
    Failed,
    /// The diff touches DB code and no DB validation is configured: the stage may pass, but
    /// final verification and hand-off refuse it until `--reverify` records a real run.
    Unverified,
}

/// A finding okstra's own checks make on a stage's diff (e.g. a real-IO test in the source
/// tree), in the verifier's finding shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiffFinding {
    /// `path:line`.
    pub at: String,
    /// The rule, e.g. `real-io-test-in-source-tree`.
    pub rule: String,
    pub severity: DiffSeverity,
    pub message: String,
    pub fix: String,
}

/// How much a diff finding weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DiffSeverity {
    /// Fails the stage.
    Blocking,
    /// Reported, does not fail the stage.
    Advisory,
}

/// One commit of a stage's range `base..head`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageCommit {
    pub sha: String,
    pub subject: String,
}

/// Everything okstra checked on a stage's head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageEvidence {
    pub base: String,
    pub head: String,
    /// `git rev-parse <head>^{tree}`: evidence is bound to this tree.
    pub head_tree: String,
    pub commits: Vec<StageCommit>,
    pub files_changed: Vec<String>,
    /// The Stage Validation commands at the head.
    pub validation: Vec<CommandEvidence>,
    pub tdd_proof: TddProof,
    pub db_gate: DbGate,
    /// okstra's own blocking and advisory findings on the diff.
    pub findings: Vec<DiffFinding>,
}

impl StageEvidence {
    /// Returns why okstra's own evidence fails the stage, whatever the verifier says; empty
    /// when it holds.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for v in self.validation.iter().filter(|v| !v.passed()) {
            out.push(format!(
                "Stage Validation `{}` {}",
                v.command,
                v.exit_code
                    .map_or_else(|| "did not finish".to_owned(), |c| format!("exited {c}"))
            ));
        }
        if !self.tdd_proof.verdict.holds() {
            out.push(format!("TDD proof: {}", self.tdd_proof.reason));
        }
        if self.db_gate.status == DbGateStatus::Failed {
            out.push("the DB validation failed".to_owned());
        }
        for f in self
            .findings
            .iter()
            .filter(|f| f.severity == DiffSeverity::Blocking)
        {
            out.push(format!("{} {}: {}", f.at, f.rule, f.message));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(exit_code: Option<i32>) -> CommandEvidence {
        CommandEvidence {
            command: "cargo test".into(),
            cwd: ".".into(),
            commit: "abc".into(),
            exit_code,
            duration_ms: 1,
            output_tail: String::new(),
            note: None,
        }
    }

    #[test]
    fn failures_name_each_broken_piece() {
        let mut evidence = StageEvidence {
            base: "a".into(),
            head: "b".into(),
            head_tree: "t".into(),
            commits: vec![],
            files_changed: vec![],
            validation: vec![command(Some(0))],
            tdd_proof: TddProof {
                verdict: TddVerdict::Proven,
                red_commit: Some("r".into()),
                at_red: vec![command(Some(1))],
                reason: "RED failed, the head passes".into(),
            },
            db_gate: DbGate {
                status: DbGateStatus::Unverified,
                triggers: vec!["migrations/1.sql (migrations/**)".into()],
                evidence: None,
            },
            findings: vec![],
        };
        assert!(
            evidence.failures().is_empty(),
            "an unverified DB gate does not fail the stage"
        );
        evidence.validation.push(command(None));
        evidence.tdd_proof.verdict = TddVerdict::RedPassed;
        evidence.tdd_proof.reason = "the validation passed at the RED commit".into();
        evidence.findings.push(DiffFinding {
            at: "src/db_test.rs:3".into(),
            rule: "real-io-test-in-source-tree".into(),
            severity: DiffSeverity::Blocking,
            message: "opens a TCP socket".into(),
            fix: "move it under the task's qa/".into(),
        });
        let failures = evidence.failures();
        assert_eq!(failures.len(), 3, "{failures:?}");
        assert!(failures[0].contains("did not finish"));
        assert!(failures[1].contains("RED commit"));
        assert!(failures[2].starts_with("src/db_test.rs:3 real-io"));
    }
}
